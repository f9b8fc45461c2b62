package daemon

import (
	"context"
	"fmt"
	"time"

	"stampclock/daytotal"
	"stampclock/device/config"
)

// dayTotalWait is how long `stampctl daytotal` waits for a remote source
// before it answers with the cached or local figure; the fetch goes on in
// the background (until Run ends) and fills the cache.
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
	local, err := d.reads.local.DayTotal(ctx, a.Email, day)
	if err != nil {
		return DayTotalResult{}, err
	}
	res := DayTotalResult{Email: a.Email, Date: day.String(), Source: d.reads.sourceName, Seconds: int64(local / time.Second)}
	if d.reads.remote == nil {
		return res, nil
	}
	got := d.reads.remote.ask(a.Email, day, d.remoteTimeout())
	wait := d.opts.Timers.After(dayTotalWait)
	var why string
	select {
	case ans := <-got:
		if ans.err == nil {
			s := res.Seconds
			res.LocalSeconds, res.Seconds = &s, int64(ans.total/time.Second)
			return res, nil
		}
		why = fmt.Sprintf("%s failed: %v", d.reads.sourceName, ans.err)
	case <-wait:
		why = fmt.Sprintf("%s is not answering (asked %s ago; still trying in the background)", d.reads.sourceName, dayTotalWait)
	case <-ctx.Done():
		return DayTotalResult{}, ctx.Err()
	}
	s := res.Seconds
	res.LocalSeconds = &s
	if v, ok := d.reads.remote.peek(a.Email, day); ok {
		res.Seconds, res.Cached = int64(v/time.Second), true
		res.Note = why + "; showing its last figure"
	} else {
		res.Source = config.SourceLocal
		res.Note = why + "; showing the local figure"
	}
	return res, nil
}
