package mqtt

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/mqtt/mqtttest"
)

func TestDeliver_EveryRecordOnItsTopicWithItsPayload(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	s := newStore(t, 300)
	start(t, s, Options{URLs: []string{b.URL()}, Window: 16})
	eventually(t, 20*time.Second, "queue drained", func() bool { return pendingOf(t, s, "mqtt") == 0 })
	if dups := checkAllArrived(t, b.Messages(), 300); dups != 0 {
		t.Fatalf("%d redeliveries without any fault", dups)
	}
	// Order per device is kept on an unbroken connection.
	var last uint64
	for _, m := range b.Messages() {
		var p Payload
		if json.Unmarshal(m.Payload, &p) == nil && p.Seq != 0 {
			if p.Seq <= last {
				t.Fatalf("seq %d after %d", p.Seq, last)
			}
			last = p.Seq
		}
	}
}

func TestDeliver_BrokerRestartMidBacklog_NoneLostRedeliveriesSameKey(t *testing.T) {
	const n = 3000
	b := mqtttest.Start(t, mqtttest.Options{})
	s := newStore(t, n)
	run := start(t, s, Options{URLs: []string{b.URL()}, Window: 64, ConnectTimeout: time.Second})
	if !b.WaitFor(20*time.Second, func(ms []mqtttest.Message) bool { return countRecords(ms) >= n/3 }) {
		t.Fatal("backlog did not start draining")
	}
	b.Stop()
	eventually(t, 10*time.Second, "client sees the broker gone", func() bool { return !run.c.State().Connected })
	if p := pendingOf(t, s, "mqtt"); p == 0 {
		t.Fatal("backlog drained before the broker stopped; test proves nothing")
	}
	if err := b.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "queue drained after restart", func() bool { return pendingOf(t, s, "mqtt") == 0 })
	dups := checkAllArrived(t, b.Messages(), n)
	t.Logf("%d records, %d redeliveries", n, dups)
}

func TestDeliver_ConnectionCutMidBatch_ResentFromQueue(t *testing.T) {
	const n = 2000
	b := mqtttest.Start(t, mqtttest.Options{})
	p := mqtttest.StartProxy(t, b.Addr())
	s := newStore(t, n)
	start(t, s, Options{URLs: []string{p.URL()}, Window: 128})
	for cut := 1; cut <= 3; cut++ {
		if !b.WaitFor(20*time.Second, func(ms []mqtttest.Message) bool { return countRecords(ms) >= cut*n/5 }) {
			t.Fatalf("cut %d: no progress", cut)
		}
		p.Cut()
	}
	eventually(t, 30*time.Second, "queue drained", func() bool { return pendingOf(t, s, "mqtt") == 0 })
	checkAllArrived(t, b.Messages(), n)
}

func TestStatus_RetainedOnlineThenWillThenGoodbye(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	p := mqtttest.StartProxy(t, b.Addr())
	s := newStore(t, 3)
	statusTopic := "stampclock/" + device + "/status"
	run := start(t, s, Options{URLs: []string{p.URL()}, Version: "1.2.3", StatusMinGap: 10 * time.Millisecond, Status: func() Status {
		return Status{Clock: &Clock{Now: base, Synced: true, Timezone: "Europe/Berlin"}, Uplinks: []UplinkStatus{{Name: "mqtt", Pending: pendingOf(t, s, "mqtt")}}}
	}})
	retained := func() Status {
		m, ok := b.Retained(statusTopic)
		if !ok {
			return Status{}
		}
		var st Status
		if err := json.Unmarshal(m.Payload, &st); err != nil {
			t.Fatalf("status %s: %v", m.Payload, err)
		}
		return st
	}
	eventually(t, 10*time.Second, "retained online status with drained queue", func() bool {
		st := retained()
		return st.Online && st.DeviceID == device && st.Version == "1.2.3" && st.Clock != nil && st.Clock.Synced &&
			len(st.Uplinks) == 1 && st.Uplinks[0].Pending == 0
	})
	before := len(b.Messages())
	p.Cut()
	// The Will, retained, says offline. (Not "the last message": by the
	// time the condition is looked at, the client may have reconnected
	// and said online again.)
	var will mqtttest.Message
	if !b.WaitFor(10*time.Second, func(ms []mqtttest.Message) bool {
		for _, m := range ms[before:] {
			if m.Will && m.Topic == statusTopic {
				will = m
				return true
			}
		}
		return false
	}) {
		t.Fatal("no Last Will on the status topic")
	}
	var st Status
	if err := json.Unmarshal(will.Payload, &st); err != nil || !will.Retain || st.Online || st.DeviceID != device {
		t.Fatalf("the Will is %s (retained %v, %v), want a retained offline status of %s", will.Payload, will.Retain, err, device)
	}
	// The next status tick or delivery reconnects and says online again.
	run.c.StatusChanged()
	eventually(t, 10*time.Second, "online again", func() bool { return retained().Online })
	run.stop()
	if st := retained(); st.Online {
		t.Fatalf("after shutdown the retained status is %+v, want offline", st)
	}
}

