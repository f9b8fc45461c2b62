package reader

// Health is a badge reader's state in one shape for every driver: what
// `stampctl status` shows, what the daemon's health loop watches and what
// the metrics export.
type Health struct {
	// OK is false while the reader is failing (chip not answering, device
	// unplugged); the driver keeps retrying.
	OK        bool              `json:"ok"`
	LastError string            `json:"last_error,omitempty"`
	Counters  map[string]uint64 `json:"counters,omitempty"`
}
