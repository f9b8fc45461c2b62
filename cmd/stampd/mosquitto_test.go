package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/device/daemon"
	"stampclock/uplink/mqtt/mqtttest"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// The built stampd against the real mosquitto (Debian package), started by
// the test on a free loopback port with its own config and password file.

func startMosquittoWithUser(t *testing.T, user, password string) *mqtttest.Mosquitto {
	t.Helper()
	bin := needTool(t, "mosquitto", "mosquitto")
	passwd := needTool(t, "mosquitto_passwd", "mosquitto")
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "passwd")
	if out, err := exec.Command(passwd, "-b", "-c", pwFile, user, password).CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_passwd: %v %s", err, out)
	}
	return mqtttest.StartMosquitto(t, bin, dir, fmt.Sprintf("allow_anonymous false\npassword_file %s\n", pwFile))
}

func (e *env) mqttSection(url, user, password string) {
	e.t.Helper()
	pw := filepath.Join(e.dir, "mqtt.secret")
	if err := os.WriteFile(pw, []byte(password), 0o600); err != nil {
		e.t.Fatal(err)
	}
	e.appendConfig(fmt.Sprintf("[device]\nid = \"t1\"\n[mqtt]\nurls = [%q]\nusername = %q\npassword_file = %q\nstatus_interval = \"1s\"\n", url, user, pw))
}

func TestMosquitto_RESTDown_MQTTStillDelivers(t *testing.T) {
	m := startMosquittoWithUser(t, "terminal", "mqtt-pass")
	e := newEnv(t, 2)
	e.zs.SetDown(zeittest.DownClose)
	e.mqttSection(m.URL(), "terminal", "mqtt-pass")
	e.start()
	e.ctl("tap", "B0000000", "--at", "2026-06-01T07:00:00Z")
	e.ctl("tap", "B0000000", "--at", "2026-06-01T15:00:00Z")
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := e.status()
		var rest, mq uint64
		for _, u := range s.Queue.Uplinks {
			switch u.Name {
			case "zeiterfassung":
				rest = u.Pending
			case "mqtt":
				mq = u.Delivered
			}
		}
		if mq == 3 && rest == 1 {
			break // punch, punch, entry on the broker; the entry still waits for REST
		}
		if time.Now().After(deadline) {
			t.Fatalf("mqtt delivered %d (want 3), rest pending %d (want 1): %+v", mq, rest, s.Queue.Uplinks)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.zs.SetDown(zeittest.Up)
	e.waitDelivered(4)
	if n := len(e.zs.Entries()); n != 1 {
		t.Fatalf("REST entries = %d", n)
	}
}

func TestMosquitto_WrongCredentials_ClearErrorNoSecretBackoff(t *testing.T) {
	m := startMosquittoWithUser(t, "terminal", "right-pass")
	e := newEnv(t, 1)
	e.mqttSection(m.URL(), "terminal", "wrong-pass")
	e.start()
	e.ctl("tap", "B0000000", "--at", "2026-06-01T07:00:00Z")
	deadline := time.Now().Add(30 * time.Second)
	var s daemon.Status
	backingOff := func(s daemon.Status) bool {
		for _, u := range s.Uplinks {
			if u.Uplink == "mqtt" && u.Failures > 0 {
				return true
			}
		}
		return false
	}
	for {
		s = e.status()
		if brokerConn(s) != nil && brokerConn(s).LastError != "" && backingOff(s) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no MQTT error in status: %+v", brokerConn(s))
		}
		time.Sleep(20 * time.Millisecond)
	}
	raw, _ := json.Marshal(s)
	if !strings.Contains(brokerConn(s).LastError, "credentials") || strings.Contains(string(raw), "wrong-pass") {
		t.Fatalf("status error %q (or the password leaked)", brokerConn(s).LastError)
	}
}
