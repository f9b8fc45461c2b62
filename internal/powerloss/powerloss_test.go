package powerloss

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// mount mounts a fresh powerloss filesystem and returns it with its
// backing directory; the test's file operations run on f.Mountpoint().
func mount(t *testing.T, opts Options) (*FS, string) {
	t.Helper()
	Require(t)
	dir := t.TempDir()
	backing, mnt := filepath.Join(dir, "disk"), filepath.Join(dir, "mnt")
	for _, d := range []string{backing, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Mount(backing, mnt, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !f.unmounted {
			f.Unmount()
		}
	})
	return f, backing
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// writeFile writes data to path; with sync it fsyncs the file before
// closing it.
func writeFile(t *testing.T, path string, data []byte, sync bool) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	must(t, err)
	_, err = f.Write(data)
	must(t, err)
	if sync {
		must(t, f.Sync())
	}
	must(t, f.Close())
}

func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }

func syncDir(t *testing.T, dir string) {
	t.Helper()
	d, err := os.Open(dir)
	must(t, err)
	must(t, d.Sync())
	must(t, d.Close())
}

func cut(t *testing.T, f *FS, opts CutOptions) CutReport {
	t.Helper()
	rep, err := f.Cut(opts)
	must(t, err)
	return rep
}

func wantContent(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s after the cut: %v", filepath.Base(path), err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s after the cut: %d bytes %.20q…, want %d bytes %.20q…", filepath.Base(path), len(got), got, len(want), want)
	}
}

func wantGone(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s after the cut: want gone, got %v", filepath.Base(path), err)
	}
}

// pages returns n pages, page i filled with byte c+i.
func pages(n int, c byte) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		b = append(b, bytes.Repeat([]byte{c + byte(i)}, PageSize)...)
	}
	return b
}

func TestCut_WriteWithoutFsync_Lost(t *testing.T) {
	f, disk := mount(t, Options{})
	p := filepath.Join(f.Mountpoint(), "a")
	writeFile(t, p, []byte("durable"), true)
	syncDir(t, f.Mountpoint())
	fh, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = fh.Write([]byte(" and then some"))
	must(t, err)
	must(t, fh.Close())
	rep := cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "a"), []byte("durable"))
	if rep.FilesResized != 1 {
		t.Errorf("report %+v: want 1 file resized", rep)
	}
}

func TestCut_OverwriteWithoutFsync_OldPagesBack(t *testing.T) {
	f, disk := mount(t, Options{})
	p := filepath.Join(f.Mountpoint(), "a")
	old := pages(3, 'a')
	writeFile(t, p, old, true)
	syncDir(t, f.Mountpoint())
	fh, err := os.OpenFile(p, os.O_WRONLY, 0)
	must(t, err)
	_, err = fh.WriteAt([]byte("xyz"), PageSize+10)
	must(t, err)
	must(t, fh.Close())
	if got, _ := os.ReadFile(p); bytes.Equal(got, old) {
		t.Fatal("the write did not reach the mounted file")
	}
	cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "a"), old)
}

func TestCut_Fsync_Kept(t *testing.T) {
	f, disk := mount(t, Options{})
	p := filepath.Join(f.Mountpoint(), "a")
	writeFile(t, p, []byte("one"), true)
	syncDir(t, f.Mountpoint())
	writeFile(t, p, pages(2, 'k'), true)
	cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "a"), pages(2, 'k'))
}

func TestCut_Fdatasync_Kept(t *testing.T) {
	f, disk := mount(t, Options{})
	p := filepath.Join(f.Mountpoint(), "a")
	fh, err := os.Create(p)
	must(t, err)
	syncDir(t, f.Mountpoint())
	_, err = fh.Write([]byte("data synced"))
	must(t, err)
	must(t, fdatasync(fh))
	must(t, fh.Close())
	cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "a"), []byte("data synced"))
}

func TestCut_TruncateWithoutFsync_Undone(t *testing.T) {
	f, disk := mount(t, Options{})
	p := filepath.Join(f.Mountpoint(), "a")
	old := pages(3, 'a')
	writeFile(t, p, old, true)
	syncDir(t, f.Mountpoint())
	must(t, os.Truncate(p, 100))
	must(t, os.Truncate(p, 5*PageSize)) // grow again: zeros, not the old pages
	cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "a"), old)
}

func TestCut_CreateWithoutDirSync_Gone(t *testing.T) {
	f, disk := mount(t, Options{})
	writeFile(t, filepath.Join(f.Mountpoint(), "new"), []byte("synced data, unsynced name"), true)
	rep := cut(t, f, CutOptions{})
	wantGone(t, filepath.Join(disk, "new"))
	if rep.NamesLost != 1 {
		t.Errorf("report %+v: want 1 name lost", rep)
	}
}

