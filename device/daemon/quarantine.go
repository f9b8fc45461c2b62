package daemon

import (
	"context"
	"fmt"
	"sync"
	"time"

	"stampclock/device/clock"
	"stampclock/queue"
)

// quarantineWatch remembers how many quarantined records were reported.
type quarantineWatch struct {
	mu   sync.Mutex
	seen uint64
}

func quarantineAlarm(n uint64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d record(s) cannot be decoded: kept as they are, not delivered; see `stampctl queue quarantine`", n)
}

// reportQuarantine raises an event (to MQTT and the log) for each record
// quarantined since the last look, in the same commit that marks it
// reported, so each is raised exactly once across restarts. n is the
// store's quarantine count.
func (d *Daemon) reportQuarantine(n uint64) {
	d.damaged.mu.Lock()
	defer d.damaged.mu.Unlock()
	if n == d.damaged.seen {
		return
	}
	at := d.opts.Clock.Now()
	boot, mono := d.opts.Clock.Boot()
	var raised []queue.Quarantine
	_, err := d.store.Update(func(tx *queue.Tx) error {
		raised = raised[:0]
		list, err := tx.UnreportedQuarantine()
		if err != nil {
			return err
		}
		for _, q := range list {
			detail := fmt.Sprintf("seq %d cannot be decoded and is quarantined (kept, not delivered): %s", q.Seq, q.Error)
			if _, err := tx.Append(queue.Record{Kind: queue.KindEvent, Event: queue.EventRecordQuarantined, At: at, Detail: detail,
				ClockSynced: clock.Trusted(at, d.opts.Clock.Synced(), d.opts.MinTime), Boot: boot, Mono: mono}); err != nil {
				return err
			}
			if err := tx.MarkQuarantineReported(q.Seq); err != nil {
				return err
			}
			raised = append(raised, q)
		}
		return nil
	})
	if err != nil {
		d.log.Error("recording record_quarantined", "err", err)
		return
	}
	d.damaged.seen = n
	for _, q := range raised {
		d.log.Error("STORE ALARM: record cannot be decoded; quarantined, kept as it is, not delivered; see `stampctl queue quarantine`", "seq", q.Seq, "err", q.Error)
		if d.metrics != nil {
			d.metrics.Error("record_quarantined")
		}
	}
	if len(raised) > 0 {
		d.wake()
	}
}

// recordCheck decodes every record once after start, in chunks, and
// quarantines those that cannot be decoded, so a damaged record is found
// even before an uplink reaches it, without delaying the start (a million
// records take seconds to decode).
func (d *Daemon) recordCheck(ctx context.Context) error {
	const chunk = 5000
	var after uint64
	total := 0
	for {
		next, n, err := d.store.QuarantineScan(after, chunk, d.opts.Clock.Now())
		if err != nil {
			d.log.Error("record check", "err", err)
			return nil
		}
		total += n
		if n > 0 {
			if st, err := d.store.Stats(); err == nil {
				d.reportQuarantine(st.Quarantined)
			}
		}
		if next == 0 {
			d.log.Debug("record check done", "quarantined", total)
			return nil
		}
		after = next
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Millisecond): // let taps and deliveries in
		}
	}
}
