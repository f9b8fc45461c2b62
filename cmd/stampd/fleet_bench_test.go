package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/device/ctlproto"
)

// fleetPlan is what the site does while it is measured.
type fleetPlan struct {
	Idle     time.Duration // nothing but the terminals' own traffic
	Busy     time.Duration // taps and enrolments
	TapEvery time.Duration // each terminal taps once per TapEvery
	// EnrolEvery: one shared badge enrolled at a random terminal.
	EnrolEvery time.Duration
	// SplitBadges are enrolled on each side of the partition.
	SplitBadges int
}

// window is the traffic and usage of one measured interval.
type window struct {
	Secs float64
	// In is the PUBLISH messages the terminals sent per second (the
	// watcher's count, every QoS).
	In float64
	// PacketsIn and PacketsOut are every MQTT packet the broker received
	// and sent per second (PUBLISH, PUBACK, PINGREQ…; $SYS
	// messages/received and messages/sent, without those to the
	// watcher; each look at $SYS adds a few dozen, so short windows are
	// imprecise); BytesIn and BytesOut the bytes ($SYS bytes/…). mosquitto
	// 2.0's publish/messages/* count QoS 1 and 2 only, so they are not
	// used.
	PacketsIn, PacketsOut, BytesIn, BytesOut float64
	// ByClass is the terminals' publishes per second by topic class, and
	// BytesByClass their payload bytes per second (the watcher's count).
	ByClass, BytesByClass map[string]float64
	// CPU is each terminal's CPU share (1 = one core), Broker the broker's.
	CPU    []float64
	Broker float64
	// RSS is each terminal's VmRSS at the end, in MB; BrokerRSS the broker's.
	RSS       []float64
	BrokerRSS float64
}

