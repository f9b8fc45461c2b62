package feedback

import "log/slog"

// Log is the feedback output of a terminal without buzzer, LEDs or display
// (and of the demo): it writes each event to the log.
type Log struct{ L *slog.Logger }

// Show logs ev.
func (l Log) Show(ev Event) {
	attrs := []any{"kind", ev.Kind.String(), "badge", ev.UID, "email", ev.Email}
	if ev.DayTotal > 0 {
		attrs = append(attrs, "day_total", ev.DayTotal.String())
	}
	if ev.Msg != "" {
		attrs = append(attrs, "msg", ev.Msg)
	}
	l.L.Info("feedback", attrs...)
}

// Multi shows each event on every output in turn. Outputs must not block.
type Multi []interface{ Show(Event) }

// Show passes ev to every output.
func (m Multi) Show(ev Event) {
	for _, o := range m {
		o.Show(ev)
	}
}
