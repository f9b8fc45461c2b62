package daemon

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"stampclock/device/clock"
	"stampclock/uplink/mqtt"
	"stampclock/uplink/mqtt/mqtttest"
)

// Anna (maier) starts at the front door and stops at the warehouse: two
// daemons of one site, one Zeiterfassung; the warehouse, where the stop
// was, delivers the one entry.
func TestDaemon_SharedShifts_StartAtOneDoorStopAtAnother(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	sharedShiftDaemons(t, b.URL())
}

func TestDaemon_SharedShifts_StartAtOneDoorStopAtAnother_Mosquitto(t *testing.T) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		msg := fmt.Sprintf("mosquitto not installed (apt-get install mosquitto): %v", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	m := mqtttest.StartMosquitto(t, bin, t.TempDir(), "allow_anonymous true\n")
	sharedShiftDaemons(t, m.URL())
}

func sharedShiftDaemons(t *testing.T, url string) {
	const shared = "shared_shifts = true\nsettle = \"0s\"\n"
	metrics := freeAddr(t)
	front, _ := siteTerminal(t, url, "front", true, shared+fmt.Sprintf("[metrics]\nlisten = %q\n", metrics))
	warehouse := newHarness(t)
	warehouse.zs, warehouse.url = front.zs, front.url // one time-tracking account for the site
	cfg := warehouse.config(mqttSection(url, "") + "[site]\nname = \"hq\"\npoll = \"20ms\"\n" + shared)
	cfg.Device.ID, mqtt.Of(cfg.Uplinks).ClientID = "warehouse", "warehouse"
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
	front.eventually("the front door holds the warehouse's two taps", func() bool {
		st := front.status().SiteTaps
		held := false
		for _, o := range st.Origins {
			held = held || (o.Origin == "warehouse" && o.Contiguous == 2)
		}
		return held && st.Peers == 1 && st.Behind == 0 && st.Unpublished == 0
	})
	if st := front.status().SiteShifts; st.Delivered != 0 || st.Waiting != 0 {
		t.Fatalf("the front door delivered or waits for something: %+v", st)
	}
	if n := len(front.zs.Entries()); n != 1 {
		t.Fatalf("server holds %d entries; want 1", n)
	}
	// A received tap is counted just after its commit (which the status
	// shows): wait until the counters have both; a tap that also came in a
	// replay counts as received and duplicate.
	tapMsgs := func(fams map[string]*dto.MetricFamily, outcome string) float64 {
		return value(t, fams, "stampclock_site_tap_messages_total", "outcome", outcome)
	}
	var fams map[string]*dto.MetricFamily
	front.eventually("the front door's metrics count the warehouse's two taps", func() bool {
		fams = scrape(t, metrics)
		return tapMsgs(fams, "received")-tapMsgs(fams, "duplicate") >= 2
	})
	for name, want := range map[string]float64{"stampclock_site_tap_peers": 1, "stampclock_site_taps_behind": 0, "stampclock_site_taps_unpublished": 0, "stampclock_site_taps_connected": 1} {
		if got := value(t, fams, name); got != want {
			t.Errorf("front: %s = %v, want %v", name, got, want)
		}
	}
	if got := tapMsgs(fams, "received") - tapMsgs(fams, "duplicate"); got != 2 {
		t.Errorf("front: received less duplicate site taps = %v, want 2", got)
	}
	for outcome, want := range map[string]float64{"published": 1, "rejected": 0} {
		if got := tapMsgs(fams, outcome); got != want {
			t.Errorf("front: stampclock_site_tap_messages_total{outcome=%q} = %v, want %v", outcome, got, want)
		}
	}
}

