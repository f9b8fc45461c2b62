package confval_test

import (
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
