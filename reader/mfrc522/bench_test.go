package mfrc522

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"stampclock/reader"
	"stampclock/reader/mfrc522/mfrc522test"
)

func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIdlePoll measures one poll with no card in the field, on a chip
// that takes real time (the 1 ms chip timer runs out). cpu-ns/op is the
// process CPU time per poll; idle-cpu-% is that over the default
// PollInterval. spi-tx/op is the number of SPI transfers per poll, which
// dominates the cost on a Pi (one ioctl each).
func BenchmarkIdlePoll(b *testing.B) {
	for _, withIRQ := range []bool{false, true} {
		b.Run(map[bool]string{false: "polling", true: "irq"}[withIRQ], func(b *testing.B) {
			chip := mfrc522test.New()
			chip.SetRealTime(true)
			opts := testOptions()
			r, err := New(chip, chip.Reset(), nil, opts)
			if withIRQ {
				r, err = New(chip, chip.Reset(), chip.IRQ(), opts)
			}
			if err != nil {
				b.Fatal(err)
			}
			if _, err := r.initChip(context.Background(), false); err != nil {
				b.Fatal(err)
			}
			tx0, cpu0 := chip.Stats().Tx, cpuTime(b)
			n := 0
			for b.Loop() {
				if _, present, err := r.readUID(); err != nil || present {
					b.Fatalf("idle poll: present %v, err %v", present, err)
				}
				n++
			}
			cpu := (cpuTime(b) - cpu0) / time.Duration(n)
			b.ReportMetric(float64(cpu), "cpu-ns/op")
			b.ReportMetric(float64(chip.Stats().Tx-tx0)/float64(n), "spi-tx/op")
			b.ReportMetric(100*float64(cpu)/float64(DefaultOptions.PollInterval), "idle-cpu-%")
		})
	}
}

// BenchmarkTapLatency measures the time from a card entering the field to
// its tap arriving on the channel, at the default PollInterval, on a chip
// that takes real time, for cards arriving at a random phase of the poll
// cycle. Two cards alternate so every presentation is new.
func BenchmarkTapLatency(b *testing.B) {
	chip := mfrc522test.New()
	chip.SetRealTime(true)
	opts := Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	r, err := New(chip, chip.Reset(), nil, opts)
	if err != nil {
		b.Fatal(err)
	}
	taps := make(chan reader.Tap, 1)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = r.Run(ctx, taps) }()
	defer func() { cancel(); wg.Wait() }()

	var total, worst time.Duration
	n := 0
	for b.Loop() {
		uid := uid4
		if n%2 == 1 {
			uid = uid7
		}
		// Cards arrive at a random phase of the poll cycle, not just after
		// a poll (which is when the previous tap came out).
		time.Sleep(rand.N(DefaultOptions.PollInterval))
		t0 := time.Now()
		if err := chip.Present(mfrc522test.Card{UID: uid}); err != nil {
			b.Fatal(err)
		}
		select {
		case <-taps:
		case <-time.After(5 * time.Second):
			b.Fatal("no tap")
		}
		d := time.Since(t0)
		total += d
		worst = max(worst, d)
		n++
	}
	b.ReportMetric(float64(total.Microseconds())/float64(n)/1000, "ms/tap")
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms/tap")
}
