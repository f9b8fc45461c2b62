// Package provision is what a technician needs to bring a terminal up:
// writing a first configuration with its secrets (`stampctl init`) and the
// checklist that proves the terminal can reach its time-tracking system
// (`stampctl check`).
package provision

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"stampclock/device/config"
)

// Step is one line of the checklist.
type Step struct {
	Name string `json:"step"`
	// OK is false for a failed step; Skipped steps are neither.
	OK      bool   `json:"ok"`
	Skipped bool   `json:"skipped,omitempty"`
	Detail  string `json:"detail"`
	// Config marks a failure of the configuration itself (credentials, a
	// time type id, a user), not of reaching the server: stampd shows it
	// in its status until it is put right.
	Config bool `json:"config_problem,omitempty"`
	// Off marks the skipped step of an uplink that is not configured
	// (uplink.Kind.WhenOff): nothing was left unreached.
	Off bool `json:"-"`
}

// configError marks an error as a configuration problem (Step.Config).
type configError struct{ error }

func (e configError) Unwrap() error { return e.error }

// ConfigProblems returns the failed steps that are configuration problems.
func ConfigProblems(steps []Step) []Step {
	var out []Step
	for _, s := range steps {
		if s.Config && !s.OK && !s.Skipped {
			out = append(out, s)
		}
	}
	return out
}

// CheckUplinks runs only the uplinks' steps of Check (their DNS, TCP, TLS,
// API, login, time type, users, tokens and ids): what stampd checks at
// start and after a reload.
func CheckUplinks(ctx context.Context, cfg *config.Config, env Env) []Step {
	if env.Resolver == nil {
		env.Resolver = net.DefaultResolver
	}
	return checkListed(ctx, cfg, env)
}

// collector returns the add and skip functions that append to steps.
func collector(steps *[]Step) (add func(string, error, string) bool, skip func(string, string)) {
	add = func(name string, err error, okDetail string) bool {
		s := Step{Name: name, OK: err == nil, Detail: okDetail}
		if err != nil {
			s.Detail = err.Error()
			s.Config = errors.As(err, new(configError))
		}
		*steps = append(*steps, s)
		return err == nil
	}
	skip = func(name, why string) { *steps = append(*steps, Step{Name: name, Skipped: true, Detail: why}) }
	return add, skip
}

// Env is what the checks need from the machine; tests replace parts.
type Env struct {
	// Synced reports the clock's sync state (adjtimex), or why it cannot
	// be read.
	Synced func() (bool, error)
	// Service is the account stampd runs as: every file the config names
	// must be readable by it. Nil: not checked (no such user here).
	Service *config.Account
	// Reader asks the running stampd for the reader's health: ok, detail,
	// and running=false when stampd does not answer.
	Reader func(ctx context.Context) (ok bool, detail string, running bool)
	// Probe opens the configured reader itself, for when stampd is not
	// running. Nil: the step is skipped then.
	Probe func() (detail string, err error)
	// Resolver looks host names up. Default net.DefaultResolver.
	Resolver *net.Resolver
	// TLSConfig is used for the TLS step and the API calls (tests add
	// their CA). Default: system roots.
	TLSConfig *tls.Config
	// MinFreeBytes is the free space the queue's filesystem must have.
	// Default 100 MB.
	MinFreeBytes uint64
}

// Check runs the checklist for cfg. It runs every step it can, even after a
// failure, so the technician sees everything at once.
func Check(ctx context.Context, cfg *config.Config, env Env) []Step {
	if env.Resolver == nil {
		env.Resolver = net.DefaultResolver
	}
	if env.MinFreeBytes == 0 {
		env.MinFreeBytes = 100 << 20
	}
	var steps []Step
	add, skip := collector(&steps)
	if env.Service != nil {
		checkFiles(cfg, *env.Service, add)
		checkDevices(cfg, *env.Service, add)
	}
	steps = append(steps, CheckUplinks(ctx, cfg, env)...)
	if env.Reader != nil {
		ok, detail, running := env.Reader(ctx)
		switch {
		case !running && env.Probe != nil:
			detail, err := env.Probe()
			add("reader answering", err, cfg.Reader.Type+": "+detail)
		case !running:
			skip("reader answering", "stampd is not running: start it (systemctl start stampd) and check again")
		case ok:
			add("reader answering", nil, cfg.Reader.Type+": "+detail)
		default:
			add("reader answering", fmt.Errorf("%s: %s", cfg.Reader.Type, detail), "")
		}
	}
	if env.Synced != nil {
		synced, err := env.Synced()
		switch {
		case err != nil:
			err = fmt.Errorf("cannot tell (%v): stampd will hold punches as untrusted", err)
		case !synced:
			err = errors.New("the system clock is not synchronised (NTP): punches are held until it is; check `timedatectl` and network time")
		}
		add("clock synchronised", err, "NTP synchronised")
	}
	detail, err := freeSpace(cfg.Store.Path, env.MinFreeBytes)
	add("free disk for the queue", err, detail)
	return steps
}

// httpClient returns a client using tc (nil: system defaults).
func httpClient(tc *tls.Config) *http.Client {
	if tc == nil {
		return nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// checkFiles checks that the service account can read the config and every
// file it names, as the rule in device/config/files.go says.
func checkFiles(cfg *config.Config, acct config.Account, add func(string, error, string) bool) {
	files := cfg.Files()
	paths := []string{cfg.Path}
	for _, p := range files {
		paths = append(paths, p)
	}
	var errs []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if err := acct.CanRead(p, fi); err != nil {
			errs = append(errs, err.Error())
		}
	}
	add("files readable by "+acct.Name, joinErr(errs), fmt.Sprintf("the config and the %d files it names", len(files)))
}

func joinErr(errs []string) error {
	if len(errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(errs, "; "))
}

// freeSpace checks the filesystem of the store's directory.
func freeSpace(storePath string, min uint64) (string, error) {
	dir := filepath.Dir(storePath)
	for {
		if _, err := os.Stat(dir); err == nil || dir == "/" || dir == "." {
			break
		}
		dir = filepath.Dir(dir)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return "", fmt.Errorf("statfs %s: %w", dir, err)
	}
	free := st.Bavail * uint64(st.Bsize)
	detail := fmt.Sprintf("%d MB free on %s", free>>20, dir)
	if free < min {
		return "", fmt.Errorf("%s; want at least %d MB for the queue", detail, min>>20)
	}
	return detail, nil
}
