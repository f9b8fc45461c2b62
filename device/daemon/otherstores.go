package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"stampclock/device/config"
	"stampclock/queue"
)

// A store.path changed by mistake (a typo, a config copied from another
// terminal, the store "moved" to a new disk in the config only) makes
// stampd start with a new, empty store: the punches still waiting in the
// old one are out of sight, and never sent. When stampd creates its store,
// it looks for other store files beside it and at the default path, and
// names them (log, status) until the next start.

// otherStores returns the store files other than path that hold something
// (a *.db file beside path or the default store, with bbolt's marker),
// when path itself does not exist yet; nil otherwise.
func otherStores(path string) []string {
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		return nil // not a new store
	}
	candidates, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.db"))
	candidates = append(candidates, config.DefaultStorePath)
	var out []string
	for _, c := range candidates {
		fi, err := os.Stat(c)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 || slices.Contains(out, c) || c == path {
			continue
		}
		if queue.Identify(c) == nil {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// otherStoresNote is what status says about stores found beside a new
// one; "" when there are none.
func otherStoresNote(path string, others []string) string {
	if len(others) == 0 {
		return ""
	}
	return fmt.Sprintf("store.path %s was created at this start, but other stores lie beside it: %s. "+
		"Their records are not sent from here: if store.path was changed by mistake, stop stampd and put it back; "+
		"else export them with `stampctl salvage FILE`", path, strings.Join(others, ", "))
}