// The warehouse is cut off from the broker while Anna taps in at the
// front door and out at the warehouse: the warehouse says "start" at the
// door, and once it is back the site pairs the two taps into the one
// entry, delivered by the warehouse.
func TestDaemon_SharedShifts_SplitHeals_OneEntry(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	p := mqtttest.StartProxy(t, b.Addr())
	const shared = "shared_shifts = true\nsettle = \"0s\"\n"
	front, _ := siteTerminal(t, b.URL(), "front", true, shared)
	warehouse := newHarness(t)
	warehouse.zs, warehouse.url = front.zs, front.url
	cfg := warehouse.config(mqttSection(p.URL(), "") + "[site]\nname = \"hq\"\npoll = \"20ms\"\n" + shared)
	cfg.Device.ID, mqtt.Of(cfg.Uplinks).ClientID = "warehouse", "warehouse"
	warehouse.start(cfg)
	connected := func(h *harness) bool { st := h.status().SiteTaps; return st != nil && st.Connected }
	warehouse.eventually("the warehouse connected", func() bool { return connected(warehouse) })

	p.Pause()
	p.Cut()
	warehouse.eventually("the warehouse cut off", func() bool { return !connected(warehouse) })
	if r := front.tap("04A1B2C3", "2026-06-01T06:00:00+02:00"); r.Result != "start_ok" {
		t.Fatalf("front door: %+v", r)
	}
	if r := warehouse.tap("04A1B2C3", "2026-06-01T11:30:00+02:00"); r.Result != "start_ok" {
		t.Fatalf("the cut-off warehouse: %+v; it knows no start, so start", r)
	}
	p.Resume()
	warehouse.eventually("the warehouse delivered the one entry", func() bool {
		st := warehouse.status()
		return st.SiteShifts.Delivered == 1 && len(front.zs.Entries()) == 1
	})
	if got, want := strings.Join(entryLines(front.zs.Entries()), "\n"), maier+" 2026-06-01T06:00:00 2026-06-01T11:30:00"; got != want {
		t.Fatalf("server entries:\n%s\nwant:\n%s", got, want)
	}
	front.eventually("the front door holds the warehouse's tap", func() bool {
		st := front.status().SiteTaps
		return st.Peers == 1 && st.Behind == 0
	})
	if st := warehouse.status().SiteTaps; st.ReplaysAsked == 0 || st.Behind != 0 || st.Unpublished != 0 {
		t.Fatalf("the warehouse after the split: %+v; want a replay asked, nothing behind or unpublished", st)
	}
	if n := front.status().SiteShifts.Delivered; n != 0 {
		t.Fatalf("the front door delivered %d entries; want none", n)
	}
}

// With the default settle delay nothing is delivered while the clock is
// not synchronised, and status says why; once it is, the entry goes.
func TestDaemon_SharedShifts_UnsyncedClock_PausedThenDelivered(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	h := newHarness(t)
	cfg := h.config(mqttSection(b.URL(), "") + "[site]\nname = \"hq\"\npoll = \"20ms\"\nshared_shifts = true\n")
	cfg.Device.ID, mqtt.Of(cfg.Uplinks).ClientID = "front", "front"
	clk := clock.NewFake(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	clk.SetSynced(false)
	h.startWith(cfg, Options{Clock: clk})
	// Times given by the operator are trusted: the taps are site taps.
	if r := h.tap("04A1B2C3", "2026-06-01T06:00:00+02:00"); r.Result != "start_ok" {
		t.Fatalf("start: %+v", r)
	}
	if r := h.tap("04A1B2C3", "2026-06-01T11:30:00+02:00"); r.Result != "stop_ok" {
		t.Fatalf("stop: %+v", r)
	}
	h.eventually("status says why nothing settles", func() bool {
		st := h.status().SiteShifts
		return st != nil && strings.Contains(st.Paused, "not synchronised")
	})
	if st := h.status().SiteShifts; st.Delivered != 0 || len(h.zs.Entries()) != 0 {
		t.Fatalf("delivered with an unsynchronised clock: %+v, %d entries", st, len(h.zs.Entries()))
	}
	clk.SetSynced(true)
	h.eventually("the entry delivered once the clock is synchronised", func() bool {
		st := h.status().SiteShifts
		return st.Paused == "" && st.Delivered == 1 && len(h.zs.Entries()) == 1
	})
}
