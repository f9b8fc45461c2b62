package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"stampclock/device/agent"
	"stampclock/device/control"
	"stampclock/queue"
	"stampclock/reader"
	"stampclock/uplink"
	"stampclock/uplink/mqtt"
)

// Status is the answer to `stampctl status`.
type Status struct {
	Device  string    `json:"device"`
	Version string    `json:"version"`
	Reader  string    `json:"reader"`
	Started time.Time `json:"started"`
	Clock   struct {
		Now      time.Time `json:"now"`
		Synced   bool      `json:"synced"`
		Timezone string    `json:"timezone"`
		Boot     string    `json:"boot"`
		// Untrusted counts records stamped while the clock could not be
		// trusted and not (yet) corrected.
		Untrusted uint64 `json:"untrusted"`
	} `json:"clock"`
	// QueueDepth sums the uplinks' queues by state.
	QueueDepth struct {
		Pending   uint64 `json:"pending"`
		Held      uint64 `json:"held"`
		Dead      uint64 `json:"dead"`
		Delivered uint64 `json:"delivered"`
	} `json:"queue_depth"`
	// ReaderHealth is the badge reader's state (hardware readers only).
	ReaderHealth *ReaderHealth `json:"reader_health,omitempty"`
	// StoreAlarm is set when a damaged store was moved aside at start-up.
	StoreAlarm *StoreAlarm     `json:"store_alarm,omitempty"`
	Queue      queue.Stats     `json:"queue"`
	Uplinks    []uplink.Status `json:"uplinks"`
	// MQTT is the broker connection, when the MQTT uplink is on.
	MQTT *mqtt.ConnState `json:"mqtt,omitempty"`
	Taps agent.Stats     `json:"taps"`
}

// TapArgs are the arguments of the tap command.
type TapArgs struct {
	UID string `json:"uid"`
	// At is an RFC 3339 time; empty means now.
	At string `json:"at,omitempty"`
}

// TapResult is the answer to a tap.
type TapResult struct {
	Result string         `json:"result"`
	UID    string         `json:"uid"`
	Email  string         `json:"email,omitempty"`
	Error  string         `json:"error,omitempty"`
	Seqs   []uint64       `json:"seqs,omitempty"`
	Record []queue.Record `json:"records,omitempty"`
}

