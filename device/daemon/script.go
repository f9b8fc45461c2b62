package daemon

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"stampclock/reader"
)

// ScriptStep is one line of a simulator script: a tap (with an optional
// fixed time) or a pause.
type ScriptStep struct {
	UID   []byte
	At    time.Time
	Sleep time.Duration
}

// ParseScript reads a tap script. Each line is "<RFC3339 time> <UID>",
// "now <UID>" or "sleep <duration>"; blank lines and '#' comments are
// skipped. name is used in error messages.
func ParseScript(name string, r io.Reader) ([]ScriptStep, error) {
	var steps []ScriptStep
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("script %s:%d: want \"<time> <UID>\" or \"sleep <duration>\"", name, n)
		}
		if f[0] == "sleep" {
			d, err := time.ParseDuration(f[1])
			if err != nil || d < 0 {
				return nil, fmt.Errorf("script %s:%d: sleep %q: want a duration like 500ms", name, n, f[1])
			}
			steps = append(steps, ScriptStep{Sleep: d})
			continue
		}
		uid, err := reader.ParseUID(f[1])
		if err != nil {
			return nil, fmt.Errorf("script %s:%d: %w", name, n, err)
		}
		st := ScriptStep{UID: uid}
		if f[0] != "now" {
			if st.At, err = time.Parse(time.RFC3339, f[0]); err != nil {
				return nil, fmt.Errorf("script %s:%d: time %q: want RFC 3339 or \"now\"", name, n, f[0])
			}
		}
		steps = append(steps, st)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("script %s: %w", name, err)
	}
	return steps, nil
}

// loadScript reads and checks the configured script.
func loadScript(path string) ([]ScriptStep, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reader.script: %w", err)
	}
	defer f.Close()
	return ParseScript(path, f)
}

// replayScript feeds the configured script to the simulator once.
func (d *Daemon) replayScript(ctx context.Context) error {
	for _, st := range d.script {
		if st.Sleep > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-d.opts.Timers.After(st.Sleep):
			}
			continue
		}
		if err := d.sim.Inject(ctx, reader.Tap{UID: st.UID, At: st.At, Given: !st.At.IsZero()}); err != nil {
			return nil
		}
	}
	d.log.Info("script replayed", "file", d.cfg.Reader.Script, "steps", len(d.script))
	return nil
}
