package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/internal/mqttschema"
	"stampclock/internal/waitfor"
)

// schemaWatch reads every message below stampclock/ as a site's office
// account does (the README's ACL lets it read them all) and validates each
// against the published schema, deploy/mqtt-schema.json, with a JSON
// Schema validator that is not ours.
type schemaWatch struct {
	k    *mqttschema.Checker
	mu   sync.Mutex
	seen map[string]int // messages per schema object
	bad  []string
}

func watchSchema(tb testing.TB, url, user, password string) *schemaWatch {
	tb.Helper()
	k, err := mqttschema.Load("../../deploy/mqtt-schema.json", "stampclock")
	if err != nil {
		tb.Fatal(err)
	}
	w := &schemaWatch{k: k, seen: map[string]int{}}
	onMessage := func(_ paho.Client, m paho.Message) {
		def, err := w.k.Check(m.Topic(), m.Payload())
		w.mu.Lock()
		defer w.mu.Unlock()
		w.seen[def]++
		if err != nil {
			w.bad = append(w.bad, fmt.Sprintf("%v\n  payload: %s", err, m.Payload()))
		}
	}
	o := paho.NewClientOptions().AddBroker(url).SetUsername(user).SetPassword(password).
		SetClientID(fmt.Sprintf("office-schema-%d", rand.Int())).SetProtocolVersion(4).
		SetAutoReconnect(true).SetMaxReconnectInterval(time.Second).SetOrderMatters(false)
	// The broker restarts in some runs: subscribe again on every connect.
	o.SetOnConnectHandler(func(c paho.Client) { c.Subscribe("stampclock/#", 1, onMessage) })
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		tb.Fatalf("schema watcher: connect as %s: %v", user, tok.Error())
	}
	tb.Cleanup(func() { c.Disconnect(0) })
	return w
}

// check fails tb for every message that did not validate and for each
// object in want that never came, and logs what was checked.
func (w *schemaWatch) check(tb testing.TB, want ...string) {
	tb.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, b := range w.bad {
		if i == 20 {
			tb.Errorf("… and %d more messages that do not validate", len(w.bad)-i)
			break
		}
		tb.Errorf("message does not validate against deploy/mqtt-schema.json: %s", b)
	}
	var counts []string
	for def, n := range w.seen {
		counts = append(counts, fmt.Sprintf("%s %d", def, n))
	}
	slices.Sort(counts)
	tb.Logf("schema: %d messages validated against deploy/mqtt-schema.json (%s), %d did not", total(w.seen), strings.Join(counts, ", "), len(w.bad))
	for _, d := range want {
		if w.seen[d] == 0 {
			tb.Errorf("schema: no %s message seen; the check covered less than it should", d)
		}
	}
}

// waitSeen waits until a message of each object in defs has been checked.
func (w *schemaWatch) waitSeen(tb testing.TB, defs ...string) {
	tb.Helper()
	waitfor.Until(tb, 30*time.Second, "the schema watcher to see "+strings.Join(defs, ", "), func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, d := range defs {
			if w.seen[d] == 0 {
				return false
			}
		}
		return true
	})
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
