package uplink

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"time"

	"stampclock/queue/record"
)

// Kind declares one delivery target: its name (the config section and
// the queue's pending set), the records it takes, its section, its
// constructor and its checks. An uplink package exports one Kind and the
// list in uplink/uplinks names it; the daemon, config loading,
// `stampctl check` and `stampctl init` walk that list and spell no uplink's name.
type Kind struct {
	// Name is the TOML section and the name of the uplink's pending set.
	Name string
	// Entries: the uplink takes only entries and their retractions
	// (queue.KindRetract, shifts across terminals), each vetted by the
	// daemon's entry check (trusted times, unlocked days) before it is
	// sent, as a time-tracking system needs; a sender that cannot remove
	// an entry from its receiver logs that it skips the retraction, and
	// why. Otherwise it takes every record as it is.
	Entries bool
	// Section returns a new, empty section for the config file to be
	// decoded into.
	Section func() Section
	// New builds the uplink from its enabled, prepared section.
	New func(s Section, env Env) (Built, error)
	// Check, if set, runs the uplink's `stampctl check` steps against its
	// receiver.
	Check func(ctx context.Context, s Section, env CheckEnv) []CheckStep
	// WhenOff, if set, is shown by `stampctl check` as a skipped step
	// when the section is off (the uplink a terminal is expected to have;
	// `stampctl init` sets it up unless told otherwise).
	WhenOff string
	// Init, if set, holds the questions `stampctl init` asks for the
	// uplink and writes its section from.
	Init *Init
}

// Records returns the record kinds the uplink takes (nil: every kind).
func (k Kind) Records() []record.Kind {
	if k.Entries {
		return []record.Kind{record.KindEntry, record.KindRetract}
	}
	return nil
}

// Section is an uplink's config section. Its keys are named
// "<kind>.<key>" in errors; unknown keys are errors like anywhere in the
// file.
type Section interface {
	// Enabled tells whether the section configures the uplink (its
	// required keys are set); a disabled section is not prepared.
	Enabled() bool
	// Prepare fills the defaults, reads the secret files and validates.
	// Errors name the key and what was expected.
	Prepare(g Globals) error
	// Files returns the secret or key files the section names, by key:
	// what the service must be able to read.
	Files() map[string]string
}

// Globals is what a section may need from the rest of the config.
type Globals struct {
	// DeviceID is device.id (after its default).
	DeviceID string
	// ReadSecret reads a secret file, refusing one others may read.
	ReadSecret func(path string) (string, error)
	// ValidEmail tells whether s is an email address as badges take it.
	ValidEmail func(s string) bool
	// CheckPrivate refuses a key file that others may read or its group
	// may write, saying how to put it right.
	CheckPrivate func(path string) error
}

// Env is what the daemon gives an uplink's constructor.
type Env struct {
	DeviceID string
	// Location is punch.timezone.
	Location *time.Location
	// Now is the injected clock.
	Now func() time.Time
	// After is the injected one-shot wait (the daemon's timers), for an
	// uplink that runs a loop of its own; nil means time.After.
	After func(time.Duration) <-chan time.Time
	// Logger is stampd's; the uplink adds its name (key "uplink").
	Logger *slog.Logger
	// HTTPClient, if set, replaces the default client (tests inject
	// transports).
	HTTPClient *http.Client
	// Ledger is the store's record of what was handed to receivers.
	Ledger Ledger
	// Version is stampd's version.
	Version string
	// Resume ends the backoff of the uplink's runner at once, for an
	// uplink that learns its receiver is back (a broker connection made).
	Resume func()
	// Report returns the terminal's state, for an uplink that publishes a
	// status.
	Report func() Report
}

// Built is a constructed uplink.
type Built struct {
	// Sender delivers the records; a BatchSender keeps several in flight.
	Sender Sender
	// Batch is how many records the runner claims at once (0: its default).
	Batch int
	// Run, if set, runs beside the runner until ctx is done (a status
	// publisher, a connection keeper).
	Run func(ctx context.Context) error
	// Changed, if set, is called whenever the terminal's state changed (a
	// record committed, a batch settled) and never blocks: an uplink that
	// publishes a status refreshes it.
	Changed func()
	// Conn, if set, returns the uplink's connection to its receiver, shown
	// in its status entry.
	Conn func() ConnState
}

// CheckEnv is what an uplink's checks may use.
type CheckEnv struct {
	// HTTPClient talks to the receiver (with the machine's TLS roots or
	// the test's).
	HTTPClient *http.Client
	// TLSConfig is the TLS step's (nil: system roots); Resolver the DNS
	// step's (nil: the system's).
	TLSConfig *tls.Config
	Resolver  *net.Resolver
	Location  *time.Location
	DeviceID  string
	// Emails are the configured badges' emails.
	Emails []string
}

// CheckStep is one line of `stampctl check` from an uplink.
type CheckStep struct {
	Name string
	// Err is nil for a passed step.
	Err error
	// Detail says what passed; Skipped steps say why here.
	Detail  string
	Skipped bool
	// Config marks a failure of the configuration itself (a refused
	// secret), not of reaching the receiver.
	Config bool
}
