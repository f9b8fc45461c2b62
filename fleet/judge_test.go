package fleet

import (
	"slices"
	"testing"
	"time"

	"stampclock/uplink/mqtt"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func online(at, since time.Time) *mqtt.Status {
	return &mqtt.Status{
		Schema: 1, DeviceID: "d1", Online: true, Version: "1.4", At: at, OnlineSince: since, StatusInterval: 60, KeepAlive: 30,
		Clock:   &mqtt.Clock{Now: at, Synced: true},
		Uplinks: []mqtt.UplinkStatus{{Name: "zeiterfassung", Pending: 4, Held: 1}, {Name: "mqtt", Pending: 2, Dead: 3}},
	}
}

func TestJudge(t *testing.T) {
	since := t0.Add(-3 * time.Hour)
	lastSeen := t0.Add(-10 * time.Minute)
	will := &mqtt.Status{Schema: 1, DeviceID: "d1", Online: false, Reason: mqtt.ReasonConnectionLost, OnlineSince: since, StatusInterval: 60, KeepAlive: 30}
	oldWill := &mqtt.Status{Schema: 1, DeviceID: "d1", Online: false} // before reasons and times existed
	bye := &mqtt.Status{Schema: 1, DeviceID: "d1", Online: false, Reason: mqtt.ReasonShutdown, At: t0.Add(-5 * time.Minute)}
	bound := 60*time.Second + 45*time.Second
	for _, tc := range []struct {
		name         string
		status, seen *mqtt.Status
		want         Terminal
	}{
		{"fresh online status", online(t0.Add(-30*time.Second), since), online(t0.Add(-30*time.Second), since),
			Terminal{State: Online, Since: since, LastSeen: t0.Add(-30 * time.Second)}},
		{"online, refreshed just within the bound and grace", online(t0.Add(-bound-29*time.Second), since), nil,
			Terminal{State: Online, Since: since, LastSeen: t0.Add(-bound - 29*time.Second)}},
		{"online but not refreshed past the bound: silent", online(lastSeen, since), online(lastSeen, since),
			Terminal{State: Silent, Since: lastSeen, GoneBy: lastSeen.Add(bound), LastSeen: lastSeen, Stale: true}},
		{"Last Will: gone between last seen and the bound", will, online(lastSeen, since),
			Terminal{State: Offline, Reason: mqtt.ReasonConnectionLost, Since: lastSeen, GoneBy: lastSeen.Add(bound), LastSeen: lastSeen, Stale: true}},
		{"old Last Will without seen: nothing known of when", oldWill, nil,
			Terminal{State: Offline, Reason: mqtt.ReasonConnectionLost}},
		{"clean shutdown: exactly when", bye, online(lastSeen, since),
			Terminal{State: Offline, Reason: mqtt.ReasonShutdown, Since: bye.At, LastSeen: bye.At, Stale: true}},
		{"only a last-seen status", nil, online(lastSeen, since),
			Terminal{State: Silent, Since: lastSeen, GoneBy: lastSeen.Add(bound), LastSeen: lastSeen, Stale: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Judge(t0, tc.status, tc.seen, 30*time.Second)
			w := tc.want
			if got.State != w.State || !got.Since.Equal(w.Since) || !got.GoneBy.Equal(w.GoneBy) || got.Reason != w.Reason ||
				!got.LastSeen.Equal(w.LastSeen) || got.Stale != w.Stale || got.DeviceID != "d1" {
				t.Fatalf("got %+v\nwant %+v", got, w)
			}
			if tc.seen != nil || (tc.status != nil && tc.status.Online) {
				if got.Pending != 6 || got.Held != 1 || got.Dead != 3 || got.Version != "1.4" || len(got.Uplinks) != 2 {
					t.Fatalf("depths %+v", got)
				}
				if !slices.Equal(got.Alarms, []string{"mqtt: 3 rejected"}) {
					t.Fatalf("alarms %q", got.Alarms)
				}
			}
		})
	}
}

func TestJudge_Alarms(t *testing.T) {
	st := online(t0, t0)
	st.StoreAlarm = "damaged store moved aside"
	st.Reader = &mqtt.Reader{OK: false, LastError: "no answer from the chip"}
	st.Clock = &mqtt.Clock{Now: t0, Synced: false, Untrusted: 7}
	st.Uplinks = []mqtt.UplinkStatus{{Name: "mqtt"}}
	got := Judge(t0, st, nil, time.Second).Alarms
	want := []string{"store: damaged store moved aside", "reader failing: no answer from the chip", "clock not synchronised", "7 record(s) with untrusted time"}
	if !slices.Equal(got, want) {
		t.Fatalf("alarms %q, want %q", got, want)
	}
	st.StoreAlarm, st.Reader, st.Clock = "", &mqtt.Reader{OK: true}, &mqtt.Clock{Synced: true}
	if got := Judge(t0, st, nil, time.Second).Alarms; len(got) != 0 {
		t.Fatalf("alarms %q for a healthy terminal", got)
	}
}
