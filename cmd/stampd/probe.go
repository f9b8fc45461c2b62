package main

import (
	"fmt"
	"io"

	"stampclock/device/config"
	"stampclock/device/daemon"
)

// probeReader opens the reader of the config at path once and closes it
// (`stampd --probe-reader`): what `stampctl check` runs while stampd is
// not running, so the CLI itself links no reader driver. It prints what
// it found on out and returns 0, or the error on errOut and returns 1.
func probeReader(path string, out, errOut io.Writer) int {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(errOut, "stampd:", err)
		return 1
	}
	detail, err := daemon.ProbeReader(cfg)
	if err != nil {
		fmt.Fprintln(errOut, "stampd:", err)
		return 1
	}
	fmt.Fprintln(out, detail)
	return 0
}
