package fleet

import (
	"fmt"
	"time"

	"stampclock/uplink/mqtt"
)

// States of a terminal.
const (
	// Online: the retained status says online and is fresh.
	Online = "online"
	// Offline: a clean shutdown or the Last Will.
	Offline = "offline"
	// Silent: the retained status still says online but is older than the
	// terminal promised to refresh it. The terminal is gone without a Last
	// Will (a broker restarted without its sessions never sends one), or
	// its clock is far off.
	Silent = "silent"
)

// Terminal is one terminal as seen from the broker.
type Terminal struct {
	DeviceID string `json:"device_id"`
	// State is Online, Offline or Silent.
	State string `json:"state"`
	// Since is when the state began, as far as it is known: online, when
	// the connection was made; offline after a shutdown, exactly when;
	// offline after a Last Will or silent, the last time the terminal was
	// heard of (it went away after that, and by GoneBy).
	Since time.Time `json:"since,omitzero"`
	// GoneBy is the latest time the terminal can have gone away (Last Will
	// and silent only): LastSeen + status interval + 1.5 × keepalive.
	GoneBy time.Time `json:"gone_by,omitzero"`
	// Reason is "shutdown" or "connection_lost" when offline.
	Reason string `json:"reason,omitempty"`
	// LastSeen is the latest status or last-seen time the terminal sent.
	LastSeen time.Time `json:"last_seen,omitzero"`
	Version  string    `json:"version,omitempty"`
	// Pending, Held and Dead are summed over the uplinks; Uplinks has them
	// one by one.
	Pending uint64              `json:"pending"`
	Held    uint64              `json:"held"`
	Dead    uint64              `json:"dead"`
	Uplinks []mqtt.UplinkStatus `json:"uplinks,omitempty"`
	// Alarms are what needs a person: store, reader, clock, rejected records.
	Alarms []string `json:"alarms,omitempty"`
	// Stale is set when the terminal is not online: the depths and alarms
	// are those of its last online status (at LastSeen).
	Stale bool `json:"stale,omitempty"`
}

// Judge returns the terminal that its retained status and last-seen
// messages (either may be nil) describe at now. grace allows for the
// difference between the terminal's clock and now.
func Judge(now time.Time, status, seen *mqtt.Status, grace time.Duration) Terminal {
	var t Terminal
	// The freshest online status known: the status itself when online,
	// else the last-seen copy (the Will and the goodbye carry no depths).
	last := seen
	if status != nil && status.Online && (seen == nil || !seen.At.After(status.At)) {
		last = status
	}
	for _, st := range []*mqtt.Status{last, status} {
		if st == nil {
			continue
		}
		t.DeviceID = st.DeviceID
		if st.Version != "" {
			t.Version = st.Version
		}
	}
	interval, keepalive := mqtt.DefaultOptions.StatusInterval, mqtt.DefaultOptions.KeepAlive
	for _, st := range []*mqtt.Status{last, status} {
		if st != nil && st.StatusInterval > 0 {
			interval = time.Duration(st.StatusInterval) * time.Second
		}
		if st != nil && st.KeepAlive > 0 {
			keepalive = time.Duration(st.KeepAlive) * time.Second
		}
	}
	if last != nil {
		t.LastSeen = last.At
	}
	// The longest a terminal can be silent yet alive: one status interval,
	// plus the 1.5 × keepalive within which the broker sends the Will.
	bound := interval + keepalive*3/2
	goneBy := func() time.Time {
		if t.LastSeen.IsZero() {
			return time.Time{}
		}
		return t.LastSeen.Add(bound)
	}
	switch {
	case status == nil || (status.Online && now.Sub(t.LastSeen) > bound+grace):
		// No status (removed, or never came), or an online status the
		// terminal stopped refreshing without a Will.
		t.State, t.Since, t.GoneBy = Silent, t.LastSeen, goneBy()
	case status.Online:
		t.State, t.Since = Online, status.OnlineSince
	case status.Reason == mqtt.ReasonShutdown && !status.At.IsZero():
		t.State, t.Since, t.Reason = Offline, status.At, status.Reason
		if status.At.After(t.LastSeen) {
			t.LastSeen = status.At
		}
	default:
		// The Last Will (one from before reasons existed has none). The
		// lost connection began at OnlineSince: the terminal was there then.
		t.State, t.Reason = Offline, mqtt.ReasonConnectionLost
		if status.OnlineSince.After(t.LastSeen) {
			t.LastSeen = status.OnlineSince
		}
		t.Since, t.GoneBy = t.LastSeen, goneBy()
	}
	if last != nil {
		for _, u := range last.Uplinks {
			t.Pending += u.Pending
			t.Held += u.Held
			t.Dead += u.Dead
		}
		t.Uplinks = last.Uplinks
		t.Alarms = alarms(last)
		t.Stale = t.State != Online
	}
	return t
}

// alarms lists what in st needs a person.
func alarms(st *mqtt.Status) []string {
	var out []string
	if st.StoreAlarm != "" {
		out = append(out, "store: "+st.StoreAlarm)
	}
	if r := st.Reader; r != nil && !r.OK {
		msg := "reader failing"
		if r.LastError != "" {
			msg += ": " + r.LastError
		}
		out = append(out, msg)
	}
	if c := st.Clock; c != nil {
		if !c.Synced {
			out = append(out, "clock not synchronised")
		}
		if c.Untrusted > 0 {
			out = append(out, fmt.Sprintf("%d record(s) with untrusted time", c.Untrusted))
		}
	}
	for _, u := range st.Uplinks {
		if u.Dead > 0 {
			out = append(out, fmt.Sprintf("%s: %d rejected", u.Name, u.Dead))
		}
	}
	return out
}