// ListArgs select records for queue list / dead.
type ListArgs struct {
	Uplink string `json:"uplink,omitempty"`
	State  string `json:"state,omitempty"` // pending, dead or "" for both
	After  uint64 `json:"after,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// RetryArgs select dead letters to resend; no seqs means all.
type RetryArgs struct {
	Uplink string   `json:"uplink,omitempty"`
	Seqs   []uint64 `json:"seqs,omitempty"`
}

// RetryResult tells how many dead letters were queued again.
type RetryResult struct {
	Retried int `json:"retried"`
}

func decodeArgs(cmd string, raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: bad arguments: %v", cmd, err)
	}
	return nil
}

func (d *Daemon) handle(ctx context.Context, cmd string, raw json.RawMessage) (any, error) {
	switch cmd {
	case "status":
		return d.status()
	case "tap":
		var a TapArgs
		if err := decodeArgs(cmd, raw, &a); err != nil {
			return nil, err
		}
		return d.tap(ctx, a)
	case "queue.list":
		var a ListArgs
		if err := decodeArgs(cmd, raw, &a); err != nil {
			return nil, err
		}
		if a.State != "" && a.State != "pending" && a.State != "held" && a.State != "dead" {
			return nil, fmt.Errorf("queue list: state %q; want pending, held or dead", a.State)
		}
		if a.Limit <= 0 || a.Limit > 10_000 {
			a.Limit = 1000
		}
		items, err := d.store.Queued(a.Uplink, a.State, a.After, a.Limit)
		if items == nil {
			items = []queue.Item{}
		}
		return items, err
	case "queue.retry":
		var a RetryArgs
		if err := decodeArgs(cmd, raw, &a); err != nil {
			return nil, err
		}
		n, err := d.store.RetryDead(a.Uplink, a.Seqs, d.opts.Clock.Now())
		if err != nil {
			return nil, err
		}
		d.wake()
		return RetryResult{Retried: n}, nil
	case "reload":
		if err := d.ReloadFile(); err != nil {
			return nil, err
		}
		return struct{}{}, nil
	}
	return nil, fmt.Errorf("%w %q", control.ErrUnknownCommand, cmd)
}

func (d *Daemon) status() (Status, error) {
	var s Status
	qs, err := d.store.Stats()
	if err != nil {
		return s, err
	}
	s.Device, s.Version, s.Reader, s.Started = d.cfg.Device.ID, d.opts.Version, d.cfg.Reader.Type, d.started
	s.Clock.Now, s.Clock.Synced, s.Clock.Timezone = d.opts.Clock.Now(), d.opts.Clock.Synced(), d.cfg.Punch.Timezone
	s.Clock.Boot, _ = d.opts.Clock.Boot()
	s.Clock.Untrusted = qs.Untrusted
	s.StoreAlarm = d.alarm
	if d.health != nil {
		h := d.health()
		s.ReaderHealth = &h
	}
	s.Queue = qs
	for _, u := range qs.Uplinks {
		s.QueueDepth.Pending += u.Pending
		s.QueueDepth.Held += u.Held
		s.QueueDepth.Dead += u.Dead
		s.QueueDepth.Delivered += u.Delivered
	}
	s.Uplinks = []uplink.Status{}
	for _, r := range d.runners {
		s.Uplinks = append(s.Uplinks, r.Status())
	}
	if d.mqtt != nil {
		cs := d.mqtt.State()
		s.MQTT = &cs
	}
	s.Taps = d.agent.Stats()
	return s, nil
}

// mqttStatus is the device's part of the retained MQTT status: clock, and
// per uplink its queue depth, state, last delivery and last error.
func (d *Daemon) mqttStatus() mqtt.Status {
	var st mqtt.Status
	st.Clock = &mqtt.Clock{Now: d.opts.Clock.Now().UTC(), Synced: d.opts.Clock.Synced(), Timezone: d.cfg.Punch.Timezone}
	qs, err := d.store.Stats()
	if err != nil {
		st.LastError, st.LastErrorAt = err.Error(), d.opts.Clock.Now().UTC()
		return st
	}
	states := make(map[string]uplink.Status, len(d.runners))
	for _, r := range d.runners {
		rs := r.Status()
		states[rs.Uplink] = rs
	}
	for _, u := range qs.Uplinks {
		us := mqtt.UplinkStatus{
			Name: u.Name, State: states[u.Name].State, Pending: u.Pending, Dead: u.Dead, Delivered: u.Delivered,
			LastDelivery: u.LastDelivery, LastError: u.LastError, LastErrorAt: u.LastErrorAt,
		}
		st.Uplinks = append(st.Uplinks, us)
		if us.LastDelivery.After(st.LastDelivery) {
			st.LastDelivery = us.LastDelivery
		}
		if us.LastErrorAt.After(st.LastErrorAt) {
			st.LastError, st.LastErrorAt = us.LastError, us.LastErrorAt
		}
	}
	return st
}

func (d *Daemon) tap(ctx context.Context, a TapArgs) (TapResult, error) {
	if d.sim == nil {
		return TapResult{}, fmt.Errorf("tap: the reader is %q; taps can be injected only with reader.type = \"sim\"", d.cfg.Reader.Type)
	}
	uid, err := reader.ParseUID(a.UID)
	if err != nil {
		return TapResult{}, fmt.Errorf("tap: %w", err)
	}
	t := reader.Tap{UID: uid, Source: "sim"}
	if a.At != "" {
		at, err := time.Parse(time.RFC3339, a.At)
		if err != nil {
			return TapResult{}, fmt.Errorf("tap: --at %q: want RFC 3339 like 2026-03-02T08:00:00+01:00", a.At)
		}
		t.At, t.Given = at, true
	}
	o := d.agent.HandleTap(t)
	res := TapResult{Result: o.Kind.String(), UID: o.UID, Email: o.Email, Record: o.Records}
	for _, r := range o.Records {
		res.Seqs = append(res.Seqs, r.Seq)
	}
	if o.Err != nil {
		res.Error = o.Err.Error()
	}
	return res, nil
}
