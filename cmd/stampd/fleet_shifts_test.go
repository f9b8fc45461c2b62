package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"stampclock/device/control"
	"stampclock/device/ctlproto"
	"stampclock/device/remote"
	"stampclock/uplink/mqtt/mqtttest"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// TestFleet_SharedShifts is the fleet test of issue 16 ("Shifts across
// terminals"): built stampd processes with simulated readers, one real
// mosquitto with per-terminal accounts and the documented ACL file
// (remote.ACLExample), one strict Zeiterfassung test server. Employees
// walk between the terminals over several simulated days (taps with
// explicit, trusted times, in time order across terminals); badges are
// enrolled at random terminals. Meanwhile the broker is restarted, two
// terminals are killed with SIGKILL in the middle of a burst of taps and
// started again, and one terminal is cut off from the broker for a
// simulated day while its taps go on.
//
// At the end the Zeiterfassung server must hold exactly the entries the
// true tap sequence implies, each once, as this test pairs them itself
// (fleetPair, not the product's code); every terminal must hold every
// badge and every terminal's site taps, with its queue drained. The test
// waits for that state with a deadline.
//
// Scale: fleetShort by default, fleetFull when CI is set; STAMPCLOCK_FLEET
// = short or full chooses, STAMPCLOCK_FLEET_SEED repeats a run.
func TestFleet_SharedShifts(t *testing.T) {
	sc, scaleName, err := fleetScaleFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	mosq := needTool(t, "mosquitto", "mosquitto")
	passwd := needTool(t, "mosquitto_passwd", "mosquitto")
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("STAMPCLOCK_FLEET_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("STAMPCLOCK_FLEET_SEED=%q: want an unsigned integer", v)
		}
	}
	// Simulated days end before today: every stop is older than the
	// settling delay by the terminals' own (real) clocks.
	today := time.Now().UTC().Truncate(24 * time.Hour)
	base := today.AddDate(0, 0, -sc.Days-1)
	script := newFleetScript(seed, sc, base)
	t.Logf("fleet: seed %d (STAMPCLOCK_FLEET_SEED=%d repeats it), scale %s: %d terminals, %d employees, %d days from %s; cut off %s on day %d, killed %s and %s",
		seed, seed, scaleName, sc.Terminals, sc.Employees, sc.Days, base.Format("2006-01-02"),
		fleetDoor(script.Cut), script.CutDay, fleetDoor(script.Killed[0]), fleetDoor(script.Killed[1]))

	f := startFleet(t, sc, mosq, passwd)
	began := time.Now()
	performed := f.run(script)
	ran := time.Since(began)

	want, near := fleetPair(performed)
	if near != "" {
		t.Fatalf("the script came near a rule's boundary: %s", near)
	}
	t.Logf("fleet: %d taps (%d accepted, %d repeats ignored, %d missing stops, %d shifts left open) → %d entries expected; script ran in %s",
		len(performed), want.Accepted, want.Ignored, want.MissingStops, want.Open, len(want.Entries), ran.Round(time.Millisecond))

	converged := time.Now()
	f.waitConverged(want.Entries, sc.Employees, performed)
	st := f.zs.Requests()
	t.Logf("fleet: converged %s after the last tap (run %s in all); Zeiterfassung: %d entries stored, %d creates, %d queries, %d now held (%d removed)",
		time.Since(converged).Round(time.Millisecond), time.Since(began).Round(time.Millisecond), st.Stored, st.Creates, st.Queries, len(f.zs.Entries()), st.Stored-len(f.zs.Entries()))
	f.schema.check(t, "record", "status", "site_tap", "site_tap_head")
}

// fleetScaleFromEnv picks the scale: STAMPCLOCK_FLEET=short|full, else
// full when CI is set.
func fleetScaleFromEnv() (fleetScale, string, error) {
	switch v := os.Getenv("STAMPCLOCK_FLEET"); {
	case v == "full", v == "" && os.Getenv("CI") != "":
		return fleetFull, "full", nil
	case v == "short", v == "":
		return fleetShort, "short", nil
	default:
		return fleetScale{}, "", fmt.Errorf("STAMPCLOCK_FLEET=%q: want short or full", v)
	}
}

