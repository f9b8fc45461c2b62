package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// While stampd is not running, `stampctl check` has the reader opened by
// `stampd --probe-reader` (stampctl links no reader driver) and shows its
// answer: here the device that is missing, with its config key.
func TestStampctlCheck_StampdStopped_ReaderProbedByStampd(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "no-such-reader-event-kbd")
	cfgPath := filepath.Join(dir, "stampd.toml")
	cfg := fmt.Sprintf("[store]\npath = %q\n[control]\nsocket = %q\n[reader]\ntype = \"keyboard\"\n[reader.keyboard]\ndevice = %q\n",
		filepath.Join(dir, "q.db"), filepath.Join(dir, "s.sock"), dev)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(filepath.Join(binDir, "stampd"), "--probe-reader", "--config", cfgPath).CombinedOutput()
	if err == nil || !strings.Contains(string(out), dev) || !strings.Contains(string(out), "reader.keyboard") {
		t.Fatalf("stampd --probe-reader: %v\n%s\nwant exit 1 naming %s and reader.keyboard", err, out, dev)
	}

	out, _ = exec.Command(filepath.Join(binDir, "stampctl"), "check", "--config", cfgPath).CombinedOutput()
	var step string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "reader answering") {
			step = l
		}
	}
	if !strings.HasPrefix(step, "✗") || !strings.Contains(step, dev) || !strings.Contains(step, "reader.keyboard") {
		t.Fatalf("check's reader step %q; want ✗ naming %s and reader.keyboard:\n%s", step, dev, out)
	}
}

func TestProbeReader_SimulatedReaderOpens(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "stampd.toml")
	cfg := fmt.Sprintf("[store]\npath = %q\n[control]\nsocket = %q\n[reader]\ntype = \"sim\"\n", filepath.Join(dir, "q.db"), filepath.Join(dir, "s.sock"))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := probeReader(cfgPath, &stdout, &stderr); code != 0 || stdout.String() != "simulated reader\n" {
		t.Fatalf("probeReader: exit %d, stdout %q, stderr %q; want 0 and \"simulated reader\"", code, stdout.String(), stderr.String())
	}
}
