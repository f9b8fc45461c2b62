package rdm6300

import (
	"flag"
	"fmt"
	"time"

	"stampclock/reader"
	"stampclock/reader/cardnum"
	"stampclock/reader/sigrok"
)

// captureDecoder registers the options of `stampctl reader decode
// --reader rdm6300` and decodes a capture of the module's TX line with
// them, through the same Parser and Presence the reader uses.
func captureDecoder(fs *flag.FlagSet) reader.Decode {
	baud := fs.Int("baud", 9600, "rdm6300: line speed")
	uidBytes := fs.Int("uid-bytes", 5, "rdm6300: 5 or 4 bytes of the tag stored")
	silence := fs.Duration("silence", DefaultOptions.Silence, "rdm6300: repeats closer than this are one tap")
	return func(path string, roles map[string]string) (reader.Decoded, error) {
		if *uidBytes != 4 && *uidBytes != UIDLen {
			return reader.Decoded{}, reader.UsageError(fmt.Sprintf("reader decode: --uid-bytes %d: want 5 or 4", *uidBytes))
		}
		c, err := sigrok.Open(path)
		if err != nil {
			return reader.Decoded{}, err
		}
		res := reader.Decoded{Probes: map[string]string{}, SampleRate: c.SampleRate, ProbeNames: c.Probes, Duration: c.Duration()}
		rx, name, err := c.ProbeFor(roles, "RX", []string{"TX", "UART"}, 0)
		if err != nil {
			return res, err
		}
		res.Probes["RX"] = name
		chars, err := c.UART(rx, *baud)
		if err != nil {
			return res, err
		}
		var p Parser
		presence := Presence{Silence: *silence}
		start := time.Unix(0, 0)
		framing := 0
		for _, ch := range chars {
			if ch.FramingError {
				p.Reset()
				if framing++; framing == 1 {
					res.Discards = append(res.Discards, fmt.Sprintf("framing error at %v (wrong probe or baud rate?)", ch.At))
				}
				continue
			}
			uid, err := p.Feed(ch.Value)
			if err != nil {
				res.Discards = append(res.Discards, err.Error())
			}
			if uid == nil {
				continue
			}
			if !presence.Seen(uid, start.Add(ch.At)) {
				res.Discards = append(res.Discards, fmt.Sprintf("repeat of the held tag %X at %v", uid, ch.At))
				continue
			}
			t := reader.DecodedTap{At: ch.At, UID: reader.FormatUID(uid[UIDLen-*uidBytes:]), Format: "em4100"}
			if pr, ok := cardnum.EM(uid); ok {
				if *uidBytes == 4 {
					t.Printed = append(t.Printed, reader.FormatUID(uid))
				}
				t.Printed = append(t.Printed, pr.Decimal, pr.Wiegand26)
			}
			res.Taps = append(res.Taps, t)
		}
		if framing > 1 {
			res.Discards = append(res.Discards, fmt.Sprintf("%d more framing errors", framing-1))
		}
		if g := p.Stats().Garbage; g > 0 {
			res.Discards = append(res.Discards, fmt.Sprintf("%d bytes outside frames", g))
		}
		return res, nil
	}
}