func measure(s *fleetSite, a, b usage) window {
	w := window{Secs: b.at.Sub(a.at).Seconds(), ByClass: map[string]float64{}, BytesByClass: map[string]float64{}}
	watched := 0
	for c, n := range b.seen {
		if c == "wire" {
			continue // what the watcher got, below
		}
		d := n - a.seen[c]
		watched += d
		w.ByClass[c] = float64(d) / w.Secs
		w.BytesByClass[c] = float64(b.bytes[c]-a.bytes[c]) / w.Secs
	}
	w.In = float64(watched) / w.Secs
	delta := func(k string) float64 { return (b.sys[k] - a.sys[k]) / w.Secs }
	w.PacketsIn, w.BytesIn = delta("messages/received"), delta("bytes/received")
	// Without what the broker sent the watcher.
	w.PacketsOut = delta("messages/sent") - float64(watched)/w.Secs
	w.BytesOut = delta("bytes/sent") - float64(b.seen["wire"]-a.seen["wire"])/w.Secs
	for _, t := range s.terms {
		pid := t.proc.cmd.Process.Pid
		w.CPU = append(w.CPU, float64(b.ticks[pid]-a.ticks[pid])/100/w.Secs)
		w.RSS = append(w.RSS, float64(b.rssKB[pid])/1024)
	}
	bp := s.m.PID()
	w.Broker = float64(b.ticks[bp]-a.ticks[bp]) / 100 / w.Secs
	w.BrokerRSS = float64(b.rssKB[bp]) / 1024
	return w
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func (w window) String() string {
	var classes []string
	for c, r := range w.ByClass {
		if r > 0 {
			classes = append(classes, fmt.Sprintf("%s %.2f/s %.0f B/s", c, r, w.BytesByClass[c]))
		}
	}
	sort.Strings(classes)
	return fmt.Sprintf("%.0fs: terminals published %.2f msg/s; broker packets in %.1f/s out %.1f/s, bytes in %.0f/s out %.0f/s, CPU %.2f%%, RSS %.1f MB; terminals CPU mean %.3f%% max %.3f%%, RSS mean %.1f MB max %.1f MB; published by class: %s",
		w.Secs, w.In, w.PacketsIn, w.PacketsOut, w.BytesIn, w.BytesOut, 100*w.Broker, w.BrokerRSS, 100*mean(w.CPU), 100*slices.Max(w.CPU), mean(w.RSS), slices.Max(w.RSS), strings.Join(classes, ", "))
}

// fleetResult is what runFleet measured.
type fleetResult struct {
	Idle, Busy window
	// Taps and Enrolled count what the busy window did.
	Taps, Enrolled int
	// Reconnect is the time from healing the partition until every
	// terminal behind it had its site connection back; Converge until
	// every terminal held every badge enrolled (and, with shared shifts,
	// every tap made) on both sides. Both are when a look found it; the
	// site was not there yet at ConvergeAfter (the last look that found
	// a terminal short), so it converged between the two.
	Reconnect, Converge, ConvergeAfter time.Duration
	// Retained is the broker's retained messages at the end, and their
	// payload bytes.
	Retained, RetainedBytes int
}

// runFleet runs the plan on s: an idle window, a busy window, then a
// partition of the terminals behind the proxy with enrolments on both
// sides, healed and timed until the site converges.
func runFleet(s *fleetSite, p fleetPlan) fleetResult {
	tb := s.tb
	var r fleetResult
	u0 := s.look()
	time.Sleep(p.Idle) // the window measured: nothing to wait for
	u1 := s.look()
	r.Idle = measure(s, u0, u1)

	taps := time.NewTicker(p.TapEvery)
	defer taps.Stop()
	enrols := time.NewTicker(p.EnrolEvery)
	defer enrols.Stop()
	end := time.After(p.Busy)
busy:
	for {
		select {
		case <-taps.C:
			s.tapRound()
			r.Taps += len(s.terms)
		case <-enrols.C:
			r.Enrolled++
			s.enrol(s.terms[rand.IntN(len(s.terms))], fmt.Sprintf("E%05d", r.Enrolled))
		case <-end:
			break busy
		}
	}
	// The window ends once its work is out: every record delivered,
	// every enrolment at every terminal.
	base := r.Enrolled
	s.waitAll("the busy window's records delivered, badges and taps everywhere", 2*time.Minute, s.terms, func(st ctlproto.Status) bool {
		return st.QueueDepth.Pending == 0 && st.SiteBadges.Badges == base && st.SiteBadges.Pending == 0 && s.tapsExchanged(st)
	})
	u2 := s.look()
	r.Busy = measure(s, u1, u2)

	front, behind := s.side(false), s.side(true)
	s.partition()
	s.waitAll("terminals behind the cut disconnected", time.Minute, behind, func(st ctlproto.Status) bool { return !st.SiteBadges.Connected })
	for i := range p.SplitBadges {
		s.enrol(front[rand.IntN(len(front))], fmt.Sprintf("F%05d", i))
		s.enrol(behind[rand.IntN(len(behind))], fmt.Sprintf("B%05d", i))
	}
	if s.o.SharedShifts {
		s.tapRound() // taps on both sides, exchanged after the heal
	}
	s.waitAll("front side has its badges", time.Minute, front, func(st ctlproto.Status) bool {
		return st.SiteBadges.Badges == base+p.SplitBadges
	})
	healed := time.Now()
	s.heal()
	// One poll for both: a terminal behind the cut counts as back at the
	// first look that finds it connected.
	back := map[*siteTerm]bool{}
	converged := func(st ctlproto.Status) bool {
		return st.SiteBadges != nil && st.SiteBadges.Badges == base+2*p.SplitBadges && st.SiteBadges.Pending == 0 && s.tapsExchanged(st)
	}
	s.waitAll("every terminal holds every badge and tap", 5*time.Minute, s.terms, converged, func(t *siteTerm, st ctlproto.Status) {
		since := time.Since(healed)
		if t.behind && st.SiteBadges != nil && st.SiteBadges.Connected && !back[t] {
			back[t] = true
			r.Reconnect = max(r.Reconnect, since)
		}
		if !converged(st) {
			r.ConvergeAfter = max(r.ConvergeAfter, since)
		}
	})
	r.Converge = time.Since(healed)
	r.Retained, r.RetainedBytes = retainedNow(tb, s.m.URL())
	return r
}

// retainedNow subscribes afresh to every topic and counts the retained
// messages the broker sends, until it was quiet for 500 ms.
func retainedNow(tb testing.TB, url string) (n, bytes int) {
	tb.Helper()
	got := make(chan int, 1024)
	pc := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("retained-%d", rand.Int())).SetProtocolVersion(4))
	if tok := pc.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		tb.Fatalf("retained: connect: %v", tok.Error())
	}
	defer pc.Disconnect(0)
	if tok := pc.Subscribe("#", 0, func(_ paho.Client, m paho.Message) {
		if m.Retained() {
			got <- len(m.Payload())
		}
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		tb.Fatalf("retained: subscribe: %v", tok.Error())
	}
	for {
		select {
		case size := <-got:
			n, bytes = n+1, bytes+size
		case <-time.After(500 * time.Millisecond):
			return n, bytes
		}
	}
}

