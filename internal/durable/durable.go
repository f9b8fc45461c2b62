package durable

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// SyncDir fsyncs the directory dir, making the creation, renaming and
// removal of its entries durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("durable: sync directory %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("durable: sync directory %s: %w", dir, err)
	}
	return nil
}

// MkdirAll creates dir and any missing parents with mode perm, like
// os.MkdirAll, and syncs the parent of every directory it created, so the
// new directories survive a power cut.
func MkdirAll(dir string, perm os.FileMode) error {
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("durable: create directory %s: not a directory", dir)
		}
		return nil
	}
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("durable: create directory %s: %w", dir, err)
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, perm); err != nil {
		return fmt.Errorf("durable: create directory %s: %w", dir, err)
	}
	for _, d := range missing {
		if err := SyncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

// Rename renames oldpath to newpath and syncs the directories of both, so
// after a power cut the file is found under the new name and not under the
// old one. The file's data must already be durable (see WriteFile).
func Rename(oldpath, newpath string) error {
	if err := os.Rename(oldpath, newpath); err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	if err := SyncDir(filepath.Dir(newpath)); err != nil {
		return err
	}
	if filepath.Dir(oldpath) != filepath.Dir(newpath) {
		return SyncDir(filepath.Dir(oldpath))
	}
	return nil
}

// WriteFile replaces the file at path with data, atomically and durably:
// after a power cut path holds either its old content or data, never a
// mixture, an empty file or nothing. It writes a temporary file in the same
// directory with mode perm, fsyncs it, renames it over path and fsyncs the
// directory.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Replace(path, data, perm, nil)
}

// Replace is WriteFile with a check: before the temporary file is renamed
// over path, check (when not nil) is called with the temporary file's
// name, for example to validate it or to change its owner. An error from
// check removes the temporary file and leaves path as it was.
func Replace(path string, data []byte, perm os.FileMode, check func(tmp string) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("durable: write %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return fail(fmt.Errorf("durable: write %s: %w", path, err))
	}
	if _, err := f.Write(data); err != nil {
		return fail(fmt.Errorf("durable: write %s: %w", path, err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("durable: sync %s: %w", tmp, err))
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("durable: write %s: %w", path, err)
	}
	if check != nil {
		if err := check(tmp); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("durable: install %s: %w", path, err)
	}
	return SyncDir(dir)
}
