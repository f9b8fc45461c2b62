package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrNotStore marks a path that holds something other than a store file
// (a directory, a text file): it is a configuration mistake, never damage,
// so it is neither checked, moved aside nor replaced.
var ErrNotStore = errors.New("queue: not a store file")

// boltMagic is the marker bbolt writes into both meta pages.
const boltMagic = 0xED0CDAED

// minStoreSize is the size of a freshly initialised bbolt file with 4 KiB
// pages: two meta pages, a freelist page and the root leaf.
const minStoreSize = 4 * 4096

// Identify tells whether path may be handed to the store: nil for a
// missing or empty file (bbolt initialises it; an empty file is what a
// first start on a full disk leaves behind) and for a regular file that is
// plausibly a bbolt store, even a damaged one. A plausible store has the
// bbolt marker in one of its meta pages, or, with both meta pages
// overwritten, the page-aligned size of one. Anything else yields an error
// wrapping ErrNotStore.
func Identify(path string) error {
	fi, err := os.Stat(path) // a symlink to a store is a store
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("queue: %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is %s", ErrNotStore, path, kindOf(fi.Mode()))
	}
	if fi.Size() == 0 {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("queue: %s: %w", path, err)
	}
	defer f.Close()
	if hasMagic(f) || (fi.Size() >= minStoreSize && fi.Size()%4096 == 0) {
		return nil
	}
	return fmt.Errorf("%w: %s (%d bytes) has no bbolt meta page", ErrNotStore, path, fi.Size())
}

// hasMagic looks for the bbolt marker in the first meta page and in the
// second one for the page sizes bbolt uses.
func hasMagic(r io.ReaderAt) bool {
	for _, off := range []int64{0, 4096, 8192, 16384, 65536, int64(os.Getpagesize())} {
		var b [4]byte
		// meta page: 16-byte page header, then the magic.
		if _, err := r.ReadAt(b[:], off+16); err == nil && binary.LittleEndian.Uint32(b[:]) == boltMagic {
			return true
		}
	}
	return false
}

func kindOf(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file (" + m.String() + ")"
}
