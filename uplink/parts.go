package uplink

import (
	"context"
	"fmt"
	"log/slog"

	"stampclock/queue/record"
)

// CheckEntry says why rec cannot be sent as an entry (a Permanent *Error),
// or nil: it names an employee and starts no later than it ends.
func CheckEntry(rec record.Record) error {
	switch {
	case rec.Email == "":
		return &Error{Class: Permanent, Msg: "entry without email"}
	case rec.Start.IsZero() || rec.End.IsZero():
		return &Error{Class: Permanent, Msg: "entry without start or end"}
	case rec.End.Before(rec.Start):
		return &Error{Class: Permanent, Msg: "entry ends before it starts"}
	}
	return nil
}

// SkipRetraction logs that a retraction (shifts across terminals) is not
// sent by an uplink that cannot remove what it delivered: the withdrawn
// entry stays at the receiver for someone to remove by hand.
func SkipRetraction(log *slog.Logger, rec record.Record) {
	log.Warn("retraction skipped: this uplink does not remove entries; remove the withdrawn entry by hand",
		"seq", rec.Seq, "retracts", rec.Retracts, "email", rec.Email, "start", rec.Start, "end", rec.End)
}

// Parts delivers one record that its receiver stores as several items
// (segments at an offset change, reports or days at midnight), in order.
// With reconcile set (the previous attempt's outcome is unknown), each part
// is looked up first and not sent again when it is there. Once a part is
// on the receiver, a later part's Retry or Uncertain failure is returned as
// Uncertain (Partial), so the next attempt reconciles; a Permanent one
// stays Permanent and says how many parts went through. A failed look-up
// sends nothing more (Unsure).
type Parts struct {
	// N is the number of parts.
	N int
	// Nouns names the parts in errors ("segments", "reports", "days").
	Nouns string
	// Item is what a part becomes at the receiver, in logs and errors
	// ("entry", "report", "record").
	Item string
	// Lookup names the look-up in errors and logs ("query", "list").
	Lookup string
	// Where is the context of an error about part i.
	Where func(i int) string
	// Attrs describe part i in log lines; called only for a line that is
	// written (a backlog sends thousands of parts in a row).
	Attrs func(i int) []slog.Attr
	// Skip, if set, tells that part i holds nothing to send; it counts as
	// delivered.
	Skip func(i int) bool
	// Present tells whether part i is on the receiver.
	Present func(ctx context.Context, i int) (bool, error)
	// Create stores part i.
	Create func(ctx context.Context, i int) error
	// Created is the level of the line logged for each part created.
	Created slog.Level
	// Log receives the lines.
	Log *slog.Logger
}

// Send delivers the parts as Parts says.
func (p Parts) Send(ctx context.Context, reconcile bool) error {
	delivered := 0 // parts known to be on the receiver
	for i := range p.N {
		if p.Skip != nil && p.Skip(i) {
			delivered++
			continue
		}
		if reconcile {
			found, err := p.Present(ctx, i)
			if err != nil {
				p.log(ctx, i, slog.LevelWarn, "reconcile "+p.Lookup+" failed, not sending", slog.Any("err", err))
				return fmt.Errorf("%s: %w", p.Where(i), Unsure(err, fmt.Sprintf("reconcile %s failed; %s state unknown, not sent", p.Lookup, p.Item)))
			}
			if found {
				p.log(ctx, i, slog.LevelInfo, p.Item+" already on the server, not sent again")
				delivered++
				continue
			}
		}
		if err := p.Create(ctx, i); err != nil {
			p.log(ctx, i, slog.LevelWarn, "create failed", slog.Any("class", ClassOf(err)), slog.Any("err", err))
			return fmt.Errorf("%s: %w", p.Where(i), Partial(err, delivered, p.N, p.Nouns))
		}
		delivered++
		p.log(ctx, i, p.Created, p.Item+" created")
	}
	return nil
}

func (p Parts) log(ctx context.Context, i int, level slog.Level, msg string, attrs ...slog.Attr) {
	if !p.Log.Enabled(ctx, level) {
		return
	}
	p.Log.LogAttrs(ctx, level, msg, append(p.Attrs(i), attrs...)...)
}
