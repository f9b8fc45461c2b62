package gpio

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/host/v3"

	"stampclock/device/feedback"
	"stampclock/internal/syncbuf"
)

var allKinds = []feedback.Kind{
	feedback.StartOK, feedback.StopOK, feedback.AlreadyStamped,
	feedback.UnknownBadge, feedback.Error, feedback.Enrolled,
}

type rig struct {
	out                *Output
	clock              *fakeClock
	buzzer, green, red *recPin
	opts               Options
}

func newRig(t *testing.T, opts Options) *rig {
	t.Helper()
	r := &rig{
		clock:  newFakeClock(),
		buzzer: &recPin{name: "buzzer"},
		green:  &recPin{name: "green"},
		red:    &recPin{name: "red"},
	}
	opts.Clock = r.clock
	r.opts = opts
	out, err := New(r.buzzer, r.green, r.red, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.out = out
	t.Cleanup(func() { _ = out.Close() })
	return r
}

// level is the pin level that means on/off for a part.
func level(on, activeLow bool) gpio.Level { return gpio.Level(on != activeLow) }

// expected returns the level history each pin must show after New and a
// full run of p: off, one level per step, off.
func (r *rig) expected(p Pattern) (buzzer, green, red []gpio.Level) {
	all := append(append(Pattern{{}}, p...), Step{})
	for _, s := range all {
		buzzer = append(buzzer, level(s.Buzzer, r.opts.BuzzerActiveLow))
		green = append(green, level(s.Green, r.opts.GreenActiveLow))
		red = append(red, level(s.Red, r.opts.RedActiveLow))
	}
	return buzzer, green, red
}

// checkNow checks that the pins currently show s.
func (r *rig) checkNow(t *testing.T, s Step, what string) {
	t.Helper()
	got := [3]gpio.Level{r.buzzer.last(), r.green.last(), r.red.last()}
	want := [3]gpio.Level{
		level(s.Buzzer, r.opts.BuzzerActiveLow),
		level(s.Green, r.opts.GreenActiveLow),
		level(s.Red, r.opts.RedActiveLow),
	}
	if got != want {
		t.Errorf("%s: buzzer/green/red = %v, want %v", what, got, want)
	}
}

func TestShow_PlaysExactLevelSequence(t *testing.T) {
	polarities := map[string]Options{
		"active-high": {},
		"active-low":  {BuzzerActiveLow: true, GreenActiveLow: true, RedActiveLow: true},
		"mixed":       {BuzzerActiveLow: true, RedActiveLow: true},
	}
	for pname, opts := range polarities {
		for _, k := range allKinds {
			t.Run(pname+"/"+k.String(), func(t *testing.T) {
				r := newRig(t, opts)
				p, ok := PatternFor(k)
				if !ok {
					t.Fatalf("no pattern for %s", k)
				}
				r.out.Show(feedback.Event{Kind: k, UID: "04A1B2C3"})
				for i, s := range p {
					w := r.clock.next(t)
					if w.d != s.D {
						t.Errorf("step %d: waited %v, want %v", i, w.d, s.D)
					}
					r.checkNow(t, s, fmt.Sprintf("step %d", i))
					w.fire()
				}
				wb, wg, wr := r.expected(p)
				eventually(t, "final off", func() bool { return r.red.count() == len(wr) })
				for _, c := range []struct {
					pin  *recPin
					want []gpio.Level
				}{{r.buzzer, wb}, {r.green, wg}, {r.red, wr}} {
					if got := c.pin.history(); !equal(got, c.want) {
						t.Errorf("%s levels = %v, want %v", c.pin.name, got, c.want)
					}
				}
				if err := r.out.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				r.checkNow(t, Step{}, "after Close")
			})
		}
	}
}

func equal(a, b []gpio.Level) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestShow_NewEventPreemptsPlayingPattern(t *testing.T) {
	r := newRig(t, Options{})
	r.out.Show(feedback.Event{Kind: feedback.Error})
	w := r.clock.next(t) // Error step 0 is playing; never fired.
	if w.d != longBeep {
		t.Fatalf("first wait %v, want %v", w.d, longBeep)
	}
	r.checkNow(t, Step{Red: true, Buzzer: true}, "error playing")

	r.out.Show(feedback.Event{Kind: feedback.StartOK})
	start, _ := PatternFor(feedback.StartOK)
	for i, s := range start {
		w := r.clock.next(t)
		if w.d != s.D {
			t.Fatalf("after pre-emption step %d: wait %v, want %v", i, w.d, s.D)
		}
		r.checkNow(t, s, "start_ok after pre-emption")
		w.fire()
	}
	eventually(t, "final off", func() bool { return r.green.last() == gpio.Low && r.green.count() == 1+1+len(start)+1 })
	r.checkNow(t, Step{}, "after start_ok")
}

func TestShow_NeverBlocksWhenPinHangs(t *testing.T) {
	r := newRig(t, Options{})
	gate := make(chan struct{})
	r.buzzer.setGate(gate) // every buzzer write now hangs until released

	// The player takes the first event and hangs in its first pin write.
	start := time.Now()
	r.out.Show(feedback.Event{Kind: feedback.StartOK})
	for i := range 1000 {
		k := allKinds[i%len(allKinds)]
		r.out.Show(feedback.Event{Kind: k})
	}
	r.out.Show(feedback.Event{Kind: feedback.UnknownBadge}) // the latest
	if d := time.Since(start); d > time.Second {
		t.Fatalf("1002 Show calls took %v with a hung pin", d)
	}

	// Release the pin: the player finishes the stale step, then must jump
	// to the latest event and drop everything in between.
	r.buzzer.setGate(nil)
	close(gate)
	var waits []time.Duration
	for {
		w := r.clock.next(t)
		waits = append(waits, w.d)
		if w.d == 1500*time.Millisecond-longBeep { // UnknownBadge step 1
			break
		}
		if len(waits) > 3 {
			t.Fatalf("waits after release = %v: stale events played", waits)
		}
		w.fire()
	}
	// At most the stale StartOK step plus the UnknownBadge steps.
	want := []time.Duration{longBeep, 1500*time.Millisecond - longBeep}
	if got := waits[len(waits)-2:]; got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("waits after release = %v, want to end in %v", waits, want)
	}
	if len(waits) > 3 {
		t.Fatalf("waits after release = %v: stale events played", waits)
	}
	r.checkNow(t, Step{Red: true}, "unknown badge step 1")
}