func TestCut_DirSyncWithoutFileSync_EmptyFile(t *testing.T) {
	f, disk := mount(t, Options{})
	writeFile(t, filepath.Join(f.Mountpoint(), "new"), []byte("never synced"), false)
	syncDir(t, f.Mountpoint())
	cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "new"), nil)
}

func TestCut_CreateFileAndDirSync_Kept(t *testing.T) {
	f, disk := mount(t, Options{})
	writeFile(t, filepath.Join(f.Mountpoint(), "new"), []byte("all synced"), true)
	syncDir(t, f.Mountpoint())
	cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "new"), []byte("all synced"))
}

func TestCut_RenameWithoutDirSync_Undone(t *testing.T) {
	f, disk := mount(t, Options{})
	m := f.Mountpoint()
	writeFile(t, filepath.Join(m, "config"), []byte("old"), true)
	syncDir(t, m)
	writeFile(t, filepath.Join(m, "config.new"), []byte("new"), true)
	must(t, os.Rename(filepath.Join(m, "config.new"), filepath.Join(m, "config")))
	cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "config"), []byte("old"))
	wantGone(t, filepath.Join(disk, "config.new"))
}

func TestCut_RenameWithoutFileSync_EmptyFile(t *testing.T) {
	// The classic: write a new version, rename it over the old one, sync
	// the directory but not the file. The name survives, the data not.
	f, disk := mount(t, Options{})
	m := f.Mountpoint()
	writeFile(t, filepath.Join(m, "config"), []byte("old"), true)
	syncDir(t, m)
	writeFile(t, filepath.Join(m, "config.new"), []byte("new"), false)
	must(t, os.Rename(filepath.Join(m, "config.new"), filepath.Join(m, "config")))
	syncDir(t, m)
	cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "config"), nil)
}

func TestCut_RenameFileAndDirSynced_Kept(t *testing.T) {
	f, disk := mount(t, Options{})
	m := f.Mountpoint()
	writeFile(t, filepath.Join(m, "config"), []byte("old"), true)
	syncDir(t, m)
	writeFile(t, filepath.Join(m, "config.new"), []byte("new"), true)
	must(t, os.Rename(filepath.Join(m, "config.new"), filepath.Join(m, "config")))
	syncDir(t, m)
	cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "config"), []byte("new"))
	wantGone(t, filepath.Join(disk, "config.new"))
}

func TestCut_RenameAcrossDirs_EachDirCounts(t *testing.T) {
	f, disk := mount(t, Options{})
	m := f.Mountpoint()
	must(t, os.Mkdir(filepath.Join(m, "a"), 0o755))
	must(t, os.Mkdir(filepath.Join(m, "b"), 0o755))
	writeFile(t, filepath.Join(m, "a", "f"), []byte("moved"), true)
	syncDir(t, filepath.Join(m, "a"))
	syncDir(t, m)
	must(t, os.Rename(filepath.Join(m, "a", "f"), filepath.Join(m, "b", "f")))
	syncDir(t, filepath.Join(m, "b")) // the new name is durable; the old one not yet gone
	cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "a", "f"), []byte("moved"))
	wantContent(t, filepath.Join(disk, "b", "f"), []byte("moved"))
}

func TestCut_UnlinkWithoutDirSync_Back(t *testing.T) {
	f, disk := mount(t, Options{})
	m := f.Mountpoint()
	writeFile(t, filepath.Join(m, "store"), pages(2, 'd'), true)
	syncDir(t, m)
	fh, err := os.OpenFile(filepath.Join(m, "store"), os.O_WRONLY, 0)
	must(t, err)
	_, err = fh.WriteAt([]byte("unsynced"), 0)
	must(t, err)
	must(t, fh.Close())
	must(t, os.Remove(filepath.Join(m, "store")))
	rep := cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "store"), pages(2, 'd'))
	if rep.NamesRestored != 1 {
		t.Errorf("report %+v: want 1 name restored", rep)
	}
}

func TestCut_UnlinkAndDirSync_Gone(t *testing.T) {
	f, disk := mount(t, Options{})
	m := f.Mountpoint()
	writeFile(t, filepath.Join(m, "old"), []byte("x"), true)
	syncDir(t, m)
	must(t, os.Remove(filepath.Join(m, "old")))
	syncDir(t, m)
	cut(t, f, CutOptions{})
	wantGone(t, filepath.Join(disk, "old"))
}

