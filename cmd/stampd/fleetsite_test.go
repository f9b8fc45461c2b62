package main

// A site of built stampd processes on one real mosquitto, measured from
// outside: the broker's own counters ($SYS), a subscriber to every topic,
// and /proc for each process's CPU time and resident memory. Used by
// BenchmarkFleet (make bench) and its smoke test.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/device/control"
	"stampclock/device/ctlproto"
	"stampclock/uplink/mqtt/mqtttest"
)

// siteOptions shape a fleet site.
type siteOptions struct {
	Terminals int // stampd processes
	// Behind is how many of them reach the broker through a proxy that
	// the partition cuts.
	Behind int
	// Badges is each terminal's config-file badges (tapped in turn).
	Badges int
	// SharedShifts turns on [site] shared_shifts: every tap is also a
	// site tap, sent to every terminal of the site.
	SharedShifts bool
}

// fleetSite is the running site.
type fleetSite struct {
	tb    testing.TB
	o     siteOptions
	m     *mqtttest.Mosquitto
	proxy *mqtttest.Proxy
	terms []*siteTerm
	watch *topicWatch
}

type siteTerm struct {
	id     string
	env    *env
	proc   *proc
	behind bool
	next   int // next config badge to tap: the taps made so far
}

// lookTool finds a system binary; it skips without it, or fails when CI
// is set.
func lookTool(tb testing.TB, name, pkg string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s not found but CI is set: install the Debian package %s", name, pkg)
		}
		tb.Skipf("%s not found: install the Debian package %s to run this", name, pkg)
	}
	return p
}

// startSite starts mosquitto ($SYS every second), the watcher, and the
// terminals, and waits until every terminal's site badges are connected.
func startSite(tb testing.TB, o siteOptions) *fleetSite {
	tb.Helper()
	bin := lookTool(tb, "mosquitto", "mosquitto")
	s := &fleetSite{tb: tb, o: o}
	s.m = mqtttest.StartMosquitto(tb, bin, tb.TempDir(), "allow_anonymous true\nsys_interval 1\nmax_connections -1\n")
	s.proxy = mqtttest.StartProxy(tb, fmt.Sprintf("127.0.0.1:%d", s.m.Port))
	s.watch = watchBroker(tb, s.m.URL())
	for i := range o.Terminals {
		t := &siteTerm{id: fmt.Sprintf("t%03d", i), behind: i >= o.Terminals-o.Behind}
		url := s.m.URL()
		if t.behind {
			url = s.proxy.URL()
		}
		dir := tb.TempDir()
		sockDir, err := os.MkdirTemp("", "sc")
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { os.RemoveAll(sockDir) })
		t.env = &env{t: tb, dir: dir, socket: filepath.Join(sockDir, "s.sock"), config: filepath.Join(dir, "stampd.toml")}
		var b strings.Builder
		fmt.Fprintf(&b, "[device]\nid = %q\n[store]\npath = %q\n[control]\nsocket = %q\n[log]\nlevel = \"warn\"\n", t.id, filepath.Join(dir, "q.db"), t.env.socket)
		fmt.Fprintf(&b, "[mqtt]\nurls = [%q]\ntopic_prefix = \"bench\"\nremote_commands = \"viewer\"\n[site]\nname = \"hq\"\nshared_shifts = %t\n", url, o.SharedShifts)
		for k := range o.Badges {
			fmt.Fprintf(&b, "[[badge]]\nuid = \"C%03d%04d\"\nemail = \"e%d.%s@example.com\"\n", i, k, k, t.id)
		}
		if err := os.WriteFile(t.env.config, []byte(b.String()), 0o600); err != nil {
			tb.Fatal(err)
		}
		t.proc = t.env.start()
		s.terms = append(s.terms, t)
	}
	s.waitAll("every terminal's site badges connected", 2*time.Minute, s.terms, func(st ctlproto.Status) bool {
		return st.SiteBadges != nil && st.SiteBadges.Connected
	})
	return s
}

// call runs a control command at t.
func (t *siteTerm) call(cmd string, args, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return control.Call(ctx, t.env.socket, cmd, args, out)
}

