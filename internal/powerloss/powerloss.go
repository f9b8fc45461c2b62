package powerloss

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// PageSize is the grain at which file data is tracked and torn.
const PageSize = 4096

// Options configure a mount. The zero value is usable.
type Options struct {
	// Rand decides which pages of a torn write reached the disk.
	// Default: a generator with a fixed seed, so runs repeat.
	Rand *rand.Rand
	// Debug logs every FUSE request to stderr.
	Debug bool
}

// CutOptions say how the power fails.
type CutOptions struct {
	// Tear tears the last write that was not synced: each of its pages
	// keeps its new content or gets its old one back, chosen at random.
	// Without Tear the whole write is lost.
	Tear bool
}

// CutReport says what a Cut threw away.
type CutReport struct {
	// PagesLost counts pages whose unsynced content was rolled back.
	PagesLost int
	// PagesTorn counts pages of the last write that were kept (Tear).
	PagesTorn int
	// FilesResized counts files set back to their durable size.
	FilesResized int
	// NamesLost counts directory entries that vanished (created or
	// renamed into place without a directory sync).
	NamesLost int
	// NamesRestored counts entries that came back (removed or renamed
	// away without a directory sync).
	NamesRestored int
}

// FS is a mounted power-loss filesystem.
type FS struct {
	backing    string
	attic      string
	mountpoint string
	opts       Options
	server     *fuse.Server
	rootIno    uint64

	mu    sync.Mutex
	files map[uint64]*fileState        // regular files written since mount, by backing inode
	dirs  map[uint64]map[string]uint64 // durable entries (name → inode) of directories changed since mount
	last  *write                       // the last write not yet synced, for tearing
	// unmounted is set once Cut or Unmount has run.
	unmounted bool

	gateMu sync.Mutex
	left   int           // changing operations until the freeze; -1: no freeze
	frozen chan struct{} // closed when the filesystem froze
	thaw   chan struct{} // closed by Cut: frozen operations fail
	thawed bool
}

type write struct {
	ino         uint64
	first, last int64 // page indices
}

// Mount serves backing over FUSE at mountpoint. Both must be existing
// directories. Everything in backing at this moment counts as durable.
// The attic, where unlinked files wait in case a Cut brings them back,
// is the directory backing+".attic"; it is created and emptied as needed.
func Mount(backing, mountpoint string, opts Options) (*FS, error) {
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(1, 2))
	}
	var st syscall.Stat_t
	if err := syscall.Stat(backing, &st); err != nil {
		return nil, fmt.Errorf("powerloss: backing directory %s: %w", backing, err)
	}
	f := &FS{
		backing:    backing,
		attic:      backing + ".attic",
		mountpoint: mountpoint,
		opts:       opts,
		rootIno:    st.Ino,
		files:      map[uint64]*fileState{},
		dirs:       map[uint64]map[string]uint64{},
		left:       -1,
		frozen:     make(chan struct{}),
		thaw:       make(chan struct{}),
	}
	if err := os.RemoveAll(f.attic); err != nil {
		return nil, fmt.Errorf("powerloss: empty attic: %w", err)
	}
	if err := os.Mkdir(f.attic, 0o700); err != nil {
		return nil, fmt.Errorf("powerloss: create attic: %w", err)
	}
	lr, err := fs.NewLoopbackRoot(backing)
	if err != nil {
		return nil, fmt.Errorf("powerloss: backing directory %s: %w", backing, err)
	}
	root := &node{LoopbackNode: lr.(*fs.LoopbackNode), pl: f}
	server, err := fs.Mount(mountpoint, root, &fs.Options{MountOptions: fuse.MountOptions{
		DirectMount:       true,
		DirectMountStrict: true,
		FsName:            "powerloss",
		Name:              "powerloss",
		Debug:             opts.Debug,
	}})
	if err != nil {
		os.RemoveAll(f.attic)
		return nil, fmt.Errorf("powerloss: mount %s at %s: %w", backing, mountpoint, err)
	}
	f.server = server
	return f, nil
}

// Mountpoint returns where the filesystem is mounted.
func (f *FS) Mountpoint() string { return f.mountpoint }

// unmount detaches the filesystem, waiting up to 10s for processes that
// are still closing files on it (a killed process's descriptors close
// shortly after its death).
func (f *FS) unmount() error {
	if f.unmounted {
		return errors.New("powerloss: not mounted")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := f.server.Unmount()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			// Detach it lazily, so a failed test leaves no mount behind.
			syscall.Unmount(f.mountpoint, syscall.MNT_DETACH)
			return fmt.Errorf("powerloss: unmount %s: %w", f.mountpoint, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.server.Wait()
	f.unmounted = true
	return nil
}

// Unmount unmounts cleanly, as a machine shuts down: everything written is
// kept, as if synced.
func (f *FS) Unmount() error {
	f.release()
	if err := f.unmount(); err != nil {
		return err
	}
	if err := os.RemoveAll(f.attic); err != nil {
		return fmt.Errorf("powerloss: empty attic: %w", err)
	}
	return nil
}

// FreezeAfter makes the power fail at a chosen instant: after n more
// changing operations (writes, truncations, syncs, creations, renames,
// removals) the filesystem freezes. The next changing operation, and every
// one after it, waits until Cut and then fails with EIO without having
// taken effect. The returned channel is closed when the filesystem freezes.
func (f *FS) FreezeAfter(n int) <-chan struct{} {
	f.gateMu.Lock()
	defer f.gateMu.Unlock()
	f.left = max(n, 0)
	return f.frozen
}

// gate lets a changing operation through, or holds it when frozen.
func (f *FS) gate() syscall.Errno {
	f.gateMu.Lock()
	switch {
	case f.left < 0:
		f.gateMu.Unlock()
		return 0
	case f.left > 0:
		f.left--
		f.gateMu.Unlock()
		return 0
	}
	select {
	case <-f.frozen:
	default:
		close(f.frozen)
	}
	thaw := f.thaw
	f.gateMu.Unlock()
	<-thaw
	return syscall.EIO
}

// release fails the operations held by a freeze.
func (f *FS) release() {
	f.gateMu.Lock()
	defer f.gateMu.Unlock()
	if !f.thawed {
		f.thawed = true
		close(f.thaw)
	}
}

// Cut cuts the power: operations held by FreezeAfter fail, it unmounts
// (waiting up to 10s for processes still closing files, so kill them
// first) and rolls the backing directory back to what was durable. Mount
// it again to go on.
func (f *FS) Cut(opts CutOptions) (CutReport, error) {
	f.release()
	if err := f.unmount(); err != nil {
		return CutReport{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	rep, err := f.rollBack(opts)
	if err != nil {
		return rep, fmt.Errorf("powerloss: cut: %w", err)
	}
	if err := os.RemoveAll(f.attic); err != nil {
		return rep, fmt.Errorf("powerloss: empty attic: %w", err)
	}
	return rep, nil
}
