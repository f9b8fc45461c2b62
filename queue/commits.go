package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"sync"
	"time"
)

// ErrCommitLost marks a store that may have lost its last acknowledged
// commit: a meta page is damaged (bbolt then silently opens the older
// one), or the store is older than the acknowledgement record says.
var ErrCommitLost = errors.New("queue: the last commit may be lost")

// The acknowledgement record ("<store>.ack") is written after every Update
// commit and flushed within a second: magic, last sequence, transaction
// id, checksum. It
// lives outside the store so that a store that fell back to an older state
// can be told from one that is up to date.
const (
	ackMagic = "STAMPACK"
	ackSize  = 32
)

// AckPath is the acknowledgement record of the store at path.
func AckPath(path string) string { return path + ".ack" }

type ack struct {
	seq, txid uint64
}

func (a ack) encode() []byte {
	b := make([]byte, ackSize)
	copy(b, ackMagic)
	binary.LittleEndian.PutUint64(b[8:], a.seq)
	binary.LittleEndian.PutUint64(b[16:], a.txid)
	h := fnv.New64a()
	h.Write(b[:24])
	binary.LittleEndian.PutUint64(b[24:], h.Sum64())
	return b
}

func decodeAck(b []byte) (ack, error) {
	if len(b) != ackSize || string(b[:8]) != ackMagic {
		return ack{}, errors.New("not an acknowledgement record")
	}
	h := fnv.New64a()
	h.Write(b[:24])
	if binary.LittleEndian.Uint64(b[24:]) != h.Sum64() {
		return ack{}, errors.New("acknowledgement record checksum mismatch")
	}
	return ack{seq: binary.LittleEndian.Uint64(b[8:]), txid: binary.LittleEndian.Uint64(b[16:])}, nil
}

// readAck reads the acknowledgement record of path; ok is false when there
// is none (a store from before it existed, or never written to).
func readAck(path string) (a ack, ok bool, err error) {
	b, err := os.ReadFile(AckPath(path))
	if errors.Is(err, os.ErrNotExist) {
		return ack{}, false, nil
	}
	if err != nil {
		return ack{}, false, err
	}
	a, err = decodeAck(b)
	return a, err == nil, err
}

// ackFile keeps the acknowledgement record open for in-place writes. A
// write goes to the page cache at once and is fsync'ed within a second by
// a background flush: an fsync per commit would double a tap's latency,
// and the record guards against damage found at a later start, long after
// the flush. (A power cut inside that second can leave it one commit
// behind: it may lag the store, never lead it.)
type ackFile struct {
	f     *os.File
	mu    sync.Mutex
	dirty bool
	stop  chan struct{}
	done  chan struct{}
}

func openAck(path string) (*ackFile, error) {
	f, err := os.OpenFile(AckPath(path), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("queue: open %s: %w", AckPath(path), err)
	}
	a := &ackFile{f: f, stop: make(chan struct{}), done: make(chan struct{})}
	go a.flushLoop(time.Second)
	return a, nil
}

// write records v in one small in-place write. A torn write fails the
// checksum and reads as "no record", never as a wrong one.
func (a *ackFile) write(v ack) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.f.WriteAt(v.encode(), 0); err != nil {
		return fmt.Errorf("queue: write %s: %w", a.f.Name(), err)
	}
	a.dirty = true
	return nil
}

func (a *ackFile) flush() {
	a.mu.Lock()
	dirty := a.dirty
	a.dirty = false
	a.mu.Unlock()
	if dirty {
		_ = a.f.Sync() // retried with the next write; the store holds the truth
	}
}

func (a *ackFile) flushLoop(every time.Duration) {
	defer close(a.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			a.flush()
		}
	}
}

func (a *ackFile) close() error {
	select {
	case <-a.stop:
		return nil // closed before
	default:
	}
	close(a.stop)
	<-a.done
	a.flush()
	return a.f.Close()
}

// metaPage is what one of bbolt's two meta pages says.
type metaPage struct {
	valid bool
	txid  uint64
	why   string // when not valid
}

// bbolt's meta page: a 16-byte page header (id, flags, count, overflow),
// then magic, version, page size, flags (4 bytes each), root bucket (16),
// freelist, high-water page, txid (8 each), and an FNV-64a checksum over
// the 56 bytes before it.
const (
	metaFlag     = 0x04
	metaSumStart = 16
	metaSumLen   = 56
)

