package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"stampclock/device/readers"
)

// linked lists the packages a build of pkg links (go list -deps).
func linked(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// stampctl talks to stampd through the control protocol's types, runs
// reader probes and store checks in stampd: it links no hardware driver,
// no metrics, no store engine and not the daemon itself. (It does link
// the MQTT client: `stampctl remote`, `fleet` and `broker` talk to the
// broker themselves.)
func TestStampctl_LinksNoDriverNorDaemon(t *testing.T) {
	for _, p := range linked(t, "stampclock/cmd/stampctl") {
		for _, bad := range []string{"periph.io/", "github.com/prometheus/", "go.etcd.io/bbolt", "stampclock/device/daemon", "stampclock/device/metrics", "stampclock/reader/mfrc522", "stampclock/reader/pn532"} {
			if strings.HasPrefix(p, bad) {
				t.Errorf("stampctl links %s", p)
			}
		}
	}
}

// The drivers of the reader kinds that name one (reader.Kind.Driver)
// are linked by stampd, which opens the readers, and not by stampctl,
// which loads their sections from the same list; nor is the package that
// opens them.
func TestStampctl_LinksNoReaderDriver(t *testing.T) {
	ctl, stampd := linked(t, "stampclock/cmd/stampctl"), linked(t, "stampclock/cmd/stampd")
	bad := []string{"stampclock/device/readers/hardware", "periph.io/x/host/v3", "periph.io/x/devices/v3"}
	for _, k := range readers.All() {
		if k.Driver == "" {
			continue
		}
		if !slices.Contains(stampd, k.Driver) {
			t.Errorf("reader kind %s: stampd does not link its driver %s", k.Name, k.Driver)
		}
		bad = append(bad, k.Driver)
	}
	// A package, or a module's packages (its path ending in a version).
	in := func(pkgs []string, p string) bool {
		return slices.ContainsFunc(pkgs, func(q string) bool { return q == p || strings.HasSuffix(p, "/v3") && strings.HasPrefix(q, p+"/") })
	}
	for _, p := range bad {
		if !in(stampd, p) {
			t.Errorf("stampd does not link %s", p)
		}
		if in(ctl, p) {
			t.Errorf("stampctl links %s", p)
		}
	}
	if !slices.Contains(ctl, "stampclock/device/readers") {
		t.Errorf("stampctl does not link the list of reader kinds")
	}
}

// stampctl links no store: the queue's types come from queue/record, and
// `stampctl salvage` runs `stampd --salvage`, which reads the file.
func TestStampctl_LinksNoStore(t *testing.T) {
	for _, p := range linked(t, "stampclock/cmd/stampctl") {
		if strings.HasPrefix(p, "go.etcd.io/bbolt") || p == "stampclock/queue" || p == "stampclock/device/agent" {
			t.Errorf("stampctl links %s", p)
		}
	}
}

// The protocol package is what every client imports: no driver, no MQTT
// client, no metrics, no daemon.
func TestCtlproto_LinksNoDriver(t *testing.T) {
	for _, p := range linked(t, "stampclock/device/ctlproto") {
		for _, bad := range []string{"periph.io/", "github.com/eclipse/paho", "github.com/prometheus/", "stampclock/device/", "stampclock/uplink/"} {
			if strings.HasPrefix(p, bad) && p != "stampclock/device/ctlproto" {
				t.Errorf("ctlproto links %s", p)
			}
		}
	}
}
