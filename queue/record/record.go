// Package record holds the queue's data without its store: the record and
// its kinds, what a delivery claims and what became of it, and what the
// store reports (queued items, stats, open shifts, badges). Uplinks,
// the control protocol and stampctl use these types; package queue keeps
// them in a bbolt file and names them too. The package links no store.
package record

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

// Events lists every event name a record may carry, for what must name
// them all (the published schema's enum).
var Events = []string{EventUnknownBadge, EventMissingStop, EventReaderFault, EventStoreFault,
	EventStoreNearFull, EventRecordQuarantined, EventClockCorrected, EventHeldDiscarded}

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

// Claim is a record handed to an uplink for sending.
type Claim struct {
	Record Record
	// Attempts counts earlier failed attempts.
	Attempts int
	// Reconcile is true when an earlier attempt may have reached the
	// receiver (its answer was lost, or the daemon died while it was in
	// flight): check the receiver before sending again.
	Reconcile bool
}

// Result is what became of one claimed record.
type Result int

// Results of a delivery attempt.
const (
	// Delivered: the receiver confirmed it. The record leaves the uplink's queue.
	Delivered Result = iota + 1
	// NotSent: it was not tried (an earlier record in the batch failed).
	NotSent
	// RetryLater: the receiver certainly did not store it.
	RetryLater
	// MaybeSent: the receiver may have stored it; reconcile next time.
	MaybeSent
	// Rejected: the receiver refused it for good; it becomes a dead letter.
	Rejected
	// Held: it must not be sent yet (e.g. its time is not trustworthy); it
	// waits, with Msg as the reason, until released.
	Held
	// Withdrawn: a retraction withdrew it before it reached the receiver
	// (a site entry that a late tap made wrong); it is never sent. It
	// leaves the uplink's queue like a delivered record but stays listed,
	// with Msg as the reason, until the record is pruned.
	Withdrawn
)

// Outcome reports the result for one claimed record.
type Outcome struct {
	Seq    uint64
	Result Result
	// Msg is the receiver's message or the error, kept with the record.
	Msg string
	// At is the record's time (for delivery latency); not stored.
	At time.Time
	// MaybeStored tells that the receiver may hold the record or a part of
	// it although Result is not Delivered (e.g. a split record rejected
	// after its first part was stored). The record is then reconciled
	// before any later attempt, however it gets back to pending (a retried
	// dead letter, a release, a restart).
	MaybeStored bool
	// Receipt is what the receiver stored for a Delivered record, as the
	// uplink's sender names it (Zeiterfassung: the ids it created), kept
	// with the record so that a retraction removes exactly that; "" for
	// none.
	Receipt string
}

// Item is a record in one uplink's queue with its delivery state.
type Item struct {
	Record   Record    `json:"record"`
	Uplink   string    `json:"uplink"`
	State    string    `json:"state"`
	Attempts int       `json:"attempts,omitempty"`
	Msg      string    `json:"msg,omitempty"`
	Since    time.Time `json:"since,omitzero"`
}

