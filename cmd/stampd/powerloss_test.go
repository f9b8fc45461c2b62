package main

// Power cuts as the disk sees them: stampd runs with its store, config and
// secret on a powerloss filesystem, which forgets at each cut everything
// that was not fsync'ed (see internal/powerloss).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"stampclock/device/control"
	"stampclock/device/daemon"
	"stampclock/internal/powerloss"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// plEnv is stampd on a powerloss filesystem: disk is the backing
// directory (what survives a cut), mnt the mount stampd works on.
type plEnv struct {
	*env
	disk, mnt string
	fs        *powerloss.FS
	rng       *rand.Rand // the test's choices, on the test's goroutine
	tornRand  *rand.Rand // the filesystem's torn writes, on the goroutine that cuts
	url       string     // the Zeiterfassung test server's
}

// storeRel is the store's path below the root of the filesystem; its
// directory does not exist at the start, so stampd creates it.
const storeRel = "var/lib/stampclock/queue.db"

func newPowerlossEnv(t *testing.T, badges int, seed uint64) *plEnv {
	t.Helper()
	powerloss.Require(t)
	root := t.TempDir()
	e := &plEnv{disk: filepath.Join(root, "disk"), mnt: filepath.Join(root, "mnt"), rng: rand.New(rand.NewPCG(seed, 1)), tornRand: rand.New(rand.NewPCG(seed, 2))}
	for _, d := range []string{filepath.Join(e.disk, "etc"), e.mnt} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var users []string
	for i := 0; i < badges; i++ {
		users = append(users, fmt.Sprintf("e%d@example.com", i))
	}
	zs, ts := zeittest.Start(t, zeittest.Options{Users: users})
	e.url = ts.URL
	sockDir, err := os.MkdirTemp("", "pl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	e.env = &env{t: t, dir: e.mnt, socket: filepath.Join(sockDir, "s.sock"), zs: zs, config: filepath.Join(e.mnt, "etc", "stampd.toml")}
	// Config and secret exist before the first mount: they are durable.
	var b strings.Builder
	fmt.Fprintf(&b, "[store]\npath = %q\nretention = \"87600h\"\n[control]\nsocket = %q\n[log]\nlevel = \"debug\"\n", filepath.Join(e.mnt, storeRel), e.socket)
	fmt.Fprintf(&b, "[zeiterfassung]\nurl = %q\nallow_http = true\nemail = %q\npassword_file = %q\ntimetype_id = \"arbeitszeit\"\ntimeout = \"2s\"\n", ts.URL, zeittest.DefaultEmail, filepath.Join(e.mnt, "etc", "pw"))
	for i, u := range users {
		fmt.Fprintf(&b, "[[badge]]\nuid = \"%08X\"\nemail = %q\n", 0xB0000000+i, u)
	}
	if err := os.WriteFile(filepath.Join(e.disk, "etc", "stampd.toml"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.disk, "etc", "pw"), []byte(zeittest.DefaultPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *plEnv) mount() {
	e.t.Helper()
	f, err := powerloss.Mount(e.disk, e.mnt, powerloss.Options{Rand: e.tornRand})
	if err != nil {
		e.t.Fatal(err)
	}
	e.fs = f
	e.t.Cleanup(func() { f.Unmount() })
}

// cutResult is a cut's report, or why it failed.
type cutResult struct {
	powerloss.CutReport
	err error
}

// cut kills stampd with SIGKILL and cuts the power. It may run on a
// goroutine of its own, so it returns its error rather than failing t.
func (e *plEnv) cut(p *proc, tear bool) cutResult {
	p.cmd.Process.Signal(syscall.SIGKILL)
	// Cut first: it fails the operations held by a freeze, so the killed
	// process can finish dying.
	rep, err := e.fs.Cut(powerloss.CutOptions{Tear: tear})
	p.wait()
	return cutResult{rep, err}
}

// tap taps a badge over the control socket, giving up after 20s.
func (e *plEnv) tap(uid, at string, res *daemon.TapResult) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return control.Call(ctx, e.socket, "tap", daemon.TapArgs{UID: uid, At: at}, res)
}

// enroll enrols the new badge uid over the control socket, as `stampctl
// enroll` and a tap do, and says whether stampd acknowledged it.
func (e *plEnv) enroll(uid string) (string, bool) {
	type answer struct {
		res daemon.EnrollResult
		err error
	}
	answered := make(chan answer, 1)
	go func() {
		var a answer
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		a.err = control.Call(ctx, e.socket, "enroll", daemon.EnrollArgs{Email: "e1@example.com", Timeout: 5}, &a.res)
		answered <- a
	}()
	// Tap the badge until the armed enrolment takes it; a tap before it
	// is armed counts as an unknown badge.
	for {
		select {
		case a := <-answered:
			return a.res.UID, a.err == nil && a.res.UID == uid
		default:
		}
		var res daemon.TapResult
		if err := e.tap(uid, "2026-06-01T05:00:00Z", &res); err != nil || res.Result != "unknown_badge" {
			// Enrolled (or failed, or stampd is gone): the answer follows.
			a := <-answered
			return a.res.UID, a.err == nil && a.res.UID == uid
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// storeState checks the store as the cut left it on the disk — with
// `stampd --check-store` and by reading it — and returns the sequence
// numbers of its records and the UIDs of its enrolled badges. It runs
// unmounted, on the backing directory.
func (e *plEnv) storeState() (seqs map[uint64]bool, badges map[string]bool) {
	e.t.Helper()
	seqs, badges = map[uint64]bool{}, map[string]bool{}
	path := filepath.Join(e.disk, storeRel)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return seqs, badges
	}
	if out, err := exec.Command(filepath.Join(binDir, "stampd"), "--check-store", path).CombinedOutput(); err != nil {
		e.t.Fatalf("stampd --check-store after the cut: %v\n%s", err, out)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		e.t.Fatalf("store after the cut: %v", err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		recs, bs := tx.Bucket([]byte("records")), tx.Bucket([]byte("badges"))
		if recs == nil || bs == nil {
			return errors.New("records or badges bucket missing")
		}
		if err := recs.ForEach(func(k, _ []byte) error {
			seqs[btoi(k)] = true
			return nil
		}); err != nil {
			return err
		}
		return bs.ForEach(func(k, _ []byte) error {
			badges[string(k)] = true
			return nil
		})
	})
	if err != nil {
		e.t.Fatalf("store after the cut: %v", err)
	}
	return seqs, badges
}

func btoi(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// TestStampd_PowerLoss_CrashLoop cuts the power at random moments while
// taps arrive and the REST server flaps: stampd is killed with SIGKILL,
// the filesystem forgets what was not fsync'ed (tearing the last write at
// random), it is mounted again and stampd restarts. After every cycle the
// store passes `stampd --check-store`, holds every punch acknowledged so
// far and every record that was on the disk after an earlier cut, and the
// server has no entry twice; acknowledged badge imports and enrolments
// are kept too. In the end all pairs are delivered exactly
// once. `make test` runs a few cycles; with CI set it runs 400, or as many
// as fit in 4 minutes.
func TestStampd_PowerLoss_CrashLoop(t *testing.T) {
	cycles, budget := 12, time.Minute
	if os.Getenv("CI") != "" {
		cycles, budget = 400, 4*time.Minute
	}
	pairs := 3 * cycles // taps come in bursts of up to 11 per cycle
	e := newPowerlossEnv(t, pairs, 18)
	type tap struct{ uid, at string }
	var taps []tap
	base := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
	for i := 0; i < pairs; i++ {
		uid := fmt.Sprintf("%08X", 0xB0000000+i)
		start := base.Add(time.Duration(i) * time.Minute)
		taps = append(taps, tap{uid, start.Format(time.RFC3339)}, tap{uid, start.Add(7 * time.Hour).Format(time.RFC3339)})
	}
	acked := map[uint64]string{}     // seq → tap, every punch whose OK was given
	durable := map[uint64]bool{}     // every record found on the disk after a cut
	ackedBadges := map[string]bool{} // every badge import or enrolment whose OK was given
	next, lostNames, lostPages, tornPages, ran := 0, 0, 0, 0, 0
	stop := time.Now().Add(budget)
	for c := 0; c < cycles && time.Now().Before(stop); c++ {
		ran++
		if e.rng.IntN(3) == 0 {
			e.zs.SetDown(zeittest.DownClose)
		} else {
			e.zs.SetDown(zeittest.Up)
		}
		e.mount()
		p := e.start()
		// The power fails at a random changing operation (a write, an
		// fsync, a rename: often inside a commit or a delivery's settle),
		// or after a random time, whichever comes first. The cut runs
		// here, not after the taps: a tap waits for stampd's answer, and a
		// killed stampd finishes dying only once the cut has failed the
		// operations held at the freeze.
		cutDone := make(chan cutResult, 1)
		go func(frozen <-chan struct{}, d time.Duration, tear bool) {
			select {
			case <-frozen:
			case <-time.After(d):
			}
			cutDone <- e.cut(p, tear)
		}(e.fs.FreezeAfter(e.rng.IntN(80)), time.Duration(e.rng.IntN(150))*time.Millisecond, e.rng.IntN(2) == 0)
		if e.rng.IntN(3) == 0 { // a badge import, acknowledged or cut short
			uid := fmt.Sprintf("C%07X", c)
			var res daemon.ImportResult
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			err := control.Call(ctx, e.socket, "badges.import", []daemon.ImportRow{{Line: 1, UID: uid, Email: "e0@example.com"}}, &res)
			cancel()
			if err == nil && res.Imported == 1 {
				ackedBadges[uid] = true
			}
		}
		if e.rng.IntN(4) == 0 { // an enrolment, acknowledged or cut short
			if uid, ok := e.enroll(fmt.Sprintf("D%07X", c)); ok {
				ackedBadges[uid] = true
			}
		}
		for burst := e.rng.IntN(12); burst > 0 && next < len(taps); burst-- {
			var res daemon.TapResult
			if err := e.tap(taps[next].uid, taps[next].at, &res); err != nil {
				break // killed: this tap was not acknowledged and is tapped again
			}
			switch res.Result {
			case "start_ok", "stop_ok":
				acked[res.Seqs[0]] = fmt.Sprint(taps[next])
				next++
			case "already_stamped": // committed before a kill, acknowledged only now
				next++
			default:
				t.Fatalf("cycle %d: tap %+v: %+v", c, taps[next], res)
			}
		}
		rep := <-cutDone
		if rep.err != nil {
			t.Fatalf("cycle %d: %v", c, rep.err)
		}
		lostNames += rep.NamesLost
		lostPages += rep.PagesLost
		tornPages += rep.PagesTorn
		seqs, badges := e.storeState()
		for uid := range ackedBadges {
			if !badges[uid] {
				t.Fatalf("cycle %d: acknowledged badge import or enrolment %s lost in the power cut (cut: %+v)", c, uid, rep)
			}
		}
		for seq, what := range acked {
			if !seqs[seq] {
				t.Fatalf("cycle %d: acknowledged punch %d (%s) lost in the power cut (cut: %+v)", c, seq, what, rep)
			}
		}
		for seq := range durable {
			if !seqs[seq] {
				t.Fatalf("cycle %d: record %d, on the disk after an earlier cut, is gone", c, seq)
			}
		}
		durable = seqs
		if d := e.zs.Duplicates(); len(d) != 0 {
			t.Fatalf("cycle %d: entry delivered twice: %+v", c, d[0])
		}
	}
	// Finish the taps and let everything drain with the server up.
	e.zs.SetDown(zeittest.Up)
	e.mount()
	p := e.start()
	for ; next < len(taps); next++ {
		var res daemon.TapResult
		if err := e.tap(taps[next].uid, taps[next].at, &res); err != nil {
			t.Fatal(err)
		}
		if res.Result == "start_ok" || res.Result == "stop_ok" {
			acked[res.Seqs[0]] = fmt.Sprint(taps[next])
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(e.zs.Entries()) < pairs || e.status().QueueDepth.Pending != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not drained: %+v, server has %d of %d", e.status().QueueDepth, len(e.zs.Entries()), pairs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d := e.zs.Duplicates(); len(d) != 0 {
		t.Fatalf("%d entries delivered twice: %+v", len(d), d[0])
	}
	if rep := e.cut(p, true); rep.err != nil {
		t.Fatal(rep.err)
	}
	seqs, _ := e.storeState()
	for seq := range acked {
		if !seqs[seq] {
			t.Fatalf("acknowledged punch %d lost in the last power cut", seq)
		}
	}
	msg := fmt.Sprintf("power-loss crash loop: %d cycles of kill -9 and power cut, %d punches and %d badge imports and enrolments acknowledged, %d entries on the server (0 lost, 0 duplicated), %d unsynced pages (%d more torn) and %d unsynced names dropped by the cuts",
		ran, len(acked), len(ackedBadges), len(e.zs.Entries()), lostPages, tornPages, lostNames)
	t.Log(msg)
	if f := os.Getenv("STAMPCLOCK_POWERLOSS_REPORT"); f != "" {
		os.WriteFile(f, []byte(msg+"\n"), 0o644)
	}
}
