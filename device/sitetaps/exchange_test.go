package sitetaps

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/internal/mqttopts"
	"stampclock/internal/waitfor"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink/mqtt/mqtttest"
)

// terminal is one in-process terminal of a site: its store and its
// exchange, which can be stopped (offline) and started again on the same
// store.
type terminal struct {
	t              *testing.T
	id, url        string
	user, password string
	path           string

	store  *queue.Store
	x      *Exchange
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	kicked []string // emails OnStored named
}

func newTerminal(t *testing.T, id, url string) *terminal {
	t.Helper()
	tm := &terminal{t: t, id: id, url: url, path: filepath.Join(t.TempDir(), "queue.db")}
	tm.start()
	t.Cleanup(tm.stop)
	return tm
}

func (tm *terminal) start() {
	tm.t.Helper()
	st, err := queue.Open(tm.path, queue.Options{})
	if err != nil {
		tm.t.Fatal(err)
	}
	x, err := New(st, Options{
		Site: "hq", DeviceID: tm.id, Conn: mqttopts.Conn{Account: mqttopts.Account{URLs: []string{tm.url}, Username: tm.user, Password: tm.password}, Reconnect: 200 * time.Millisecond, AckTimeout: 5 * time.Second},
		Poll: 20 * time.Millisecond, ReplayWait: 100 * time.Millisecond,
		OnStored: func(taps []queue.SiteTap) {
			tm.mu.Lock()
			for _, st := range taps {
				tm.kicked = append(tm.kicked, st.Email)
			}
			tm.mu.Unlock()
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tm.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tm.store, tm.x, tm.cancel, tm.done = st, x, cancel, make(chan struct{})
	go func() {
		defer close(tm.done)
		if err := x.Run(ctx); err != nil {
			tm.t.Errorf("%s: Run: %v", tm.id, err)
		}
	}()
}

// stop takes the terminal offline (its exchange ends, its store closes).
func (tm *terminal) stop() {
	if tm.cancel == nil {
		return
	}
	tm.cancel()
	<-tm.done
	if err := tm.store.Close(); err != nil {
		tm.t.Errorf("%s: close store: %v", tm.id, err)
	}
	if err := queuetest.Check(tm.path); err != nil {
		tm.t.Errorf("%s: %v", tm.id, err)
	}
	tm.cancel = nil
}

// tap commits an own site tap as the agent does, and kicks the exchange.
func (tm *terminal) tap(email string, at time.Time) queue.SiteTap {
	tm.t.Helper()
	var st queue.SiteTap
	if _, err := tm.store.Update(func(tx *queue.Tx) error {
		var err error
		st, err = tx.AppendSiteTap(queue.SiteTap{Origin: tm.id, At: at, Email: email, UID: "04A1B2C3"})
		return err
	}); err != nil {
		tm.t.Fatal(err)
	}
	tm.x.Kick()
	return st
}

// holds lists the keys of the taps the terminal holds.
func (tm *terminal) holds() []string {
	tm.t.Helper()
	var keys []string
	if err := tm.store.View(func(tx *queue.Tx) error {
		origins, err := tx.SiteTapOrigins()
		for _, o := range origins {
			if err := tx.EachSiteTapOf(o.Origin, 1, o.Highest, func(st queue.SiteTap) bool {
				keys = append(keys, Key(st.Origin, st.Seq))
				return true
			}); err != nil {
				return err
			}
		}
		return err
	}); err != nil {
		tm.t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitfor.Until(t, 20*time.Second, what, ok)
}

// allHold waits until every terminal holds exactly want.
func allHold(t *testing.T, what string, want []string, tms ...*terminal) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	eventually(t, what, func() bool {
		for _, tm := range tms {
			if !slices.Equal(tm.holds(), want) {
				return false
			}
		}
		return true
	})
}

var day = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func at(min int) time.Time { return day.Add(time.Duration(min) * time.Minute) }

// siteScenario: three terminals exchange taps; one is offline and catches
// up by replay; the broker restarts (restart() and stopped() say how);
// a newcomer gets everything.
func siteScenario(t *testing.T, url string, stopBroker, restartBroker func()) {
	a := newTerminal(t, "door-a", url)
	b := newTerminal(t, "door-b", url)
	c := newTerminal(t, "door-c", url)
	eventually(t, "all connected", func() bool {
		return a.x.Status().Connected && b.x.Status().Connected && c.x.Status().Connected
	})

	// Anna starts at the front door (A), stops at the warehouse (B).
	a.tap("anna@example.com", at(0))
	b.tap("anna@example.com", at(480))
	want := []string{"door-a:1", "door-b:1"}
	allHold(t, "anna's two taps everywhere", want, a, b, c)
	// OnStored is called after the commit that allHold sees.
	eventually(t, "C told OnStored anna twice", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return slices.Equal(c.kicked, []string{"anna@example.com", "anna@example.com"})
	})

	// C is offline while A and B take taps; back, it asks for them.
	c.stop()
	for i := range 3 {
		a.tap("bob@example.com", at(600+i))
		want = append(want, fmt.Sprintf("door-a:%d", 2+i))
	}
	b.tap("carla@example.com", at(700))
	want = append(want, "door-b:2")
	allHold(t, "A's and B's taps at A and B", want, a, b)
	c.start()
	allHold(t, "C caught up after it came back", want, a, b, c)
	if st := c.x.Status(); st.ReplaysAsked == 0 || st.Peers != 2 {
		t.Fatalf("C's status after catching up: %+v; want replays asked, 2 peers", st)
	}
	eventually(t, "A answered a replay", func() bool { return a.x.Status().ReplaysAnswered > 0 })

	// The broker goes away; A taps meanwhile; back, everyone gets it.
	stopBroker()
	eventually(t, "A sees the broker gone", func() bool { return !a.x.Status().Connected })
	a.tap("anna@example.com", at(1440))
	want = append(want, "door-a:5")
	if st := a.x.Status(); st.Unpublished != 1 {
		t.Fatalf("A's outbox while the broker is down: %+v", st)
	}
	restartBroker()
	allHold(t, "A's tap from the broker's downtime everywhere", want, a, b, c)
	eventually(t, "A's outbox empty", func() bool { return a.x.Status().Unpublished == 0 })

	// A newcomer gets every tap from the heads.
	d := newTerminal(t, "door-d", url)
	allHold(t, "everything at the newcomer", want, d)
	eventually(t, "the newcomer is not behind", func() bool {
		st := d.x.Status()
		return st.Behind == 0 && st.Peers == 2 // C never tapped: no head
	})
	for _, tm := range []*terminal{a, b, c, d} {
		if st := tm.x.Status(); st.Conflicts != 0 || st.Rejected != 0 {
			t.Errorf("%s: %+v; want no conflicts, nothing rejected", tm.id, st)
		}
	}
}

func TestSite_Taps_EmbeddedBroker(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	siteScenario(t, b.URL(), b.Stop, func() {
		if err := b.Restart(); err != nil {
			t.Fatal(err)
		}
	})
}

func needMosquitto(t *testing.T, tools ...string) string {
	t.Helper()
	var bin string
	var err error
	for i, tool := range append([]string{"mosquitto"}, tools...) {
		p, e := exec.LookPath(tool)
		if i == 0 {
			bin = p
		}
		if e != nil {
			err = e
		}
	}
	if err != nil {
		msg := fmt.Sprintf("mosquitto not installed (apt-get install mosquitto): %v", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

func TestSite_Taps_Mosquitto(t *testing.T) {
	bin := needMosquitto(t)
	// No persistence: a restarted broker has lost the retained heads
	// too, and the terminals put them back.
	m := mqtttest.StartMosquitto(t, bin, t.TempDir(), "allow_anonymous true\n")
	siteScenario(t, m.URL(), m.Kill, m.Start)
}

// rawClient is a plain MQTT client for tests that publish by hand.
func rawClient(t *testing.T, url, id string) paho.Client {
	t.Helper()
	pc := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id))
	if tok := pc.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	t.Cleanup(func() { pc.Disconnect(0) })
	return pc
}

func publish(t *testing.T, pc paho.Client, topic string, retained bool, v any) {
	t.Helper()
	payload, ok := v.([]byte)
	if !ok {
		payload, _ = json.Marshal(v)
	}
	if tok := pc.Publish(topic, 1, retained, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

func TestSite_DuplicatesConflictsAndMalformed_Counted(t *testing.T) {
	br := mqtttest.Start(t, mqtttest.Options{})
	a := newTerminal(t, "door-a", br.URL())
	b := newTerminal(t, "door-b", br.URL())
	eventually(t, "connected", func() bool { return a.x.Status().Connected && b.x.Status().Connected })
	held := a.tap("anna@example.com", at(0))
	allHold(t, "A's tap at B", []string{"door-a:1"}, b)

	raw := rawClient(t, br.URL(), "someone")
	// The same tap again (a redelivery): nothing changes.
	publish(t, raw, a.x.TapsTopic("door-a"), false, Tap{SiteTap: held, Key: "door-a:1"})
	eventually(t, "the duplicate counted", func() bool { return b.x.Status().Duplicates == 1 })
	// Other content under the same key: the held tap stays.
	other := held
	other.Email = "mallory@example.com"
	publish(t, raw, a.x.TapsTopic("door-a"), false, Tap{SiteTap: other})
	eventually(t, "the conflict counted", func() bool { return b.x.Status().Conflicts == 1 })
	// A tap claiming door-a on door-c's topic, and malformed payloads.
	bad := []struct {
		topic string
		v     any
	}{
		{a.x.TapsTopic("door-c"), Tap{SiteTap: queue.SiteTap{Origin: "door-a", Seq: 2, At: at(1), Email: "anna@example.com", UID: "04A1B2C3"}}},
		{a.x.TapsTopic("door-c"), []byte("not json")},
		{a.x.TapsTopic("door-c"), Tap{SiteTap: queue.SiteTap{Origin: "door-c", Seq: 1, At: at(1), Email: "anna@example.com"}}},    // no uid
		{a.x.TapsTopic("door-c"), Tap{SiteTap: queue.SiteTap{Origin: "door-c", Seq: 1, Email: "anna@example.com", UID: "04"}}},    // no time
		{a.x.TapsTopic("door-c"), Tap{SiteTap: queue.SiteTap{Origin: "door-c", At: at(1), Email: "anna@example.com", UID: "04"}}}, // no seq
		{a.x.TapsTopic("door-c"), Tap{SiteTap: queue.SiteTap{Origin: "door-c", Seq: 1, At: at(1), Email: "anna@example.com", UID: "04"}, Key: "door-c:2"}},
		{a.x.HeadTopic("door-c"), Head{Origin: "door-a", Seq: 9}},
		{a.x.ReplayTopic("door-b"), Replay{From: 5, To: 2, By: "door-c"}},
	}
	for _, m := range bad {
		publish(t, raw, m.topic, false, m.v)
	}
	eventually(t, "the malformed messages rejected at B", func() bool { return b.x.Status().Rejected == uint64(len(bad)) })
	// (the replay request went to door-b only; A sees the others)
	eventually(t, "the malformed messages rejected at A", func() bool { return a.x.Status().Rejected == uint64(len(bad)-1) })
	if got := b.holds(); !slices.Equal(got, []string{"door-a:1"}) {
		t.Fatalf("B holds %v after the bad messages", got)
	}
	if err := b.store.View(func(tx *queue.Tx) error {
		st, _, err := tx.SiteTap("door-a", 1)
		if st.Email != "anna@example.com" {
			t.Errorf("B's door-a:1 is %+v; the first stays", st)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Nothing lost its connection over it; A's taps still flow.
	a.tap("anna@example.com", at(480))
	allHold(t, "A's next tap at B", []string{"door-a:1", "door-a:2"}, b)
}

// A gap (a lost message) is found and filled without a head: the next
// tap arrives past it.
func TestSite_GapFilledByReplay(t *testing.T) {
	br := mqtttest.Start(t, mqtttest.Options{})
	a := newTerminal(t, "door-a", br.URL())
	b := newTerminal(t, "door-b", br.URL())
	eventually(t, "connected", func() bool { return a.x.Status().Connected && b.x.Status().Connected })
	// A's store holds three taps; B gets only the third (as if the
	// first two were lost on the way).
	var third queue.SiteTap
	if _, err := a.store.Update(func(tx *queue.Tx) error {
		for i := range 3 {
			st, err := tx.AppendSiteTap(queue.SiteTap{Origin: "door-a", At: at(i * 100), Email: "anna@example.com", UID: "04A1B2C3"})
			third = st
			if err != nil {
				return err
			}
		}
		return tx.MarkSiteTapsPublished("door-a", 3)
	}); err != nil {
		t.Fatal(err)
	}
	publish(t, rawClient(t, br.URL(), "lossy"), a.x.TapsTopic("door-a"), false, Tap{SiteTap: third})
	allHold(t, "B filled the gap", []string{"door-a:1", "door-a:2", "door-a:3"}, b)
	if st := b.x.Status(); st.ReplaysAsked == 0 || st.Behind != 0 {
		t.Fatalf("B: %+v", st)
	}
}

func TestReceive_AcknowledgedOnlyAfterTheCommit(t *testing.T) {
	st := queuetest.Open(t, queue.Options{})
	fs := &failingStore{Store: st, fail: true}
	x, err := New(fs, Options{Site: "hq", DeviceID: "door-b", Conn: mqttopts.Conn{Account: mqttopts.Account{URLs: []string{"tcp://127.0.0.1:1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(Tap{SiteTap: queue.SiteTap{Origin: "door-a", Seq: 1, At: at(0), Email: "anna@example.com", UID: "04A1B2C3"}})
	var acks int
	var heldAtAck bool
	m := &fakeMessage{topic: x.TapsTopic("door-a"), payload: payload, acked: func() {
		acks++
		if err := st.View(func(tx *queue.Tx) error {
			_, ok, err := tx.SiteTap("door-a", 1)
			heldAtAck = ok
			return err
		}); err != nil {
			t.Error(err)
		}
	}}
	x.handle([]paho.Message{m})
	if acks != 0 {
		t.Fatal("acknowledged although the commit failed")
	}
	fs.fail = false
	x.handle([]paho.Message{m})
	if acks != 1 || !heldAtAck {
		t.Fatalf("acks %d, held at the ack %v; want 1 and true", acks, heldAtAck)
	}
}

type fakeMessage struct {
	topic   string
	payload []byte
	acked   func()
}

func (m *fakeMessage) Duplicate() bool   { return false }
func (m *fakeMessage) Qos() byte         { return 1 }
func (m *fakeMessage) Retained() bool    { return false }
func (m *fakeMessage) Topic() string     { return m.topic }
func (m *fakeMessage) MessageID() uint16 { return 1 }
func (m *fakeMessage) Payload() []byte   { return m.payload }
func (m *fakeMessage) Ack()              { m.acked() }

type failingStore struct {
	*queue.Store
	fail bool
}

func (f *failingStore) Update(fn func(*queue.Tx) error) ([]queue.Record, error) {
	if f.fail {
		return nil, errDiskFull
	}
	return f.Store.Update(fn)
}

var errDiskFull = fmt.Errorf("disk full")

// A terminal offline for a day of a busy site catches up in several
// replays (more taps than one replay carries).
func TestSite_OfflineForADay_CatchesUpInPages(t *testing.T) {
	n := 1500
	if os.Getenv("CI") != "" {
		n = 5000
	}
	br := mqtttest.Start(t, mqtttest.Options{})
	a := newTerminal(t, "door-a", br.URL())
	c := newTerminal(t, "door-c", br.URL())
	eventually(t, "connected", func() bool { return a.x.Status().Connected && c.x.Status().Connected })
	c.stop()
	if _, err := a.store.Update(func(tx *queue.Tx) error {
		for i := range n {
			if _, err := tx.AppendSiteTap(queue.SiteTap{Origin: "door-a", At: day.Add(time.Duration(i) * time.Minute), Email: fmt.Sprintf("e%d@example.com", i%40), UID: "04"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	a.x.Kick()
	eventually(t, "A published the day", func() bool { return a.x.Status().Unpublished == 0 })
	start := time.Now()
	c.start()
	eventually(t, "C holds the day", func() bool {
		var o queue.SiteTapOrigin
		if err := c.store.View(func(tx *queue.Tx) (err error) { o, err = tx.SiteTapOrigin("door-a"); return err }); err != nil {
			t.Fatal(err)
		}
		return o.Contiguous == uint64(n)
	})
	t.Logf("%d taps caught up in %v", n, time.Since(start))
	if st := c.x.Status(); st.ReplaysAsked < 2 || st.Behind != 0 {
		t.Fatalf("C: %+v; want at least 2 replays (1000 taps each), nothing behind", st)
	}
}

// A newcomer to a site whose terminals pruned their old taps takes what
// they still hold and does not ask for the rest forever.
func TestSite_Newcomer_SkipsWhatTheOriginPruned(t *testing.T) {
	br := mqtttest.Start(t, mqtttest.Options{})
	a := newTerminal(t, "door-a", br.URL())
	a.stop()
	// door-a holds its taps 6..10 only (1..5 pruned), all published.
	withStore := func(fn func(*queue.Tx) error) {
		s, err := queue.Open(a.path, queue.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	withStore(func(tx *queue.Tx) error {
		for seq := uint64(6); seq <= 10; seq++ {
			if _, err := tx.PutSiteTap(queue.SiteTap{Origin: "door-a", Seq: seq, At: at(int(seq)), Email: "anna@example.com", UID: "04"}); err != nil {
				return err
			}
		}
		return tx.MarkSiteTapsPublished("door-a", 10)
	})
	a.start()
	c := newTerminal(t, "door-c", br.URL())
	allHold(t, "the newcomer holds what door-a still has", []string{"door-a:10", "door-a:6", "door-a:7", "door-a:8", "door-a:9"}, c)
	eventually(t, "the newcomer not behind", func() bool { return c.x.Status().Behind == 0 })
	m, ok := br.Retained(a.x.HeadTopic("door-a"))
	var h Head
	if !ok || json.Unmarshal(m.Payload, &h) != nil || h.First != 6 || h.Seq != 10 {
		t.Fatalf("door-a's head %s; want seq 10, first 6", m.Payload)
	}
}

// A's connection is cut while it publishes a burst: what the broker had
// not confirmed stays in A's outbox and goes out after the reconnect;
// C ends with every tap, each once.
func TestSite_CutMidBurst_OutboxResumes(t *testing.T) {
	br := mqtttest.Start(t, mqtttest.Options{})
	p := mqtttest.StartProxy(t, br.Addr())
	a := newTerminal(t, "door-a", p.URL())
	c := newTerminal(t, "door-c", br.URL())
	eventually(t, "connected", func() bool { return a.x.Status().Connected && c.x.Status().Connected })
	const n = 600
	var want []string
	for i := range n {
		a.tap(fmt.Sprintf("e%d@example.com", i%30), at(i))
		want = append(want, fmt.Sprintf("door-a:%d", i+1))
		if i == n/2 {
			p.Pause()
			p.Cut()
		}
	}
	eventually(t, "A sees the cut", func() bool { return !a.x.Status().Connected })
	p.Resume()
	allHold(t, "every tap at C", want, c)
	eventually(t, "A's outbox empty", func() bool { return a.x.Status().Unpublished == 0 })
	if st := c.x.Status(); st.Conflicts != 0 || st.Behind != 0 {
		t.Fatalf("C: %+v", st)
	}
}

// Taps are pruned shift by shift, so an origin may hold taps on both
// sides of what it pruned (here 1, 2 and 6..10): its head tells peers to
// ask from above the highest pruned, and a newcomer is not left asking
// for the holes forever.
func TestSite_Newcomer_OriginPrunedInTheMiddle_NotBehind(t *testing.T) {
	br := mqtttest.Start(t, mqtttest.Options{})
	a := newTerminal(t, "door-a", br.URL())
	a.stop()
	s, err := queue.Open(a.path, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(func(tx *queue.Tx) error {
		var pruned []queue.SiteTap
		for seq := uint64(1); seq <= 10; seq++ {
			st := queue.SiteTap{Origin: "door-a", Seq: seq, At: at(int(seq)), Email: "anna@example.com", UID: "04"}
			if _, err := tx.PutSiteTap(st); err != nil {
				return err
			}
			if seq >= 3 && seq <= 5 {
				pruned = append(pruned, st)
			}
		}
		if err := tx.MarkSiteTapsPublished("door-a", 10); err != nil {
			return err
		}
		if ok, err := tx.DeleteSiteTaps(pruned, "door-a"); !ok || err != nil {
			t.Errorf("delete 3..5: %v, %v", ok, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	a.start()
	c := newTerminal(t, "door-c", br.URL())
	allHold(t, "the newcomer holds door-a's taps above the pruned ones", []string{"door-a:10", "door-a:6", "door-a:7", "door-a:8", "door-a:9"}, c)
	eventually(t, "the newcomer not behind", func() bool { return c.x.Status().Behind == 0 })
	m, ok := br.Retained(a.x.HeadTopic("door-a"))
	var h Head
	if !ok || json.Unmarshal(m.Payload, &h) != nil || h.First != 6 || h.Seq != 10 {
		t.Fatalf("door-a's head %s; want seq 10, first 6", m.Payload)
	}
}
