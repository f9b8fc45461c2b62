package sitebadges

import (
	"fmt"
	"path/filepath"
	"testing"

	"stampclock/internal/mqttopts"
	"stampclock/queue"
)

// BenchmarkScan_10000Badges is the cost of one site.poll with nothing
// changed: the store's badges compared with the site's records.
func BenchmarkScan_10000Badges(b *testing.B) {
	st, err := queue.Open(filepath.Join(b.TempDir(), "queue.db"), queue.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s, err := New(st, Options{Site: "hq", DeviceID: "door-a", Conn: conn("tcp://127.0.0.1:1")})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.Update(func(tx *queue.Tx) error {
		for i := range 10_000 {
			if err := tx.PutBadge(queue.Badge{UID: fmt.Sprintf("%08X", i), Email: fmt.Sprintf("e%d@example.com", i), Name: "Employee"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if err := s.scan(); err != nil { // stamps all 10,000 once
		b.Fatal(err)
	}
	if got := s.Status(); got.Badges != 10_000 || got.Pending != 10_000 {
		b.Fatalf("after the first scan: %+v", got)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := s.scan(); err != nil {
			b.Fatal(err)
		}
	}
}

// conn is a broker connection to url with the defaults.
func conn(url string) mqttopts.Conn {
	return mqttopts.Conn{Account: mqttopts.Account{URLs: []string{url}}}
}
