package queue

import (
	"bytes"
	"iter"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// An uplink removed from the configuration (or renamed) leaves its pending
// set in the file: records it never confirmed. The store keeps them and
// shows them — Stats lists the uplink as Unconfigured, Queued lists its
// records — and counts them when it decides whether a record may be
// pruned, so nothing undelivered is deleted because its uplink left the
// config. Nothing is ever sent to such an uplink; configuring it again
// delivers its records.

// findUnconfigured returns the names of the uplink sets in the file whose
// uplink is not configured, sorted.
func findUnconfigured(tx *bolt.Tx, configured []UplinkSpec) ([]string, error) {
	var out []string
	prefix := []byte(uplinkPrefix)
	err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		if !bytes.HasPrefix(name, prefix) {
			return nil
		}
		u := string(name[len(prefix):])
		if !slices.ContainsFunc(configured, func(c UplinkSpec) bool { return c.Name == u }) {
			out = append(out, u)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// everyUplink yields the names of every uplink set in the file: the
// configured uplinks, then the unconfigured ones (without allocating: it
// runs for every record a delivery settles).
func (s *Store) everyUplink() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, u := range s.uplinks {
			if !yield(u.Name) {
				return
			}
		}
		for _, name := range s.unconfigured {
			if !yield(name) {
				return
			}
		}
	}
}

// Unconfigured returns the uplinks whose sets the file holds without them
// being configured.
func (s *Store) Unconfigured() []string { return slices.Clone(s.unconfigured) }

func (s *Store) knowsUplink(name string) bool {
	return s.hasUplink(name) || slices.Contains(s.unconfigured, name)
}
