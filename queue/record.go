package queue

import "time"

// Kind is what a record is.
type Kind string

// Record kinds.
const (
	KindPunch Kind = "punch" // a start or stop tap of a known badge
	KindEntry Kind = "entry" // a paired start/stop: what time-tracking systems want
	KindEvent Kind = "event" // anything else worth reporting (unknown badge, missing stop, faults)
	// KindRetract withdraws a record this terminal wrote before: a site
	// entry (or missing stop) that a late tap of shifts across terminals
	// made wrong. Retracts names the record; Email, Start and End repeat
	// its; Detail says why.
	KindRetract Kind = "retract"
)

// Punch actions.
const (
	ActionStart = "start"
	ActionStop  = "stop"
)

// Event names.
const (
	EventUnknownBadge = "unknown_badge"
	EventMissingStop  = "missing_stop"
	EventReaderFault  = "reader_fault"
	EventStoreFault   = "store_fault"
	// EventStoreNearFull: the store crossed its warning size.
	EventStoreNearFull = "store_near_full"
	// EventRecordQuarantined: a record cannot be decoded; it is kept as
	// it is and no longer delivered.
	EventRecordQuarantined = "record_quarantined"
	// EventClockCorrected: an operator corrected the times of a boot
	// whose clock never synchronised (the audit record: how and why).
	EventClockCorrected = "clock_corrected"
	// EventHeldDiscarded: an operator gave up sending held records (the
	// audit record: which and why).
	EventHeldDiscarded = "held_discarded"
)

// Record is one durable fact in the queue. Which fields are set depends on
// Kind. Times are stored in UTC.
type Record struct {
	// Seq is the record's position in the queue, assigned on commit; it
	// starts at 1 and never repeats on one store.
	Seq  uint64    `json:"seq"`
	Kind Kind      `json:"kind"`
	At   time.Time `json:"at"`
	// ClockSynced tells whether At can be trusted: the system clock was
	// synchronised (adjtimex) and not before the build date when the record
	// was made, or At was corrected later in the same boot.
	ClockSynced bool `json:"clock_synced"`
	// Boot and Mono locate At on the monotonic clock: the kernel's boot id
	// and the time since that boot. Empty for times given explicitly
	// (`stampctl tap --at`).
	Boot string        `json:"boot,omitempty"`
	Mono time.Duration `json:"mono,omitempty"`
	// Corrected is set when At (and Start) were corrected after the clock
	// became synchronised.
	Corrected bool   `json:"corrected,omitempty"`
	UID       string `json:"uid,omitempty"`
	Email     string `json:"email,omitempty"`

	// Action is ActionStart or ActionStop for a punch.
	Action string `json:"action,omitempty"`

	// Start and End bound an entry; StartSeq and StopSeq name its punches.
	Start    time.Time `json:"start,omitzero"`
	End      time.Time `json:"end,omitzero"`
	StartSeq uint64    `json:"start_seq,omitempty"`
	StopSeq  uint64    `json:"stop_seq,omitempty"`
	// StartSynced, StartBoot and StartMono are ClockSynced, Boot and Mono
	// of the entry's start (End shares the record's own).
	StartSynced bool          `json:"start_synced,omitempty"`
	StartBoot   string        `json:"start_boot,omitempty"`
	StartMono   time.Duration `json:"start_mono,omitempty"`

	// Event and Detail describe an event.
	Event  string `json:"event,omitempty"`
	Detail string `json:"detail,omitempty"`

	// Retracts is, on a retraction, the seq of the record it withdraws.
	Retracts uint64 `json:"retracts,omitempty"`
	// SiteEntry is the site-wide id of an entry paired from the site's
	// taps ("<startOrigin>:<startSeq>-<stopOrigin>:<stopSeq>"), on the
	// entry, missing_stop and retraction records of shifts across
	// terminals.
	SiteEntry string `json:"site_entry,omitempty"`
}

// Trusted reports whether every time in r can be trusted.
func (r Record) Trusted() bool {
	if r.Kind == KindEntry {
		return r.ClockSynced && r.StartSynced
	}
	return r.ClockSynced
}
