package mqtt

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/uplink/mqtt/mqtttest"
)

// consumer is a test consumer with a persistent session (clean session
// off) on the record topics: while it is offline the broker queues its
// messages, up to max_queued_messages. With ack set it acknowledges every
// key it receives on the ack topic, as ConfirmConsumer expects.
type consumer struct {
	t    *testing.T
	url  string
	ack  bool
	mu   sync.Mutex
	keys map[string]int
	mark chan struct{}
	c    paho.Client
}

const markTopic = "stampclock/" + device + "/event/mark"

func newConsumer(t *testing.T, url string, ack bool) *consumer {
	k := &consumer{t: t, url: url, ack: ack, keys: map[string]int{}, mark: make(chan struct{}, 1)}
	k.connect()
	t.Cleanup(func() { k.c.Disconnect(0) })
	return k
}

func (k *consumer) connect() {
	k.t.Helper()
	o := paho.NewClientOptions().AddBroker(k.url).SetClientID("consumer").SetCleanSession(false).SetAutoReconnect(false).SetProtocolVersion(4)
	o.SetDefaultPublishHandler(k.handle)
	k.c = paho.NewClient(o)
	if tok := k.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		k.t.Fatalf("consumer connect: %v", tok.Error())
	}
	topics := map[string]byte{markTopic: 1}
	for _, kind := range []string{"punch", "entry", "event"} {
		topics["stampclock/"+device+"/"+kind] = 1
	}
	if tok := k.c.SubscribeMultiple(topics, k.handle); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		k.t.Fatalf("consumer subscribe: %v", tok.Error())
	}
}

func (k *consumer) handle(c paho.Client, m paho.Message) {
	if m.Topic() == markTopic {
		k.mark <- struct{}{}
		return
	}
	var p Payload
	if err := json.Unmarshal(m.Payload(), &p); err != nil {
		k.t.Errorf("consumer: %v", err)
		return
	}
	k.mu.Lock()
	k.keys[p.IdempotencyKey]++
	k.mu.Unlock()
	if k.ack {
		data, _ := json.Marshal(Ack{IdempotencyKeys: []string{p.IdempotencyKey}})
		c.Publish(Topics{Prefix: "stampclock", Device: device}.Ack(), 1, false, data) // no wait: this is paho's goroutine
	}
}

func (k *consumer) distinct() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys)
}

func (k *consumer) offline() { k.c.Disconnect(50) }

// drain waits until everything the broker queued for the consumer while it
// was offline has arrived: a mark published now comes after it.
func (k *consumer) drain() {
	k.t.Helper()
	pub := paho.NewClient(paho.NewClientOptions().AddBroker(k.url).SetClientID("marker").SetProtocolVersion(4))
	if tok := pub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		k.t.Fatalf("marker connect: %v", tok.Error())
	}
	defer pub.Disconnect(0)
	if tok := pub.Publish(markTopic, 1, false, "mark"); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		k.t.Fatalf("mark: %v", tok.Error())
	}
	select {
	case <-k.mark:
	case <-time.After(10 * time.Second):
		k.t.Fatal("mark did not arrive")
	}
}

// What "delivered" means by default, shown with the real mosquitto: the
// broker's PUBACK. A broker limiting what it queues for an offline
// consumer (max_queued_messages) drops records the terminal counts as
// delivered. This is why the README asks for generous queue limits, or
// delivered = "consumer".
func TestMosquitto_ConfirmBroker_QueueLimitLosesWhatThePUBACKCounted(t *testing.T) {
	const n = 100
	m := startMosquitto(t, "max_queued_messages 10\n")
	k := newConsumer(t, m.URL(), false)
	k.offline()
	s := newStore(t, n)
	start(t, s, Options{URLs: []string{m.URL()}})
	eventually(t, 20*time.Second, "all delivered by PUBACK", func() bool { return pendingOf(t, s, "mqtt") == 0 })
	k.connect()
	k.drain()
	got := k.distinct()
	t.Logf("delivered = broker: %d of %d records counted delivered reached the consumer (max_queued_messages 10)", got, n)
	if got >= n {
		t.Fatalf("the consumer got all %d: the queue limit did not apply, so this test shows nothing", n)
	}
}

