package clock

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestTrusted(t *testing.T) {
	build := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		t      time.Time
		synced bool
		min    time.Time
		want   bool
	}{
		{"synced, after the build date", build.Add(time.Hour), true, build, true},
		{"synced, exactly the build date", build, true, build, true},
		{"synced, a second before the build date", build.Add(-time.Second), true, build, false},
		{"not synced, after the build date", build.Add(time.Hour), false, build, false},
		{"not synced, 1970 boot time", time.Unix(0, 0), false, build, false},
		{"synced but 1970 (sync state wrong or stale)", time.Unix(0, 0), true, build, false},
		{"no build date: Earliest is the floor", Earliest.Add(-time.Second), true, time.Time{}, false},
		{"no build date: Earliest itself", Earliest, true, time.Time{}, true},
		{"min before Earliest is raised to Earliest", time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC), true, time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"min in another zone compares as an instant", build.Add(-30 * time.Minute), true, build.In(time.FixedZone("UTC-1", -3600)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Trusted(tc.t, tc.synced, tc.min); got != tc.want {
				t.Errorf("Trusted(%v, %v, %v) = %v, want %v", tc.t, tc.synced, tc.min, got, tc.want)
			}
		})
	}
}

func TestFake_SetStepsWallClockOnly(t *testing.T) {
	start := time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)
	f := NewFake(start)
	if !f.Synced() || !f.Now().Equal(start) {
		t.Fatalf("NewFake: now %v synced %v", f.Now(), f.Synced())
	}
	id, mono := f.Boot()
	f.Set(start.Add(-2 * time.Hour))
	if id2, mono2 := f.Boot(); id2 != id || mono2 != mono {
		t.Errorf("Set moved the boot clock: %s %v -> %s %v", id, mono, id2, mono2)
	}
	if got := f.Now(); !got.Equal(start.Add(-2 * time.Hour)) {
		t.Errorf("Now after Set = %v", got)
	}
	f.Advance(90 * time.Second)
	if _, mono3 := f.Boot(); mono3 != mono+90*time.Second {
		t.Errorf("Advance moved the boot clock to %v, want %v", mono3, mono+90*time.Second)
	}
	if got := f.Now(); !got.Equal(start.Add(-2*time.Hour + 90*time.Second)) {
		t.Errorf("Now after Advance = %v", got)
	}
}

func TestFake_RebootIsUnsyncedWithNewBoot(t *testing.T) {
	f := NewFake(time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC))
	at := time.Date(1970, 1, 1, 0, 0, 5, 0, time.UTC)
	f.Reboot("second", at)
	id, mono := f.Boot()
	if id != "second" || mono != 5*time.Second || f.Synced() || !f.Now().Equal(at) {
		t.Errorf("after Reboot: boot %q %v synced %v now %v", id, mono, f.Synced(), f.Now())
	}
	if Trusted(f.Now(), f.Synced(), time.Time{}) {
		t.Error("a rebooted board at 1970 is trusted")
	}
	f.SetSynced(true)
	f.Set(time.Date(2026, 1, 5, 7, 1, 0, 0, time.UTC))
	if !Trusted(f.Now(), f.Synced(), time.Time{}) {
		t.Error("synced and set after Earliest, still not trusted")
	}
}

func TestSystem_BootReadsIDOnceAndCountsUp(t *testing.T) {
	p := filepath.Join(t.TempDir(), "boot_id")
	if err := os.WriteFile(p, []byte("3f1c-boot\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &System{BootIDPath: p}
	id, first := s.Boot()
	if id != "3f1c-boot" {
		t.Errorf("boot id %q, want the file's content without the newline", id)
	}
	if first <= 0 {
		t.Fatalf("time since boot %v, want > 0", first)
	}
	// The id is read once: a later change of the file is not seen.
	if err := os.WriteFile(p, []byte("other\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id2, second := s.Boot()
	if id2 != id {
		t.Errorf("boot id changed to %q within one System", id2)
	}
	if second < first {
		t.Errorf("CLOCK_BOOTTIME went back: %v then %v", first, second)
	}
}

func TestSystem_MissingBootIDFile_EmptyID(t *testing.T) {
	s := &System{BootIDPath: filepath.Join(t.TempDir(), "absent")}
	if id, _ := s.Boot(); id != "" {
		t.Errorf("boot id %q from a missing file, want empty", id)
	}
}

func TestSystem_NowIsWallClock(t *testing.T) {
	before := time.Now()
	got := (&System{}).Now()
	if got.Before(before) || got.After(time.Now()) {
		t.Errorf("Now %v outside [%v, now]", got, before)
	}
	_ = (&System{}).Synced() // depends on the machine; must not fail or panic
}
