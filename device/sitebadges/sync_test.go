package sitebadges

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/internal/mqttopts"
	"stampclock/internal/waitfor"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink/mqtt/mqtttest"
)

// terminal is one in-process terminal of a site: its store and its sync,
// which can be stopped (offline) and started again on the same store.
type terminal struct {
	t     *testing.T
	id    string
	url   string
	path  string
	local map[string]string
	now   func() time.Time // nil: time.Now

	store  *queue.Store
	sync   *Syncer
	cancel context.CancelFunc
	done   chan struct{}
}

func newTerminal(t *testing.T, id, url string, local map[string]string) *terminal {
	t.Helper()
	tm := &terminal{t: t, id: id, url: url, path: filepath.Join(t.TempDir(), "queue.db"), local: local}
	tm.start()
	t.Cleanup(tm.stop)
	return tm
}

func (tm *terminal) start() {
	tm.t.Helper()
	st := queuetest.OpenPath(tm.t, tm.path, queue.Options{})
	s, err := New(st, Options{
		Site: "hq", DeviceID: tm.id, Conn: mqttopts.Conn{Account: mqttopts.Account{URLs: []string{tm.url}}, Reconnect: 200 * time.Millisecond, AckTimeout: 5 * time.Second},
		Poll:   20 * time.Millisecond,
		Local:  func() map[string]string { return tm.local },
		Now:    tm.now,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tm.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tm.store, tm.sync, tm.cancel, tm.done = st, s, cancel, make(chan struct{})
	go func() {
		defer close(tm.done)
		if err := s.Run(ctx); err != nil {
			tm.t.Errorf("%s: Run: %v", tm.id, err)
		}
	}()
}

// stop takes the terminal offline (its sync ends, its store closes).
func (tm *terminal) stop() {
	if tm.cancel == nil {
		return
	}
	tm.cancel()
	<-tm.done
	if err := tm.store.Close(); err != nil {
		tm.t.Errorf("%s: close store: %v", tm.id, err)
	}
	tm.cancel = nil
}

// enrol writes a badge into the store as stampctl, the web page or an
// enrolment tap do.
func (tm *terminal) enrol(uid, email string) {
	tm.t.Helper()
	if _, err := tm.store.Update(func(tx *queue.Tx) error {
		return tx.PutBadge(queue.Badge{UID: uid, Email: email, Enrolled: time.Now().UTC()})
	}); err != nil {
		tm.t.Fatal(err)
	}
}

func (tm *terminal) remove(uid string) {
	tm.t.Helper()
	if _, err := tm.store.Update(func(tx *queue.Tx) error {
		_, err := tx.RemoveBadge(uid)
		return err
	}); err != nil {
		tm.t.Fatal(err)
	}
}

// email is the email badge uid is enrolled for in the store ("" if none).
func (tm *terminal) email(uid string) string {
	tm.t.Helper()
	var email string
	if err := tm.store.View(func(tx *queue.Tx) error {
		b, ok, err := tx.Badge(uid)
		if ok {
			email = b.Email
		}
		return err
	}); err != nil {
		tm.t.Fatal(err)
	}
	return email
}

// record is the site entry the terminal holds for uid.
func (tm *terminal) record(uid string) Entry {
	tm.t.Helper()
	var r record
	if err := tm.store.View(func(tx *queue.Tx) error {
		var err error
		r, _, err = getRecord(tx, uid)
		return err
	}); err != nil {
		tm.t.Fatal(err)
	}
	return r.Entry
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitfor.Until(t, 15*time.Second, what, ok)
}

func allHold(t *testing.T, what, uid, email string, tms ...*terminal) {
	t.Helper()
	eventually(t, what, func() bool {
		for _, tm := range tms {
			if tm.email(uid) != email {
				return false
			}
		}
		return true
	})
}

// siteScenario runs the shared-badge scenario against the broker at url.
func siteScenario(t *testing.T, url string) {
	a := newTerminal(t, "door-a", url, nil)
	b := newTerminal(t, "door-b", url, map[string]string{"0C0C0C0C": "config@example.com"})
	c := newTerminal(t, "door-c", url, nil)
	eventually(t, "all connected", func() bool {
		return a.sync.Status().Connected && b.sync.Status().Connected && c.sync.Status().Connected
	})

	// Enrol at A: B and C get it.
	a.enrol("04A1B2C3", "anna@example.com")
	allHold(t, "anna's badge at A, B and C", "04A1B2C3", "anna@example.com", a, b, c)

	// C is offline while a badge is enrolled at B; back, it gets it.
	// (B also has its config file's badge in its store, as an import
	// can put it there: it stays local.)
	c.stop()
	if _, err := b.store.Update(func(tx *queue.Tx) error {
		if err := tx.PutBadge(queue.Badge{UID: "0C0C0C0C", Email: "config@example.com"}); err != nil {
			return err
		}
		return tx.PutBadge(queue.Badge{UID: "0B0B0B0B", Email: "bob@example.com"})
	}); err != nil {
		t.Fatal(err)
	}
	allHold(t, "bob's badge at A", "0B0B0B0B", "bob@example.com", a)
	if e := b.record("0C0C0C0C"); e != (Entry{}) {
		t.Fatalf("B shared its config file's badge: %+v", e)
	}
	c.start()
	allHold(t, "bob's badge at C after it came back", "0B0B0B0B", "bob@example.com", c)

	// A newcomer gets the whole site from the retained messages.
	d := newTerminal(t, "door-d", url, nil)
	allHold(t, "anna's badge at the newcomer", "04A1B2C3", "anna@example.com", d)
	allHold(t, "bob's badge at the newcomer", "0B0B0B0B", "bob@example.com", d)

	// Concurrent changes: A and B, both cut off, re-bind the same badge
	// to different people; once back, every terminal holds the same one,
	// and the lost write is counted as a conflict.
	a.stop()
	b.stop()
	withStore(t, a, func(tx *queue.Tx) error {
		return tx.PutBadge(queue.Badge{UID: "04A1B2C3", Email: "anton@example.com"})
	})
	withStore(t, b, func(tx *queue.Tx) error {
		return tx.PutBadge(queue.Badge{UID: "04A1B2C3", Email: "berta@example.com"})
	})
	a.start()
	b.start()
	var winner string
	eventually(t, "A, B, C and D agree on the re-bound badge", func() bool {
		winner = a.email("04A1B2C3")
		for _, tm := range []*terminal{b, c, d} {
			if tm.email("04A1B2C3") != winner {
				return false
			}
		}
		return winner == "anton@example.com" || winner == "berta@example.com"
	})
	// The winner is the write with the larger version, the one every
	// terminal holds.
	held := a.record("04A1B2C3")
	if wantNode := map[string]string{"anton@example.com": "door-a", "berta@example.com": "door-b"}[winner]; held.Version.Node != wantNode {
		t.Fatalf("held %+v for %s", held, winner)
	}
	if held.Base.Node != "door-a" { // both wrote on top of anna's enrolment at A
		t.Fatalf("the winning write's base is %+v", held.Base)
	}
	eventually(t, "the conflict counted", func() bool {
		return a.sync.Status().Conflicts+b.sync.Status().Conflicts > 0
	})
	if st := a.sync.Status(); st.Conflicts > 0 && st.LastConflict == "" {
		t.Fatalf("A counted a conflict without saying which: %+v", st)
	}

	// Removal at D, made while its stampd was stopped, reaches everyone
	// as a tombstone.
	d.stop()
	withStore(t, d, func(tx *queue.Tx) error {
		_, err := tx.RemoveBadge("0B0B0B0B")
		return err
	})
	d.start()
	allHold(t, "bob's badge removed everywhere", "0B0B0B0B", "", a, b, c, d)
	if st := c.sync.Status(); st.Removed != 1 || st.Pending != 0 {
		t.Fatalf("C's status after the removal: %+v", st)
	}

	// A badge of B's config file enrolled at A for someone else: the site
	// holds A's binding, B shows its own as shadowing it.
	a.enrol("0C0C0C0C", "other@example.com")
	allHold(t, "the site's binding at C", "0C0C0C0C", "other@example.com", c)
	eventually(t, "B reports its config badge shadowing the site's", func() bool {
		st := b.sync.Status()
		return len(st.Shadowed) == 1 && st.Shadowed[0] == "0C0C0C0C"
	})

	// A removal at a running terminal.
	b.remove("04A1B2C3")
	allHold(t, "the re-bound badge removed everywhere", "04A1B2C3", "", a, b, c, d)
}

// withStore changes a stopped terminal's store.
func withStore(t *testing.T, tm *terminal, fn func(*queue.Tx) error) {
	t.Helper()
	st := queuetest.OpenPath(t, tm.path, queue.Options{})
	defer st.Close()
	if _, err := st.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func TestSite_SharedBadges_EmbeddedBroker(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	siteScenario(t, b.URL())
}

func TestSite_SharedBadges_Mosquitto(t *testing.T) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		msg := fmt.Sprintf("mosquitto not installed (apt-get install mosquitto): %v", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	m := mqtttest.StartMosquitto(t, bin, t.TempDir(), "allow_anonymous true\n")
	siteScenario(t, m.URL())
}

func TestSite_BrokerHoldsAnOlderEntry_NewerOnePutBack(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	a := newTerminal(t, "door-a", b.URL(), nil)
	c := newTerminal(t, "door-c", b.URL(), nil)
	a.enrol("04A1B2C3", "anna@example.com")
	allHold(t, "anna's badge at C", "04A1B2C3", "anna@example.com", c)
	newest := a.record("04A1B2C3")

	// Someone (an old backup restored into the broker) retains an older
	// entry: the terminals keep theirs and put it back on the broker.
	old := Wire{Schema: SchemaVersion, Site: "hq", Entry: Entry{UID: "04A1B2C3", Email: "old@example.com", Version: Version{Wall: newest.Version.Wall - 1000, Node: "door-x"}}}
	pc := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).SetClientID("restore"))
	if tok := pc.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer pc.Disconnect(0)
	payload, _ := json.Marshal(old)
	if tok := pc.Publish(a.sync.Topic("04A1B2C3"), 1, true, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
	eventually(t, "the newest entry retained again", func() bool {
		m, ok := b.Retained(a.sync.Topic("04A1B2C3"))
		var w Wire
		return ok && json.Unmarshal(m.Payload, &w) == nil && w.Entry == newest
	})
	for _, tm := range []*terminal{a, c} {
		if e := tm.email("04A1B2C3"); e != "anna@example.com" {
			t.Fatalf("%s: badge re-bound to %q by an older entry", tm.id, e)
		}
	}

	// The broker goes away: the status says so; back, changes flow again.
	b.Stop()
	eventually(t, "A reports the lost connection", func() bool {
		st := a.sync.Status()
		return !st.Connected && strings.Contains(st.LastError, "connection lost")
	})
	a.enrol("0B0B0B0B", "bob@example.com") // while the broker is down
	if err := b.Restart(); err != nil {
		t.Fatal(err)
	}
	allHold(t, "bob's badge at C after the broker came back", "0B0B0B0B", "bob@example.com", c)
	eventually(t, "A connected, no error, nothing pending", func() bool {
		st := a.sync.Status()
		return st.Connected && st.LastError == "" && st.Pending == 0
	})
}
