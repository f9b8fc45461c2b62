package daemon

import (
	"time"

	"stampclock/device/feedback/display"
)

// FingerprintShown is how long the web page's certificate fingerprint
// stays on the display after start.
const FingerprintShown = time.Minute

// ShowFingerprint shows the SHA-256 fingerprint of the web page's
// certificate on the display (when one is configured) for
// FingerprintShown, so that a technician can compare it with what the
// browser shows before logging in. Taps are shown as usual meanwhile.
func (d *Daemon) ShowFingerprint(fp string) {
	if d.display == nil || fp == "" {
		return
	}
	d.display.Notice("HTTPS SHA-256", display.HexLines(fp), FingerprintShown)
}
