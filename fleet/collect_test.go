package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/internal/mqttopts"
	"stampclock/uplink/mqtt"
	"stampclock/uplink/mqtt/mqtttest"
)

// publisher is one terminal's status publisher: the mqtt uplink's client
// with its status loop, on a clock of its own.
type publisher struct {
	c      *mqtt.Client
	cancel context.CancelFunc
	done   chan struct{}
}

func startPublisher(t *testing.T, url, device string, at time.Time, status func() mqtt.Status) *publisher {
	t.Helper()
	c, err := mqtt.New(mqtt.Options{
		URLs: []string{url}, DeviceID: device, TopicPrefix: "site/hq", Version: "1.4",
		StatusInterval: 60 * time.Second, KeepAlive: 30 * time.Second, StatusMinGap: 10 * time.Millisecond,
		Status: status, Now: func() time.Time { return at },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &publisher{c: c, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(p.done); c.Run(ctx) }()
	t.Cleanup(p.stop)
	return p
}

func (p *publisher) stop() { p.cancel(); <-p.done }

// publishRetained leaves a retained status as a terminal would have.
func publishRetained(t *testing.T, url, topic string, st mqtt.Status) {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("old-terminal").SetProtocolVersion(4))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(0)
	data, _ := json.Marshal(st)
	if tok := c.Publish(topic, 1, true, data); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
}

type proxy interface {
	URL() string
	Pause()
	Cut()
}

// siteScenario runs four terminals against the broker at url (door-3
// through p) and checks what Collect makes of them: door-1 online with its
// queue, door-2 shut down, door-3 cut off (Last Will) with its last known
// state, door-4 an online status nobody refreshes (a terminal gone while
// the broker lost its Will).
func siteScenario(t *testing.T, url string, p proxy) {
	now := t0
	d1 := func() mqtt.Status {
		return mqtt.Status{Clock: &mqtt.Clock{Now: now, Synced: true}, Reader: &mqtt.Reader{OK: true},
			Uplinks: []mqtt.UplinkStatus{{Name: "zeiterfassung", Pending: 5, Held: 2, Dead: 1}, {Name: "mqtt", Pending: 3}}}
	}
	startPublisher(t, url, "door-1", now.Add(-20*time.Second), d1)
	d2 := startPublisher(t, url, "door-2", now.Add(-time.Minute), nil)
	d3last := now.Add(-90 * time.Second)
	startPublisher(t, p.URL(), "door-3", d3last, func() mqtt.Status {
		return mqtt.Status{StoreAlarm: "damaged store moved aside", Clock: &mqtt.Clock{Now: d3last, Synced: false},
			Uplinks: []mqtt.UplinkStatus{{Name: "zeiterfassung", Pending: 40}}}
	})
	d4 := now.Add(-time.Hour)
	stale := mqtt.Status{Schema: 1, DeviceID: "door-4", Online: true, At: d4, OnlineSince: d4.Add(-time.Hour), StatusInterval: 60, KeepAlive: 30}
	publishRetained(t, url, "site/hq/door-4/status", stale)
	publishRetained(t, url, "site/hq/door-4/seen", stale)

	collect := func() View {
		t.Helper()
		v, err := Collect(context.Background(), Options{Account: mqttopts.Account{URLs: []string{url}}, TopicPrefix: "site/hq", Quiet: 200 * time.Millisecond, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	states := func(v View) string {
		var s []string
		for _, term := range v.Terminals {
			s = append(s, term.DeviceID+"="+term.State)
		}
		return strings.Join(s, " ")
	}
	waitStates := func(want string) View {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			v := collect()
			if states(v) == want {
				return v
			}
			if time.Now().After(deadline) {
				t.Fatalf("fleet %q, want %q", states(v), want)
			}
		}
	}
	waitStates("door-1=online door-2=online door-3=online door-4=silent")
	d2.stop()
	p.Pause() // door-3 cannot come back
	p.Cut()
	v := waitStates("door-1=online door-2=offline door-3=offline door-4=silent")
	byID := map[string]Terminal{}
	for _, term := range v.Terminals {
		byID[term.DeviceID] = term
	}
	if d := byID["door-1"]; !d.Since.Equal(now.Add(-20*time.Second)) || d.Pending != 8 || d.Held != 2 || d.Dead != 1 || d.Version != "1.4" ||
		d.Stale || len(d.Alarms) != 1 || d.Alarms[0] != "zeiterfassung: 1 rejected" {
		t.Errorf("door-1 %+v", d)
	}
	if d := byID["door-2"]; d.Reason != mqtt.ReasonShutdown || !d.Since.Equal(now.Add(-time.Minute)) || !d.GoneBy.IsZero() {
		t.Errorf("door-2 %+v", d)
	}
	if d := byID["door-3"]; d.Reason != mqtt.ReasonConnectionLost || !d.Since.Equal(d3last) || !d.GoneBy.Equal(d3last.Add(105*time.Second)) ||
		d.Pending != 40 || !d.Stale || len(d.Alarms) != 2 || !strings.HasPrefix(d.Alarms[0], "store: ") {
		t.Errorf("door-3 %+v", d)
	}
	if d := byID["door-4"]; !d.Since.Equal(d4) || !d.GoneBy.Equal(d4.Add(105*time.Second)) {
		t.Errorf("door-4 %+v", d)
	}
}

func TestCollect_EmbeddedBroker_SiteOfFour(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	siteScenario(t, b.URL(), mqtttest.StartProxy(t, b.Addr()))
}

func TestCollect_Mosquitto_SiteOfFour(t *testing.T) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		msg := fmt.Sprintf("mosquitto not installed (apt-get install mosquitto): %v", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	m := mqtttest.StartMosquitto(t, bin, t.TempDir(), "allow_anonymous true\n")
	siteScenario(t, m.URL(), mqtttest.StartProxy(t, fmt.Sprintf("127.0.0.1:%d", m.Port)))
}

func TestCollect_Errors(t *testing.T) {
	if _, err := Collect(context.Background(), Options{}); err != ErrNoBroker {
		t.Fatalf("no URL: %v", err)
	}
	if _, err := Collect(context.Background(), Options{Account: mqttopts.Account{URLs: []string{"tcp://127.0.0.1"}}}); err == nil || !strings.Contains(err.Error(), "no port") {
		t.Fatalf("bad URL: %v", err)
	}
	b := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"office": "right"}})
	_, err := Collect(context.Background(), Options{Account: mqttopts.Account{URLs: []string{b.URL()}, Username: "office", Password: "wrong"}, Wait: 5 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "connect to "+b.URL()) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong password: %v", err)
	}
	// An empty site is an empty view, not an error.
	v, err := Collect(context.Background(), Options{Account: mqttopts.Account{URLs: []string{b.URL()}, Username: "office", Password: "right"}, Quiet: 50 * time.Millisecond})
	if err != nil || len(v.Terminals) != 0 {
		t.Fatalf("empty site: %+v, %v", v, err)
	}
}
