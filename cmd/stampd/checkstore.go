package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"stampclock/queue"
)

// checkStoreWorkerFlag runs the check itself; --check-store runs it in a
// child with this flag, because bbolt's checker can crash (an assertion
// panic in a goroutine of its own, which no recover reaches) on a damaged
// file, and the help promises exit 3 for a damaged file, not a Go panic.
const checkStoreWorkerFlag = "--check-store-worker"

// checkStoreFile is `stampd --check-store PATH`: 0 good, 3 damaged (also when
// the checker crashed), 4 records that cannot be decoded (only with
// records), 5 the last commit may be lost, 1 any other error (no such
// file, locked by a running stampd, permission).
func checkStoreFile(path string, records bool, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "stampd: check store: cannot find own executable:", err)
		return 1
	}
	what := "pages"
	if records {
		what = "records"
	}
	cmd := exec.Command(exe, checkStoreWorkerFlag, what, path)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case !errors.As(err, &ee):
		fmt.Fprintln(stderr, "stampd: check store: cannot run the checker:", err)
		return 1
	case ee.ExitCode() == exitCorrupt || ee.ExitCode() == exitUndecodable || ee.ExitCode() == exitCommitLost || ee.ExitCode() == 1:
		fmt.Fprint(stderr, out.String())
		return ee.ExitCode()
	}
	// A crash: say it once, with the checker's first line (the panic).
	first, _, _ := strings.Cut(strings.TrimSpace(out.String()), "\n")
	fmt.Fprintf(stderr, "stampd: %v: %s: the checker crashed on the damaged file (%s)\n", queue.ErrCorrupt, path, first)
	return exitCorrupt
}

// checkStoreWorker checks the file in this process (the child): its pages,
// with records every record's encoding, and its last commit.
func checkStoreWorker(path string, records bool, stderr io.Writer) int {
	err := queue.CheckFile(path, 5*time.Second)
	if err == nil && records {
		err = queue.CheckRecords(path, 5*time.Second)
	}
	if err != nil {
		fmt.Fprintln(stderr, "stampd:", err)
		switch {
		case errors.Is(err, queue.ErrCorrupt):
			return exitCorrupt
		case errors.Is(err, queue.ErrUndecodable):
			return exitUndecodable
		}
		return 1
	}
	if err := queue.CheckCommits(path); err != nil {
		fmt.Fprintln(stderr, "stampd:", err)
		if errors.Is(err, queue.ErrCommitLost) {
			return exitCommitLost
		}
	}
	return 0
}
