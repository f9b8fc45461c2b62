package mqtt

import "time"

// Status is the retained JSON on <prefix>/<device_id>/status. The caller
// (the daemon) fills the device's part through Options.Status; the client
// sets Schema, DeviceID, Online, Version and At.
type Status struct {
	Schema   int    `json:"schema"`
	DeviceID string `json:"device_id"`
	// Online is false only in the Last Will and the goodbye on shutdown.
	Online  bool      `json:"online"`
	Version string    `json:"version,omitempty"`
	At      time.Time `json:"at,omitzero"`
	Clock   *Clock    `json:"clock,omitempty"`
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

// Clock is the terminal's clock state.
type Clock struct {
	Now      time.Time `json:"now"`
	Synced   bool      `json:"synced"`
	Timezone string    `json:"timezone,omitempty"`
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
