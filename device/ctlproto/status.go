package ctlproto

import (
	"time"

	"stampclock/queue/record"
	"stampclock/reader"
	"stampclock/uplink"
)

// Status is the answer to `stampctl status`.
type Status struct {
	Device  string    `json:"device"`
	Version string    `json:"version"`
	Reader  string    `json:"reader"`
	Started time.Time `json:"started"`
	Clock   struct {
		Now      time.Time `json:"now"`
		Synced   bool      `json:"synced"`
		Timezone string    `json:"timezone"`
		Boot     string    `json:"boot"`
		// Untrusted counts records stamped while the clock could not be
		// trusted and not (yet) corrected.
		Untrusted uint64 `json:"untrusted"`
	} `json:"clock"`
	// QueueDepth sums the uplinks' queues by state.
	QueueDepth struct {
		Pending   uint64 `json:"pending"`
		Held      uint64 `json:"held"`
		Dead      uint64 `json:"dead"`
		Delivered uint64 `json:"delivered"`
		// Quarantined counts records that cannot be decoded: kept, not
		// delivered (`stampctl queue quarantine`).
		Quarantined uint64 `json:"quarantined,omitempty"`
	} `json:"queue_depth"`
	// ReaderHealth is the badge reader's state (hardware readers only).
	ReaderHealth *ReaderHealth `json:"reader_health,omitempty"`
	// StoreWarning is set while the store is near its size limit.
	StoreWarning string `json:"store_warning,omitempty"`
	// OtherStores is set when the store was created at this start while
	// other store files lie beside it (a store.path changed by mistake
	// hides the punches waiting in the old one).
	OtherStores string `json:"other_stores,omitempty"`
	// StoreAlarm is set when a damaged store was moved aside at start-up.
	StoreAlarm *StoreAlarm `json:"store_alarm,omitempty"`
	// QuarantineAlarm is set while the store holds records that cannot be
	// decoded.
	QuarantineAlarm string `json:"quarantine_alarm,omitempty"`
	// ConfigProblems are what the uplinks' last check found wrong in the
	// configuration; empty when all is well.
	ConfigProblems []ConfigProblem `json:"config_problems,omitempty"`
	Queue          record.Stats    `json:"queue"`
	// Uplinks holds one entry per uplink with all that is known of it.
	Uplinks []UplinkStatus `json:"uplinks"`
	Taps    TapStats       `json:"taps"`
	// Enrolling is the email the next tap will be enrolled for, while an
	// enrolment waits.
	Enrolling string `json:"enrolling,omitempty"`
	// MetricsError is set while the metrics endpoint cannot serve.
	MetricsError string `json:"metrics_error,omitempty"`

	// SiteBadges is the sharing of badges with the site, when [site] is set.
	SiteBadges *SiteBadges `json:"site_badges,omitempty"`
	// SiteTaps and SiteShifts are the shifts across terminals, with
	// [site] shared_shifts: the exchange of the site's taps and this
	// terminal's share of the entries.
	SiteTaps   *SiteTaps   `json:"site_taps,omitempty"`
	SiteShifts *SiteShifts `json:"site_shifts,omitempty"`
}

// UplinkStatus is everything status knows of one uplink, keyed by its
// name (Uplink): its runner's delivery state (the fields of uplink.Status,
// inline as before), its share of the queue, and its broker connection for
// an uplink that has one. Queue.Uplinks holds the same queue shares, kept
// for the scripts that read them there.
type UplinkStatus struct {
	uplink.Status
	// Queue is the uplink's share of the queue; Queue.Name equals Uplink.
	Queue record.UplinkStats `json:"queue"`
	// Conn is the uplink's connection to its receiver, for an uplink that
	// keeps one (a broker).
	Conn *ConnState `json:"connection,omitempty"`
}