type fleetRun struct {
	t      *testing.T
	broker *mqtttest.Mosquitto
	schema *schemaWatch
	zs     *zeittest.Server
	terms  []*fleetTerm
	cut    int       // the terminal cut off from the broker now; -1: none
	cutAt  time.Time // since when (simulated)
	// acked counts, per terminal, the taps it answered; made counts all
	// taps made there (those cut short by a kill and their repeats too).
	acked, made []int
}

type fleetTerm struct {
	*env
	index int
	id    string
	proxy *mqtttest.Proxy // between this terminal and the broker
	proc  *proc
}

func startFleet(t *testing.T, sc fleetScale, mosq, passwd string) *fleetRun {
	t.Helper()
	var users []string
	for e := range sc.Employees {
		users = append(users, fleetEmail(e))
	}
	zs, ts := zeittest.Start(t, zeittest.Options{Users: users})

	// The broker: persistence on (as the README asks of a site's broker),
	// one account per terminal (username = device.id) and the ACL file
	// the README documents.
	dir := t.TempDir()
	pwFile, aclFile := filepath.Join(dir, "passwd"), filepath.Join(dir, "acl")
	pass := map[string]string{}
	for i := range sc.Terminals {
		id := fleetDoor(i)
		pass[id] = "pw-" + id
		args := []string{"-b", pwFile, id, pass[id]}
		if i == 0 {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command(passwd, args...).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd %s: %v %s", id, err, out)
		}
	}
	// The office account of the README's ACL: it watches every message
	// and checks it against the published schema.
	if out, err := exec.Command(passwd, "-b", pwFile, "office", "pw-office").CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_passwd office: %v %s", err, out)
	}
	if err := os.WriteFile(aclFile, []byte(remote.ACLExample), 0o600); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(remote.ACLExample, "/taps/") {
		t.Logf("fleet: note: remote.ACLExample names no taps topic (<prefix>/sites/<site>/taps/…): mosquitto will keep the terminals' taps from each other")
	}
	conf := fmt.Sprintf("allow_anonymous false\npassword_file %s\nacl_file %s\npersistence true\npersistence_location %s/\nlog_type notice\n", pwFile, aclFile, dir)
	f := &fleetRun{t: t, zs: zs, cut: -1, acked: make([]int, sc.Terminals), made: make([]int, sc.Terminals)}
	f.broker = mqtttest.StartMosquitto(t, mosq, dir, conf)
	f.schema = watchSchema(t, f.broker.URL(), "office", "pw-office")
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "mosquitto.log"))
			var denied []string
			for _, l := range strings.Split(string(log), "\n") {
				if strings.Contains(strings.ToLower(l), "denied") || strings.Contains(strings.ToLower(l), "error") {
					denied = append(denied, l)
				}
			}
			t.Logf("mosquitto log: %d lines denied or in error (first 30):\n%s\n… tail:\n%s",
				len(denied), strings.Join(denied[:min(30, len(denied))], "\n"), tail(string(log), 1500))
		}
	})

	zpw := filepath.Join(dir, "zeit.secret")
	if err := os.WriteFile(zpw, []byte(zeittest.DefaultPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range sc.Terminals {
		id := fleetDoor(i)
		tdir := t.TempDir()
		sockDir, err := os.MkdirTemp("", "sc")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(sockDir) })
		ft := &fleetTerm{index: i, id: id, proxy: mqtttest.StartProxy(t, fmt.Sprintf("127.0.0.1:%d", f.broker.Port)),
			env: &env{t: t, dir: tdir, config: filepath.Join(tdir, "stampd.toml"), socket: filepath.Join(sockDir, "s.sock"), zs: zs}}
		mpw := filepath.Join(tdir, "mqtt.secret")
		if err := os.WriteFile(mpw, []byte(pass[id]), 0o600); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "[device]\nid = %q\n[store]\npath = %q\n[control]\nsocket = %q\n[log]\nlevel = \"info\"\n", id, filepath.Join(tdir, "q.db"), ft.socket)
		fmt.Fprintf(&b, "[punch]\ntimezone = \"UTC\"\n")
		fmt.Fprintf(&b, "[zeiterfassung]\nurl = %q\nallow_http = true\nemail = %q\npassword_file = %q\ntimetype_id = \"arbeitszeit\"\ntimeout = \"2s\"\n", ts.URL, zeittest.DefaultEmail, zpw)
		fmt.Fprintf(&b, "[mqtt]\nurls = [%q]\nusername = %q\npassword_file = %q\nkeepalive = \"2s\"\nstatus_interval = \"5s\"\n", ft.proxy.URL(), id, mpw)
		fmt.Fprintf(&b, "[site]\nname = \"hq\"\npoll = \"200ms\"\nshared_shifts = true\nsettle = \"0s\"\n")
		if err := os.WriteFile(ft.config, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		f.terms = append(f.terms, ft)
	}
	for _, ft := range f.terms {
		ft.proc = ft.start()
	}
	return f
}

