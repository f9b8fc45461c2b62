package sitetaps

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/device/remote"
	"stampclock/queue"
	"stampclock/uplink/mqtt/mqtttest"
)

// TestSite_Taps_MosquittoACL runs the README's ACL with per-terminal
// accounts: the terminals exchange their taps, and one terminal's account
// cannot publish taps in another's name.
func TestSite_Taps_MosquittoACL(t *testing.T) {
	bin := needMosquitto(t, "mosquitto_passwd")
	dir := t.TempDir()
	pwfile, aclfile := filepath.Join(dir, "passwd"), filepath.Join(dir, "acl")
	users := map[string]string{"door-a": "pw-a", "door-b": "pw-b", "door-c": "pw-c"}
	for _, u := range slices.Sorted(maps.Keys(users)) {
		args := []string{"-b", pwfile, u, users[u]}
		if _, err := os.Stat(pwfile); err != nil {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command("mosquitto_passwd", args...).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd %s: %v\n%s", u, err, out)
		}
	}
	if err := os.WriteFile(aclfile, []byte(remote.ACLExample), 0o600); err != nil {
		t.Fatal(err)
	}
	m := mqtttest.StartMosquitto(t, bin, dir, fmt.Sprintf("allow_anonymous false\npassword_file %s\nacl_file %s\n", pwfile, aclfile))

	account := func(id string) *terminal {
		tm := &terminal{t: t, id: id, url: m.URL(), user: id, password: users[id], path: filepath.Join(t.TempDir(), "queue.db")}
		tm.start()
		t.Cleanup(tm.stop)
		return tm
	}
	a, b, c := account("door-a"), account("door-b"), account("door-c")
	eventually(t, "all connected", func() bool {
		return a.x.Status().Connected && b.x.Status().Connected && c.x.Status().Connected
	})
	a.tap("anna@example.com", at(0))
	b.tap("anna@example.com", at(480))
	allHold(t, "the taps everywhere", []string{"door-a:1", "door-b:1"}, a, b, c)

	// door-b's account forges a tap of door-a: mosquitto drops it.
	forger := paho.NewClient(paho.NewClientOptions().AddBroker(m.URL()).SetClientID("door-b-forger").SetUsername("door-b").SetPassword(users["door-b"]))
	if tok := forger.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer forger.Disconnect(0)
	publish(t, forger, a.x.TapsTopic("door-a"), false, Tap{SiteTap: queue.SiteTap{Origin: "door-a", Seq: 2, At: at(500), Email: "mallory@example.com", UID: "0B"}})
	// A tap of door-a after it: once C holds it, the forged one would
	// have arrived before.
	a.tap("anna@example.com", at(1440))
	allHold(t, "door-a's next tap, and not the forged one", []string{"door-a:1", "door-a:2", "door-b:1"}, c)
	if err := c.store.View(func(tx *queue.Tx) error {
		st, _, err := tx.SiteTap("door-a", 2)
		if st.Email != "anna@example.com" {
			t.Errorf("C holds door-a:2 = %+v; want anna's", st)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if st := c.x.Status(); st.Conflicts != 0 {
		t.Fatalf("C: %+v; the forged tap reached it", st)
	}
}