func TestClose_SwitchesOffAndStopsPlayer(t *testing.T) {
	r := newRig(t, Options{GreenActiveLow: true})
	r.out.Show(feedback.Event{Kind: feedback.Enrolled})
	r.clock.next(t)
	r.checkNow(t, Step{Green: true, Red: true}, "enrolled playing")
	if err := r.out.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	r.checkNow(t, Step{}, "after Close")
	n := r.green.count()
	r.out.Show(feedback.Event{Kind: feedback.StartOK}) // must not block or play
	if err := r.out.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	time.Sleep(10 * time.Millisecond)
	if got := r.green.count(); got != n {
		t.Fatalf("pin written after Close: %d writes, want %d", got, n)
	}
}

func TestNew_AbsentPinsAreSkipped(t *testing.T) {
	clock := newFakeClock()
	green := &recPin{name: "green"}
	out, err := New(nil, green, gpio.INVALID, Options{Clock: clock})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	out.Show(feedback.Event{Kind: feedback.UnknownBadge}) // red and buzzer absent
	clock.next(t).fire()
	clock.next(t).fire()
	out.Show(feedback.Event{Kind: feedback.StartOK})
	clock.next(t)
	if green.last() != gpio.High {
		t.Fatalf("green = %v, want High", green.last())
	}
	if err := out.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if green.last() != gpio.Low {
		t.Fatalf("green after Close = %v, want Low", green.last())
	}
}

func TestNew_PinErrorIsWrapped(t *testing.T) {
	boom := errors.New("boom")
	red := &recPin{name: "red", err: boom}
	_, err := New(nil, nil, red, Options{Clock: newFakeClock()})
	if !errors.Is(err, boom) {
		t.Fatalf("New error = %v, want it to wrap %v", err, boom)
	}
	if !strings.Contains(err.Error(), "red") {
		t.Errorf("error %q does not name the pin", err)
	}
}

func TestPlayer_PinFailureLoggedOnceThenCounted(t *testing.T) {
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	r := newRig(t, Options{Logger: logger})
	r.red.setErr(errors.New("sysfs gone"))
	r.out.Show(feedback.Event{Kind: feedback.Error})
	p, _ := PatternFor(feedback.Error)
	for range p {
		r.clock.next(t).fire()
	}
	r.red.setErr(nil)
	r.out.Show(feedback.Event{Kind: feedback.StartOK})
	r.clock.next(t)
	eventually(t, "recovery log", func() bool { return strings.Contains(logs.String(), "work again") })
	got := logs.String()
	if n := strings.Count(got, "level=WARN"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, got)
	}
	if !strings.Contains(got, "sysfs gone") || !strings.Contains(got, "failures=") {
		t.Errorf("log lacks the error or the count:\n%s", got)
	}
}

func TestOpen_UnknownPinName(t *testing.T) {
	// Open starts with the same host.Init; where the host drivers cannot
	// start at all there is no pin registry to look a name up in.
	if _, err := host.Init(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("periph host init (CI is set): %v", err)
		}
		t.Skipf("periph host drivers do not start here: %v", err)
	}
	_, err := Open(Options{Green: "NO_SUCH_PIN_42"})
	if err == nil {
		t.Fatal("Open with an unknown pin succeeded")
	}
	if !errors.Is(err, ErrUnknownPin) || !strings.Contains(err.Error(), "NO_SUCH_PIN_42") {
		t.Fatalf("Open error = %v, want ErrUnknownPin naming the pin", err)
	}
}
