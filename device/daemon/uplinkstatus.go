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
			add(uplink.Status{Uplink: u.Name})
		}
	}
	return out
}
