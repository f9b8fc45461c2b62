// Package reader holds what every badge source shares: the Tap it yields
// on a channel, its Health, the simulator, and Kind, the shape every kind
// of reader declares (its name in reader.type and its config section).
// The drivers live in sub-packages (mfrc522, wiegand, keyboard, rdm6300,
// pn532), the list in device/readers names their kinds; what a tap means
// is decided elsewhere.
package reader

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Tap is one badge presented to a reader.
type Tap struct {
	// UID is the badge identifier as read from the card.
	UID []byte
	// At is when the reader saw the badge (wall clock, with monotonic reading).
	At time.Time
	// Given marks a time set by an operator (`stampctl tap --at`, a tap
	// script) rather than read from the clock: the agent takes it as it is.
	// Otherwise the agent stamps the tap with its own clock, boot id and
	// monotonic reading.
	Given bool
	// Source names the reader that produced the tap ("sim", "mfrc522", ...).
	Source string
}

// UIDString returns the UID in the canonical form used everywhere in
// stampclock: uppercase hex without separators.
func (t Tap) UIDString() string { return FormatUID(t.UID) }

// MaxUIDLen is the longest UID accepted, in bytes. ISO 14443 UIDs are at most
// 10 bytes; Wiegand frames of up to 64 bits and keyboard-wedge readers that
// emit long decimal numbers fit comfortably.
const MaxUIDLen = 32

// ErrBadUID is returned by ParseUID for input that is not a badge UID.
var ErrBadUID = errors.New("reader: bad badge UID")

// FormatUID renders a UID as uppercase hex without separators.
func FormatUID(uid []byte) string { return strings.ToUpper(hex.EncodeToString(uid)) }

// ParseUID accepts a UID written as hex, optionally separated by ':', '-' or
// spaces between bytes (as printed by many reader tools), in any case.
func ParseUID(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ':', '-', ' ':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	clean = strings.TrimPrefix(strings.TrimPrefix(clean, "0x"), "0X")
	if clean == "" {
		return nil, fmt.Errorf("%w: %q is empty", ErrBadUID, s)
	}
	if len(clean)%2 == 1 {
		return nil, fmt.Errorf("%w: %q has an odd number of hex digits", ErrBadUID, s)
	}
	b, err := hex.DecodeString(clean)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not hex", ErrBadUID, s)
	}
	if len(b) > MaxUIDLen {
		return nil, fmt.Errorf("%w: %q is longer than %d bytes", ErrBadUID, s, MaxUIDLen)
	}
	return b, nil
}

// NormalizeUID parses s and returns it in canonical form.
func NormalizeUID(s string) (string, error) {
	b, err := ParseUID(s)
	if err != nil {
		return "", err
	}
	return FormatUID(b), nil
}

// Source is what every badge source does: it runs until ctx is done, sending
// taps to out. A non-nil error other than ctx.Err() means the source failed
// for good (drivers retry transient hardware errors themselves).
type Source interface {
	Run(ctx context.Context, out chan<- Tap) error
}