// call sends one command to the terminal's control socket.
func (ft *fleetTerm) call(cmd string, args, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return control.Call(ctx, ft.socket, cmd, args, out)
}

// tap taps st's badge with st's time, as `stampctl tap UID --at TIME` does.
func (ft *fleetTerm) tap(st fleetStep) (ctlproto.TapResult, error) {
	var r ctlproto.TapResult
	err := ft.call(ctlproto.CmdTap, ctlproto.TapArgs{UID: fleetUID(st.Emp), At: st.At.Format(time.RFC3339)}, &r)
	return r, err
}

// counted checks that a tap counted at the door: a start, a stop or a
// repeat of a punch, never an unknown badge or an error.
func counted(st fleetStep, r ctlproto.TapResult) error {
	switch r.Result {
	case "start_ok", "stop_ok", "already_stamped":
		return nil
	}
	return fmt.Errorf("%s: answered %q %s", st, r.Result, r.Error)
}

// run plays the script and returns the taps made, with the ones repeated
// after a kill, in order.
func (f *fleetRun) run(s fleetScript) []fleetStep {
	t := f.t
	var performed []fleetStep
	enrolled := map[int]fleetStep{} // employee → its enrolment
	for i := 0; i < len(s.Steps); i++ {
		st := s.Steps[i]
		switch st.Kind {
		case stepEnroll:
			// Enrolments at one moment (all those before day 0 count as
			// one) go together; then wait until each badge is at every
			// terminal that can know it.
			same := func(o fleetStep) bool {
				return o.Kind == stepEnroll && (o.At.Equal(st.At) || o.At.Before(s.Base) && st.At.Before(s.Base))
			}
			j := i
			for ; j < len(s.Steps) && same(s.Steps[j]); j++ {
				en := s.Steps[j]
				if out, err := f.terms[en.Door].ctl("badges", "add", fleetUID(en.Emp), fleetEmail(en.Emp), "--name", fmt.Sprintf("Employee %d", en.Emp)); err != nil {
					t.Fatalf("%s: %v %s", en, err, out)
				}
				enrolled[en.Emp] = en
			}
			what := fmt.Sprintf("%d enrolments up to %s", j-i, s.Steps[j-1])
			i = j - 1
			f.waitBadges(f.knowable(enrolled), what)
		case stepCut:
			f.cut, f.cutAt = st.Door, st.At
			f.terms[st.Door].proxy.Pause()
			f.terms[st.Door].proxy.Cut()
			f.terms[st.Door].waitConnected(false)
			t.Logf("fleet: %s", st)
		case stepHeal:
			f.terms[st.Door].proxy.Resume()
			f.cut = -1 // f.cutAt stays: the start of the last cut
			f.terms[st.Door].waitConnected(true)
			n := 0
			for _, p := range performed {
				if p.Door == st.Door && !p.At.Before(f.cutAt) {
					n++
				}
			}
			t.Logf("fleet: %s (%d taps there while cut off)", st, n)
			f.waitBadges(f.knowable(enrolled), "the cut-off terminal came back")
		case stepBrokerRestart:
			f.broker.Stop()
			f.broker.Start()
			t.Logf("fleet: %s", st)
		case stepTap:
			if st.Burst > 0 {
				j := i
				for j < len(s.Steps) && s.Steps[j].Burst == st.Burst {
					j++
				}
				performed = append(performed, f.burst(s.Steps[i:j])...)
				i = j - 1
				continue
			}
			r, err := f.terms[st.Door].tap(st)
			if err == nil {
				err = counted(st, r)
			}
			if err != nil {
				t.Fatalf("tap %d: %v", len(performed), err)
			}
			f.acked[st.Door]++
			f.made[st.Door]++
			performed = append(performed, st)
		}
	}
	return performed
}

