package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/fleet"
	"stampclock/uplink/mqtt"
	"stampclock/uplink/mqtt/mqtttest"
)

// fleetSite starts a broker with two terminals: door-1 online (a running
// status publisher) and door-2 whose Last Will was sent 5 minutes after
// its last status.
func fleetSite(t *testing.T) (*mqtttest.Broker, time.Time) {
	t.Helper()
	b := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"office": "office-pw"}})
	c, err := mqtt.New(mqtt.Options{URLs: []string{b.URL()}, DeviceID: "door-1", TopicPrefix: "site/hq", Version: "1.4",
		Username: "office", Password: "office-pw", StatusMinGap: 10 * time.Millisecond,
		Status: func() mqtt.Status {
			return mqtt.Status{Uplinks: []mqtt.UplinkStatus{{Name: "zeiterfassung", Pending: 7, Held: 2}}, StoreAlarm: "damaged store moved aside"}
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	last := time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Second)
	pc := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).SetClientID("old").SetUsername("office").SetPassword("office-pw").SetProtocolVersion(4))
	if tok := pc.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer pc.Disconnect(0)
	for topic, st := range map[string]mqtt.Status{
		"site/hq/door-2/seen":   {Schema: 1, DeviceID: "door-2", Online: true, At: last, StatusInterval: 60, KeepAlive: 30, Uplinks: []mqtt.UplinkStatus{{Name: "mqtt", Pending: 12}}},
		"site/hq/door-2/status": {Schema: 1, DeviceID: "door-2", Online: false, Reason: mqtt.ReasonConnectionLost, OnlineSince: last.Add(-time.Hour), StatusInterval: 60, KeepAlive: 30},
	} {
		data, _ := json.Marshal(st)
		if tok := pc.Publish(topic, 1, true, data); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	if !b.WaitFor(10*time.Second, func(ms []mqtttest.Message) bool {
		for _, m := range ms {
			if m.Topic == "site/hq/door-1/seen" {
				return true
			}
		}
		return false
	}) {
		t.Fatal("door-1 published no status")
	}
	return b, last
}

func TestFleet_BrokerFlag_TableAndJSON(t *testing.T) {
	b, last := fleetSite(t)
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("office-pw\n"), 0o600)
	var out, errb bytes.Buffer
	if code := run([]string{"fleet", "--broker", b.URL(), "--prefix", "site/hq", "--username", "office", "--password-file", pw, "--quiet", "200ms"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	for _, want := range []string{
		"TERMINAL", "offline (connection lost)  between " + last.Format("2006-01-02 15:04:05Z") + " and " + last.Add(105*time.Second).Format("2006-01-02 15:04:05Z"),
		"! door-1: store: damaged store moved aside", "2 terminal(s): 1 online, 1 offline, 0 silent; * as last seen",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			rows[f[0]] = f
		}
	}
	// door-1 online since <date> <time>, pending 7, held 2, dead 0, 1.4;
	// door-2's depths as last seen.
	if r := rows["door-1"]; len(r) != 8 || r[1] != "online" || r[4] != "7" || r[5] != "2" || r[6] != "0" || r[7] != "1.4" {
		t.Errorf("door-1 row %q", r)
	}
	if r := rows["door-2"]; len(r) < 5 || r[len(r)-4] != "12*" || r[len(r)-1] != "-" {
		t.Errorf("door-2 row %q", r)
	}

	out.Reset()
	if code := run([]string{"fleet", "--json", "--broker", b.URL(), "--prefix", "site/hq", "--username", "office", "--password-file", pw, "--quiet", "200ms"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var v fleet.View
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(v.Terminals) != 2 || v.Terminals[0].State != fleet.Online || v.Terminals[0].Pending != 7 || v.Terminals[0].Held != 2 ||
		v.Terminals[1].State != fleet.Offline || !v.Terminals[1].Since.Equal(last) || v.Terminals[1].Pending != 12 || !v.Terminals[1].Stale {
		t.Fatalf("json view %+v", v)
	}
}

func TestFleet_ReadsBrokerFromConfig(t *testing.T) {
	b, _ := fleetSite(t)
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("office-pw\n"), 0o600)
	cfg := filepath.Join(dir, "stampd.toml")
	os.WriteFile(cfg, []byte(`
[device]
id = "door-9"
[store]
path = "`+filepath.Join(dir, "q.db")+`"
[mqtt]
urls = ["`+b.URL()+`"]
topic_prefix = "site/hq"
username = "office"
password_file = "`+pw+`"
`), 0o600)
	var out, errb bytes.Buffer
	if code := run([]string{"--json", "fleet", "--config", cfg, "--quiet", "200ms"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var v fleet.View
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || len(v.Terminals) != 2 {
		t.Fatalf("%v: %s", err, out.String())
	}

	// A config without [mqtt] says so and names the file.
	os.WriteFile(cfg, []byte("[device]\nid = \"door-9\"\n[store]\npath = \"/tmp/x.db\"\n"), 0o600)
	errb.Reset()
	if code := run([]string{"fleet", "--config", cfg}, &out, &errb); code != 1 || !strings.Contains(errb.String(), cfg) || !strings.Contains(errb.String(), "--broker") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}