// UplinkStats is one uplink's share of the queue.
type UplinkStats struct {
	Name string `json:"name"`
	// Unconfigured: the store holds records this uplink has not confirmed,
	// but it is no longer configured. They are kept and not sent;
	// configuring it again delivers them.
	Unconfigured bool `json:"unconfigured,omitempty"`
	// Pending counts records waiting for delivery (including in flight).
	Pending uint64 `json:"pending"`
	// Held counts records that must not be sent yet (untrusted time).
	Held uint64 `json:"held"`
	// Dead counts dead letters: rejected by the receiver, kept for retry.
	Dead uint64 `json:"dead"`
	// Quarantined counts records that cannot be decoded: kept, not sent.
	Quarantined uint64 `json:"quarantined,omitempty"`
	// Delivered counts records the receiver confirmed, ever.
	Delivered uint64 `json:"delivered"`
	// Withdrawn counts records never sent because a retraction withdrew
	// them first, ever.
	Withdrawn    uint64    `json:"withdrawn,omitempty"`
	LastDelivery time.Time `json:"last_delivery,omitzero"`
	// LastError is the latest failure since the last delivery; empty when
	// a delivery succeeded after it.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// Stats summarises the store without scanning the record bucket.
type Stats struct {
	// Records is the number of records kept (delivered ones are pruned
	// after the retention).
	Records uint64 `json:"records"`
	// LastSeq is the highest sequence number ever assigned.
	LastSeq    uint64         `json:"last_seq"`
	Uplinks    []UplinkStats  `json:"uplinks"`
	OpenShifts []Employee     `json:"open_shifts"`
	Anomalies  []Record       `json:"anomalies"`
	Unknown    []UnknownBadge `json:"unknown_badges"`
	// Untrusted counts records whose time is not trustworthy (clock not
	// synchronised); they are corrected when the clock synchronises in the
	// same boot, or held for good.
	Untrusted uint64 `json:"untrusted"`
	// Quarantined counts records that cannot be decoded (see
	// queue.Store.Quarantined).
	Quarantined uint64 `json:"quarantined"`
	FileBytes   int64  `json:"file_bytes"`
}

// Quarantine is a record that cannot be decoded. Its bytes stay in the
// store as they are; nothing is delivered, pruned or deleted.
type Quarantine struct {
	Seq   uint64    `json:"seq"`
	Error string    `json:"error"`
	Since time.Time `json:"since"`
	// Raw is the record's stored bytes, unchanged.
	Raw []byte `json:"raw"`
}

// Employee is what the store knows about one employee's punches.
type Employee struct {
	Email string `json:"email"`
	// Open is true while a shift is running.
	Open bool `json:"open"`
	// Start and StartSeq describe the open shift's start punch.
	Start    time.Time `json:"start,omitzero"`
	StartSeq uint64    `json:"start_seq,omitempty"`
	StartUID string    `json:"start_uid,omitempty"`
	// StartSynced, StartBoot and StartMono place the start on the clock
	// (see Record).
	StartSynced bool          `json:"start_synced,omitempty"`
	StartBoot   string        `json:"start_boot,omitempty"`
	StartMono   time.Duration `json:"start_mono,omitempty"`
	// LastTap is the time of the last accepted punch (for the repeat
	// window), with its boot and monotonic reading.
	LastTap  time.Time     `json:"last_tap,omitzero"`
	LastUID  string        `json:"last_uid,omitempty"`
	LastBoot string        `json:"last_boot,omitempty"`
	LastMono time.Duration `json:"last_mono,omitempty"`
}

// Badge binds a badge UID to an employee.
type Badge struct {
	UID   string `json:"uid"`
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
	// Enrolled is when the badge was enrolled at run time.
	Enrolled time.Time `json:"enrolled,omitzero"`
	// Unverified is set when the email could not be checked against the
	// time-tracking system's users at enrolment (offline); it is checked
	// again later.
	Unverified bool `json:"unverified,omitempty"`
	// Problem is what a later check found wrong (e.g. unknown email).
	Problem string `json:"problem,omitempty"`
}

// UnknownBadge counts the taps of a badge that is not enrolled.
type UnknownBadge struct {
	UID   string    `json:"uid"`
	Count uint64    `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Pending is set when the badge was tapped while an admin had put the
	// terminal in capture mode: it waits for `stampctl badges assign`.
	Pending bool `json:"pending,omitempty"`
}

// SeqRange is a run of sequence numbers, First to Last inclusive.
type SeqRange struct {
	First uint64 `json:"first"`
	Last  uint64 `json:"last"`
}

// MaxEntryLength is how long an entry can be and still be found by
// queue.Store.Entries for a period it overlaps: entries are found by their
// start, from this long before the period. Longer entries are listed only
// from their start day on.
const MaxEntryLength = 48 * time.Hour

// SalvageReport tells what queue.SalvageFile found in a store file.
type SalvageReport struct {
	// Recovered counts the records passed on.
	Recovered int `json:"recovered"`
	// FromPages counts those found by reading the file's pages directly,
	// past what bbolt could walk.
	FromPages int `json:"from_pages"`
	// Highest is the highest seq found; records after it leave no trace.
	Highest uint64 `json:"highest"`
	// Missing lists the seqs up to Highest that were not found intact.
	Missing []SeqRange `json:"missing,omitempty"`
	// WalkError is why bbolt's own walk ended early, if it did.
	WalkError string `json:"walk_error,omitempty"`
}