// knowable returns, per terminal, the employees whose badges it can know
// now: all, except while a terminal is cut off from the broker: a badge
// enrolled since then is known only on its side of the cut.
func (f *fleetRun) knowable(enrolled map[int]fleetStep) map[int][]int {
	out := map[int][]int{}
	for i := range f.terms {
		for e, en := range enrolled {
			if f.cut < 0 || en.At.Before(f.cutAt) || (i == f.cut) == (en.Door == f.cut) {
				out[i] = append(out[i], e)
			}
		}
		slices.Sort(out[i])
	}
	return out
}

// badges returns the terminal's badges, UID → email.
func (ft *fleetTerm) badges() (map[string]string, error) {
	var bs []ctlproto.BadgeInfo
	if err := ft.call(ctlproto.CmdBadgesList, nil, &bs); err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, b := range bs {
		m[b.UID] = b.Email
	}
	return m, nil
}

// badgeGaps lists, per terminal, the employees of want whose badge it
// does not hold (bound to the right email).
func (f *fleetRun) badgeGaps(want map[int][]int) []string {
	var gaps []string
	for i, ft := range f.terms {
		have, err := ft.badges()
		if err != nil {
			gaps = append(gaps, fmt.Sprintf("%s: %v", ft.id, err))
			continue
		}
		var lack []string
		for _, e := range want[i] {
			if have[fleetUID(e)] != fleetEmail(e) {
				lack = append(lack, fleetUID(e))
			}
		}
		if len(lack) > 0 {
			gaps = append(gaps, fmt.Sprintf("%s lacks %d: %s", ft.id, len(lack), strings.Join(lack, " ")))
		}
	}
	return gaps
}