// waitAll polls the status of terms (each until ok holds for it) and
// returns when all did, or fails after limit. Each status read is also
// shown to every look.
func (s *fleetSite) waitAll(what string, limit time.Duration, terms []*siteTerm, ok func(ctlproto.Status) bool, looks ...func(*siteTerm, ctlproto.Status)) time.Duration {
	s.tb.Helper()
	start := time.Now()
	left := slices.Clone(terms)
	for len(left) > 0 {
		var still []*siteTerm
		for _, t := range left {
			var st ctlproto.Status
			err := t.call(ctlproto.CmdStatus, nil, &st)
			if err == nil {
				for _, l := range looks {
					l(t, st)
				}
			}
			if err != nil || st.SiteBadges == nil || !ok(st) {
				still = append(still, t)
			}
		}
		left = still
		if len(left) == 0 {
			break
		}
		if time.Since(start) > limit {
			var st json.RawMessage
			err := left[0].call(ctlproto.CmdStatus, nil, &st)
			s.tb.Fatalf("%s: %d terminals not after %s; the first, %s, says (%v):\n%s", what, len(left), limit, left[0].id, err, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Since(start)
}

// tapRound taps the next config badge at every terminal. The tap carries
// the time it is made: a terminal's clock that NTP synchronised, without
// depending on this machine's (a tap at an untrusted time is held, and
// not shared with the site).
func (s *fleetSite) tapRound() {
	s.tb.Helper()
	for _, t := range s.terms {
		uid := fmt.Sprintf("C%s%04d", strings.TrimPrefix(t.id, "t"), t.next%s.o.Badges)
		t.next++
		var res ctlproto.TapResult
		at := time.Now().UTC().Format(time.RFC3339Nano)
		if err := t.call(ctlproto.CmdTap, ctlproto.TapArgs{UID: uid, At: at}, &res); err != nil || res.Error != "" {
			s.tb.Fatalf("%s: tap %s: %v %s", t.id, uid, err, res.Error)
		}
	}
}

// tapsExchanged reports whether st, a terminal's status, shows every tap
// made so far at every terminal held there (always true without shared
// shifts).
func (s *fleetSite) tapsExchanged(st ctlproto.Status) bool {
	if !s.o.SharedShifts {
		return true
	}
	x := st.SiteTaps
	if x == nil || !x.Connected || x.Unpublished > 0 || x.Behind > 0 {
		return false
	}
	held := map[string]uint64{}
	for _, o := range x.Origins {
		held[o.Origin] = o.Contiguous
	}
	for _, t := range s.terms {
		if held[t.id] < uint64(t.next) {
			return false
		}
	}
	return true
}

// enrol adds a shared badge at t.
func (s *fleetSite) enrol(t *siteTerm, uid string) {
	s.tb.Helper()
	if err := t.call(ctlproto.CmdBadgesAdd, ctlproto.BadgeArgs{UID: uid, Email: strings.ToLower(uid) + "@example.com"}, nil); err != nil {
		s.tb.Fatalf("%s: badges add %s: %v", t.id, uid, err)
	}
}

// usage is what the processes used between two looks.
type usage struct {
	at    time.Time
	ticks map[int]int64 // pid → utime+stime in clock ticks
	rssKB map[int]int64
	sys   map[string]float64 // $SYS counters
	seen  map[string]int     // messages the watcher got, by topic class
	bytes map[string]int
}

// look reads /proc for every terminal and the broker, and the counters.
func (s *fleetSite) look() usage {
	s.tb.Helper()
	u := usage{at: time.Now(), ticks: map[int]int64{}, rssKB: map[int]int64{}}
	pids := []int{s.m.PID()}
	for _, t := range s.terms {
		pids = append(pids, t.proc.cmd.Process.Pid)
	}
	for _, pid := range pids {
		u.ticks[pid], u.rssKB[pid] = procUsage(s.tb, pid)
	}
	u.sys = sysCounters(s.tb, s.m.URL())
	// After the $SYS look (300 ms at least): a message the broker took
	// just before has reached the watcher too.
	u.seen, u.bytes = s.watch.snapshot()
	return u
}

// procUsage reads a process's CPU time (utime+stime, clock ticks of
// 1/100 s) and VmRSS (kB) from /proc.
func procUsage(tb testing.TB, pid int) (ticks, rssKB int64) {
	tb.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatalf("pid %d: %v", pid, err)
	}
	// The fields after the command name in parentheses: state is field 3,
	// utime 14 and stime 15.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatalf("pid %d: %v", pid, err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rssKB, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return ut + st, rssKB
}

// topicWatch subscribes to every topic and counts the live messages.
type topicWatch struct {
	mu    sync.Mutex
	seen  map[string]int
	bytes map[string]int
	// wire counts the bytes of the messages the broker sent the watcher,
	// to take them out of its counters.
	wire int
}

func watchBroker(tb testing.TB, url string) *topicWatch {
	tb.Helper()
	w := &topicWatch{seen: map[string]int{}, bytes: map[string]int{}}
	pc := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("watch-%d", rand.Int())).SetProtocolVersion(4).SetOrderMatters(false))
	if tok := pc.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		tb.Fatalf("watcher connect: %v", tok.Error())
	}
	tb.Cleanup(func() { pc.Disconnect(0) })
	tok := pc.Subscribe("#", 0, func(_ paho.Client, m paho.Message) {
		w.mu.Lock()
		defer w.mu.Unlock()
		// A QoS 0 PUBLISH: fixed header (1 byte and the remaining
		// length), topic length, topic, payload.
		rest := 2 + len(m.Topic()) + len(m.Payload())
		w.wire += 1 + 1 + rest/128 + rest
		if m.Retained() {
			return // a stored message, not traffic
		}
		c := topicClass(m.Topic())
		w.seen[c]++
		w.bytes[c] += len(m.Payload())
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		tb.Fatalf("watcher subscribe: %v", tok.Error())
	}
	return w
}

