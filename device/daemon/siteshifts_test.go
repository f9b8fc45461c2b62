package daemon

import (
	"strings"
	"testing"

	"stampclock/uplink/mqtt/mqtttest"
)

// Anna (maier) starts at the front door and stops at the warehouse: two
// daemons of one site, one Zeiterfassung; the warehouse, where the stop
// was, delivers the one entry.
func TestDaemon_SharedShifts_StartAtOneDoorStopAtAnother(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	const shared = "shared_shifts = true\nsettle = \"0s\"\n"
	front, _ := siteTerminal(t, b.URL(), "front", true, shared)
	warehouse := newHarness(t)
	warehouse.zs, warehouse.url = front.zs, front.url // one time-tracking account for the site
	cfg := warehouse.config(mqttSection(b.URL(), "") + "[site]\nname = \"hq\"\npoll = \"20ms\"\n" + shared)
	cfg.Device.ID, cfg.MQTT.ClientID = "warehouse", "warehouse"
	warehouse.start(cfg)
	for _, h := range []*harness{front, warehouse} {
		h.eventually("the site's taps connected", func() bool {
			st := h.status().SiteTaps
			return st != nil && st.Connected
		})
	}

	if r := front.tap("04A1B2C3", "2026-06-01T06:00:00+02:00"); r.Result != "start_ok" {
		t.Fatalf("front door: %+v", r)
	}
	warehouse.eventually("the front door's tap at the warehouse", func() bool {
		st := warehouse.status().SiteTaps
		return len(st.Origins) == 1 && st.Origins[0].Origin == "front" && st.Origins[0].Contiguous == 1
	})
	if r := warehouse.tap("04A1B2C3", "2026-06-01T06:00:30+02:00"); r.Result != "already_stamped" {
		t.Fatalf("warehouse 30s later: %+v", r)
	}
	if r := warehouse.tap("04A1B2C3", "2026-06-01T11:30:00+02:00"); r.Result != "stop_ok" {
		t.Fatalf("warehouse 5h30 later: %+v", r)
	}
	warehouse.eventually("the entry delivered by the warehouse", func() bool {
		st := warehouse.status()
		return st.SiteShifts != nil && st.SiteShifts.Delivered == 1 && len(front.zs.Entries()) == 1
	})
	if got, want := strings.Join(entryLines(front.zs.Entries()), "\n"), maier+" 2026-06-01T06:00:00 2026-06-01T11:30:00"; got != want {
		t.Fatalf("server entries:\n%s\nwant:\n%s", got, want)
	}
	front.eventually("the front door holds the warehouse's taps", func() bool {
		st := front.status().SiteTaps
		return st.Peers == 1 && st.Behind == 0 && st.Unpublished == 0
	})
	if st := front.status().SiteShifts; st.Delivered != 0 || st.Waiting != 0 {
		t.Fatalf("the front door delivered or waits for something: %+v", st)
	}
	if n := len(front.zs.Entries()); n != 1 {
		t.Fatalf("server holds %d entries; want 1", n)
	}
}
