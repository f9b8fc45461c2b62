package powerloss

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// node is a loopback node that records, before each change, what was
// durable.
type node struct {
	*fs.LoopbackNode
	pl *FS
}

// WrapChild gives every node below the root the same tracking.
func (n *node) WrapChild(ctx context.Context, ops fs.InodeEmbedder) fs.InodeEmbedder {
	return &node{LoopbackNode: ops.(*fs.LoopbackNode), pl: n.pl}
}

// bpath is the node's path in the backing directory.
func (n *node) bpath() string {
	return filepath.Join(n.RootData.Path, n.Path(nil))
}

func inoOf(path string) (uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// listing reads the entries of a backing directory with their inodes.
func listing(dir string) (map[string]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	m := make(map[string]uint64, len(ents))
	for _, e := range ents {
		ino, err := inoOf(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		m[e.Name()] = ino
	}
	return m, nil
}

// remember records the durable entries of dir before its first change
// since it was last synced (or mounted).
func (f *FS) remember(dir string) syscall.Errno {
	ino, err := inoOf(dir)
	if err != nil {
		return fs.ToErrno(err)
	}
	if _, ok := f.dirs[ino]; ok {
		return 0
	}
	m, err := listing(dir)
	if err != nil {
		return fs.ToErrno(err)
	}
	f.dirs[ino] = m
	return 0
}

// keep links a file that is about to lose a name into the attic, so a Cut
// can bring it back. Directories are moved there by Rmdir instead.
func (f *FS) keep(path string) syscall.Errno {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		if errors.Is(err, syscall.ENOENT) {
			return 0
		}
		return fs.ToErrno(err)
	}
	if st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
		return 0
	}
	a := filepath.Join(f.attic, fmt.Sprint(st.Ino))
	if err := os.Link(path, a); err != nil && !errors.Is(err, os.ErrExist) {
		return fs.ToErrno(err)
	}
	return 0
}

func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	if errno := n.pl.gate(); errno != 0 {
		return nil, nil, 0, errno
	}
	f := n.pl
	f.mu.Lock()
	defer f.mu.Unlock()
	dir := n.bpath()
	p := filepath.Join(dir, name)
	if errno := f.remember(dir); errno != 0 {
		return nil, nil, 0, errno
	}
	_, existed := os.Lstat(p)
	if existed == nil && flags&syscall.O_TRUNC != 0 {
		if errno := f.truncating(p, 0); errno != 0 {
			return nil, nil, 0, errno
		}
	}
	ch, lf, fl, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	fh, errno := f.wrap(lf, p)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	if existed != nil {
		// A new file: nothing of its content is durable yet.
		f.files[fh.(*file).ino] = &fileState{old: map[int64][]byte{}}
	}
	return ch, fh, fl, 0
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	f := n.pl
	trunc := flags&syscall.O_TRUNC != 0 && flags&syscall.O_ACCMODE != syscall.O_RDONLY
	if trunc {
		if errno := f.gate(); errno != 0 {
			return nil, 0, errno
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p := n.bpath()
	if trunc {
		if errno := f.truncating(p, 0); errno != 0 {
			return nil, 0, errno
		}
	}
	lf, fl, errno := n.LoopbackNode.Open(ctx, flags)
	if errno != 0 {
		return nil, 0, errno
	}
	fh, errno := f.wrap(lf, p)
	return fh, fl, errno
}

func (n *node) Setattr(ctx context.Context, fh fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if errno := n.pl.gate(); errno != 0 {
		return errno
	}
	f := n.pl
	f.mu.Lock()
	defer f.mu.Unlock()
	if sz, ok := in.GetSize(); ok {
		if errno := f.truncating(n.bpath(), int64(sz)); errno != 0 {
			return errno
		}
	}
	if t, ok := fh.(*file); ok {
		fh = t.LoopbackFile
	}
	return n.LoopbackNode.Setattr(ctx, fh, in, out)
}

func (n *node) Mknod(ctx context.Context, name string, mode, rdev uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if errno := n.pl.gate(); errno != 0 {
		return nil, errno
	}
	f := n.pl
	f.mu.Lock()
	defer f.mu.Unlock()
	dir := n.bpath()
	if errno := f.remember(dir); errno != 0 {
		return nil, errno
	}
	ch, errno := n.LoopbackNode.Mknod(ctx, name, mode, rdev, out)
	if errno == 0 && mode&syscall.S_IFMT == syscall.S_IFREG {
		if ino, err := inoOf(filepath.Join(dir, name)); err == nil {
			f.files[ino] = &fileState{old: map[int64][]byte{}}
		}
	}
	return ch, errno
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if errno := n.pl.gate(); errno != 0 {
		return nil, errno
	}
	f := n.pl
	f.mu.Lock()
	defer f.mu.Unlock()
	dir := n.bpath()
	if errno := f.remember(dir); errno != 0 {
		return nil, errno
	}
	ch, errno := n.LoopbackNode.Mkdir(ctx, name, mode, out)
	if errno == 0 {
		if ino, err := inoOf(filepath.Join(dir, name)); err == nil {
			f.dirs[ino] = map[string]uint64{} // nothing in it is durable yet
		}
	}
	return ch, errno
}

func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if errno := n.pl.gate(); errno != 0 {
		return nil, errno
	}
	f := n.pl
	f.mu.Lock()
	defer f.mu.Unlock()
	if errno := f.remember(n.bpath()); errno != 0 {
		return nil, errno
	}
	return n.LoopbackNode.Symlink(ctx, target, name, out)
}