func TestCut_MkdirWithoutParentSync_GoneWithContent(t *testing.T) {
	f, disk := mount(t, Options{})
	m := f.Mountpoint()
	d := filepath.Join(m, "var", "lib")
	must(t, os.MkdirAll(d, 0o750))
	writeFile(t, filepath.Join(d, "q.db"), []byte("x"), true)
	syncDir(t, d)
	syncDir(t, filepath.Join(m, "var")) // but not the root: var itself is not durable
	cut(t, f, CutOptions{})
	wantGone(t, filepath.Join(disk, "var"))
}

func TestCut_RmdirWithoutParentSync_Back(t *testing.T) {
	f, disk := mount(t, Options{})
	m := f.Mountpoint()
	must(t, os.Mkdir(filepath.Join(m, "d"), 0o750))
	syncDir(t, m)
	must(t, os.Remove(filepath.Join(m, "d")))
	cut(t, f, CutOptions{})
	if fi, err := os.Stat(filepath.Join(disk, "d")); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o750 {
		t.Fatalf("d after the cut: %v %v", fi, err)
	}
}

func TestCut_PresentAtMount_Durable(t *testing.T) {
	Require(t)
	dir := t.TempDir()
	disk, mnt := filepath.Join(dir, "disk"), filepath.Join(dir, "mnt")
	must(t, os.MkdirAll(filepath.Join(disk, "etc"), 0o755))
	must(t, os.Mkdir(mnt, 0o755))
	must(t, os.WriteFile(filepath.Join(disk, "etc", "conf"), []byte("before the mount"), 0o644))
	f, err := Mount(disk, mnt, Options{})
	must(t, err)
	must(t, os.Rename(filepath.Join(mnt, "etc", "conf"), filepath.Join(mnt, "conf")))
	cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "etc", "conf"), []byte("before the mount"))
	wantGone(t, filepath.Join(disk, "conf"))
}

func TestCut_Tear_EachPageOldOrNew(t *testing.T) {
	sawOld, sawNew := false, false
	for run := uint64(0); run < 8 && !(sawOld && sawNew); run++ {
		f, disk := mount(t, Options{Rand: rand.New(rand.NewPCG(run, 99))})
		p := filepath.Join(f.Mountpoint(), "db")
		old, nw := pages(4, 'a'), pages(6, 'N')
		writeFile(t, p, old, true)
		syncDir(t, f.Mountpoint())
		fh, err := os.OpenFile(p, os.O_WRONLY, 0)
		must(t, err)
		_, err = fh.WriteAt(nw, 0) // 4 pages over old ones, 2 appended
		must(t, err)
		must(t, fh.Close())
		cut(t, f, CutOptions{Tear: true})
		got, err := os.ReadFile(filepath.Join(disk, "db"))
		must(t, err)
		if len(got)%PageSize != 0 || len(got) < len(old) || len(got) > len(nw) {
			t.Fatalf("torn file has %d bytes", len(got))
		}
		for pg := 0; pg < len(got)/PageSize; pg++ {
			page := got[pg*PageSize : (pg+1)*PageSize]
			zero := make([]byte, PageSize)
			switch {
			case bytes.Equal(page, nw[pg*PageSize:(pg+1)*PageSize]):
				sawNew = true
			case pg < 4 && bytes.Equal(page, old[pg*PageSize:(pg+1)*PageSize]):
				sawOld = true
			case pg >= 4 && bytes.Equal(page, zero):
				sawOld = true
			default:
				t.Fatalf("page %d is neither old nor new: %.8q", pg, page)
			}
		}
	}
	if !sawOld || !sawNew {
		t.Fatalf("8 torn writes never mixed old and new pages (old %v, new %v)", sawOld, sawNew)
	}
}

func TestCut_WithoutTear_LastWriteLostWhole(t *testing.T) {
	f, disk := mount(t, Options{})
	p := filepath.Join(f.Mountpoint(), "db")
	writeFile(t, p, pages(4, 'a'), true)
	syncDir(t, f.Mountpoint())
	fh, err := os.OpenFile(p, os.O_WRONLY, 0)
	must(t, err)
	_, err = fh.WriteAt(pages(4, 'N'), 0)
	must(t, err)
	must(t, fh.Close())
	rep := cut(t, f, CutOptions{})
	wantContent(t, filepath.Join(disk, "db"), pages(4, 'a'))
	if rep.PagesLost != 4 || rep.PagesTorn != 0 {
		t.Errorf("report %+v: want 4 pages lost, none torn", rep)
	}
}

