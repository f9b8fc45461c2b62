package daemon

import (
	"os"
	"path/filepath"
	"testing"
)

// An uplink that cannot be built stops New with the config file and the
// uplink named once: a CA file without a certificate passes the config
// check (it exists) and fails when the MQTT client reads it.
func TestNew_UplinkFails_ErrorNamesConfigAndUplinkOnce(t *testing.T) {
	h := newHarness(t)
	ca := filepath.Join(h.dir, "ca.pem")
	if err := os.WriteFile(ca, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := h.config(mqttSection("ssl://127.0.0.1:8883", "ca_file = \""+ca+"\"\n"))
	_, err := New(cfg, Options{})
	if err == nil {
		t.Fatal("New built an MQTT uplink with a CA file that holds no certificate")
	}
	want := "config " + cfg.Path + ": mqtt: ca_file " + ca + ": no PEM certificate in it"
	if err.Error() != want {
		t.Fatalf("err = %q\nwant  %q", err, want)
	}
}
