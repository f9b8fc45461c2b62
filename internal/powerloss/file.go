package powerloss

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
)

// fileState is what is durable of one file: its size, and the old
// content of every page changed since its last sync.
type fileState struct {
	size int64
	old  map[int64][]byte // page index → durable content (short at the durable end)
}

// state returns the tracking state of a file, starting it with the file's
// present size when the file had not been written since mount.
func (f *FS) state(ino uint64, size func() (int64, error)) (*fileState, error) {
	if s, ok := f.files[ino]; ok {
		return s, nil
	}
	sz, err := size()
	if err != nil {
		return nil, err
	}
	s := &fileState{size: sz, old: map[int64][]byte{}}
	f.files[ino] = s
	return s, nil
}

// save keeps the durable content of page p, read from r, unless it is kept
// already or lies beyond the durable size.
func (s *fileState) save(r io.ReaderAt, p int64) error {
	if _, ok := s.old[p]; ok || p*PageSize >= s.size {
		return nil
	}
	buf := make([]byte, min(PageSize, s.size-p*PageSize))
	n, err := r.ReadAt(buf, p*PageSize)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	s.old[p] = buf[:n]
	return nil
}

// beforeTruncate saves the durable pages a truncation to size would cut.
func (s *fileState) beforeTruncate(r io.ReaderAt, cur, size int64) error {
	for p := size / PageSize; p*PageSize < min(cur, s.size); p++ {
		if err := s.save(r, p); err != nil {
			return err
		}
	}
	return nil
}

func fileSize(path string) func() (int64, error) {
	return func() (int64, error) {
		fi, err := os.Stat(path)
		if err != nil {
			return 0, err
		}
		return fi.Size(), nil
	}
}

// truncating records what truncating the file at path to size loses.
func (f *FS) truncating(path string, size int64) syscall.Errno {
	r, err := os.Open(path)
	if err != nil {
		return fs.ToErrno(err)
	}
	defer r.Close()
	fi, err := r.Stat()
	if err != nil {
		return fs.ToErrno(err)
	}
	st, err := f.state(fi.Sys().(*syscall.Stat_t).Ino, func() (int64, error) { return fi.Size(), nil })
	if err != nil {
		return fs.ToErrno(err)
	}
	f.last = nil
	return fs.ToErrno(st.beforeTruncate(r, fi.Size(), size))
}

// wrap gives an open file handle its tracking.
func (f *FS) wrap(lf fs.FileHandle, path string) (fs.FileHandle, syscall.Errno) {
	inner, ok := lf.(*fs.LoopbackFile)
	if !ok {
		return nil, syscall.EIO
	}
	r, err := os.Open(path)
	if err != nil {
		inner.Release(context.Background())
		return nil, fs.ToErrno(err)
	}
	fi, err := r.Stat()
	if err != nil {
		r.Close()
		inner.Release(context.Background())
		return nil, fs.ToErrno(err)
	}
	return &file{LoopbackFile: inner, pl: f, r: r, ino: fi.Sys().(*syscall.Stat_t).Ino}, 0
}

// synced marks all of a file's content durable.
func (f *FS) synced(ino uint64, size func() (int64, error)) error {
	sz, err := size()
	if err != nil {
		return err
	}
	f.files[ino] = &fileState{size: sz, old: map[int64][]byte{}}
	if f.last != nil && f.last.ino == ino {
		f.last = nil
	}
	return nil
}

// file is an open regular file whose writes are tracked.
type file struct {
	*fs.LoopbackFile
	pl  *FS
	r   *os.File // a second descriptor, to read old page content
	ino uint64
}

func (h *file) size() (int64, error) {
	fi, err := h.r.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// before saves the durable content of the pages a write of n bytes at off
// changes.
func (h *file) before(off, n int64) syscall.Errno {
	if n == 0 {
		return 0
	}
	st, err := h.pl.state(h.ino, h.size)
	if err != nil {
		return fs.ToErrno(err)
	}
	first, last := off/PageSize, (off+n-1)/PageSize
	for p := first; p <= last; p++ {
		if err := st.save(h.r, p); err != nil {
			return fs.ToErrno(err)
		}
	}
	h.pl.last = &write{ino: h.ino, first: first, last: last}
	return 0
}

func (h *file) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if errno := h.pl.gate(); errno != 0 {
		return 0, errno
	}
	h.pl.mu.Lock()
	defer h.pl.mu.Unlock()
	if errno := h.before(off, int64(len(data))); errno != 0 {
		return 0, errno
	}
	return h.LoopbackFile.Write(ctx, data, off)
}

func (h *file) Writev(ctx context.Context, data [][]byte, off int64) (uint32, syscall.Errno) {
	if errno := h.pl.gate(); errno != 0 {
		return 0, errno
	}
	h.pl.mu.Lock()
	defer h.pl.mu.Unlock()
	var n int64
	for _, d := range data {
		n += int64(len(d))
	}
	if errno := h.before(off, n); errno != 0 {
		return 0, errno
	}
	return h.LoopbackFile.Writev(ctx, data, off)
}

func (h *file) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	if errno := h.pl.gate(); errno != 0 {
		return errno
	}
	h.pl.mu.Lock()
	defer h.pl.mu.Unlock()
	return fs.ToErrno(h.pl.synced(h.ino, h.size))
}

// Allocate passes plain preallocation through (it changes no content in
// the durable range) and refuses the modes that punch or zero ranges.
func (h *file) Allocate(ctx context.Context, off, size uint64, mode uint32) syscall.Errno {
	const keepSize = 1 // FALLOC_FL_KEEP_SIZE
	if mode&^keepSize != 0 {
		return syscall.EOPNOTSUPP
	}
	return h.LoopbackFile.Allocate(ctx, off, size, mode)
}

// PassthroughFd disables kernel passthrough: every write must come here.
func (h *file) PassthroughFd() (int, bool) { return 0, false }

func (h *file) Release(ctx context.Context) syscall.Errno {
	h.r.Close()
	return h.LoopbackFile.Release(ctx)
}
