// Command stampd is the stamp clock daemon: badge taps in, durable punches,
// entries out to the time-tracking system. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"stampclock/device/config"
	"stampclock/device/control"
	"stampclock/device/daemon"
	"stampclock/device/sdnotify"
	"stampclock/device/web"
	"stampclock/internal/logqueue"
	"stampclock/queue"
)

// version and buildDate are set at build time
// (-ldflags "-X main.version=... -X main.buildDate=2026-11-23").
var (
	version   = "dev"
	buildDate = ""
)

// Exit statuses of --check-store: a damaged store (moved aside at start)
// and a sound store holding records that cannot be decoded (quarantined at
// start).
const (
	exitCorrupt     = 3
	exitUndecodable = 4
	exitCommitLost  = 5
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 3 && args[0] == checkStoreWorkerFlag {
		return checkStoreWorker(args[2], args[1] == "records", os.Stderr)
	}
	fs := flag.NewFlagSet("stampd", flag.ContinueOnError)
	cfgPath := fs.String("config", "/etc/stampclock/stampd.toml", "configuration file")
	showVersion := fs.Bool("version", false, "print the version and exit")
	checkStore := fs.String("check-store", "", "check the store file `PATH` and exit: 0 good, 3 damaged, 4 records that cannot be decoded, 5 last commit may be lost, 1 other error")
	checkRecords := fs.Bool("check-records", true, "with --check-store: decode every record too (seconds per million records)")
	salvage := fs.String("salvage", "", "export the records readable in the store file `PATH` as JSON lines and exit (what `stampctl salvage` runs)")
	probe := fs.Bool("probe-reader", false, "open the reader of --config once, print what was found and exit: 0 it opens, 1 it does not (stampctl check runs it while stampd is not running)")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Println("usage: stampd [--config FILE] | --check-store FILE | --salvage FILE | --probe-reader [--config FILE] | --version  (man stampd)")
		fs.SetOutput(os.Stdout)
		fs.PrintDefaults()
		return 0
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "stampd: %v\nsee: stampd -h\n", err)
		return 2
	}
	if *showVersion {
		fmt.Println("stampd", version)
		return 0
	}
	if *checkStore != "" {
		return checkStoreFile(*checkStore, *checkRecords, os.Stderr)
	}
	if *salvage != "" {
		return salvageFile(*salvage, os.Stdout)
	}
	if *probe {
		return probeReader(*cfgPath, os.Stdout, os.Stderr)
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stampd:", err)
		return 1
	}
	if pid, held := storeHolder(cfg.Store.Path); held {
		fmt.Fprintln(os.Stderr, "stampd:", holderError(cfg.Store.Path, pid))
		return 1
	}
	// The log goes out from a goroutine of its own: no tap waits for
	// journald to take its line.
	logOut := logqueue.New(os.Stderr, 0)
	defer logOut.Close()
	log := newLogger(cfg.Log, logOut)
	check := func(path string) error { return checkInChild(path, log) }
	feed := web.NewFeed(0, nil)
	d, err := daemon.New(cfg, daemon.Options{Logger: log, Version: version, MinTime: minTime(), CheckStore: check, OnTap: feed.Add})
	if err != nil {
		log.Error("start failed", "err", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := startWeb(ctx, cfg, d, feed, log); err != nil {
		log.Error("start failed", "err", err)
		return 1
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			if _, err := d.ReloadFile(); err != nil {
				log.Error("reload failed; keeping the old badges", "err", err)
			}
		}
	}()
	go notifySystemd(ctx, cfg.Control.Socket, log)
	if err := d.Run(ctx); err != nil {
		log.Error("stopped with error", "err", err)
		return 1
	}
	return 0
}

func newLogger(c config.Log, out io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// minTime is the build date: a clock reading before it cannot be right.
func minTime() time.Time {
	t, _ := time.Parse("2006-01-02", buildDate)
	return t // zero (then clock.Earliest applies) when not set
}

// checkInChild runs `stampd --check-store PATH` in a child process: bbolt's
// checker can crash on a damaged file, and its page reads stay out of the
// daemon's memory. Exit 3 or a crash means damaged. When the checker cannot
// be started at all (no such executable), the check is skipped with a
// warning rather than blocking the terminal.
func checkInChild(path string, log *slog.Logger) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil // a new store
	}
	exe, err := os.Executable()
	if err != nil {
		log.Warn("store not checked: cannot find own executable", "err", err)
		return nil
	}
	// Pages only: the daemon decodes the records in the background.
	out, err := exec.Command(exe, "--check-store", path, "--check-records=false").CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &ee):
		log.Warn("store not checked: cannot run the checker", "exe", exe, "err", err)
		return nil
	case ee.ExitCode() == 1:
		return fmt.Errorf("check store %s: %s", path, out)
	case ee.ExitCode() == exitUndecodable:
		return fmt.Errorf("%w: %s", queue.ErrUndecodable, tail(string(out), 500))
	case ee.ExitCode() == exitCommitLost:
		return nil // the daemon checks the commits itself and raises the alarm
	}
	return fmt.Errorf("%w: %s: checker: %v: %s", queue.ErrCorrupt, path, err, tail(string(out), 500))
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// notifySystemd tells systemd (Type=notify) that stampd is ready once its
// control socket answers, feeds the watchdog while the daemon keeps
// answering a status request (which goes through the store and the agent),
// and reports STOPPING=1 at shutdown. Outside systemd it does nothing.
func notifySystemd(ctx context.Context, socket string, log *slog.Logger) {
	n := &sdnotify.Notifier{Logger: log}
	healthy := func() bool {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return control.Call(pctx, socket, "status", nil, nil) == nil
	}
	for !healthy() {
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := n.Ready(); err != nil {
		log.Warn("systemd notify", "err", err)
	}
	_ = n.Status("running")
	go func() {
		<-ctx.Done()
		_ = n.Stopping()
	}()
	if err := n.Watchdog(ctx, healthy); err != nil {
		log.Warn("systemd watchdog off", "err", err)
	}
}
