package daemon

import (
	"context"
	"fmt"
	"sync"

	"stampclock/queue"
)

// storeWatch remembers whether the store is near its size limit.
type storeWatch struct {
	mu      sync.Mutex
	warning string // "" while below the threshold
}

func (w *storeWatch) get() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.warning
}

// storeLoop warns early when the store nears store.size_limit_mb: it never
// deletes undelivered records to make room, so someone must bring the
// uplink back (or free space) in time. The warning goes to the log, the
// status, the metrics and, as a store_near_full event, to MQTT.
func (d *Daemon) storeLoop(ctx context.Context) error {
	t := d.opts.Timers.NewTicker(d.opts.HealthPoll)
	defer t.Stop()
	limit := d.cfg.Store.SizeLimitMB << 20
	threshold := limit * int64(d.cfg.Store.WarnPercent) / 100
	for {
		st, err := d.store.Stats()
		if err == nil {
			d.checkStoreSize(st.FileBytes, limit, threshold)
			d.reportQuarantine(st.Quarantined)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
	}
}

func (d *Daemon) checkStoreSize(size, limit, threshold int64) {
	d.storeWarn.mu.Lock()
	was := d.storeWarn.warning
	switch {
	case size >= threshold && was == "":
		d.storeWarn.warning = fmt.Sprintf("store is %d MB of its %d MB limit (%d%%): deliver the backlog or raise store.size_limit_mb; nothing undelivered is deleted", size>>20, limit>>20, size*100/limit)
	case size < threshold*9/10 && was != "":
		d.storeWarn.warning = ""
	}
	now := d.storeWarn.warning
	d.storeWarn.mu.Unlock()
	if now == "" || was != "" {
		if was != "" && now == "" {
			d.log.Info("store back below its warning threshold")
		}
		return
	}
	d.log.Warn("STORE NEARLY FULL", "size_bytes", size, "limit_bytes", limit)
	if d.metrics != nil {
		d.metrics.Error("store_near_full")
	}
	if err := d.recordEvent(d.store, queue.EventStoreNearFull, now); err != nil {
		d.log.Error("recording store_near_full", "err", err)
	}
	d.wake()
}