func (n *node) Link(ctx context.Context, target fs.InodeEmbedder, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if errno := n.pl.gate(); errno != 0 {
		return nil, errno
	}
	f := n.pl
	f.mu.Lock()
	defer f.mu.Unlock()
	if errno := f.remember(n.bpath()); errno != 0 {
		return nil, errno
	}
	if t, ok := target.(*node); ok {
		target = t.LoopbackNode
	}
	return n.LoopbackNode.Link(ctx, target, name, out)
}

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	if errno := n.pl.gate(); errno != 0 {
		return errno
	}
	f := n.pl
	f.mu.Lock()
	defer f.mu.Unlock()
	dir := n.bpath()
	if errno := f.remember(dir); errno != 0 {
		return errno
	}
	if errno := f.keep(filepath.Join(dir, name)); errno != 0 {
		return errno
	}
	return n.LoopbackNode.Unlink(ctx, name)
}

// Rmdir moves the empty directory into the attic instead of removing it,
// so a Cut can bring it back.
func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	if errno := n.pl.gate(); errno != 0 {
		return errno
	}
	f := n.pl
	f.mu.Lock()
	defer f.mu.Unlock()
	dir := n.bpath()
	p := filepath.Join(dir, name)
	if errno := f.remember(dir); errno != 0 {
		return errno
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		return fs.ToErrno(err)
	}
	if len(ents) > 0 {
		return syscall.ENOTEMPTY
	}
	ino, err := inoOf(p)
	if err != nil {
		return fs.ToErrno(err)
	}
	return fs.ToErrno(os.Rename(p, filepath.Join(f.attic, fmt.Sprint(ino))))
}

func (n *node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if errno := n.pl.gate(); errno != 0 {
		return errno
	}
	f := n.pl
	f.mu.Lock()
	defer f.mu.Unlock()
	np, ok := newParent.(*node)
	if !ok {
		return syscall.EXDEV
	}
	from, to := n.bpath(), np.bpath()
	if errno := f.remember(from); errno != 0 {
		return errno
	}
	if errno := f.remember(to); errno != 0 {
		return errno
	}
	if errno := f.keep(filepath.Join(to, newName)); errno != 0 {
		return errno
	}
	return n.LoopbackNode.Rename(ctx, name, np.LoopbackNode, newName, flags)
}

// Fsync makes a file's data or a directory's entries durable. The backing
// directory is not synced: it is the "disk", and the host's own power
// stays on.
func (n *node) Fsync(ctx context.Context, fh fs.FileHandle, flags uint32) syscall.Errno {
	if errno := n.pl.gate(); errno != 0 {
		return errno
	}
	f := n.pl
	f.mu.Lock()
	defer f.mu.Unlock()
	p := n.bpath()
	ino, err := inoOf(p)
	if err != nil {
		return fs.ToErrno(err)
	}
	if n.IsDir() {
		m, err := listing(p)
		if err != nil {
			return fs.ToErrno(err)
		}
		f.dirs[ino] = m
		return 0
	}
	return fs.ToErrno(f.synced(ino, fileSize(p)))
}

// OpendirHandle returns a directory handle whose fsync goes to Fsync.
func (n *node) OpendirHandle(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	ds, errno := fs.NewLoopbackDirStream(n.bpath())
	if errno != 0 {
		return nil, 0, errno
	}
	return &dirHandle{ds: ds, n: n}, 0, 0
}

// Tmpfile is refused: an O_TMPFILE file has no name to track.
func (n *node) Tmpfile(ctx context.Context, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EOPNOTSUPP
}

// CopyFileRange is refused, so the kernel falls back to reads and writes,
// which are tracked.
func (n *node) CopyFileRange(ctx context.Context, fhIn fs.FileHandle, offIn uint64, out *fs.Inode, fhOut fs.FileHandle, offOut uint64, length uint64, flags uint64) (uint32, syscall.Errno) {
	return 0, syscall.EOPNOTSUPP
}

// dirHandle is an open directory.
type dirHandle struct {
	ds fs.DirStream
	n  *node
}

func (d *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	return d.ds.(fs.FileReaddirenter).Readdirent(ctx)
}

func (d *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	return d.ds.(fs.FileSeekdirer).Seekdir(ctx, off)
}

func (d *dirHandle) Releasedir(ctx context.Context, flags uint32) {
	d.ds.(fs.FileReleasedirer).Releasedir(ctx, flags)
}

func (d *dirHandle) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno {
	return d.n.Fsync(ctx, nil, flags)
}