// SiteBadges is what the sync reports (stampctl status, metrics).
type SiteBadges struct {
	Site      string `json:"site"`
	Connected bool   `json:"connected"`
	// Badges and Removed count the site's entries this terminal holds.
	Badges  int `json:"badges"`
	Removed int `json:"removed"`
	// Pending counts local changes the broker has not confirmed yet.
	Pending int `json:"pending"`
	// Received and Published count entries since start.
	Received  uint64 `json:"received"`
	Published uint64 `json:"published"`
	// Conflicts counts concurrent writes of one badge seen since start
	// (the older lost); LastConflict tells the last one.
	Conflicts      uint64    `json:"conflicts"`
	LastConflict   string    `json:"last_conflict,omitempty"`
	LastConflictAt time.Time `json:"last_conflict_at,omitzero"`
	// Shadowed lists the badges of the config file for which the site
	// holds a different binding: the config file wins here.
	Shadowed []string `json:"shadowed,omitempty"`
	// Rejected counts malformed messages on the site's badge topics.
	Rejected uint64 `json:"rejected"`
	// Collected counts tombstones older than the horizon forgotten since
	// start; Rejoined counts returns after an absence longer than the
	// horizon, when the site's badges were taken afresh.
	Collected uint64 `json:"collected,omitempty"`
	Rejoined  uint64 `json:"rejoined,omitempty"`
	// LastError is why the badges are not connected, if they are not.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// ReaderHealth is the badge reader's state as shown by status: the one
// health shape every driver reports.
type ReaderHealth = reader.Health

// StoreAlarm reports a damaged store found at start-up: moved aside
// (MovedTo set), or kept but possibly missing its last commit.
type StoreAlarm struct {
	At      time.Time `json:"at"`
	MovedTo string    `json:"moved_to"`
	Error   string    `json:"error"`
}

// ConfigProblem is a part of the configuration an uplink's check found
// wrong (credentials, time type id, a badge's email): shown by status until
// it is put right, because until then entries only pile up as dead letters.
type ConfigProblem struct {
	Check   string `json:"check"`
	Problem string `json:"problem"`
}

// ReaderStep is the checklist's reader step from a running stampd's status:
// whether the reader answers and how to say it. stampctl check (over the
// socket) and the web page's checklist (in process) both use it.
func (s Status) ReaderStep() (ok bool, detail string) {
	if s.ReaderHealth == nil {
		return true, "simulated reader"
	}
	if !s.ReaderHealth.OK {
		return false, "not answering: " + s.ReaderHealth.LastError
	}
	return true, "answering"
}

// ConnState is an uplink's connection to its receiver (uplink.Built.Conn).
type ConnState = uplink.ConnState

// TapStats count the taps since start. It has the fields of the agent's
// own counters, so the daemon converts one into the other and the compiler
// keeps them in step.
type TapStats struct {
	Taps        uint64 `json:"taps"`
	Starts      uint64 `json:"starts"`
	Stops       uint64 `json:"stops"`
	Ignored     uint64 `json:"ignored"`
	Unknown     uint64 `json:"unknown"`
	StoreErrors uint64 `json:"store_errors"`
	LastError   string `json:"last_error,omitempty"`
}

// SiteTaps is how the exchange of the site's taps goes (shared shifts):
// stampctl status, metrics.
type SiteTaps struct {
	Site      string `json:"site"`
	Connected bool   `json:"connected"`
	// Peers counts the other terminals whose taps are held here.
	Peers int `json:"peers"`
	// Unpublished counts own taps the broker has not confirmed yet.
	Unpublished uint64 `json:"unpublished"`
	// Behind counts the taps peers announced (their retained heads, or
	// seen past a gap) that are not held here yet.
	Behind uint64 `json:"behind"`
	// Received, Duplicates, Published, Rejected count tap messages since
	// start; Conflicts counts taps received with an (origin, seq) held
	// with other content (the held one is kept).
	Received   uint64 `json:"received"`
	Duplicates uint64 `json:"duplicates"`
	Published  uint64 `json:"published"`
	Rejected   uint64 `json:"rejected"`
	Conflicts  uint64 `json:"conflicts"`
	// ReplaysAsked counts replay requests sent; ReplaysAnswered the taps
	// republished for peers' requests.
	ReplaysAsked    uint64 `json:"replays_asked"`
	ReplaysAnswered uint64 `json:"replays_answered"`
	// Origins lists what is held of each terminal's taps, this one's too.
	Origins []SiteTapOrigin `json:"origins,omitempty"`
	// LastError is why the exchange is not connected, if it is not.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// SiteTapOrigin is what a terminal holds of one origin's taps.
type SiteTapOrigin struct {
	Origin string `json:"origin"`
	// Contiguous: every tap 1..Contiguous was held; Highest: the highest
	// held; Head: the highest the origin announced; Held: stored now.
	Contiguous uint64 `json:"contiguous"`
	Highest    uint64 `json:"highest"`
	Head       uint64 `json:"head"`
	Held       uint64 `json:"held"`
}

// SiteShifts is this terminal's share of the site's entries (the
// Settler's state).
type SiteShifts struct {
	// Delivered and Retracted count the site entries (and missing stops)
	// this terminal's ledger holds as delivered and as withdrawn.
	Delivered uint64 `json:"delivered"`
	Retracted uint64 `json:"retracted"`
	// Waiting counts this terminal's entries waiting for [site] settle;
	// NextSettle is when the first of them is due.
	Waiting    int       `json:"waiting_to_settle"`
	NextSettle time.Time `json:"next_settle,omitzero"`
	LastError  string    `json:"last_error,omitempty"`
	// Paused says why nothing settles now (the clock is not trusted and
	// [site] settle is not "0s").
	Paused string `json:"paused,omitempty"`
}
