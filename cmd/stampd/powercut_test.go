package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"stampclock/device/control"
	"stampclock/device/daemon"
	"stampclock/queue"
)

// TestStampd_PowerCutCopies freezes stampd (SIGSTOP) at random moments while
// taps arrive, copies the store file as a power cut would leave it, and
// resumes it. Every copy must pass bbolt's consistency check and hold every
// punch acknowledged before the copy was taken.
func TestStampd_PowerCutCopies(t *testing.T) {
	const badges, copies = 20, 25
	e := newEnv(t, badges)
	p := e.start()
	dbPath := filepath.Join(e.dir, "q.db")
	rng := rand.New(rand.NewPCG(7, 8))

	type ack struct{ seqs []uint64 }
	acks := make(chan ack, 1000)
	stop := make(chan struct{})
	tapsDone := make(chan int)
	go func() { // taps as fast as the terminal answers
		base := time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC)
		n := 0
		for i := 0; ; i++ {
			select {
			case <-stop:
				close(acks)
				tapsDone <- n
				return
			default:
			}
			var res daemon.TapResult
			at := base.Add(time.Duration(i) * 3 * time.Minute)
			if err := control.Call(context.Background(), e.socket, "tap", daemon.TapArgs{UID: fmt.Sprintf("%08X", 0xB0000000+i%badges), At: at.Format(time.RFC3339)}, &res); err != nil {
				continue
			}
			if res.Result == "start_ok" || res.Result == "stop_ok" {
				acks <- ack{res.Seqs}
				n++
			}
		}
	}()

	var acked []uint64
	drain := func() {
		for {
			select {
			case a, ok := <-acks:
				if !ok {
					return
				}
				acked = append(acked, a.seqs...)
			default:
				return
			}
		}
	}
	for c := 0; c < copies; c++ {
		time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
		if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		// Everything acknowledged so far was acknowledged before the freeze.
		drain()
		before := append([]uint64(nil), acked...)
		cp := filepath.Join(t.TempDir(), fmt.Sprintf("cut%02d.db", c))
		copyFile(t, dbPath, cp)
		p.cmd.Process.Signal(syscall.SIGCONT)
		checkCopy(t, cp, before)
	}
	close(stop)
	n := <-tapsDone
	t.Logf("%d power-cut copies consistent; %d punches acknowledged during the run", copies, n)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
}

func checkCopy(t *testing.T, path string, acked []uint64) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("%s does not open: %v", path, err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatalf("%s fails the consistency check: %v", path, err)
	}
	s, err := queue.Open(path, queue.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer s.Close()
	for _, seq := range acked {
		if _, err := s.Record(seq); err != nil {
			t.Fatalf("%s lacks acknowledged record %d: %v", path, seq, err)
		}
	}
}
