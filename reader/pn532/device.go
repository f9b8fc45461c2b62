package pn532

import (
	"errors"
	"fmt"
	"time"
)

// Command codes (PN532 user manual, chapter 7).
const (
	cmdGetFirmwareVersion  = 0x02
	cmdSAMConfiguration    = 0x14
	cmdRFConfiguration     = 0x32
	cmdInListPassiveTarget = 0x4A
)

// ErrSyntax means the chip answered with its error frame.
var ErrSyntax = errors.New("pn532: chip reported a syntax error")

// device runs commands over a link.
type device struct {
	l          link
	ackTimeout time.Duration
	timeout    time.Duration
	nacks      int // NACKs sent, for Stats
	stale      int // left-over frames skipped
}

// command sends cmd with params and returns the answer's data after the
// answer code. A missing ACK resends the command (3 tries); a damaged answer
// is asked for again with a NACK (2 times). Frames left over from earlier
// commands (a late ACK, the answer to a resent command) are skipped.
func (d *device) command(cmd byte, params ...byte) ([]byte, error) {
	f := EncodeFrame(tfiHost, append([]byte{cmd}, params...))
	d.l.drain()
	for try := 0; ; try++ {
		if err := d.l.write(f); err != nil {
			return nil, err
		}
		err := d.await(d.ackTimeout, func(in frameIn) bool { return in.kind == kindAck })
		if err == nil {
			break
		}
		if try == 2 {
			return nil, fmt.Errorf("pn532: command %#02x not acknowledged: %w", cmd, err)
		}
	}
	nacks := 0
	deadline := time.Now().Add(d.timeout)
	for {
		in, err := d.l.read(time.Until(deadline))
		switch {
		case (errors.Is(err, ErrChecksum) || errors.Is(err, ErrFrame)) && nacks < 2:
			nacks++
			d.nacks++
			if err := d.l.write(nackFrame); err != nil {
				return nil, err
			}
			continue
		case err != nil:
			return nil, fmt.Errorf("pn532: command %#02x: %w", cmd, err)
		case in.kind == kindError:
			return nil, fmt.Errorf("pn532: command %#02x: %w", cmd, ErrSyntax)
		case in.kind != kindInfo || in.tfi != tfiChip || len(in.data) == 0 || in.data[0] != cmd+1:
			d.stale++
			continue // a late ACK or the answer to an earlier command
		}
		return in.data[1:], nil
	}
}

// await reads frames until want accepts one or timeout passes; others are
// skipped as left over.
func (d *device) await(timeout time.Duration, want func(frameIn) bool) error {
	deadline := time.Now().Add(timeout)
	for {
		in, err := d.l.read(time.Until(deadline))
		switch {
		case errors.Is(err, ErrTimeout):
			return err
		case err == nil && want(in):
			return nil
		case err != nil && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrFrame):
			return err
		}
		d.stale++
	}
}

// setUp finds the chip and configures it for polling. It returns the
// firmware version (IC, version, revision).
func (d *device) setUp() ([3]byte, error) {
	var v [3]byte
	if err := d.l.open(); err != nil {
		return v, err
	}
	fw, err := d.command(cmdGetFirmwareVersion)
	if err != nil {
		return v, err
	}
	if len(fw) < 3 || fw[0] != 0x32 {
		return v, fmt.Errorf("pn532: not a PN532: firmware answer % X", fw)
	}
	copy(v[:], fw)
	// Normal mode, no secure access module; timeout and IRQ as default.
	if _, err := d.command(cmdSAMConfiguration, 0x01, 0x14, 0x01); err != nil {
		return v, err
	}
	// MaxRetries: ATR and PSL defaults, one passive activation attempt, so
	// a poll without a card answers at once instead of searching forever.
	if _, err := d.command(cmdRFConfiguration, 0x05, 0xFF, 0x01, 0x01); err != nil {
		return v, err
	}
	return v, nil
}

// poll looks for one ISO 14443A target at 106 kbps and returns its UID, or
// nil when there is none.
func (d *device) poll() ([]byte, error) {
	a, err := d.command(cmdInListPassiveTarget, 0x01, 0x00)
	if err != nil {
		return nil, err
	}
	if len(a) < 1 {
		return nil, fmt.Errorf("%w: empty InListPassiveTarget answer", ErrFrame)
	}
	if a[0] == 0 {
		return nil, nil
	}
	// Tg, SENS_RES (2), SEL_RES, NFCIDLength, NFCID1.
	if len(a) < 6 {
		return nil, fmt.Errorf("%w: short target data % X", ErrFrame, a)
	}
	n := int(a[5])
	if (n != 4 && n != 7 && n != 10) || len(a) < 6+n {
		return nil, fmt.Errorf("%w: NFCID1 of %d bytes in % X", ErrFrame, n, a)
	}
	return append([]byte(nil), a[6:6+n]...), nil
}