func TestMount_AfterCut_StartsFromDurableState(t *testing.T) {
	f, disk := mount(t, Options{})
	m := f.Mountpoint()
	writeFile(t, filepath.Join(m, "kept"), []byte("1"), true)
	writeFile(t, filepath.Join(m, "lost"), []byte("2"), true)
	syncDir(t, m)
	must(t, os.Remove(filepath.Join(m, "lost")))
	cut(t, f, CutOptions{})
	f2, err := Mount(disk, m, Options{})
	must(t, err)
	defer f2.Unmount()
	for _, name := range []string{"kept", "lost"} {
		if _, err := os.Stat(filepath.Join(m, name)); err != nil {
			t.Errorf("%s after remount: %v", name, err)
		}
	}
	writeFile(t, filepath.Join(m, "third"), []byte("3"), true)
	syncDir(t, m)
	cut(t, f2, CutOptions{})
	wantContent(t, filepath.Join(disk, "third"), []byte("3"))
}

func TestUnmount_KeepsEverything(t *testing.T) {
	f, disk := mount(t, Options{})
	writeFile(t, filepath.Join(f.Mountpoint(), "a"), []byte("never synced"), false)
	must(t, f.Unmount())
	wantContent(t, filepath.Join(disk, "a"), []byte("never synced"))
	if _, err := os.Stat(disk + ".attic"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("attic left behind: %v", err)
	}
}

// A store written without syncing its directory vanishes in a power cut.
func Example() {
	backing, mnt := "/tmp/disk", "/tmp/mnt" // existing, empty directories
	f, err := Mount(backing, mnt, Options{})
	if err != nil {
		panic(err)
	}
	os.WriteFile(filepath.Join(mnt, "store"), []byte("punch"), 0o600) // neither file nor directory synced
	if _, err := f.Cut(CutOptions{Tear: true}); err != nil {
		panic(err)
	}
	_, err = os.Stat(filepath.Join(backing, "store"))
	fmt.Println(errors.Is(err, os.ErrNotExist))
	// Mount(backing, mnt, Options{}) again to go on, as after a reboot.
}

func TestFreezeAfter_PowerFailsAtThatOperation(t *testing.T) {
	f, disk := mount(t, Options{})
	m := f.Mountpoint()
	writeFile(t, filepath.Join(m, "db"), []byte("synced"), true)
	syncDir(t, m)
	fh, err := os.OpenFile(filepath.Join(m, "db"), os.O_WRONLY, 0)
	must(t, err)
	frozen := f.FreezeAfter(2)
	_, err = fh.WriteAt([]byte("SY"), 0) // 1: passes, not synced
	must(t, err)
	must(t, fh.Sync()) // 2: passes
	done := make(chan error, 1)
	go func() {
		_, err := fh.WriteAt([]byte("XXXX"), 0) // 3: the power fails here
		fh.Close()
		done <- err
	}()
	<-frozen
	select {
	case err := <-done:
		t.Fatalf("third write returned (%v) before the cut", err)
	default:
	}
	cut(t, f, CutOptions{Tear: true})
	if err := <-done; err == nil {
		t.Fatal("the write held at the freeze succeeded")
	}
	wantContent(t, filepath.Join(disk, "db"), []byte("SYnced"))
}

// TestFreezeAfter_LinkAndFchownHeldUntilCut freezes before a hard link
// and before an fchown (the SETATTR a config writer sends): each waits for
// the cut, then fails without having taken effect.
func TestFreezeAfter_LinkAndFchownHeldUntilCut(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   func(m string, fh *os.File) error
		gone string // what the held operation would have created
	}{
		{"link", func(m string, fh *os.File) error {
			return os.Link(filepath.Join(m, "cfg"), filepath.Join(m, "cfg.bak"))
		}, "cfg.bak"},
		{"fchown", func(m string, fh *os.File) error { return fh.Chown(-1, 1) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, disk := mount(t, Options{})
			m := f.Mountpoint()
			writeFile(t, filepath.Join(m, "cfg"), []byte("old"), true)
			syncDir(t, m)
			fh, err := os.Open(filepath.Join(m, "cfg"))
			must(t, err)
			frozen := f.FreezeAfter(0)
			done := make(chan error, 1)
			go func() {
				err := tc.op(m, fh)
				fh.Close()
				done <- err
			}()
			select {
			case <-frozen:
			case err := <-done:
				t.Fatalf("%s passed the freeze: %v", tc.name, err)
			}
			select {
			case err := <-done:
				t.Fatalf("%s returned (%v) before the cut", tc.name, err)
			default:
			}
			cut(t, f, CutOptions{})
			if err := <-done; !errors.Is(err, syscall.EIO) {
				t.Fatalf("%s held at the freeze: %v, want EIO", tc.name, err)
			}
			wantContent(t, filepath.Join(disk, "cfg"), []byte("old"))
			var st syscall.Stat_t
			must(t, syscall.Stat(filepath.Join(disk, "cfg"), &st))
			if st.Gid == 1 {
				t.Fatal("the fchown held at the freeze took effect")
			}
			if tc.gone != "" {
				wantGone(t, filepath.Join(disk, tc.gone))
			}
		})
	}
}
