package provision

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"stampclock/device/config"
)

// checkDevices checks that the service account may open the device files
// the selected reader opens (its section's Files), as the reader will:
// for reading, or reading and writing. A reader that opens no file (the
// simulator) adds no step.
func checkDevices(cfg *config.Config, acct config.Account, add func(string, error, string) bool) {
	files := cfg.Reader.Files()
	if len(files) == 0 {
		return
	}
	var errs, ok []string
	for _, key := range slices.Sorted(maps.Keys(files)) {
		f := files[key]
		access := "read"
		if f.Write {
			access = "read, write"
		}
		fi, err := os.Stat(f.Path)
		if err == nil {
			err = acct.CanOpen(f.Path, fi, f.Write)
		}
		if err != nil {
			errs = append(errs, key+": "+err.Error())
			continue
		}
		ok = append(ok, fmt.Sprintf("%s (%s)", f.Path, access))
	}
	add("reader devices for "+acct.Name, joinErr(errs), strings.Join(ok, ", "))
}
