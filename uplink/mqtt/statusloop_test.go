package mqtt

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/uplink/mqtt/mqtttest"
)

// The status loop waits on the injected timers: a change within
// StatusMinGap of the last status is published once the gap is up, and
// StatusInterval (an hour here) republishes the status, in no wall time.
func TestStatus_IntervalAndMinGap_OnInjectedTimers(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	clk := &testClock{t: base}
	timers := clock.NewManualTimers(base)
	statusTopic, seenTopic := "stampclock/"+device+"/status", "stampclock/"+device+"/seen"
	run := start(t, newStore(t, 0), Options{URLs: []string{b.URL()}, StatusInterval: time.Hour, StatusMinGap: time.Second, Now: clk.Now, After: timers.After})
	// published returns the times of the statuses published on topic.
	published := func(topic string) []time.Time {
		var ats []time.Time
		for _, m := range b.Messages() {
			if m.Topic != topic || m.Will {
				continue
			}
			var st Status
			if err := json.Unmarshal(m.Payload, &st); err != nil {
				t.Fatalf("%s: %s: %v", topic, m.Payload, err)
			}
			ats = append(ats, st.At)
		}
		return ats
	}
	// done tells whether n statuses went out, each on both topics.
	done := func(n int) bool { return len(published(statusTopic)) == n && len(published(seenTopic)) == n }

	eventually(t, 10*time.Second, "the first status", func() bool { return done(1) })
	// The connect made changed the status: published when the gap is up.
	timers.Advance(time.Second)
	eventually(t, 10*time.Second, "the connect's change", func() bool { return done(2) })

	// A change within the gap waits for it.
	clk.Set(base.Add(time.Minute))
	run.c.StatusChanged()
	if n := len(published(statusTopic)); n != 2 {
		t.Fatalf("%d statuses before the gap was up, want 2", n)
	}
	timers.Advance(time.Second)
	eventually(t, 10*time.Second, "the change once the gap was up", func() bool { return done(3) })

	clk.Set(base.Add(time.Hour))
	timers.Advance(time.Hour - 3*time.Second)
	if n := len(published(statusTopic)); n != 3 {
		t.Fatalf("%d statuses a second before the hour was up, want 3", n)
	}
	timers.Advance(time.Second)
	eventually(t, 10*time.Second, "the hour's status", func() bool { return done(4) })
	want := []time.Time{base, base, base.Add(time.Minute), base.Add(time.Hour)}
	if got := published(statusTopic); !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Fatalf("statuses at %v, want %v", got, want)
	}
}
