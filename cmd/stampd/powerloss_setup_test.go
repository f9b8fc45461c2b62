package main

// Power cuts while stampd moves a damaged store aside and while
// `stampctl init` writes the config and its secret (see powerloss_test.go).

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"stampclock/device/daemon"
	"stampclock/internal/powerloss"
	"stampclock/internal/syncbuf"
	"stampclock/uplink/zeiterfassung/zeittest"
)

// TestStampd_PowerLoss_DamagedStoreMovedAside starts stampd on a damaged
// store, which it moves aside before it opens a fresh one, and cuts the
// power at a different changing operation each round: during the check,
// the move, the new store's creation, or after a first punch. After every
// cut the damaged file is whole in exactly one place, and once a punch was
// acknowledged, the damaged file is aside and the punch in the new store.
func TestStampd_PowerLoss_DamagedStoreMovedAside(t *testing.T) {
	rounds := 8
	if os.Getenv("CI") != "" {
		rounds = 40
	}
	e := newPowerlossEnv(t, 1, 19)
	// Four pages with both meta pages overwritten: damaged, yet plainly a
	// store by its size (a file that is not a store is refused, never moved).
	damaged := []byte(strings.Repeat("not a bbolt file", 4*4096/16))
	punched := 0
	dir := filepath.Join(e.disk, filepath.Dir(storeRel))
	for r := 0; r < rounds; r++ {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(e.disk, storeRel), damaged, 0o640); err != nil {
			t.Fatal(err)
		}
		e.mount()
		frozen := e.fs.FreezeAfter(r * 9 % 80)
		cmd := exec.Command(filepath.Join(binDir, "stampd"), "--config", e.config)
		p := &proc{t: t, cmd: cmd, stderr: &syncbuf.Buffer{}, done: make(chan struct{})}
		cmd.Stderr = p.stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { p.err = cmd.Wait(); close(p.done) }()
		acked := make(chan uint64, 1)
		stop := make(chan struct{})
		go func() { // tap until stampd answers with an OK
			for {
				select {
				case <-stop:
					return
				default:
				}
				var res daemon.TapResult
				if e.tap("B0000000", "2026-06-01T07:00:00Z", &res) == nil && res.Result == "start_ok" {
					acked <- res.Seqs[0]
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		seq := uint64(0)
		select {
		case <-frozen:
		case seq = <-acked:
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: neither a freeze nor a punch; stderr:\n%s", r, tail(p.stderr.String(), 2000))
		}
		close(stop)
		if rep := e.cut(p, true); rep.err != nil {
			t.Fatal(rep.err)
		}
		select { // an OK given just before the kill counts
		case seq = <-acked:
		default:
		}
		var places []string
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, ent := range ents {
			if b, _ := os.ReadFile(filepath.Join(dir, ent.Name())); string(b) == string(damaged) {
				places = append(places, ent.Name())
			}
		}
		if len(places) != 1 {
			t.Fatalf("round %d: the damaged store is in %d places after the cut: %v (directory: %v)", r, len(places), places, ents)
		}
		if seq != 0 {
			if !strings.HasPrefix(places[0], "queue.db.corrupt-") {
				t.Fatalf("round %d: punch acknowledged, but the damaged store is back at %s", r, places[0])
			}
			if seqs, _ := e.storeState(); !seqs[seq] {
				t.Fatalf("round %d: acknowledged punch %d lost", r, seq)
			}
			punched++
		}
	}
	if punched == 0 {
		t.Fatalf("no round got as far as a punch")
	}
	t.Logf("%d power cuts around moving a damaged store aside; %d after a first punch", rounds, punched)
}

// TestStampd_PowerLoss_StampctlInit runs `stampctl init --force` on the
// powerloss filesystem and cuts the power at a different changing
// operation each round. After every cut the config is whole, the old one
// or the new one (the new one once init said so), the secret is whole, and
// stampd starts with them.
func TestStampd_PowerLoss_StampctlInit(t *testing.T) {
	rounds := 10
	if os.Getenv("CI") != "" {
		rounds = 30
	}
	e := newPowerlossEnv(t, 1, 20)
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(zeittest.DefaultPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join("etc", "stampclock", "stampd.toml")
	prev, done := "", 0
	for r := 0; r < rounds; r++ {
		e.mount()
		frozen := e.fs.FreezeAfter(r * 7 % 40)
		cmd := exec.Command(filepath.Join(binDir, "stampctl"), "init", "--force", "--no-check", "--group", ownGroup(t),
			"--config", filepath.Join(e.mnt, rel), "--device-id", fmt.Sprintf("round-%d", r),
			"--store", filepath.Join(e.mnt, storeRel), "--control-socket", e.socket,
			"--url", e.url, "--allow-http", "--email", zeittest.DefaultEmail, "--password-file", pw, "--timetype", "arbeitszeit")
		stderr := &syncbuf.Buffer{}
		cmd.Stderr = stderr
		exited := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { exited <- cmd.Wait() }()
		// exited delivers once: whichever receive takes it keeps it.
		var initErr error
		finished := false
		select {
		case <-frozen:
		case initErr = <-exited:
			finished = true
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: stampctl init neither froze nor finished", r)
		}
		if finished && initErr != nil {
			t.Fatalf("round %d: stampctl init failed before the power did: %v\n%s", r, initErr, tail(stderr.String(), 2000))
		}
		cmd.Process.Signal(syscall.SIGKILL)
		if _, err := e.fs.Cut(powerloss.CutOptions{Tear: true}); err != nil {
			t.Fatal(err)
		}
		if !finished {
			initErr = <-exited // nil: it finished while the power failed, said so just in time
		}
		ok := initErr == nil
		got, err := os.ReadFile(filepath.Join(e.disk, rel))
		switch {
		case errors.Is(err, os.ErrNotExist) && prev == "" && !ok:
			continue // the first config never reached the disk, and init never said it did
		case err != nil:
			t.Fatalf("round %d: config after the cut: %v", r, err)
		case ok && !strings.Contains(string(got), fmt.Sprintf("%q", fmt.Sprintf("round-%d", r))):
			t.Fatalf("round %d: init succeeded, but the config after the cut is the old one:\n%s", r, got)
		case string(got) != prev && !strings.Contains(string(got), fmt.Sprintf("%q", fmt.Sprintf("round-%d", r))):
			t.Fatalf("round %d: config after the cut is neither the old nor the new one:\n%s", r, got)
		case !strings.HasSuffix(string(got), "`stampctl enroll`.\n"):
			t.Fatalf("round %d: config after the cut is cut short:\n%s", r, got)
		}
		prev = string(got)
		secret := filepath.Join(e.disk, "etc", "stampclock", "zeiterfassung.secret")
		if s := readFileT(t, secret); s != zeittest.DefaultPassword+"\n" {
			t.Fatalf("round %d: secret after the cut: %q", r, s)
		}
		// The machine boots: stampd starts with what the cut left.
		e.mount()
		p := e.startWith(filepath.Join(e.mnt, rel))
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.wait()
		if err := e.fs.Unmount(); err != nil {
			t.Fatal(err)
		}
		if ok {
			done++
		}
	}
	if done == 0 {
		t.Fatal("stampctl init never finished before the power failed")
	}
	t.Logf("%d power cuts during stampctl init; %d after it finished", rounds, done)
}

func readFileT(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// startWith starts stampd with the config at path and waits until its
// control socket answers.
func (e *plEnv) startWith(path string) *proc {
	e.t.Helper()
	saved := e.config
	defer func() { e.config = saved }()
	e.config = path
	return e.start()
}