func (f *fleetRun) waitBadges(want map[int][]int, what string) {
	f.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		gaps := f.badgeGaps(want)
		if len(gaps) == 0 {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("badges after %s, 60s later:\n  %s", what, strings.Join(gaps, "\n  "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// burst fires the taps of one shift change at one door: the first half
// together, then the second half together, and kills the terminal with
// SIGKILL as soon as the first of those is answered. It starts the
// terminal again and repeats each tap that got no answer, with its time
// (the employee taps again; were it counted already, the repeat falls in
// the repeat window). It returns the taps made.
func (f *fleetRun) burst(taps []fleetStep) []fleetStep {
	t := f.t
	ft := f.terms[taps[0].Door]
	type answer struct {
		st  fleetStep
		r   ctlproto.TapResult
		err error
	}
	fire := func(batch []fleetStep) chan answer {
		ch := make(chan answer, len(batch))
		for _, st := range batch {
			go func() { r, err := ft.tap(st); ch <- answer{st, r, err} }()
		}
		return ch
	}
	half := len(taps) / 2
	ch := fire(taps[:half])
	for range half {
		a := <-ch
		if a.err == nil {
			a.err = counted(a.st, a.r)
		}
		if a.err != nil {
			t.Fatalf("burst at %s: %v", ft.id, a.err)
		}
	}
	rest := taps[half:]
	ch = fire(rest)
	var lost []fleetStep
	killed := false
	for range rest {
		a := <-ch
		if !killed {
			ft.proc.cmd.Process.Kill()
			killed = true
		}
		if a.err != nil {
			lost = append(lost, a.st)
		} else if err := counted(a.st, a.r); err != nil {
			t.Fatalf("burst at %s: %v", ft.id, err)
		}
	}
	ft.proc.wait()
	ft.proc = ft.start()
	t.Logf("fleet: %s killed with SIGKILL mid-burst: %d of %d taps answered, %d tapped again after the restart", ft.id, len(taps)-len(lost), len(taps), len(lost))
	performed := slices.Clone(taps)
	f.made[ft.index] += len(taps)
	f.acked[ft.index] += len(taps) - len(lost)
	for _, st := range lost {
		r, err := ft.tap(st)
		if err == nil {
			err = counted(st, r)
		}
		if err != nil {
			t.Fatalf("again after the restart: %v", err)
		}
		st.Why += ", again after the kill"
		f.made[ft.index]++
		f.acked[ft.index]++
		performed = append(performed, st)
	}
	return performed
}

// waitConnected waits until the terminal's three connections to the
// broker (MQTT uplink, site badges, site taps) are all up or all down.
func (ft *fleetTerm) waitConnected(up bool) {
	ft.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var s ctlproto.Status
		err := ft.call(ctlproto.CmdStatus, nil, &s)
		var conns []bool
		if b := brokerConn(s); err == nil && b != nil && s.SiteBadges != nil && s.SiteTaps != nil {
			conns = []bool{b.Connected, s.SiteBadges.Connected, s.SiteTaps.Connected}
			if !slices.Contains(conns, !up) {
				return
			}
		}
		if time.Now().After(deadline) {
			ft.t.Fatalf("%s: connections to the broker (mqtt, site badges, site taps) %v, want all %v (%v)", ft.id, conns, up, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fleetQueue is one terminal's queue as its status tells it, and what its
// status says of the site (the keys starting with "site").
type fleetQueue struct {
	pending, held, dead uint64
	site                string
	taps                *ctlproto.SiteTaps
	err                 error
}

func (ft *fleetTerm) queue() fleetQueue {
	var raw map[string]json.RawMessage
	if err := ft.call(ctlproto.CmdStatus, nil, &raw); err != nil {
		return fleetQueue{err: err}
	}
	var s ctlproto.Status
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &s); err != nil {
		return fleetQueue{err: err}
	}
	var site []string
	for k, v := range raw {
		if strings.HasPrefix(k, "site") {
			site = append(site, k+"="+string(v))
		}
	}
	slices.Sort(site)
	return fleetQueue{pending: s.QueueDepth.Pending, held: s.QueueDepth.Held, dead: s.QueueDepth.Dead, site: strings.Join(site, " "), taps: s.SiteTaps}
}

// waitConverged waits until the Zeiterfassung server holds exactly want,
// every terminal holds all employees' badges and every queue is drained
// (nothing pending, held or dead), and stays so for three looks at least
// half a second apart (a terminal still pairing would change it). On the
// deadline it fails naming every difference.
func (f *fleetRun) waitConverged(want []fleetEntry, employees int, taps []fleetStep) {
	t := f.t
	all := map[int][]int{}
	for i := range f.terms {
		for e := range employees {
			all[i] = append(all[i], e)
		}
	}
	deadline := time.Now().Add(150 * time.Second)
	stable := 0
	for {
		got := f.serverEntries()
		missing, extra := fleetDiff(want, got)
		gaps := f.badgeGaps(all)
		var busy []string
		var qs []fleetQueue
		for _, ft := range f.terms {
			q := ft.queue()
			qs = append(qs, q)
			if q.err != nil || q.pending+q.held+q.dead > 0 {
				busy = append(busy, fmt.Sprintf("%s: pending %d held %d dead %d %v; %s", ft.id, q.pending, q.held, q.dead, q.err, q.site))
			}
		}
		busy = append(busy, f.tapGaps(qs)...)
		if len(missing)+len(extra)+len(gaps)+len(busy) == 0 {
			if stable++; stable == 3 {
				return
			}
		} else {
			stable = 0
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			st := f.zs.Requests()
			fmt.Fprintf(&b, "the site did not converge: Zeiterfassung holds %d entries, the taps imply %d (server: %d stored, %d removed since, %d creates, %d queries, %d refused)",
				len(got), len(want), st.Stored, st.Stored-len(got), st.Creates, st.Queries, st.Rejected)
			list := func(what string, es []fleetEntry) {
				if len(es) > 0 {
					fmt.Fprintf(&b, "\n%s (%d):", what, len(es))
					for _, e := range es {
						fmt.Fprintf(&b, "\n  %s %s – %s", e.Email, e.Start, e.End)
					}
				}
			}
			list("missing on the server", missing)
			list("on the server but not implied by the taps (wrong or duplicate)", extra)
			// The taps of the first employees whose entries differ.
			shown := map[string]bool{}
			for _, e := range append(missing, extra...) {
				if shown[e.Email] || len(shown) == 5 {
					continue
				}
				shown[e.Email] = true
				fmt.Fprintf(&b, "\ntaps of %s:", e.Email)
				for _, st := range taps {
					if fleetEmail(st.Emp) == e.Email {
						fmt.Fprintf(&b, "\n  %s %s %s", st.At.Format(time.RFC3339), fleetDoor(st.Door), st.Why)
					}
				}
			}
			for _, g := range gaps {
				fmt.Fprintf(&b, "\nbadges: %s", g)
			}
			for _, q := range busy {
				fmt.Fprintf(&b, "\nqueue or site taps: %s", q)
			}
			for _, ft := range f.terms {
				fmt.Fprintf(&b, "\nsite status %s: %s", ft.id, ft.queue().site)
			}
			t.Fatal(b.String())
		}
		time.Sleep(time.Second / 2)
	}
}

// tapGaps checks that every terminal holds every terminal's site taps:
// for each origin 1…n without a gap, the same n everywhere, where n lies
// between the taps the origin answered and the taps made there (a tap cut
// short by a kill may or may not have been stored), with nothing behind,
// unpublished, rejected or in conflict.
func (f *fleetRun) tapGaps(qs []fleetQueue) []string {
	var gaps []string
	own := make([]uint64, len(f.terms))
	for o, q := range qs {
		if q.taps == nil {
			return []string{fmt.Sprintf("%s: no site_taps in its status", f.terms[o].id)}
		}
		for _, h := range q.taps.Origins {
			if h.Origin == f.terms[o].id {
				own[o] = h.Highest
			}
		}
		if own[o] < uint64(f.acked[o]) || own[o] > uint64(f.made[o]) {
			gaps = append(gaps, fmt.Sprintf("%s numbered %d site taps of its own; %d were answered, %d made", f.terms[o].id, own[o], f.acked[o], f.made[o]))
		}
	}
	for i, q := range qs {
		st := q.taps
		if st.Behind+st.Unpublished+st.Rejected+st.Conflicts > 0 {
			gaps = append(gaps, fmt.Sprintf("%s: site taps behind %d, unpublished %d, rejected %d, conflicts %d", f.terms[i].id, st.Behind, st.Unpublished, st.Rejected, st.Conflicts))
		}
		held := map[string]ctlproto.SiteTapOrigin{}
		for _, h := range st.Origins {
			held[h.Origin] = h
		}
		for o := range f.terms {
			h := held[f.terms[o].id]
			if own[o] > 0 && (h.Contiguous != own[o] || h.Highest != own[o]) {
				gaps = append(gaps, fmt.Sprintf("%s holds %s's taps 1…%d (highest %d), the origin has %d", f.terms[i].id, f.terms[o].id, h.Contiguous, h.Highest, own[o]))
			}
		}
	}
	return gaps
}

// serverEntries returns what the Zeiterfassung server holds now.
func (f *fleetRun) serverEntries() []fleetEntry {
	var got []fleetEntry
	for _, e := range f.zs.Entries() {
		got = append(got, fleetEntry{Email: strings.ToLower(e.UserEmail), Start: e.StartTime, End: e.EndTime})
	}
	return got
}