func readMeta(r io.ReaderAt, off int64) metaPage {
	b := make([]byte, 16+64)
	if _, err := r.ReadAt(b, off); err != nil {
		return metaPage{why: "unreadable: " + err.Error()}
	}
	if binary.LittleEndian.Uint16(b[8:]) != metaFlag {
		return metaPage{why: "not marked as a meta page"}
	}
	m := b[metaSumStart:]
	if binary.LittleEndian.Uint32(m) != boltMagic {
		return metaPage{why: "magic number wrong"}
	}
	h := fnv.New64a()
	h.Write(m[:metaSumLen])
	if binary.LittleEndian.Uint64(m[metaSumLen:]) != h.Sum64() {
		return metaPage{why: "checksum mismatch"}
	}
	return metaPage{valid: true, txid: binary.LittleEndian.Uint64(m[48:])}
}

// CheckCommits verifies both meta pages of the store at path and compares
// the newest valid one with the acknowledgement record. It returns nil for
// a new store (missing or empty, no records acknowledged), and an error
// wrapping ErrCommitLost when:
//   - the store is missing or empty but records were acknowledged;
//   - a meta page is damaged and the record is newer than the valid one,
//     or there is no record to tell (bbolt would silently open the older
//     state: the last acknowledged commit may be gone);
//   - the record names a later transaction than the store has (the store
//     was replaced by an older copy).
//
// A damaged meta page that is the older of the two (the record matches
// the valid one) yields a plain error: nothing is lost, bbolt rewrites it
// at the next commit. It cannot detect the loss of commits made while no
// record was written (a store from before the record existed), nor a
// damaged meta page whose checksum still matches.
func CheckCommits(path string) error {
	rec, haveRec, recErr := readAck(path)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		if haveRec && rec.seq > 0 {
			return fmt.Errorf("%w: %s is missing, but records up to seq %d were acknowledged (%s)", ErrCommitLost, path, rec.seq, AckPath(path))
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("queue: check commits of %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("queue: check commits of %s: %w", path, err)
	}
	if fi.Size() == 0 {
		if haveRec && rec.seq > 0 {
			return fmt.Errorf("%w: %s is empty, but records up to seq %d were acknowledged (%s)", ErrCommitLost, path, rec.seq, AckPath(path))
		}
		return nil
	}
	m0 := readMeta(f, 0)
	pageSize := int64(4096)
	if m0.valid {
		var b [4]byte
		if _, err := f.ReadAt(b[:], metaSumStart+8); err == nil {
			pageSize = int64(binary.LittleEndian.Uint32(b[:]))
		}
	} else if ps := int64(os.Getpagesize()); ps != pageSize && readMeta(f, ps).valid {
		pageSize = ps
	}
	m1 := readMeta(f, pageSize)
	var newest uint64
	for _, m := range []metaPage{m0, m1} {
		if m.valid && m.txid > newest {
			newest = m.txid
		}
	}
	switch {
	case !m0.valid && !m1.valid:
		return nil // no valid meta page at all: CheckFile calls that damage
	case !m0.valid || !m1.valid:
		bad, why := 0, m0.why
		if m0.valid {
			bad, why = 1, m1.why
		}
		if haveRec && rec.txid <= newest {
			return fmt.Errorf("queue: %s: meta page %d damaged (%s); the acknowledgement record matches the valid one (transaction %d): nothing lost", path, bad, why, newest)
		}
		detail := "no acknowledgement record to compare"
		if haveRec {
			detail = fmt.Sprintf("acknowledged: transaction %d, seq %d; the store opens at transaction %d", rec.txid, rec.seq, newest)
		} else if recErr != nil {
			detail = "acknowledgement record unreadable: " + recErr.Error()
		}
		return fmt.Errorf("%w: %s: meta page %d damaged (%s), bbolt falls back to the older state; %s", ErrCommitLost, path, bad, why, detail)
	case haveRec && rec.txid > newest:
		return fmt.Errorf("%w: %s: acknowledged transaction %d (seq %d), but the store ends at transaction %d: it is older than what was acknowledged", ErrCommitLost, path, rec.txid, rec.seq, newest)
	}
	return nil
}
