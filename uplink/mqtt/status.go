package mqtt

import (
	"time"

	"stampclock/uplink"
)

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
	StatusInterval int `json:"status_interval_s,omitempty"`
	KeepAlive      int `json:"keepalive_s,omitempty"`
	// The device's part, filled through Options.Status.
	Clock          *Clock          `json:"clock,omitempty"`
	Reader         *Reader         `json:"reader,omitempty"`
	StoreAlarm     string          `json:"store_alarm,omitempty"`
	Uplinks        []UplinkStatus  `json:"uplinks,omitempty"`
	LastDelivery   time.Time       `json:"last_delivery,omitzero"`
	LastError      string          `json:"last_error,omitempty"`
	LastErrorAt    time.Time       `json:"last_error_at,omitzero"`
	ConfigProblems []ConfigProblem `json:"config_problems,omitempty"`
}

// The device's part of Status is uplink.Report's (its fields documented
// there); these names keep the schema's types in this package.
type (
	ConfigProblem = uplink.ReportProblem
	Clock         = uplink.ReportClock
	Reader        = uplink.ReportReader
	UplinkStatus  = uplink.ReportUplink
	// ConnState is the client's connection as shown by `stampctl status`.
	ConnState = uplink.ConnState
)

// statusOf is the device's part r as a Status.
func statusOf(r uplink.Report) Status {
	return Status{
		Clock: r.Clock, Reader: r.Reader, StoreAlarm: r.StoreAlarm, Uplinks: r.Uplinks,
		LastDelivery: r.LastDelivery, LastError: r.LastError, LastErrorAt: r.LastErrorAt,
		ConfigProblems: r.ConfigProblems,
	}
}

// Reasons for an offline status.
const (
	ReasonShutdown       = "shutdown"
	ReasonConnectionLost = "connection_lost"
)
