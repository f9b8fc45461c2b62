// Command kernelsync reads or sets the kernel clock's "synchronised" status
// (adjtimex STA_UNSYNC) for the field test on machines without NTP.
//
//	kernelsync           print "synced" or "unsynced"; exit 0
//	kernelsync mark      clear STA_UNSYNC and the error estimates, as an NTP
//	                     daemon does after it disciplined the clock; prints
//	                     the previous status word
//	kernelsync hold      mark it synchronised again whenever it is found
//	                     unsynchronised, until SIGTERM (for a machine whose
//	                     time something steps: each step unsynchronises it)
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
	"os/signal"
	"strconv"
	"syscall"

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
		if err := mark(tx.Status); err != nil {
			return err
		}
		fmt.Println(tx.Status)
		return nil
	case len(args) == 1 && args[0] == "hold":
		return hold()
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
	return fmt.Errorf("usage: kernelsync [mark | hold | restore STATUS]")
}

// mark clears STA_UNSYNC in status and the error estimates.
func mark(status int32) error {
	set := unix.Timex{Modes: unix.ADJ_STATUS | unix.ADJ_MAXERROR | unix.ADJ_ESTERROR, Status: status &^ staUnsync}
	if _, err := unix.Adjtimex(&set); err != nil {
		return fmt.Errorf("adjtimex (mark synchronised): %w", err)
	}
	return nil
}

// hold marks the clock synchronised again whenever it is found
// unsynchronised, until it is killed: as an NTP daemon keeps a clock that
// something else steps (every step of the time, by anyone, makes the
// kernel set STA_UNSYNC). It looks every 100 µs and prints how many times
// it marked when it ends on SIGTERM.
func hold() error {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	marks := 0
	for {
		select {
		case <-stop:
			fmt.Printf("marked synchronised again %d times\n", marks)
			return nil
		default:
		}
		var tx unix.Timex
		state, err := unix.Adjtimex(&tx)
		if err != nil {
			return fmt.Errorf("adjtimex (read): %w", err)
		}
		if state == unix.TIME_ERROR || tx.Status&staUnsync != 0 {
			if err := mark(tx.Status); err != nil {
				return err
			}
			marks++
		}
		_ = unix.Nanosleep(&unix.Timespec{Nsec: 100_000}, nil)
	}
}