func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		tb.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

func envDuration(tb testing.TB, name string, def time.Duration) time.Duration {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		tb.Fatalf("%s=%q: want a duration like \"60s\"", name, v)
	}
	return d
}

// BenchmarkFleet runs FLEET_TERMINALS (100) built stampd on one mosquitto
// with the default MQTT settings, shared badges, shared shifts (unless
// FLEET_SHARED_SHIFTS=0) and remote commands, a tenth of them behind a
// proxy: FLEET_IDLE (60s) of idle traffic, FLEET_BUSY (90s) with a tap
// per terminal every FLEET_TAP_EVERY (30s) and a shared enrolment every
// 10s, then a partition of the tenth with 5 enrolments and a tap per
// terminal on each side, healed. It reports the broker's messages/s, each
// terminal's CPU and RSS, and the time the site takes to converge.
func BenchmarkFleet(b *testing.B) {
	n := envInt(b, "FLEET_TERMINALS", 100)
	plan := fleetPlan{
		Idle:       envDuration(b, "FLEET_IDLE", 60*time.Second),
		Busy:       envDuration(b, "FLEET_BUSY", 90*time.Second),
		TapEvery:   envDuration(b, "FLEET_TAP_EVERY", 30*time.Second),
		EnrolEvery: 10 * time.Second,
		// enough to be a real catch-up, few enough to time the heal
		SplitBadges: 5,
	}
	for range b.N {
		s := startSite(b, siteOptions{Terminals: n, Behind: max(1, n/10), Badges: 8, SharedShifts: os.Getenv("FLEET_SHARED_SHIFTS") != "0"})
		r := runFleet(s, plan)
		b.Logf("%d terminals\nidle %s\nbusy %s (%d taps, %d enrolments)\npartition of %d healed: reconnected in %s, converged after %s and by %s; retained %d messages, %d bytes",
			n, r.Idle, r.Busy, r.Taps, r.Enrolled, len(s.side(true)), r.Reconnect.Round(10*time.Millisecond), r.ConvergeAfter.Round(10*time.Millisecond), r.Converge.Round(10*time.Millisecond), r.Retained, r.RetainedBytes)
		b.ReportMetric(r.Idle.In/float64(n), "idle-pub/s/terminal")
		b.ReportMetric(r.Idle.PacketsIn+r.Idle.PacketsOut, "idle-broker-packets/s")
		b.ReportMetric(r.Busy.In/float64(n), "busy-pub/s/terminal")
		b.ReportMetric(r.Busy.PacketsIn+r.Busy.PacketsOut, "busy-broker-packets/s")
		b.ReportMetric(100*mean(r.Busy.CPU), "busy-CPU-%/terminal")
		b.ReportMetric(100*slices.Max(r.Busy.CPU), "busy-max-CPU-%")
		b.ReportMetric(mean(r.Busy.RSS), "RSS-MB/terminal")
		b.ReportMetric(100*r.Busy.Broker, "busy-broker-CPU-%")
		b.ReportMetric(r.Converge.Seconds(), "converge-s")
		b.ReportMetric(float64(r.Retained), "retained")
	}
}

