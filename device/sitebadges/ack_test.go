package sitebadges

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"stampclock/internal/mqttopts"
	"stampclock/queue"
	"stampclock/queue/queuetest"
)

// fakeMessage is a received MQTT message that records its PUBACK.
type fakeMessage struct {
	topic   string
	payload []byte
	acked   func()
}

func (m *fakeMessage) Duplicate() bool   { return false }
func (m *fakeMessage) Qos() byte         { return 1 }
func (m *fakeMessage) Retained() bool    { return true }
func (m *fakeMessage) Topic() string     { return m.topic }
func (m *fakeMessage) MessageID() uint16 { return 1 }
func (m *fakeMessage) Payload() []byte   { return m.payload }
func (m *fakeMessage) Ack()              { m.acked() }

// failingStore fails every commit while fail is set.
type failingStore struct {
	*queue.Store
	fail bool
}

func (f *failingStore) Update(fn func(*queue.Tx) error) ([]queue.Record, error) {
	if f.fail {
		return nil, errors.New("disk full")
	}
	return f.Store.Update(fn)
}

func TestReceive_AcknowledgedOnlyAfterTheCommit(t *testing.T) {
	st := queuetest.OpenPath(t, filepath.Join(t.TempDir(), "queue.db"), queue.Options{})
	fs := &failingStore{Store: st, fail: true}
	s, err := New(fs, Options{Site: "hq", DeviceID: "door-b", Conn: conn("tcp://127.0.0.1:1")})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(Wire{Schema: SchemaVersion, Site: "hq", Entry: Entry{
		UID: "04A1B2C3", Email: "anna@example.com", Version: Version{Wall: time.Now().UnixMilli(), Node: "door-a"},
	}})
	var acks int
	var enrolledAtAck string
	m := &fakeMessage{topic: s.Topic("04A1B2C3"), payload: payload, acked: func() {
		acks++
		if err := st.View(func(tx *queue.Tx) error {
			b, _, err := tx.Badge("04A1B2C3")
			enrolledAtAck = b.Email
			return err
		}); err != nil {
			t.Error(err)
		}
	}}
	s.receive(m)
	if acks != 0 {
		t.Fatalf("acknowledged although the commit failed")
	}
	fs.fail = false
	s.receive(m) // the broker sends it again after the next connect
	if acks != 1 || enrolledAtAck != "anna@example.com" {
		t.Fatalf("acks = %d, badge at the ack = %q; want 1 and anna's", acks, enrolledAtAck)
	}

	// Malformed messages are dropped (acknowledged) and counted.
	for _, bad := range []struct{ topic, payload string }{
		{s.Topic("0B0B0B0B"), `{"schema":1,"site":"hq","uid":"04A1B2C3","email":"x@example.com","version":{"wall":5,"node":"a"}}`},
		{s.Topic("0B0B0B0B"), `{"schema":1,"site":"other","uid":"0B0B0B0B","email":"x@example.com","version":{"wall":5,"node":"a"}}`},
		{s.Topic("0B0B0B0B"), `{"schema":1,"site":"hq","uid":"0B0B0B0B","email":"x@example.com"}`},
		{s.Topic("0B0B0B0B"), `not json`},
	} {
		s.receive(&fakeMessage{topic: bad.topic, payload: []byte(bad.payload), acked: func() { acks++ }})
	}
	if got := s.Status(); acks != 5 || got.Rejected != 4 || got.Badges != 1 {
		t.Fatalf("after 4 malformed messages: acks %d, status %+v", acks, got)
	}
}

func TestRun_BrokerUnreachable_StopsPromptly(t *testing.T) {
	st := queuetest.OpenPath(t, filepath.Join(t.TempDir(), "queue.db"), queue.Options{})
	s, err := New(st, Options{Site: "hq", DeviceID: "door-b", Conn: mqttopts.Conn{Account: mqttopts.Account{URLs: []string{"tcp://127.0.0.1:1"}}, Reconnect: 50 * time.Millisecond}, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	// A local enrolment waits as pending while the broker is away.
	if _, err := st.Update(func(tx *queue.Tx) error { return tx.PutBadge(queue.Badge{UID: "04A1B2C3", Email: "anna@example.com"}) }); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the enrolment pending", func() bool { st := s.Status(); return st.Pending == 1 && !st.Connected })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of its context's end")
	}
}
