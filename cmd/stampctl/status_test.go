package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"stampclock/device/ctlproto"
	"stampclock/queue"
	"stampclock/uplink"
)

// The uplink lines take each uplink's state and queue share from its own
// entry, whatever order the queue lists the uplinks in.
func TestStatus_UplinkLinesFromEachUplinksOwnEntry(t *testing.T) {
	var st ctlproto.Status
	st.Queue.Uplinks = []queue.UplinkStats{{Name: "zeiterfassung", Pending: 4}, {Name: "mqtt"}}
	st.Uplinks = []ctlproto.UplinkStatus{
		{Status: uplink.Status{Uplink: "mqtt", State: "idle"}, Queue: queue.UplinkStats{Name: "mqtt"}},
		{Status: uplink.Status{Uplink: "zeiterfassung", State: "backoff"}, Queue: queue.UplinkStats{Name: "zeiterfassung", Pending: 4, Dead: 1, LastError: "server down"}},
	}
	var out bytes.Buffer
	printStatus(&out, st, time.UTC)
	containsAll(t, out.String(),
		"mqtt: idle, pending 0, held 0, dead 0",
		"zeiterfassung: backoff, pending 4, held 0, dead 1",
		"server down",
	)
}

// An uplink removed from the config while records wait for it is named
// with what to do.
func TestStatus_UnconfiguredUplink_SaysKeptAndHowToDeliver(t *testing.T) {
	var st ctlproto.Status
	share := queue.UplinkStats{Name: "zeiterfassung", Pending: 2, Unconfigured: true}
	st.Queue.Uplinks = []queue.UplinkStats{share}
	st.Uplinks = []ctlproto.UplinkStatus{{Status: uplink.Status{Uplink: "zeiterfassung", State: "not configured"}, Queue: share}}
	var out bytes.Buffer
	printStatus(&out, st, time.UTC)
	containsAll(t, out.String(),
		"zeiterfassung: not configured, pending 2",
		"no [zeiterfassung] in the config: its records are kept, not sent; configure it again to deliver them",
	)
}

// `stampctl reload` says which changed sections wait for a restart.
func TestPrintReload_NamesSectionsWaitingForRestart(t *testing.T) {
	var out bytes.Buffer
	printReload(&out, ctlproto.ReloadResult{Badges: 3, Restart: []string{"punch", "zeiterfassung"}})
	containsAll(t, out.String(), "badges reloaded (3 in the config)", "NOT applied: [punch], [zeiterfassung] changed", "systemctl restart stampd")
	out.Reset()
	printReload(&out, ctlproto.ReloadResult{Badges: 3})
	if strings.Contains(out.String(), "NOT applied") {
		t.Errorf("nothing waiting, yet:\n%s", out.String())
	}
}

// A terminal without any uplink (the packaged config, an empty file, an
// uplink section left empty) says so instead of showing no uplink line.
func TestStatus_NoUplink_SaysNothingIsSent(t *testing.T) {
	const want = "uplink          none configured: punches are kept here and sent nowhere"
	var st ctlproto.Status
	var out bytes.Buffer
	printStatus(&out, st, time.UTC)
	if !strings.Contains(out.String(), want) {
		t.Errorf("status lacks %q:\n%s", want, out.String())
	}
	// Only an uplink no longer configured: still none configured.
	share := queue.UplinkStats{Name: "zeiterfassung", Pending: 1, Unconfigured: true}
	st.Uplinks = []ctlproto.UplinkStatus{{Status: uplink.Status{Uplink: "zeiterfassung", State: "not configured"}, Queue: share}}
	out.Reset()
	printStatus(&out, st, time.UTC)
	if !strings.Contains(out.String(), want) {
		t.Errorf("status lacks %q:\n%s", want, out.String())
	}
	st.Uplinks = append(st.Uplinks, ctlproto.UplinkStatus{Status: uplink.Status{Uplink: "mqtt", State: "idle"}, Queue: queue.UplinkStats{Name: "mqtt"}})
	out.Reset()
	printStatus(&out, st, time.UTC)
	if strings.Contains(out.String(), "none configured") {
		t.Errorf("status with mqtt configured says none:\n%s", out.String())
	}
}

// A store created beside other stores is named first thing in status.
func TestStatus_OtherStores_Shown(t *testing.T) {
	var st ctlproto.Status
	st.OtherStores = "store.path /var/lib/stampclock/queu.db was created at this start, but other stores lie beside it: /var/lib/stampclock/queue.db"
	var out bytes.Buffer
	printStatus(&out, st, time.UTC)
	if !strings.Contains(out.String(), "NEW STORE       "+st.OtherStores) {
		t.Errorf("status lacks the other stores:\n%s", out.String())
	}
}

// containsAll fails t for each of wants that got does not contain.
func containsAll(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
