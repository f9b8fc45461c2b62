package daemon

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"stampclock/device/config"
	"stampclock/uplink/daytotal"
)

// dayTotalWait is how long `stampctl daytotal` waits for a remote source
// before it answers with the cached or local figure; the fetch goes on in
// the background and fills the cache.
const dayTotalWait = 2 * time.Second

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
