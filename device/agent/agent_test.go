package agent

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/device/feedback"
	"stampclock/device/feedback/feedbacktest"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/reader"
)

var t0 = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

type rig struct {
	store *queue.Store
	fb    *feedbacktest.Recorder
	clk   *clock.Fake
	agent *Agent
}

func newRig(t *testing.T) *rig {
	t.Helper()
	s := queuetest.Open(t, queue.Options{Uplinks: []queue.UplinkSpec{{Name: "rest", Kinds: []queue.Kind{queue.KindEntry}}}})
	r := &rig{store: s, fb: feedbacktest.NewRecorder(), clk: clock.NewFake(t0)}
	r.agent = New(s, Options{
		Clock:    r.clk,
		Feedback: r.fb,
		Badges: []Badge{
			{UID: "04A1B2C3", Email: "maier@example.com", Name: "Maier"},
			{UID: "0455667788AABB", Email: "huber@example.com"},
		},
	})
	return r
}

func (r *rig) tap(t *testing.T, uid string, at time.Time) Outcome {
	t.Helper()
	b, err := reader.ParseUID(uid)
	if err != nil {
		t.Fatal(err)
	}
	return r.agent.HandleTap(reader.Tap{UID: b, At: at, Given: !at.IsZero(), Source: "sim"})
}

