package queue

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"time"

	bolt "go.etcd.io/bbolt"

	"stampclock/internal/durable"
)

// Errors returned by the store.
var (
	ErrUnknownUplink = errors.New("queue: unknown uplink")
	ErrNotDead       = errors.New("queue: record is not dead-lettered")
	ErrNotHeld       = errors.New("queue: record is not held")
	ErrBadRecord     = errors.New("queue: bad record")
)

var (
	bucketRecords   = []byte("records")
	bucketEmployees = []byte("employees")
	bucketBadges    = []byte("badges")
	bucketUnknown   = []byte("unknown_badges")
	bucketAnomalies = []byte("anomalies")
	bucketUntrusted = []byte("untrusted")
	bucketMeta      = []byte("meta")
	// bucketDelivered: seq -> when the last uplink taking it confirmed it.
	bucketDelivered = []byte("delivered")
	uplinkPrefix    = "uplink."
)

// UplinkSpec names one delivery target and the record kinds it takes.
type UplinkSpec struct {
	// Name is the uplink's name ("zeiterfassung", "mqtt"): letters, digits,
	// '-' and '_'.
	Name string
	// Kinds lists the record kinds queued for it; empty means all kinds.
	Kinds []Kind
}

func (u UplinkSpec) takes(k Kind) bool {
	if len(u.Kinds) == 0 {
		return true
	}
	for _, x := range u.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Options configure a Store. The zero value is usable.
type Options struct {
	// Timeout is how long Open waits for the file lock held by another
	// process before it fails. Default 2s.
	Timeout time.Duration
	// Uplinks are the delivery targets records are queued for.
	Uplinks []UplinkSpec
	// NoSync skips fsync on commit. Only for benchmarks that measure the
	// cost of fsync; never in the daemon.
	NoSync bool
}

// Store is an open queue file.
type Store struct {
	db      *bolt.DB
	path    string
	uplinks []UplinkSpec
	// unconfigured are the uplinks whose sets the file holds though they
	// are not configured (see unconfigured.go).
	unconfigured []string
	ack          *ackFile // nil with NoSync
	hand         handoff
}

var uplinkName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Open opens or creates the store at path. The directory is created if
// missing (mode 0750); the file is created with mode 0640.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	for _, u := range opts.Uplinks {
		if !uplinkName.MatchString(u.Name) {
			return nil, fmt.Errorf("queue: uplink name %q: want letters, digits, '-' or '_'", u.Name)
		}
	}
	// The directories and the file's name must be durable before the
	// first punch is acknowledged: bbolt syncs the file, not its directory.
	if err := durable.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("queue: create directory for %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o640, &bolt.Options{
		Timeout:      opts.Timeout,
		NoSync:       opts.NoSync,
		FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("queue: open %s: %w", path, err)
	}
	if err := durable.SyncDir(filepath.Dir(path)); err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: open %s: %w", path, err)
	}
	// Before anything is written: a store in a newer format stays as it is.
	if err := db.View(func(tx *bolt.Tx) error { return newerFormat(path, tx.Bucket(bucketMeta)) }); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db, path: path, uplinks: opts.Uplinks}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRecords, bucketEmployees, bucketBadges, bucketUnknown, bucketAnomalies, bucketUntrusted, bucketMeta, bucketQuarantine, bucketDelivered, bucketEntryIndex} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := markFormat(tx); err != nil {
			return err
		}
		if err := buildEntryIndex(tx); err != nil {
			return err
		}
		var err error
		if s.unconfigured, err = findUnconfigured(tx, opts.Uplinks); err != nil {
			return err
		}
		for _, u := range opts.Uplinks {
			if _, err := tx.CreateBucketIfNotExists(uplinkBucket(u.Name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: initialise %s: %w", path, err)
	}
	// Building the entry index of an older store reads every record: drop
	// those pages from the map again (a hint; a failure leaves them).
	_ = db.View(releaseMapped)
	if !opts.NoSync {
		if s.ack, err = openAck(path); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// Path returns the file the store lives in.
func (s *Store) Path() string { return s.path }

// Close closes the file. Pending commits have finished when it returns.
func (s *Store) Close() error {
	s.returnFresh()
	if s.ack != nil {
		s.ack.close()
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("queue: close %s: %w", s.path, err)
	}
	return nil
}

// Uplinks returns the names of the configured uplinks.
func (s *Store) Uplinks() []string {
	names := make([]string, len(s.uplinks))
	for i, u := range s.uplinks {
		names[i] = u.Name
	}
	return names
}

func (s *Store) hasUplink(name string) bool {
	for _, u := range s.uplinks {
		if u.Name == name {
			return true
		}
	}
	return false
}

func uplinkBucket(name string) []byte { return []byte(uplinkPrefix + name) }

func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btoi(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// counter helpers: counters live in the meta bucket as 8-byte big-endian
// values so status never has to scan a bucket.
func addCounter(meta *bolt.Bucket, key string, delta int64) error {
	v := int64(btoi(meta.Get([]byte(key)))) + delta
	if v < 0 {
		v = 0
	}
	return meta.Put([]byte(key), itob(uint64(v)))
}

func getCounter(meta *bolt.Bucket, key string) uint64 { return btoi(meta.Get([]byte(key))) }

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// Record returns the record with sequence seq.
func (s *Store) Record(seq uint64) (Record, error) {
	var r Record
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketRecords).Get(itob(seq))
		if data == nil {
			return fmt.Errorf("queue: record %d: not found", seq)
		}
		return json.Unmarshal(data, &r)
	})
	return r, err
}

// Records returns up to limit records with seq > after, oldest first,
// filtered by keep (nil keeps all). Records that cannot be decoded are
// skipped (they are listed by Quarantined).
func (s *Store) Records(after uint64, limit int, keep func(Record) bool) ([]Record, error) {
	var out []Record
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.Seek(itob(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			r, err := decodeRecord(k, v)
			if err != nil {
				continue // quarantined: see Quarantined
			}
			if keep == nil || keep(r) {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

// Reverse walks the records newest first, calling fn until it returns
// false. Recent records sit at the end of the file, so a walk that stops
// early reads only a few pages, however long the backlog. Records that
// cannot be decoded are skipped.
func (s *Store) Reverse(fn func(Record) bool) error {
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			r, err := decodeRecord(k, v)
			if err != nil {
				continue // quarantined: see Quarantined
			}
			if !fn(r) {
				return nil
			}
		}
		return nil
	})
}
