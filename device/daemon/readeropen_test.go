package daemon

import (
	"path/filepath"
	"strings"
	"testing"
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
