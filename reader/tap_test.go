package reader

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseUID(t *testing.T) {
	good := map[string]string{
		"04a1b2c3":               "04A1B2C3",
		"04:A1:B2:C3":            "04A1B2C3",
		"04-a1-b2-c3":            "04A1B2C3",
		" 04 55 66 77 88 AA BB ": "0455667788AABB",
		"0x0102":                 "0102",
		"0102030405060708090A":   "0102030405060708090A",
	}
	for in, want := range good {
		if got, err := NormalizeUID(in); err != nil || got != want {
			t.Errorf("NormalizeUID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "  ", "123", "XYZ1", "0x", strings.Repeat("00", MaxUIDLen+1)} {
		if _, err := ParseUID(bad); !errors.Is(err, ErrBadUID) {
			t.Errorf("ParseUID(%q) err = %v, want ErrBadUID", bad, err)
		}
	}
}

func TestSim_InjectReachesRunInOrder(t *testing.T) {
	s := NewSim()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Tap, 4)
	done := make(chan error)
	go func() { done <- s.Run(ctx, out) }()
	at := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := byte(1); i <= 3; i++ {
		if err := s.Inject(ctx, Tap{UID: []byte{i}, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	for i := byte(1); i <= 3; i++ {
		tp := <-out
		if tp.UID[0] != i || tp.Source != "sim" || !tp.At.Equal(at) {
			t.Fatalf("tap %d = %+v", i, tp)
		}
	}
	cancel()
	<-done
	if err := s.Inject(context.Background(), Tap{UID: []byte{9}}); !errors.Is(err, ErrSimClosed) {
		t.Fatalf("inject after stop: %v", err)
	}
}

func FuzzParseUID(f *testing.F) {
	for _, s := range []string{"04A1B2C3", "04:a1:b2", "0x0102", "zz", "", "0-1-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseUID(s)
		if err != nil {
			return
		}
		if len(b) == 0 || len(b) > MaxUIDLen {
			t.Fatalf("ParseUID(%q) = %x", s, b)
		}
		again, err := ParseUID(FormatUID(b))
		if err != nil || FormatUID(again) != FormatUID(b) {
			t.Fatalf("round trip of %q: %x, %v", s, again, err)
		}
	})
}