// delivered = "consumer" against the same broker limit: nothing counts as
// delivered while the consumer is away, though every record reached the
// broker; once it is back, every record reaches it and is then delivered.
func TestMosquitto_ConfirmConsumer_QueueLimitLosesNothing(t *testing.T) {
	const n = 100
	m := startMosquitto(t, "max_queued_messages 10\n")
	k := newConsumer(t, m.URL(), true)
	k.offline()
	watch := subscribe(t, m.URL()) // an online observer, no queue limit applies
	s := newStore(t, n)
	run := start(t, s, Options{URLs: []string{m.URL()}, Confirm: ConfirmConsumer, ConsumerAckTimeout: 300 * time.Millisecond})
	eventually(t, 20*time.Second, "every record published at least once", func() bool {
		seen := map[uint64]bool{}
		for _, msg := range watch.messages() {
			var p Payload
			if json.Unmarshal(msg.Payload, &p) == nil && p.Seq > 0 {
				seen[p.Seq] = true
			}
		}
		return len(seen) == n
	})
	eventually(t, 20*time.Second, "the runner saying no consumer acknowledged", func() bool {
		return strings.Contains(run.r.Status().LastError, "no consumer acknowledged")
	})
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if u := st.Uplinks[0]; u.Delivered != 0 || u.Pending != n {
		t.Fatalf("with the consumer away: %+v; want nothing delivered", u)
	}
	k.connect()
	eventually(t, 30*time.Second, "all delivered once the consumer acknowledges", func() bool { return pendingOf(t, s, "mqtt") == 0 })
	if got := k.distinct(); got != n {
		t.Fatalf("the consumer has %d of %d records", got, n)
	}
	st, _ = s.Stats()
	if u := st.Uplinks[0]; u.Delivered != n || u.LastError != "" {
		t.Fatalf("after the consumer's acks: %+v", u)
	}
}

// Acks that are unreadable, name another device's keys or come for
// records nobody waits for change nothing; only a record's own key
// delivers it.
func TestConfirmConsumer_OnlyItsOwnKeyDeliversARecord(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	s := newStore(t, 2)
	run := start(t, s, Options{URLs: []string{b.URL()}, Confirm: ConfirmConsumer, ConsumerAckTimeout: time.Hour})
	eventually(t, 10*time.Second, "both records published", func() bool { return countRecords(b.Messages()) >= 2 })
	pub := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).SetClientID("acker").SetProtocolVersion(4))
	if tok := pub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	t.Cleanup(func() { pub.Disconnect(0) })
	ack := func(payload string) {
		t.Helper()
		if tok := pub.Publish(run.c.Topics().Ack(), 1, false, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish ack: %v", tok.Error())
		}
	}
	ack(`not json`)
	ack(`{"idempotency_keys":[]}`)
	ack(`{"idempotency_keys":["other-device:1","` + device + `:99"]}`)
	ack(`{"idempotency_keys":["` + device + `:2"]}`)
	// Record 2 is acknowledged, but answers go oldest first: it is settled
	// with record 1, whose ack comes last.
	ack(`{"idempotency_keys":["` + device + `:1"]}`)
	eventually(t, 10*time.Second, "both delivered", func() bool { return pendingOf(t, s, "mqtt") == 0 })
	run.c.acks.mu.Lock()
	bad, waiting := run.c.acks.bad, len(run.c.acks.waiting)
	run.c.acks.mu.Unlock()
	if bad != 2 || waiting != 0 {
		t.Fatalf("unreadable acks counted %d (want 2), keys still awaited %d", bad, waiting)
	}
}