func TestConnect_WrongCredentials_ClearErrorAndBackoff(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"terminal": "right"}})
	s := newStore(t, 5)
	run := start(t, s, Options{URLs: []string{b.URL()}, Username: "terminal", Password: "wrong-secret-123"})
	eventually(t, 10*time.Second, "runner backing off with a credentials error", func() bool {
		st := run.r.Status()
		return st.State == "backoff" && st.Failures >= 3 && strings.Contains(st.LastError, "refused the credentials")
	})
	cs := run.c.State()
	if cs.Connected || !strings.Contains(cs.LastError, "mqtt.password_file") || cs.Failures < 3 {
		t.Fatalf("conn state = %+v", cs)
	}
	if strings.Contains(cs.LastError+run.r.Status().LastError, "wrong-secret-123") {
		t.Fatal("password in status")
	}
	// Backoff is 20ms doubling to 200ms (±20%): five more refused attempts
	// take at least four backoffs, 0.8 × (20+40+80+160) ms, where a busy
	// loop takes a few milliseconds.
	if el := refusedSpan(t, b.Refused, 5); el < 240*time.Millisecond {
		t.Fatalf("5 more connection attempts within %v: no backoff", el)
	}
	if p := pendingOf(t, s, "mqtt"); p != 5 {
		t.Fatalf("pending %d, want 5", p)
	}
}

func TestSend_SingleRecordSenderPath(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	c, err := New(Options{URLs: []string{b.URL()}, DeviceID: device, TopicPrefix: "site/a"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		c.Run(ctx)
	}()
	if err := c.Send(context.Background(), withSeq(testRecord(2), 3), true); err != nil {
		t.Fatal(err)
	}
	ms := b.Messages()
	if len(ms) != 1 || ms[0].Topic != "site/a/"+device+"/event" || ms[0].QoS != 1 {
		t.Fatalf("messages = %+v", ms)
	}
	if err := c.Send(context.Background(), queue.Record{Seq: 9, Kind: "bogus"}, false); uplink.ClassOf(err) != uplink.Permanent {
		t.Fatalf("unknown kind: %v, want permanent", err)
	}
}

func TestSend_BrokerDown_Retry(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	b.Stop()
	c, err := New(Options{URLs: []string{b.URL()}, DeviceID: device, ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Send(context.Background(), withSeq(testRecord(0), 1), false)
	if uplink.ClassOf(err) != uplink.Retry || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("err = %v, want retry: cannot connect", err)
	}
}

func TestNew_RefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"NoURL", Options{DeviceID: "d"}, "no broker"},
		{"BadScheme", Options{URLs: []string{"http://b:1883"}, DeviceID: "d"}, "scheme"},
		{"NoPort", Options{URLs: []string{"tcp://b"}, DeviceID: "d"}, "no port"},
		{"CredentialsInURL", Options{URLs: []string{"tcp://u:pw@b:1883"}, DeviceID: "d"}, "carries credentials"},
		{"WildcardDevice", Options{URLs: []string{"tcp://b:1883"}, DeviceID: "a/+"}, "device id"},
		{"QoS0", Options{URLs: []string{"tcp://b:1883"}, DeviceID: "d", QoS: 3}, "qos"},
		{"CertWithoutKey", Options{URLs: []string{"ssl://b:8883"}, DeviceID: "d", CertFile: "c.pem"}, "key_file"},
		{"MissingCA", Options{URLs: []string{"ssl://b:8883"}, DeviceID: "d", CAFile: "/nonexistent/ca.pem"}, "ca_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Fatalf("credentials leaked: %v", err)
			}
		})
	}
}

// The defect 7 with a real client: the runner's backoff has grown
// to an hour while the broker was down; the status loop reconnects as soon
// as the broker is back, and that ends the backoff at once.
func TestReconnect_EndsAnHourLongBackoff(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	b.Stop()
	s := newStore(t, 20)
	var r *uplink.Runner
	c, err := New(Options{URLs: []string{b.URL()}, DeviceID: device, StatusInterval: 20 * time.Millisecond, StatusMinGap: 10 * time.Millisecond,
		OnConnect: func() { r.Resume() }, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	r = uplink.NewRunner("mqtt", s, c, uplink.Options{MinBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r.Run(ctx) }()
	go func() { defer wg.Done(); c.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	eventually(t, 10*time.Second, "an hour-long backoff", func() bool {
		st := r.Status()
		return st.State == "backoff" && time.Until(st.NextTry) > 30*time.Minute
	})
	if err := b.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "all 20 delivered once the broker is back", func() bool {
		st := r.Status()
		return pendingOf(t, s, "mqtt") == 0 && st.Delivered == 20 && st.Failures == 0 && st.LastError == ""
	})
}

// The status forgets a refused-credentials error once the credentials are
// fixed (here: the terminal restarted with the right password).
func TestConnect_CredentialsFixed_StatusForgetsTheError(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"terminal": "right"}})
	s := newStore(t, 5)
	run := start(t, s, Options{URLs: []string{b.URL()}, Username: "terminal", Password: "wrong"})
	eventually(t, 10*time.Second, "a credentials error in the store's status", func() bool {
		st, err := s.Stats()
		return err == nil && strings.Contains(st.Uplinks[0].LastError, "refused the credentials")
	})
	run.stop()
	run = start(t, s, Options{URLs: []string{b.URL()}, Username: "terminal", Password: "right"})
	eventually(t, 10*time.Second, "delivered with the right password", func() bool { return pendingOf(t, s, "mqtt") == 0 })
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if u := st.Uplinks[0]; u.LastError != "" {
		t.Fatalf("store status still shows %q after a delivery", u.LastError)
	}
	if cs := run.c.State(); !cs.Connected || cs.LastError != "" {
		t.Fatalf("connection state = %+v", cs)
	}
	eventually(t, 10*time.Second, "the runner's status without the error", func() bool { return run.r.Status().LastError == "" })
}
