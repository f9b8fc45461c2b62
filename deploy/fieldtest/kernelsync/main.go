// Command kernelsync reads or sets the kernel clock's "synchronised" status
// (adjtimex STA_UNSYNC) for the field test on machines without NTP.
//
//	kernelsync           print "synced" or "unsynced"; exit 0
//	kernelsync mark      clear STA_UNSYNC and the error estimates, as an NTP
//	                     daemon does after it disciplined the clock; prints
//	                     the previous status word
//	kernelsync restore N set the status word back to N (from mark)
//
// It changes no time, only the status bits; it needs CAP_SYS_TIME (root
// outside a container). Without NTP the kernel sets STA_UNSYNC again by
// itself once its error estimate passes 16 s (hours later); restore sets it
// at once.
package main

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// staUnsync is the kernel's STA_UNSYNC status bit.
const staUnsync = 0x0040

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kernelsync:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return fmt.Errorf("adjtimex (read): %w", err)
	}
	switch {
	case len(args) == 0:
		if state != unix.TIME_ERROR && tx.Status&staUnsync == 0 {
			fmt.Println("synced")
		} else {
			fmt.Println("unsynced")
		}
		return nil
	case len(args) == 1 && args[0] == "mark":
		old := tx.Status
		set := unix.Timex{Modes: unix.ADJ_STATUS | unix.ADJ_MAXERROR | unix.ADJ_ESTERROR, Status: old &^ staUnsync}
		if _, err := unix.Adjtimex(&set); err != nil {
			return fmt.Errorf("adjtimex (mark synchronised): %w", err)
		}
		fmt.Println(old)
		return nil
	case len(args) == 2 && args[0] == "restore":
		st, err := strconv.ParseInt(args[1], 10, 32)
		if err != nil {
			return fmt.Errorf("restore %q: want the status word printed by mark", args[1])
		}
		set := unix.Timex{Modes: unix.ADJ_STATUS, Status: int32(st)}
		if _, err := unix.Adjtimex(&set); err != nil {
			return fmt.Errorf("adjtimex (restore status): %w", err)
		}
		return nil
	}
	return fmt.Errorf("usage: kernelsync [mark | restore STATUS]")
}
