package confval_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"stampclock/internal/confval"
)

func TestDuration_ReadsAndWritesGoDurations(t *testing.T) {
	var v struct{ D confval.Duration }
	if _, err := toml.Decode(`D = "90s"`, &v); err != nil || v.D.Duration != 90*time.Second {
		t.Fatalf("decode 90s: %v, %v", v.D, err)
	}
	if b, _ := v.D.MarshalText(); string(b) != "1m30s" {
		t.Fatalf("marshal: %s", b)
	}
	if _, err := toml.Decode(`D = "ninety"`, &v); err == nil {
		t.Fatal("a bad duration was accepted")
	}
}

func TestCheckRange_NamesKeyAndRange(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, ""}, {5 * time.Millisecond, ""}, {time.Second, ""},
		{time.Millisecond, "r.poll_interval: 1ms; want 5ms to 1s"},
		{-time.Second, "r.poll_interval: -1s; want 5ms to 1s"},
		{2 * time.Second, "r.poll_interval: 2s; want 5ms to 1s"},
	} {
		err := confval.Duration{Duration: tc.d}.CheckRange("r.poll_interval", 5*time.Millisecond, time.Second)
		if got := fmt.Sprint(err); (tc.want == "") != (err == nil) || err != nil && got != tc.want {
			t.Errorf("%s: %v, want %q", tc.d, err, tc.want)
		}
	}
	if err := (confval.Duration{Duration: 2 * time.Minute}).CheckRange("s", 50*time.Millisecond, time.Minute); err == nil || err.Error() != "s: 2m0s; want 50ms to 1m" {
		t.Errorf("minute range: %v", err)
	}
	if err := (confval.Duration{Duration: time.Second}).CheckRange("s", 10*time.Second, 2*time.Hour); err == nil || err.Error() != "s: 1s; want 10s to 2h" {
		t.Errorf("10s to 2h range: %v", err)
	}
}
