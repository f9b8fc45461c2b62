package ctlproto

import (
	"stampclock/queue/record"
)

// TapArgs are the arguments of the tap command.
type TapArgs struct {
	UID string `json:"uid"`
	// At is an RFC 3339 time; empty means now.
	At string `json:"at,omitempty"`
}

// TapResult is the answer to a tap.
type TapResult struct {
	Result string          `json:"result"`
	UID    string          `json:"uid"`
	Email  string          `json:"email,omitempty"`
	Error  string          `json:"error,omitempty"`
	Seqs   []uint64        `json:"seqs,omitempty"`
	Record []record.Record `json:"records,omitempty"`
}

// ListArgs select records for queue list / dead.
type ListArgs struct {
	Uplink string `json:"uplink,omitempty"`
	// Email, From and To filter by employee and record time (RFC 3339).
	Email string `json:"email,omitempty"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
	State string `json:"state,omitempty"` // pending, dead or "" for both
	After uint64 `json:"after,omitempty"`
	Limit int    `json:"limit,omitempty"`
}

// RetryArgs select dead letters to resend; no seqs means all.
type RetryArgs struct {
	Uplink string   `json:"uplink,omitempty"`
	Seqs   []uint64 `json:"seqs,omitempty"`
}

// RetryResult tells how many dead letters were queued again.
type RetryResult struct {
	Retried int `json:"retried"`
}

// ExportArgs select a page of records for `stampctl queue export`.
type ExportArgs struct {
	After uint64 `json:"after,omitempty"`
	Limit int    `json:"limit,omitempty"` // default and maximum 5000
	Email string `json:"email,omitempty"`
	Kind  string `json:"kind,omitempty"`
	// From and To bound the record time (RFC 3339); empty: unbounded.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// ExportPage is a page of records; Next is the After of the next page, 0
// at the end. LastSeq is the store's highest sequence, for progress.
type ExportPage struct {
	Records []record.Record `json:"records"`
	Next    uint64          `json:"next"`
	LastSeq uint64          `json:"last_seq"`
}

// ReleaseArgs select held records to put back into an uplink's queue; no
// seqs means every held record of the uplink ("" = every uplink).
type ReleaseArgs struct {
	Uplink string   `json:"uplink,omitempty"`
	Seqs   []uint64 `json:"seqs,omitempty"`
}

// ReleaseResult tells how many held records were queued again.
type ReleaseResult struct {
	Released int `json:"released"`
	// ClockHeld are the held records left held because their clock never
	// synchronised: releasing them would only hold them again (see
	// `queue correct` and `queue discard`).
	ClockHeld []uint64 `json:"clock_held,omitempty"`
	// Withdrawn are the released records a retraction withdrew (shifts
	// across terminals): they are settled as withdrawn, never sent.
	Withdrawn []uint64 `json:"withdrawn,omitempty"`
}

// CorrectArgs correct the times of the boot of record Seq: either At is
// the true time of Seq (a tap whose time someone knows), or Offset is
// what the boot's clock was behind (added to every time it stamped).
type CorrectArgs struct {
	Seq    uint64 `json:"seq"`
	At     string `json:"at,omitempty"`     // RFC 3339
	Offset string `json:"offset,omitempty"` // a Go duration, e.g. "2345h17m"
	Reason string `json:"reason"`
}

// CorrectResult tells which boot was corrected and how many records.
type CorrectResult struct {
	Boot      string `json:"boot"`
	Corrected int    `json:"corrected"`
}

// DiscardArgs give up sending held records, with the reason.
type DiscardArgs struct {
	Uplink string   `json:"uplink,omitempty"`
	Seqs   []uint64 `json:"seqs"`
	Reason string   `json:"reason"`
}

// DiscardResult tells how many held records became dead letters.
type DiscardResult struct {
	Discarded int `json:"discarded"`
}

// SalvageLine is one line `stampd --salvage FILE` writes for `stampctl
// salvage` (stampctl links no store, so stampd reads the file): a line
// with Record for every record found, then one with Report, and Error set
// when the salvage ended early.
type SalvageLine struct {
	Record *record.Record        `json:"record,omitempty"`
	Report *record.SalvageReport `json:"report,omitempty"`
	Error  string                `json:"error,omitempty"`
}