func (w *topicWatch) snapshot() (map[string]int, map[string]int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	seen := cloneMap(w.seen)
	seen["wire"] = w.wire
	return seen, cloneMap(w.bytes)
}

// sysCounters reads the broker's $SYS counters (retained, refreshed every
// sys_interval) on a connection of its own, closed at once: a watcher
// subscribed to them all along would be part of what they count.
func sysCounters(tb testing.TB, url string) map[string]float64 {
	tb.Helper()
	got := map[string]float64{}
	var mu sync.Mutex
	pc := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("sys-%d", rand.Int())).SetProtocolVersion(4))
	if tok := pc.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		tb.Fatalf("$SYS: connect: %v", tok.Error())
	}
	defer pc.Disconnect(0)
	arrived := make(chan struct{}, 256)
	if tok := pc.Subscribe("$SYS/broker/#", 0, func(_ paho.Client, m paho.Message) {
		if v, err := strconv.ParseFloat(strings.Fields(string(m.Payload()) + " 0")[0], 64); err == nil {
			mu.Lock()
			got[strings.TrimPrefix(m.Topic(), "$SYS/broker/")] = v
			mu.Unlock()
		}
		select {
		case arrived <- struct{}{}:
		default:
		}
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		tb.Fatalf("$SYS: subscribe: %v", tok.Error())
	}
	// The retained values come at once; done after 300 ms of quiet.
	for quiet := false; !quiet; {
		select {
		case <-arrived:
		case <-time.After(300 * time.Millisecond):
			quiet = true
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return cloneMap(got)
}

func cloneMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// topicClass names what a topic carries: "status" (status and seen),
// "punch", "entry", "event", "cmd", "badges", "taps", "heads", "replay",
// "homeassistant" or "other".
func topicClass(topic string) string {
	p := strings.Split(topic, "/")
	switch {
	case len(p) >= 4 && p[1] == "sites":
		return p[3]
	case p[0] == "homeassistant":
		return "homeassistant"
	case len(p) >= 3 && (p[2] == "status" || p[2] == "seen"):
		return "status"
	case len(p) >= 3:
		return p[2]
	}
	return "other"
}

// partition cuts the terminals behind the proxy off the broker and keeps
// them off until heal.
func (s *fleetSite) partition() {
	s.proxy.Pause()
	s.proxy.Cut()
}

func (s *fleetSite) heal() { s.proxy.Resume() }

// side returns the terminals behind the proxy (true) or not.
func (s *fleetSite) side(behind bool) []*siteTerm {
	var out []*siteTerm
	for _, t := range s.terms {
		if t.behind == behind {
			out = append(out, t)
		}
	}
	return out
}
