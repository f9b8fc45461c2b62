package daemon

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"stampclock/device/control"
)

func TestDaemon_ReaderFailsToOpen_SocketUpFaultReportedRetrying(t *testing.T) {
	h := newHarness(t)
	dev := filepath.Join(h.dir, "no-such-reader-event-kbd")
	cfg := h.config("[reader]\ntype = \"keyboard\"\n[reader.keyboard]\ndevice = \"" + dev + "\"\n")
	h.start(cfg) // fails the test unless the control socket answers
	h.eventually("the open fault in status, tried again", func() bool {
		rh := h.status().ReaderHealth
		return rh != nil && !rh.OK && strings.Contains(rh.LastError, dev) && rh.Counters["open_errors"] >= 2
	})
}

func TestProbeReader_OpenErrorNamesTheDevice(t *testing.T) {
	h := newHarness(t)
	dev := filepath.Join(h.dir, "no-such-reader-event-kbd")
	cfg := h.config("[reader]\ntype = \"keyboard\"\n[reader.keyboard]\ndevice = \"" + dev + "\"\n")
	if _, err := ProbeReader(cfg); err == nil || !strings.Contains(err.Error(), dev) || !strings.Contains(err.Error(), "reader.keyboard") {
		t.Fatalf("ProbeReader: %v; want the key and the device named", err)
	}
}

// Taps are injected only into a reader whose kind takes them (the
// simulator); the refusal says which reader.type does.
func TestDaemon_TapWithAHardwareReader_RefusedNamingTheInjectedKind(t *testing.T) {
	h := newHarness(t)
	dev := filepath.Join(h.dir, "no-such-reader-event-kbd")
	h.start(h.config("[reader]\ntype = \"keyboard\"\n[reader.keyboard]\ndevice = \"" + dev + "\"\n"))
	err := control.Call(context.Background(), h.socket, "tap", TapArgs{UID: "04A1B2C3"}, nil)
	if err == nil || !strings.Contains(err.Error(), `the reader is "keyboard"`) || !strings.Contains(err.Error(), `only with reader.type = "sim"`) {
		t.Fatalf("tap with a keyboard reader: %v; want it refused, naming reader.type \"sim\"", err)
	}
}