// TestFleetSmoke_ThreeTerminals runs BenchmarkFleet's site and plan in
// small: three stampd, one behind the cut, short windows. It checks that
// each measure sees what the terminals did.
func TestFleetSmoke_ThreeTerminals(t *testing.T) {
	s := startSite(t, siteOptions{Terminals: 3, Behind: 1, Badges: 8, SharedShifts: true})
	r := runFleet(s, fleetPlan{Idle: time.Second, Busy: 2 * time.Second, TapEvery: 400 * time.Millisecond, EnrolEvery: 700 * time.Millisecond, SplitBadges: 2})
	t.Logf("idle %s\nbusy %s\nconverged after %s and by %s, reconnected by %s, retained %d (%d bytes)", r.Idle, r.Busy, r.ConvergeAfter, r.Converge, r.Reconnect, r.Retained, r.RetainedBytes)
	if r.Taps < 9 || r.Enrolled < 2 {
		t.Fatalf("busy window did %d taps, %d enrolments", r.Taps, r.Enrolled)
	}
	// Each tap is a punch on the MQTT uplink; each enrolment one badge
	// message.
	punches := r.Busy.ByClass["punch"] * r.Busy.Secs
	if punches < float64(r.Taps)-0.5 || r.Busy.ByClass["badges"]*r.Busy.Secs < float64(r.Enrolled)-0.5 {
		t.Errorf("watcher saw %.0f punches for %d taps, %.0f badge messages for %d enrolments", punches, r.Taps, r.Busy.ByClass["badges"]*r.Busy.Secs, r.Enrolled)
	}
	// With shared shifts each tap is also a site tap.
	if taps := r.Busy.ByClass["taps"] * r.Busy.Secs; taps < float64(r.Taps)-0.5 {
		t.Errorf("watcher saw %.0f site taps for %d taps", taps, r.Taps)
	}
	// The broker's $SYS counters were read and moved (they lag up to a
	// second: in a window of seconds no more can be asked of them).
	if r.Busy.PacketsIn <= 0 || r.Busy.BytesIn <= 0 {
		t.Errorf("broker counters: packets in %.2f/s, bytes in %.0f/s", r.Busy.PacketsIn, r.Busy.BytesIn)
	}
	// CPU time comes in ticks of 10 ms: the three together used some.
	if len(r.Busy.CPU) != 3 || mean(r.Busy.CPU) <= 0 || slices.Min(r.Busy.RSS) < 1 || r.Busy.BrokerRSS <= 0 {
		t.Errorf("usage: CPU %v, RSS %v MB, broker RSS %.1f MB", r.Busy.CPU, r.Busy.RSS, r.Busy.BrokerRSS)
	}
	// Retained: each terminal's status and seen, and every shared badge.
	if want := 3*2 + r.Enrolled + 2*2; r.Retained < want {
		t.Errorf("retained %d messages, want at least %d", r.Retained, want)
	}
	if r.Converge <= 0 || r.Reconnect <= 0 || r.Reconnect > r.Converge || r.ConvergeAfter > r.Converge {
		t.Errorf("reconnect %s, converge after %s by %s", r.Reconnect, r.ConvergeAfter, r.Converge)
	}
	// The built stampctl runs a command on a terminal through the broker
	// (remote_commands = "viewer"): status is answered, reload refused.
	ctl := func(args ...string) (string, error) {
		out, err := exec.Command(filepath.Join(binDir, "stampctl"), append([]string{"remote", "--broker", s.m.URL(), "--prefix", "bench", "--timeout", "20s"}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := ctl("t001", "status", "--json"); err != nil || !strings.Contains(out, `"device": "t001"`) {
		t.Errorf("stampctl remote t001 status: %v\n%s", err, out)
	}
	if out, err := ctl("t000", "reload"); err == nil || !strings.Contains(out, `t000: command "reload" needs role admin`) {
		t.Errorf("stampctl remote t000 reload: %v\n%s", err, out)
	}
}
