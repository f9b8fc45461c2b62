package mqtt

import "time"

// Status is the retained JSON on <prefix>/<device_id>/status. The caller
// (the daemon) fills the device's part through Options.Status; the client
// sets Schema, DeviceID, Online, Version, At, Reason, OnlineSince and the
// intervals.
type Status struct {
	Schema   int    `json:"schema"`
	DeviceID string `json:"device_id"`
	// Online is false only in the Last Will and the goodbye on shutdown.
	Online  bool   `json:"online"`
	Version string `json:"version,omitempty"`
	// At is when the terminal published this status (its clock). The Last
	// Will has none: the broker sends it when it notices the connection is
	// gone, and the terminal cannot know when that will be. The same online
	// status also goes, retained, to <prefix>/<device_id>/seen, which the
	// Will does not replace: it keeps the last time the terminal was heard
	// of and its state then.
	At time.Time `json:"at,omitzero"`
	// Reason says why an offline status was published: ReasonShutdown (a
	// clean stop, At is when) or ReasonConnectionLost (the Last Will).
	Reason string `json:"reason,omitempty"`
	// OnlineSince is when the connection this status belongs to was made
	// (also in the Last Will: when the lost connection began).
	OnlineSince time.Time `json:"online_since,omitzero"`
	// StatusInterval and KeepAlive (seconds) bound how stale an online
	// status may get before the terminal must be considered gone: a fresh
	// status comes every StatusInterval, and the broker sends the Will at
	// most 1.5 × KeepAlive after the terminal's last packet.
	StatusInterval int    `json:"status_interval_s,omitempty"`
	KeepAlive      int    `json:"keepalive_s,omitempty"`
	Clock          *Clock `json:"clock,omitempty"`
	// Reader is the badge reader's health (hardware readers).
	Reader *Reader `json:"reader,omitempty"`
	// StoreAlarm is set while the store needs a person: a damaged store was
	// moved aside, or records cannot be decoded.
	StoreAlarm string `json:"store_alarm,omitempty"`
	// Uplinks is the queue depth and delivery state per uplink.
	Uplinks []UplinkStatus `json:"uplinks,omitempty"`
	// LastDelivery is the latest delivery over all uplinks.
	LastDelivery time.Time `json:"last_delivery,omitzero"`
	// LastError is the latest delivery error over all uplinks.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// ConfigProblems are what stampd's check of its uplinks found wrong in
	// the configuration (credentials, time type id, a badge's email).
	ConfigProblems []ConfigProblem `json:"config_problems,omitempty"`
}

// ConfigProblem is one configuration problem: the check and its cause.
type ConfigProblem struct {
	Check   string `json:"check"`
	Problem string `json:"problem"`
}

// Reasons for an offline status.
const (
	ReasonShutdown       = "shutdown"
	ReasonConnectionLost = "connection_lost"
)

// Clock is the terminal's clock state.
type Clock struct {
	Now      time.Time `json:"now"`
	Synced   bool      `json:"synced"`
	Timezone string    `json:"timezone,omitempty"`
	// Untrusted counts stored records made while the clock was not
	// synchronised (held from the time-tracking uplinks).
	Untrusted uint64 `json:"untrusted,omitempty"`
}

// Reader is the badge reader's health.
type Reader struct {
	OK        bool   `json:"ok"`
	LastError string `json:"last_error,omitempty"`
}

// UplinkStatus is one uplink's share of the queue.
type UplinkStatus struct {
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

// ConnState is the client's connection as shown by `stampctl status`.
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
