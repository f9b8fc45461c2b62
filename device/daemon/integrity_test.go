package daemon

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/device/config"
	"stampclock/queue"
	"stampclock/queue/queuetest"
	"stampclock/uplink/zeiterfassung"
)

func checkFile(p string) error { return queue.CheckFile(p, time.Second) }

func corruptCopies(t *testing.T, path string) []string {
	t.Helper()
	m, err := filepath.Glob(path + ".corrupt-*")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Issue 11, defect 7: store.path on something that is not a store (a
// directory, the config file, any other file) is never "repaired": it is
// an error naming store.path, and the file stays where it is.
func TestDaemon_StorePathNotAStore_ConfigErrorNothingMoved(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	dir := filepath.Join(h.dir, "state")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir, cfg.Path, filepath.Join(h.dir, "pw")} {
		before, _ := os.Lstat(path)
		c := *cfg
		c.Store.Path = path
		_, err := New(&c, Options{CheckStore: checkFile})
		if err == nil || !strings.Contains(err.Error(), "store.path") {
			t.Errorf("store.path = %s: err = %v, want an error naming store.path", path, err)
		}
		after, serr := os.Lstat(path)
		if serr != nil || !os.SameFile(before, after) || after.Size() != before.Size() {
			t.Errorf("store.path = %s was moved or changed: %v", path, serr)
		}
		if m := corruptCopies(t, path); len(m) != 0 {
			t.Errorf("store.path = %s: moved aside as %v", path, m)
		}
	}
}

// Issue 11, weakness: a first start on a full disk leaves a 0-byte store.
// That is not damage: no .corrupt copy, no alarm, the store is initialised.
func TestDaemon_EmptyStoreFile_NotDamage(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	for i := 0; i < 2; i++ {
		// Each start on the full disk leaves the file empty.
		if err := os.WriteFile(cfg.Store.Path, nil, 0o640); err != nil {
			t.Fatal(err)
		}
		h.startWith(cfg, Options{CheckStore: checkFile})
		if st := h.status(); st.StoreAlarm != nil {
			t.Fatalf("start %d: alarm for an empty file: %+v", i, st.StoreAlarm)
		}
		h.stop()
		if m := corruptCopies(t, cfg.Store.Path); len(m) != 0 {
			t.Fatalf("start %d: empty store moved aside: %v", i, m)
		}
	}
	h.startWith(cfg, Options{CheckStore: checkFile})
	if r := h.tap("04A1B2C3", "2026-06-01T07:00:00Z"); r.Result != "start_ok" {
		t.Fatalf("tap = %+v", r)
	}
	// But an empty store where punches were acknowledged is an alarm.
	h.stop()
	if err := os.WriteFile(cfg.Store.Path, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	h.startWith(cfg, Options{CheckStore: checkFile})
	if st := h.status(); st.StoreAlarm == nil || !strings.Contains(st.StoreAlarm.Error, "empty, but records up to seq 1 were acknowledged") {
		t.Fatalf("emptied store: alarm = %+v", st.StoreAlarm)
	}
}

// Issue 11, defect 4: one flipped bit in the newest meta page makes bbolt
// open the previous state: the last acknowledged stop and entry are gone
// and the employee shows an open shift again. That cannot be undone, but
// it must not go unnoticed: a STORE ALARM and a store_fault event.
func TestDaemon_FlippedBitInNewestMetaPage_StoreAlarm(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	zeitOf(cfg).URL = "" // no uplink: the stop is the last commit
	h.start(cfg)
	h.tap("04A1B2C3", "2026-06-01T07:00:00Z")
	if r := h.tap("04A1B2C3", "2026-06-01T11:00:00Z"); r.Result != "stop_ok" {
		t.Fatalf("stop: %+v", r)
	}
	h.stop()
	data, err := os.ReadFile(cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	ps := int(binary.LittleEndian.Uint32(data[16+8:]))
	off := 0
	if binary.LittleEndian.Uint64(data[ps+16+48:]) > binary.LittleEndian.Uint64(data[16+48:]) {
		off = ps
	}
	data[off+16+20] ^= 0x04 // one bit of the root page id
	if err := os.WriteFile(cfg.Store.Path, data, 0o640); err != nil {
		t.Fatal(err)
	}
	h.start(cfg)
	st := h.status()
	if len(st.Queue.OpenShifts) != 1 {
		t.Fatalf("open shifts = %d: the fault was not reproduced (bbolt kept the last commit)", len(st.Queue.OpenShifts))
	}
	if st.StoreAlarm == nil || st.StoreAlarm.MovedTo != "" || !strings.Contains(st.StoreAlarm.Error, "last commit may be lost") {
		t.Fatalf("store alarm = %+v, want the last commit may be lost", st.StoreAlarm)
	}
	h.stop()
	s := queuetest.OpenPath(t, cfg.Store.Path, queue.Options{})
	evs, _ := s.Records(0, 100, func(r queue.Record) bool { return r.Event == queue.EventStoreFault })
	if len(evs) != 1 || !strings.Contains(evs[0].Detail, "meta page") {
		t.Fatalf("store_fault events = %+v", evs)
	}
}

// Issue 11 (weakness): with no uplink, punches stamped `--at` more than 30
// days back vanished at the next start (pruned by their own time).
func TestDaemon_NoUplink_OldPunchesKeptAcrossRestart(t *testing.T) {
	h := newHarness(t)
	cfg := h.config("")
	zeitOf(cfg).URL = ""
	h.start(cfg)
	h.tap("04A1B2C3", "2026-04-01T07:00:00Z") // 2 months before the clock
	h.tap("04A1B2C3", "2026-04-01T15:00:00Z")
	h.stop()
	h.start(cfg)
	if st := h.status(); st.Queue.Records != 3 {
		t.Fatalf("records after restart = %d, want the 3 never confirmed by any uplink", st.Queue.Records)
	}
}

// zeitOf returns cfg's [zeiterfassung] section, an uplink of the list.
func zeitOf(cfg *config.Config) *zeiterfassung.Config {
	return cfg.Uplinks[zeiterfassung.Name].(*zeiterfassung.Config)
}
