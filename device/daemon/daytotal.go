package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"stampclock/daytotal"
	"stampclock/device/config"
)

// DayTotalArgs ask for an employee's total of a day.
type DayTotalArgs struct {
	Email string `json:"email"`
	// Date is "2006-01-02"; empty means today in the company's time zone.
	Date string `json:"date,omitempty"`
}

// DayTotalResult is the answer to `stampctl daytotal`.
type DayTotalResult struct {
	Email string `json:"email"`
	Date  string `json:"date"`
	// Source is where Seconds comes from: local, timesheets or clockodo.
	Source  string `json:"source"`
	Seconds int64  `json:"seconds"`
	// LocalSeconds is the total of the entries in the local queue, given
	// when Source is a remote system, for comparison.
	LocalSeconds *int64 `json:"local_seconds,omitempty"`
	// Cached is set when the remote source did not answer in time and
	// Seconds is the figure it gave last.
	Cached bool `json:"cached,omitempty"`
	// Note says why the figure is not the remote source's current one
	// (it is not answering, or failed).
	Note string `json:"note,omitempty"`
}

// dayTotalWait is how long `stampctl daytotal` waits for a remote source
// before it answers with the cached or local figure; the fetch goes on in
// the background and fills the cache.
const dayTotalWait = 2 * time.Second

// ReleaseArgs select held records to put back into an uplink's queue; no
// seqs means every held record of the uplink ("" = every uplink).
type ReleaseArgs struct {
	Uplink string   `json:"uplink,omitempty"`
	Seqs   []uint64 `json:"seqs,omitempty"`
}

// ReleaseResult tells how many held records were queued again.
type ReleaseResult struct {
	Released int `json:"released"`
	// ClockHeld are the held records left held because their clock never
	// synchronised: releasing them would only hold them again (see
	// `queue correct` and `queue discard`).
	ClockHeld []uint64 `json:"clock_held,omitempty"`
}

// handleMore serves the read side's commands (daytotal, queue.release) and
// hands every other command to handle.
func (d *Daemon) handleMore(ctx context.Context, cmd string, raw json.RawMessage) (any, error) {
	switch cmd {
	case "daytotal":
		var a DayTotalArgs
		if err := decodeArgs(cmd, raw, &a); err != nil {
			return nil, err
		}
		return d.dayTotal(ctx, a)
	case "queue.release":
		var a ReleaseArgs
		if err := decodeArgs(cmd, raw, &a); err != nil {
			return nil, err
		}
		return d.release(a)
	case "queue.correct":
		var a CorrectArgs
		if err := decodeArgs(cmd, raw, &a); err != nil {
			return nil, err
		}
		return d.correctBoot(a)
	case "queue.discard":
		var a DiscardArgs
		if err := decodeArgs(cmd, raw, &a); err != nil {
			return nil, err
		}
		return d.discardHeld(a)
	}
	return d.handle(ctx, cmd, raw)
}

// dayTotal asks the configured source; a remote answer also refreshes the
// value shown after the next stop. A remote source that does not answer
// within dayTotalWait, or fails, is not waited for: the answer is the
// cached figure, else the local one, with a note saying so.
func (d *Daemon) dayTotal(ctx context.Context, a DayTotalArgs) (DayTotalResult, error) {
	if !config.ValidEmail(a.Email) {
		return DayTotalResult{}, fmt.Errorf("daytotal: %q is not an email address", a.Email)
	}
	day := daytotal.DateOf(d.opts.Clock.Now(), d.cfg.Location)
	if a.Date != "" {
		v, err := daytotal.ParseDate(a.Date)
		if err != nil {
			return DayTotalResult{}, fmt.Errorf("daytotal: --date %q: want YYYY-MM-DD", a.Date)
		}
		day = v
	}
	local, err := d.more.local.DayTotal(ctx, a.Email, day)
	if err != nil {
		return DayTotalResult{}, err
	}
	res := DayTotalResult{Email: a.Email, Date: day.String(), Source: d.more.sourceName, Seconds: int64(local / time.Second)}
	if d.more.remote == nil {
		return res, nil
	}
	type answer struct {
		total time.Duration
		err   error
	}
	got := make(chan answer, 1)
	go func() {
		rctx, cancel := context.WithTimeout(context.Background(), d.remoteTimeout())
		defer cancel()
		total, err := d.more.source.DayTotal(rctx, a.Email, day)
		if err == nil {
			d.more.remote.put(a.Email, day, total)
		}
		got <- answer{total, err}
	}()
	wait := time.NewTimer(dayTotalWait)
	defer wait.Stop()
	var why string
	select {
	case ans := <-got:
		if ans.err == nil {
			s := res.Seconds
			res.LocalSeconds, res.Seconds = &s, int64(ans.total/time.Second)
			return res, nil
		}
		why = fmt.Sprintf("%s failed: %v", d.more.sourceName, ans.err)
	case <-wait.C:
		why = fmt.Sprintf("%s is not answering (asked %s ago; still trying in the background)", d.more.sourceName, dayTotalWait)
	case <-ctx.Done():
		return DayTotalResult{}, ctx.Err()
	}
	s := res.Seconds
	res.LocalSeconds = &s
	if v, ok := d.more.remote.peek(a.Email, day); ok {
		res.Seconds, res.Cached = int64(v/time.Second), true
		res.Note = why + "; showing its last figure"
	} else {
		res.Source = config.SourceLocal
		res.Note = why + "; showing the local figure"
	}
	return res, nil
}

// release puts held records back into their uplink's queue, after the
// locked-days cache is emptied so the next check asks the timesheets API
// again. A record still on a locked day is held again.
func (d *Daemon) release(a ReleaseArgs) (ReleaseResult, error) {
	if a.Uplink != "" && !slices.Contains(d.store.Uplinks(), a.Uplink) {
		return ReleaseResult{}, fmt.Errorf("queue release: no uplink %q; have %s", a.Uplink, strings.Join(d.store.Uplinks(), ", "))
	}
	if d.more.timesheets != nil {
		d.more.timesheets.Forget()
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
	d.log.Info("held records released", "uplink", a.Uplink, "count", res.Released, "clock_held", len(clockHeld))
	d.wake()
	return res, nil
}
