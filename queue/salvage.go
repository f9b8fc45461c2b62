package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SalvageFile recovers every intact record it can find in a store file,
// damaged, truncated or not, without changing it. It walks the records
// bucket with bbolt as far as that goes, then reads the file page by page
// for records the walk did not reach (a copy found only in a free page may
// be an older version of its record). Records go to fn: the walk's in seq
// order, then the others in seq order. The report names the seqs it could
// not find.
func SalvageFile(path string, fn func(Record) error) (SalvageReport, error) {
	var rep SalvageReport
	found := map[uint64]bool{}
	emit := func(r Record) error {
		found[r.Seq] = true
		rep.Recovered++
		rep.Highest = max(rep.Highest, r.Seq)
		return fn(r)
	}
	if err := walkRecords(path, emit); err != nil {
		var stop fnError
		if errors.As(err, &stop) {
			return rep, stop.err
		}
		rep.WalkError = err.Error()
	}
	extra, err := scanPages(path, found)
	if err != nil {
		return rep, fmt.Errorf("queue: salvage %s: %w", path, err)
	}
	seqs := make([]uint64, 0, len(extra))
	for q := range extra {
		seqs = append(seqs, q)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for _, q := range seqs {
		rep.FromPages++
		if err := emit(extra[q]); err != nil {
			return rep, err
		}
	}
	for q := uint64(1); q <= rep.Highest; q++ {
		if found[q] {
			continue
		}
		if n := len(rep.Missing); n > 0 && rep.Missing[n-1].Last == q-1 {
			rep.Missing[n-1].Last = q
		} else {
			rep.Missing = append(rep.Missing, SeqRange{First: q, Last: q})
		}
	}
	return rep, nil
}

// fnError carries an error of the caller's fn through the walk.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// walkRecords passes the records bbolt can reach, oldest first, until the
// walk ends or hits damage (a panic inside bbolt is turned into an error).
func walkRecords(path string, fn func(Record) error) (err error) {
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("stopped at a damaged page: %v", p)
		}
	}()
	return db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		if b == nil {
			return errors.New("no records bucket")
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			r, err := decodeRecord(k, v)
			if err != nil {
				continue // one unreadable record does not end the salvage
			}
			if err := fn(r); err != nil {
				return fnError{err}
			}
		}
		return nil
	})
}

// bbolt page layout: a 16-byte header (id 8, flags 2, count 2, overflow
// 4); a leaf page holds count 16-byte elements (flags, pos, ksize, vsize),
// each key and value found pos bytes after its element.
const (
	pageHeaderSize  = 16
	leafElementSize = 16
	leafPageFlag    = 0x02
	bucketLeafFlag  = 0x01
)

// scanPages reads every leaf page of the file directly and returns the
// decodable records whose seq is not in skip. Where a seq appears in
// several pages (older copies stay in free pages), the corrected version
// wins, else the first found.
func scanPages(path string, skip map[uint64]bool) (map[uint64]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pageSize := int64(4096)
	if m := readMeta(f, 0); m.valid {
		var b [4]byte
		if _, err := f.ReadAt(b[:], metaSumStart+8); err == nil {
			if ps := int64(binary.LittleEndian.Uint32(b[:])); ps >= 1024 && ps <= 1<<16 {
				pageSize = ps
			}
		}
	}
	out := map[uint64]Record{}
	buf := make([]byte, pageSize)
	for off := 2 * pageSize; ; {
		n, err := f.ReadAt(buf, off)
		if n < pageHeaderSize {
			if err != nil && !errors.Is(err, io.EOF) {
				return out, err
			}
			return out, nil
		}
		p := buf[:n]
		overflow := int64(binary.LittleEndian.Uint32(p[12:]))
		if binary.LittleEndian.Uint16(p[8:]) == leafPageFlag && overflow < 1<<16 {
			if overflow > 0 { // read the whole (multi-page) leaf
				big := make([]byte, (overflow+1)*pageSize)
				m, _ := f.ReadAt(big, off)
				p = big[:m]
			}
			leafRecords(p, skip, out)
		} else {
			overflow = 0
		}
		off += (overflow + 1) * pageSize
	}
}

// leafRecords decodes the record elements of one leaf page into out.
func leafRecords(p []byte, skip map[uint64]bool, out map[uint64]Record) {
	count := int(binary.LittleEndian.Uint16(p[10:]))
	for i := 0; i < count; i++ {
		e := pageHeaderSize + i*leafElementSize
		if e+leafElementSize > len(p) {
			return
		}
		flags := binary.LittleEndian.Uint32(p[e:])
		pos := int(binary.LittleEndian.Uint32(p[e+4:]))
		ksize := int(binary.LittleEndian.Uint32(p[e+8:]))
		vsize := int(binary.LittleEndian.Uint32(p[e+12:]))
		if flags&bucketLeafFlag != 0 || ksize != 8 {
			continue
		}
		start := e + pos
		if pos < 0 || vsize < 0 || start < 0 || start+ksize+vsize > len(p) || start+ksize+vsize < start {
			continue // cut off by the truncation, or garbage
		}
		k, v := p[start:start+ksize], p[start+ksize:start+ksize+vsize]
		r, err := decodeRecord(k, v)
		if err != nil || r.Seq == 0 || skip[r.Seq] {
			continue
		}
		if old, seen := out[r.Seq]; seen && (old.Corrected || !r.Corrected) {
			continue
		}
		out[r.Seq] = r
	}
}
