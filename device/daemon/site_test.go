package daemon

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/uplink/mqtt"
	"stampclock/uplink/mqtt/mqtttest"
)

// siteTerminal starts a daemon of the site "hq" named id; withConfigBadges
// false drops the config file's badges.
func siteTerminal(t *testing.T, url, id string, withConfigBadges bool, extra string) (*harness, *config.Config) {
	t.Helper()
	h := newHarness(t)
	cfg := h.config(mqttSection(url, "") + "[site]\nname = \"hq\"\npoll = \"20ms\"\n" + extra)
	cfg.Device.ID, mqtt.Of(cfg.Uplinks).ClientID = id, id
	if !withConfigBadges {
		cfg.Badges = nil
	}
	h.start(cfg)
	return h, cfg
}

func TestDaemon_Site_BadgesSharedAcrossTerminals(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	siteDaemons(t, b.URL())
}

func TestDaemon_Site_BadgesSharedAcrossTerminals_Mosquitto(t *testing.T) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		msg := fmt.Sprintf("mosquitto not installed (apt-get install mosquitto): %v", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	m := mqtttest.StartMosquitto(t, bin, t.TempDir(), "allow_anonymous true\n")
	siteDaemons(t, m.URL())
}

// siteDaemons runs three daemons of one site against the broker at url.
func siteDaemons(t *testing.T, url string) {
	metricsB := freeAddr(t)
	a, _ := siteTerminal(t, url, "door-a", false, "")
	// 04A1B2C3 is maier's in B's config file.
	bb, _ := siteTerminal(t, url, "door-b", true, fmt.Sprintf("[metrics]\nlisten = %q\n", metricsB))
	c, cfgC := siteTerminal(t, url, "door-c", false, "")

	// Added at A (stampctl badges add): B and C know it.
	a.addBadge("DEADBEEF", maier)
	for _, h := range []*harness{bb, c} {
		h.eventually("the badge added at A", func() bool { return h.badgeEmail("DEADBEEF") == maier })
	}
	if r := c.tap("DEADBEEF", "2026-06-01T08:00:00+02:00"); r.Email != maier {
		t.Fatalf("tap at C of the badge added at A: %+v", r)
	}

	// C offline while a badge is added at B; back, it has it.
	c.stop()
	bb.addBadge("CAFEF00D", huber)
	a.eventually("the badge added at B reaches A", func() bool { return a.badgeEmail("CAFEF00D") == huber })
	c.start(cfgC)
	c.eventually("C back gets the badge added while it was away", func() bool { return c.badgeEmail("CAFEF00D") == huber })

	// Removed at C: gone at A and B.
	c.removeBadge("DEADBEEF")
	for _, h := range []*harness{a, bb} {
		h.eventually("the removal at C", func() bool { return h.badgeEmail("DEADBEEF") == "" })
	}

	// 04A1B2C3 enrolled at A for huber: C punches huber, B keeps its
	// config file's maier and says so in its status.
	a.addBadge("04A1B2C3", huber)
	c.eventually("C has A's binding", func() bool { return c.badgeEmail("04A1B2C3") == huber })
	bb.eventually("B shows the site binding its config file shadows", func() bool {
		sb := bb.status().SiteBadges
		return sb != nil && len(sb.Shadowed) == 1 && sb.Shadowed[0] == "04A1B2C3"
	})
	if e := bb.badgeEmail("04A1B2C3"); e != maier {
		t.Fatalf("B lists 04A1B2C3 for %q; its config file says %s", e, maier)
	}
	if r := bb.tap("04A1B2C3", "2026-06-01T09:00:00+02:00"); r.Email != maier {
		t.Fatalf("tap at B of its config badge: %+v", r)
	}
	fams := scrape(t, metricsB)
	for state, want := range map[string]float64{"enrolled": 2, "removed": 1, "pending": 0, "shadowed": 1} {
		if got := value(t, fams, "stampclock_site_badges", "state", state); got != want {
			t.Errorf("B: stampclock_site_badges{state=%q} = %v, want %v", state, got, want)
		}
	}
	if got := value(t, fams, "stampclock_site_connected"); got != 1 {
		t.Errorf("B: stampclock_site_connected = %v", got)
	}
	if st := a.status().SiteBadges; st == nil || !st.Connected || st.Site != "hq" || st.Pending != 0 || st.Badges != 2 || st.Removed != 1 {
		t.Fatalf("A's site status: %+v", st)
	}
}

func (h *harness) removeBadge(uid string) {
	h.t.Helper()
	if err := control.Call(context.Background(), h.socket, "badges.remove", BadgeArgs{UID: uid}, nil); err != nil {
		h.t.Fatalf("badges remove %s: %v", uid, err)
	}
}
