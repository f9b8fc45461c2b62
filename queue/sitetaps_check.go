package queue

import (
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// checkSiteTaps checks the site's taps (stampd --check-store): every tap
// decodes and sits under its own key, every tap has its index key and
// every index key its tap, and each origin's count of taps held is right.
// It names up to 5 problems; nil when all is well or there are none.
func checkSiteTaps(tx *bolt.Tx) error {
	taps, index, origins := tx.Bucket(bucketSiteTaps), tx.Bucket(bucketSiteTapIndex), tx.Bucket(bucketSiteTapOrigins)
	if taps == nil {
		return nil
	}
	var problems []string
	note := func(format string, args ...any) {
		if len(problems) < 5 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	held := map[string]uint64{}
	indexed := 0
	err := taps.ForEach(func(k, v []byte) error {
		var st SiteTap
		if err := json.Unmarshal(v, &st); err != nil {
			note("tap %q: %v", k, err)
			return nil
		}
		if string(k) != string(siteTapKey(st.Origin, st.Seq)) {
			note("tap %s:%d under key %q", st.Origin, st.Seq, k)
		}
		held[st.Origin]++
		if index == nil || index.Get(siteTapIndexKey(st)) == nil {
			note("tap %s:%d missing from the employee index", st.Origin, st.Seq)
		} else {
			indexed++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if index != nil && index.Stats().KeyN != indexed {
		note("the employee index holds %d keys for %d taps", index.Stats().KeyN, indexed)
	}
	if origins != nil {
		if err := origins.ForEach(func(k, v []byte) error {
			var o SiteTapOrigin
			if err := json.Unmarshal(v, &o); err != nil {
				note("origin %q: %v", k, err)
			} else if o.Held != held[o.Origin] {
				note("origin %s: counts %d taps held, %d stored", o.Origin, o.Held, held[o.Origin])
			}
			delete(held, string(k))
			return nil
		}); err != nil {
			return err
		}
	}
	for origin := range held {
		note("taps of origin %s without its record", origin)
	}
	if len(problems) > 0 {
		return fmt.Errorf("site taps: %s", strings.Join(problems, "; "))
	}
	return nil
}
