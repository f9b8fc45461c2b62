package uplink

import "time"

// Report is the terminal's state as an uplink that publishes a status
// (a retained status message) shows it: the daemon fills it through
// Env.Report, the uplink adds what it knows of itself (online, version,
// intervals). The JSON names are those of the published status.
type Report struct {
	Clock *ReportClock `json:"clock,omitempty"`
	// Reader is the badge reader's health (hardware readers).
	Reader *ReportReader `json:"reader,omitempty"`
	// StoreAlarm is set while the store needs a person: a damaged store was
	// moved aside, or records cannot be decoded.
	StoreAlarm string `json:"store_alarm,omitempty"`
	// Uplinks is the queue depth and delivery state per uplink.
	Uplinks []ReportUplink `json:"uplinks,omitempty"`
	// LastDelivery is the latest delivery over all uplinks.
	LastDelivery time.Time `json:"last_delivery,omitzero"`
	// LastError is the latest delivery error over all uplinks.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// ConfigProblems are what stampd's check of its uplinks found wrong in
	// the configuration (credentials, time type id, a badge's email).
	ConfigProblems []ReportProblem `json:"config_problems,omitempty"`
}

// ReportClock is the terminal's clock state.
type ReportClock struct {
	Now      time.Time `json:"now"`
	Synced   bool      `json:"synced"`
	Timezone string    `json:"timezone,omitempty"`
	// Untrusted counts stored records made while the clock was not
	// synchronised (held from the time-tracking uplinks).
	Untrusted uint64 `json:"untrusted,omitempty"`
}

// ReportReader is the badge reader's health.
type ReportReader struct {
	OK        bool   `json:"ok"`
	LastError string `json:"last_error,omitempty"`
}

// ReportUplink is one uplink's share of the queue and its delivery state.
type ReportUplink struct {
	Name         string    `json:"name"`
	State        string    `json:"state,omitempty"`
	Pending      uint64    `json:"pending"`
	Held         uint64    `json:"held"`
	Dead         uint64    `json:"dead"`
	Delivered    uint64    `json:"delivered"`
	LastDelivery time.Time `json:"last_delivery,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	LastErrorAt  time.Time `json:"last_error_at,omitzero"`
}

// ReportProblem is one configuration problem: the check and its cause.
type ReportProblem struct {
	Check   string `json:"check"`
	Problem string `json:"problem"`
}

// ConnState is an uplink's connection to its receiver (a broker), as
// `stampctl status` shows it (Built.Conn).
type ConnState struct {
	Connected bool `json:"connected"`
	// Broker is the URL of the broker connected to (no credentials).
	Broker      string    `json:"broker,omitempty"`
	Since       time.Time `json:"since,omitzero"`
	Connects    uint64    `json:"connects"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Failures counts connection failures since the last successful connect.
	Failures int `json:"consecutive_failures"`
}
