package daemon

import (
	"stampclock/device/ctlproto"
	"stampclock/queue"
	"stampclock/uplink"
)

// uplinkStatuses is one entry per uplink, matched by name: the runner's
// state, the uplink's share of the queue qs and, for an uplink that has
// one, its connection (Built.Conn). Entries follow the runners' order; an uplink the queue knows
// without a runner comes after them with only its queue share.
func (d *Daemon) uplinkStatuses(qs queue.Stats) []ctlproto.UplinkStatus {
	shares := make(map[string]queue.UplinkStats, len(qs.Uplinks))
	for _, u := range qs.Uplinks {
		shares[u.Name] = u
	}
	out := make([]ctlproto.UplinkStatus, 0, max(len(d.runners), len(qs.Uplinks)))
	seen := make(map[string]bool, len(d.runners))
	add := func(rs uplink.Status) {
		e := ctlproto.UplinkStatus{Status: rs, Queue: shares[rs.Uplink]}
		e.Queue.Name = rs.Uplink
		if conn := d.conns[rs.Uplink]; conn != nil {
			cs := conn()
			e.Conn = &cs
		}
		seen[rs.Uplink] = true
		out = append(out, e)
	}
	for _, r := range d.runners {
		add(r.Status())
	}
	for _, u := range qs.Uplinks {
		if !seen[u.Name] {
			st := uplink.Status{Uplink: u.Name}
			if u.Unconfigured {
				st.State = StateUnconfigured
			}
			add(st)
		}
	}
	return out
}

// StateUnconfigured is the state shown for an uplink that is no longer
// configured while the store still holds records it has not confirmed.
const StateUnconfigured = "not configured"

// warnUnconfigured logs, at start, that no uplink is configured, and
// every uplink that is no longer configured but still has records
// waiting: they are kept and shown in status, never sent, until the uplink
// is configured again.
func (d *Daemon) warnUnconfigured() {
	if len(d.store.Uplinks()) == 0 {
		d.log.Warn("no uplink configured: punches are kept in the store and sent nowhere; set one up with `stampctl init` or a section in the config")
	}
	if len(d.store.Unconfigured()) == 0 {
		return
	}
	qs, err := d.store.Stats()
	if err != nil {
		d.log.Error("status of uplinks no longer configured", "err", err)
		return
	}
	for _, u := range qs.Uplinks {
		if u.Unconfigured {
			d.log.Warn("records wait for an uplink that is no longer configured: kept, not sent; configure it again to deliver them",
				"uplink", u.Name, "pending", u.Pending, "held", u.Held, "dead", u.Dead)
		}
	}
}
