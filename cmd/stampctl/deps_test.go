package main

import (
	"os/exec"
	"strings"
	"testing"
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

// stampctl talks to stampd through the control protocol's types and runs
// reader probes in stampd: it links no hardware driver, no metrics and not
// the daemon itself.
func TestStampctl_LinksNoDriverNorDaemon(t *testing.T) {
	for _, p := range linked(t, "stampclock/cmd/stampctl") {
		for _, bad := range []string{"periph.io/", "github.com/prometheus/", "stampclock/device/daemon", "stampclock/device/metrics", "stampclock/reader/mfrc522", "stampclock/reader/pn532"} {
			if strings.HasPrefix(p, bad) {
				t.Errorf("stampctl links %s", p)
			}
		}
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
