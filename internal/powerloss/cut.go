package powerloss

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// rollBack turns the backing directory into its durable state. It runs
// unmounted, with f.mu held.
func (f *FS) rollBack(opts CutOptions) (CutReport, error) {
	var rep CutReport
	paths, err := f.paths()
	if err != nil {
		return rep, err
	}
	// File content first, while every inode still has a path.
	for ino, st := range f.files {
		p, ok := paths[ino]
		if !ok {
			continue // no name left anywhere: nothing can reach it
		}
		var torn map[int64]bool
		if opts.Tear && f.last != nil && f.last.ino == ino {
			torn = map[int64]bool{}
			for pg := f.last.first; pg <= f.last.last; pg++ {
				if f.opts.Rand.IntN(2) == 0 {
					torn[pg] = true
				}
			}
		}
		if err := restoreFile(p, st, torn, &rep); err != nil {
			return rep, err
		}
	}
	// Then the directory tree, built afresh from the durable entries
	// (hard links keep the inodes) and moved into place.
	staging := filepath.Join(f.attic, "staging")
	if err := os.Mkdir(staging, 0o700); err != nil {
		return rep, err
	}
	b := builder{f: f, paths: paths, seen: map[uint64]bool{}, rep: &rep}
	if err := b.build(f.rootIno, f.backing, staging); err != nil {
		return rep, err
	}
	old, err := os.ReadDir(f.backing)
	if err != nil {
		return rep, err
	}
	for _, e := range old {
		if err := os.RemoveAll(filepath.Join(f.backing, e.Name())); err != nil {
			return rep, err
		}
	}
	fresh, err := os.ReadDir(staging)
	if err != nil {
		return rep, err
	}
	for _, e := range fresh {
		if err := os.Rename(filepath.Join(staging, e.Name()), filepath.Join(f.backing, e.Name())); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// paths maps every inode in the backing directory and the attic to one of
// its paths.
func (f *FS) paths() (map[uint64]string, error) {
	m := map[uint64]string{}
	for _, top := range []string{f.backing, f.attic} {
		err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ino, err := inoOf(p)
			if err != nil {
				return err
			}
			if _, ok := m[ino]; !ok {
				m[ino] = p
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// restoreFile gives the file at p its durable content and size back,
// except for the pages in torn, which keep what was written last.
func restoreFile(p string, st *fileState, torn map[int64]bool, rep *CutReport) error {
	fi, err := os.Lstat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return err
	}
	w, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer w.Close()
	for pg, data := range st.old {
		if torn[pg] {
			rep.PagesTorn++
			continue
		}
		if _, err := w.WriteAt(data, pg*PageSize); err != nil {
			return err
		}
		rep.PagesLost++
	}
	cur := fi.Size()
	size := st.size
	for pg := range torn {
		if end := min((pg+1)*PageSize, cur); end > size {
			size = end
		}
	}
	// Beyond the durable size, a page that did not reach the disk reads
	// as zeros.
	for pg := st.size / PageSize; pg*PageSize < size; pg++ {
		from, to := max(pg*PageSize, st.size), min((pg+1)*PageSize, size)
		if torn[pg] {
			if _, ok := st.old[pg]; !ok {
				rep.PagesTorn++
			}
			continue
		}
		if from < to {
			if _, err := w.WriteAt(make([]byte, to-from), from); err != nil {
				return err
			}
		}
	}
	for pg := st.size / PageSize; pg*PageSize < cur; pg++ {
		if _, ok := st.old[pg]; !ok && !torn[pg] {
			rep.PagesLost++
		}
	}
	if size != cur {
		rep.FilesResized++
		if err := w.Truncate(size); err != nil {
			return err
		}
	}
	return nil
}

// builder rebuilds the durable directory tree in a staging directory.
type builder struct {
	f     *FS
	paths map[uint64]string
	seen  map[uint64]bool // directories placed, so a directory appears once
	rep   *CutReport
}

// build fills dst with the durable entries of the directory ino, found at
// src.
func (b *builder) build(ino uint64, src, dst string) error {
	b.seen[ino] = true
	cur, err := listing(src)
	if err != nil {
		return err
	}
	want, changed := b.f.dirs[ino]
	if !changed {
		want = cur
	}
	for name, ci := range cur {
		if want[name] != ci {
			b.rep.NamesLost++
		}
	}
	for name, ci := range want {
		if cur[name] != ci {
			b.rep.NamesRestored++
		}
		from, ok := b.paths[ci]
		if !ok {
			return fmt.Errorf("entry %s of %s: inode %d is gone", name, src, ci)
		}
		to := filepath.Join(dst, name)
		fi, err := os.Lstat(from)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			if err := os.Link(from, to); err != nil {
				return err
			}
			continue
		}
		if b.seen[ci] {
			continue
		}
		if err := os.Mkdir(to, fi.Mode().Perm()); err != nil {
			return err
		}
		sys := fi.Sys().(*syscall.Stat_t)
		if err := os.Lchown(to, int(sys.Uid), int(sys.Gid)); err != nil {
			return err
		}
		if err := os.Chmod(to, fi.Mode()&(fs.ModePerm|fs.ModeSetgid|fs.ModeSticky|fs.ModeSetuid)); err != nil {
			return err
		}
		if err := b.build(ci, from, to); err != nil {
			return err
		}
	}
	return nil
}
