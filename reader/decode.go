package reader

import (
	"flag"
	"time"
)

// Decoder registers on fs the options of a reader kind's capture decoder
// (each kind's flags named apart from the others') and returns the
// decoder that uses them: `stampctl reader decode --reader <kind>`.
type Decoder func(fs *flag.FlagSet) Decode

// Decode decodes the logic-analyzer capture (a sigrok session file) at
// path of a reader's signals into the taps the reader would make of
// them. probes maps a signal role ("D0", "RX") to the probe the user
// named for it. A bad option is a UsageError.
type Decode func(path string, probes map[string]string) (Decoded, error)

// Decoded is what a Decode found.
type Decoded struct {
	// Probes is the probe name used for each role.
	Probes map[string]string
	// Taps are the taps found, in order.
	Taps []DecodedTap
	// Discards says what was thrown away and why.
	Discards []string
	// SampleRate (samples per second), ProbeNames and Duration describe
	// the capture.
	SampleRate uint64
	ProbeNames []string
	Duration   time.Duration
}

// DecodedTap is one tap found in a capture.
type DecodedTap struct {
	// At is the time into the capture.
	At time.Duration `json:"at"`
	// UID is the UID as stampd stores it.
	UID string `json:"uid"`
	// Format is the Wiegand format, or "em4100".
	Format string `json:"format"`
	// Printed lists how the card may show the number where it differs.
	Printed []string `json:"printed,omitempty"`
}

// UsageError is a decoder option that is wrong: the message names it and
// what is wanted.
type UsageError string

func (e UsageError) Error() string { return string(e) }