func (r *rig) entries(t *testing.T) []queue.Record {
	t.Helper()
	recs, err := r.store.Records(0, 1000, func(rec queue.Record) bool { return rec.Kind == queue.KindEntry })
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestTap_StartThenStop_CommitsEntry(t *testing.T) {
	r := newRig(t)
	o1 := r.tap(t, "04:a1:b2:c3", t0)
	o2 := r.tap(t, "04A1B2C3", t0.Add(8*time.Hour+30*time.Minute))
	if o1.Kind != feedback.StartOK || o2.Kind != feedback.StopOK {
		t.Fatalf("kinds = %v, %v", o1.Kind, o2.Kind)
	}
	got := r.fb.Kinds()
	if !reflect.DeepEqual(got, []feedback.Kind{feedback.StartOK, feedback.StopOK}) {
		t.Fatalf("feedback = %v", got)
	}
	es := r.entries(t)
	if len(es) != 1 {
		t.Fatalf("entries = %+v", es)
	}
	e := es[0]
	if e.Email != "maier@example.com" || !e.Start.Equal(t0) || !e.End.Equal(t0.Add(8*time.Hour+30*time.Minute)) || e.StartSeq != o1.Records[0].Seq || e.UID != "04A1B2C3" {
		t.Fatalf("entry = %+v", e)
	}
	st, _ := r.store.Stats()
	if len(st.OpenShifts) != 0 || st.Uplinks[0].Pending != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestTap_WithinRepeatWindow_IgnoredNotAPunch(t *testing.T) {
	r := newRig(t)
	r.tap(t, "04A1B2C3", t0)
	o := r.tap(t, "04A1B2C3", t0.Add(20*time.Second))
	if o.Kind != feedback.AlreadyStamped || len(o.Records) != 0 {
		t.Fatalf("outcome = %+v", o)
	}
	st, _ := r.store.Stats()
	if st.Records != 1 || len(st.OpenShifts) != 1 {
		t.Fatalf("records = %d, open = %d; want 1 and 1", st.Records, len(st.OpenShifts))
	}
	// After the window the same badge stops the shift.
	if o := r.tap(t, "04A1B2C3", t0.Add(61*time.Second)); o.Kind != feedback.StopOK {
		t.Fatalf("after window: %v", o.Kind)
	}
}

func TestTap_SeveralEmployeesInterleaved(t *testing.T) {
	r := newRig(t)
	r.tap(t, "04A1B2C3", t0)
	r.tap(t, "0455667788AABB", t0.Add(time.Minute))
	r.tap(t, "0455667788AABB", t0.Add(4*time.Hour))
	r.tap(t, "04A1B2C3", t0.Add(9*time.Hour))
	es := r.entries(t)
	if len(es) != 2 || es[0].Email != "huber@example.com" || es[1].Email != "maier@example.com" {
		t.Fatalf("entries = %+v", es)
	}
}

func TestTap_OverMaxShift_MissingStopAnomalyAndNewStart(t *testing.T) {
	r := newRig(t)
	r.tap(t, "04A1B2C3", t0)
	o := r.tap(t, "04A1B2C3", t0.Add(20*time.Hour))
	if o.Kind != feedback.StartOK || len(o.Records) != 2 || o.Records[0].Event != queue.EventMissingStop || !o.Records[0].Start.Equal(t0) {
		t.Fatalf("outcome = %+v", o)
	}
	st, _ := r.store.Stats()
	if len(st.Anomalies) != 1 || len(st.OpenShifts) != 1 || !st.OpenShifts[0].Start.Equal(t0.Add(20*time.Hour)) {
		t.Fatalf("stats = %+v", st)
	}
	if len(r.entries(t)) != 0 {
		t.Fatal("a missing stop must not produce an entry")
	}
}

func TestTap_UnknownBadge_ErrorFeedbackAndEventOnly(t *testing.T) {
	r := newRig(t)
	o := r.tap(t, "DEADBEEF", t0)
	if o.Kind != feedback.UnknownBadge || len(o.Records) != 1 || o.Records[0].Event != queue.EventUnknownBadge {
		t.Fatalf("outcome = %+v", o)
	}
	st, _ := r.store.Stats()
	if st.Uplinks[0].Pending != 0 || len(st.Unknown) != 1 || st.Unknown[0].UID != "DEADBEEF" {
		t.Fatalf("stats = %+v", st)
	}
}

func TestTap_EnrolledBadgeFromStore(t *testing.T) {
	r := newRig(t)
	r.store.Update(func(tx *queue.Tx) error {
		return tx.PutBadge(queue.Badge{UID: "0102030405060708090A", Email: "neu@example.com"})
	})
	if o := r.tap(t, "0102030405060708090a", t0); o.Kind != feedback.StartOK || o.Email != "neu@example.com" {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestTap_StoreFails_ErrorFeedbackAndNextTapStillHandled(t *testing.T) {
	r := newRig(t)
	r.store.Close() // every commit now fails
	o := r.tap(t, "04A1B2C3", t0)
	if o.Kind != feedback.Error || o.Err == nil {
		t.Fatalf("outcome = %+v, want error", o)
	}
	if ev := r.fb.Events(); len(ev) != 1 || ev[0].Kind != feedback.Error {
		t.Fatalf("feedback = %+v", ev)
	}
	if o := r.tap(t, "04A1B2C3", t0.Add(time.Hour)); o.Kind != feedback.Error {
		t.Fatalf("second tap = %v", o.Kind)
	}
	if st := r.agent.Stats(); st.StoreErrors != 2 || st.Taps != 2 {
		t.Fatalf("agent stats = %+v", st)
	}
}

func TestTap_UsesClockWhenTapHasNoTime(t *testing.T) {
	r := newRig(t)
	r.clk.SetSynced(false)
	o := r.tap(t, "04A1B2C3", time.Time{})
	if !o.Records[0].At.Equal(t0) || o.Records[0].ClockSynced {
		t.Fatalf("record = %+v, want clock time and unsynced", o.Records[0])
	}
}

func TestTap_ClockStepDuringShift_DurationFromMonotonic(t *testing.T) {
	r := newRig(t)
	r.tap(t, "04A1B2C3", time.Time{}) // start at t0, clock's time
	r.clk.Advance(8 * time.Hour)
	r.clk.Set(r.clk.Now().Add(-90 * time.Minute)) // NTP steps the wall clock back
	o := r.tap(t, "04A1B2C3", time.Time{})
	if o.Kind != feedback.StopOK {
		t.Fatalf("stop: %v", o.Kind)
	}
	e := r.entries(t)[0]
	if d := e.End.Sub(e.Start); d != 8*time.Hour {
		t.Fatalf("duration %v after a clock step, want 8h (monotonic)", d)
	}
}

func TestTap_RepeatWindowUsesMonotonic(t *testing.T) {
	r := newRig(t)
	r.tap(t, "04A1B2C3", time.Time{})
	r.clk.Advance(10 * time.Second)
	r.clk.Set(r.clk.Now().Add(2 * time.Hour)) // wall clock jumps forward
	if o := r.tap(t, "04A1B2C3", time.Time{}); o.Kind != feedback.AlreadyStamped {
		t.Fatalf("10s later (monotonic) after a 2h wall jump: %v, want already stamped", o.Kind)
	}
}

func TestTap_UnsyncedClockOrTimeBeforeBuild_Untrusted(t *testing.T) {
	r := newRig(t)
	r.clk.SetSynced(false)
	o := r.tap(t, "04A1B2C3", time.Time{})
	p := o.Records[0]
	if p.ClockSynced || p.Boot != "fake-boot" || p.Mono != time.Minute {
		t.Fatalf("punch = %+v; want untrusted with boot and monotonic reading", p)
	}
	r.clk.SetSynced(true)
	r.clk.Advance(time.Hour)
	o = r.tap(t, "04A1B2C3", time.Time{})
	e := o.Records[1]
	if e.Kind != queue.KindEntry || e.StartSynced || !e.ClockSynced || e.Trusted() {
		t.Fatalf("entry = %+v; want untrusted start, trusted end", e)
	}

	r2 := newRig(t)
	r2.clk.Set(time.Date(1970, 1, 1, 0, 5, 0, 0, time.UTC)) // synced flag set, but 1970
	if o := r2.tap(t, "04A1B2C3", time.Time{}); o.Records[0].ClockSynced {
		t.Fatal("a 1970 time counted as trusted")
	}
}

func TestTap_CorrectedAfterSyncInSameBoot(t *testing.T) {
	r := newRig(t)
	r.clk.Reboot("boot-2", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)) // no RTC: stale time, unsynced
	r.tap(t, "04A1B2C3", time.Time{})
	r.clk.Advance(8 * time.Hour)
	r.tap(t, "04A1B2C3", time.Time{})
	real := time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC)
	r.clk.Set(real) // NTP arrives
	r.clk.SetSynced(true)
	boot, mono := r.clk.Boot()
	if _, err := r.store.CorrectBoot(boot, real, mono); err != nil {
		t.Fatal(err)
	}
	e := r.entries(t)[0]
	if !e.Trusted() || !e.End.Equal(real) || !e.Start.Equal(real.Add(-8*time.Hour)) {
		t.Fatalf("entry after correction = %+v", e)
	}
}

func TestEnroll_NextTapBindsBadge(t *testing.T) {
	r := newRig(t)
	done := make(chan EnrollResult, 1)
	r.agent.Enroll(Enrollment{Email: "neu@example.com", Name: "Neu", Done: done})
	o := r.tap(t, "0A0B0C0D", t0)
	res := <-done
	if o.Kind != feedback.Enrolled || res.Err != nil || res.UID != "0A0B0C0D" {
		t.Fatalf("outcome %+v, result %+v", o, res)
	}
	if st, _ := r.store.Stats(); st.Records != 0 {
		t.Fatalf("enrolment tap made %d records, want none", st.Records)
	}
	if o := r.tap(t, "0A0B0C0D", t0.Add(time.Hour)); o.Kind != feedback.StartOK || o.Email != "neu@example.com" {
		t.Fatalf("tap after enrolment: %+v", o)
	}
}

func TestEnroll_ConfigBadgeOfSomeoneElseRefused_CancelAndReplace(t *testing.T) {
	r := newRig(t)
	done := make(chan EnrollResult, 1)
	r.agent.Enroll(Enrollment{Email: "neu@example.com", Done: done})
	if o := r.tap(t, "04A1B2C3", t0); o.Kind != feedback.Error || !errors.Is((<-done).Err, ErrConfigBadge) {
		t.Fatalf("outcome %+v", o)
	}
	first := make(chan EnrollResult, 1)
	r.agent.Enroll(Enrollment{Email: "a@example.com", Done: first})
	second := make(chan EnrollResult, 1)
	cancel := r.agent.Enroll(Enrollment{Email: "b@example.com", Done: second})
	if res := <-first; !errors.Is(res.Err, ErrEnrollReplaced) {
		t.Fatalf("first = %+v", res)
	}
	cancel()
	if res := <-second; !errors.Is(res.Err, ErrEnrollCanceled) {
		t.Fatalf("second = %+v", res)
	}
	if o := r.tap(t, "0A0B0C0D", t0); o.Kind != feedback.UnknownBadge {
		t.Fatalf("tap after cancel: %v", o.Kind)
	}
}

func TestAdminBadge_CaptureModeCollectsPendingUntilOffOrTimeout(t *testing.T) {
	r := newRig(t)
	r.agent.SetBadges([]Badge{{UID: "AD000001", Admin: true}, {UID: "04A1B2C3", Email: "maier@example.com"}})
	if o := r.tap(t, "AD000001", time.Time{}); o.Kind != feedback.Enrolled || !r.agent.Capturing() {
		t.Fatalf("admin tap: %+v capturing=%v", o, r.agent.Capturing())
	}
	r.tap(t, "0A000001", time.Time{})
	r.tap(t, "04A1B2C3", time.Time{}) // known badges still punch
	r.tap(t, "AD000001", time.Time{}) // off
	r.tap(t, "0A000002", time.Time{}) // not captured
	r.tap(t, "AD000001", time.Time{}) // on again
	r.clk.Advance(6 * time.Minute)    // times out
	r.tap(t, "0A000003", time.Time{})
	st, _ := r.store.Stats()
	pending := map[string]bool{}
	for _, u := range st.Unknown {
		pending[u.UID] = u.Pending
	}
	if !pending["0A000001"] || pending["0A000002"] || pending["0A000003"] || len(st.OpenShifts) != 1 {
		t.Fatalf("unknown = %+v, open = %d", st.Unknown, len(st.OpenShifts))
	}
}
