package daemon

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"stampclock/queue"
)

// The operator's ways out for entries held because their boot's clock
// never synchronised (queue release cannot help: they would be held
// again). Each is audited: an event record in the queue (also sent over
// MQTT) and a log line say what was done and why.

func (d *Daemon) correctBoot(a CorrectArgs) (CorrectResult, error) {
	if strings.TrimSpace(a.Reason) == "" {
		return CorrectResult{}, fmt.Errorf("queue correct: --reason is required (it is kept with the correction)")
	}
	if (a.At == "") == (a.Offset == "") {
		return CorrectResult{}, fmt.Errorf("queue correct: give either --at (the true time of seq %d) or --offset", a.Seq)
	}
	r, err := d.store.Record(a.Seq)
	if err != nil {
		return CorrectResult{}, fmt.Errorf("queue correct: seq %d: %w", a.Seq, err)
	}
	if r.ClockSynced || r.Boot == "" {
		return CorrectResult{}, fmt.Errorf("queue correct: seq %d was stamped with a synchronised clock; nothing to correct", a.Seq)
	}
	var wall time.Time
	how := ""
	if a.At != "" {
		if wall, err = time.Parse(time.RFC3339, a.At); err != nil {
			return CorrectResult{}, fmt.Errorf("queue correct: --at %q: want RFC 3339 like 2026-03-02T08:00:00+01:00", a.At)
		}
		how = fmt.Sprintf("seq %d was at %s", a.Seq, wall.UTC().Format(time.RFC3339))
	} else {
		off, err := time.ParseDuration(a.Offset)
		if err != nil {
			return CorrectResult{}, fmt.Errorf("queue correct: --offset %q: want a duration like 2345h17m or -90s", a.Offset)
		}
		wall = r.At.Add(off)
		how = "the clock was behind by " + off.String()
	}
	now := d.opts.Clock.Now()
	if wall.After(now) {
		return CorrectResult{}, fmt.Errorf("queue correct: seq %d would be at %s, after now", a.Seq, wall.UTC().Format(time.RFC3339))
	}
	n, err := d.store.CorrectBoot(r.Boot, wall, r.Mono)
	if err != nil {
		return CorrectResult{}, err
	}
	detail := fmt.Sprintf("boot %s: %d records corrected by the operator (%s); reason: %s", r.Boot, n, how, a.Reason)
	if err := d.recordEvent(d.store, queue.EventClockCorrected, detail); err != nil {
		return CorrectResult{}, fmt.Errorf("queue correct: %d records corrected, but the audit record failed: %w", n, err)
	}
	d.log.Warn("times corrected by the operator", "boot", r.Boot, "records", n, "how", how, "reason", a.Reason)
	d.wake()
	return CorrectResult{Boot: r.Boot, Corrected: n}, nil
}

func (d *Daemon) discardHeld(a DiscardArgs) (DiscardResult, error) {
	n, err := d.store.Discard(a.Uplink, a.Seqs, a.Reason, d.opts.Clock.Now())
	if err != nil {
		return DiscardResult{}, err
	}
	detail := fmt.Sprintf("%d held records discarded by the operator (seq %s); reason: %s", n, joinSeqs(a.Seqs), a.Reason)
	if err := d.recordEvent(d.store, queue.EventHeldDiscarded, detail); err != nil {
		return DiscardResult{}, fmt.Errorf("queue discard: %d discarded, but the audit record failed: %w", n, err)
	}
	d.log.Warn("held records discarded by the operator", "records", n, "seqs", joinSeqs(a.Seqs), "reason", a.Reason)
	return DiscardResult{Discarded: n}, nil
}

func joinSeqs(seqs []uint64) string {
	s := make([]string, len(seqs))
	for i, q := range seqs {
		s[i] = fmt.Sprint(q)
	}
	return strings.Join(s, ", ")
}

// releasable splits the held records a release names (all held ones when
// it names none) into those to release and those held for a clock that
// never synchronised, which a release would only hold again (one that a
// retraction withdrew is released: it is settled as withdrawn, not sent).
func (d *Daemon) releasable(a ReleaseArgs) (release, clockHeld []uint64, err error) {
	want := make(map[uint64]bool, len(a.Seqs))
	for _, q := range a.Seqs {
		want[q] = true
	}
	seen := make(map[uint64]bool)
	uplinks := d.store.Uplinks()
	if a.Uplink != "" {
		uplinks = []string{a.Uplink}
	}
	for _, up := range uplinks {
		var after uint64
		for {
			items, err := d.store.Queued(up, "held", after, 1000)
			if err != nil {
				return nil, nil, err
			}
			if len(items) == 0 {
				break
			}
			for _, it := range items {
				q := it.Record.Seq
				after = max(after, q)
				if seen[q] || (len(want) > 0 && !want[q]) {
					continue
				}
				seen[q] = true
				if it.Record.Trusted() || d.withdrawn(q) {
					release = append(release, q)
				} else {
					clockHeld = append(clockHeld, q)
				}
			}
		}
	}
	for q := range want {
		if !seen[q] {
			return nil, nil, fmt.Errorf("queue release: seq %d: %w", q, queue.ErrNotHeld)
		}
	}
	return release, clockHeld, nil
}

// release puts held records back into their uplink's queue, after the
// locked-days cache is emptied so the next check asks the timesheets API
// again. A record still on a locked day is held again.
func (d *Daemon) release(a ReleaseArgs) (ReleaseResult, error) {
	if a.Uplink != "" && !slices.Contains(d.store.Uplinks(), a.Uplink) {
		return ReleaseResult{}, fmt.Errorf("queue release: no uplink %q; have %s", a.Uplink, strings.Join(d.store.Uplinks(), ", "))
	}
	if d.reads.timesheets != nil {
		d.reads.timesheets.Forget()
	}
	seqs, clockHeld, err := d.releasable(a)
	if err != nil {
		return ReleaseResult{}, err
	}
	res := ReleaseResult{ClockHeld: clockHeld}
	if len(seqs) > 0 {
		if res.Released, err = d.store.Release(a.Uplink, seqs, d.opts.Clock.Now()); err != nil {
			return ReleaseResult{}, err
		}
	}
	if res.Withdrawn, err = d.withdrawnOf(seqs); err != nil {
		return ReleaseResult{}, fmt.Errorf("queue release: %d released: %w", res.Released, err)
	}
	d.log.Info("held records released", "uplink", a.Uplink, "count", res.Released, "clock_held", len(clockHeld), "withdrawn", len(res.Withdrawn))
	d.wake()
	return res, nil
}
