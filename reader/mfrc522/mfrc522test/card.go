package mfrc522test

import (
	"bytes"

	"stampclock/reader/mfrc522/internal/iso14443a"
)

// Card is an ISO 14443-3 type A card (PICC) that can be put into the field.
type Card struct {
	// UID is the card's unique identifier: 4, 7 or 10 bytes.
	UID []byte
	// SAK is the final select acknowledge; 0 means 0x08 (MIFARE Classic 1K).
	SAK byte
}

type cardState int

const (
	stateIdle cardState = iota
	stateReady
	stateActive
	stateHalt
)

// picc is a card in the field with its protocol state.
type picc struct {
	card   Card
	state  cardState
	level  int  // cascade level (0-based) while READY
	halted bool // came from HALT: an invalid frame sends it back there
}

// levels returns the number of cascade levels of the card's UID.
func (c *picc) levels() int {
	switch len(c.card.UID) {
	case 7:
		return 2
	case 10:
		return 3
	default:
		return 1
	}
}

// part returns the 4 UID-part bytes sent at cascade level l.
func (c *picc) part(l int) []byte {
	u := c.card.UID
	if l == c.levels()-1 {
		return u[len(u)-4:]
	}
	return []byte{iso14443a.CascadeTag, u[3*l], u[3*l+1], u[3*l+2]}
}

func (c *picc) atqa() []byte {
	switch c.levels() {
	case 2:
		return []byte{0x44, 0x00}
	case 3:
		return []byte{0x84, 0x00}
	default:
		return []byte{0x04, 0x00}
	}
}

// powerOff is what losing the RF field does to a card.
func (c *picc) powerOff() { c.state, c.level, c.halted = stateIdle, 0, false }

// reject handles a frame the card does not accept in its state.
func (c *picc) reject() {
	if c.state == stateReady || c.state == stateActive {
		if c.halted {
			c.state = stateHalt
		} else {
			c.state = stateIdle
		}
		c.level = 0
	}
}

// answer is the card's reply to one frame of bits bits; ok is false when
// the card stays silent.
type answer struct {
	data   []byte
	bits   int
	hasCRC bool
	anti   bool // anticollision answer (collision faults apply)
}

func (c *picc) receive(frame []byte, bits int) (answer, bool) {
	if bits == 7 && len(frame) == 1 {
		switch {
		case frame[0] == iso14443a.REQA && c.state == stateIdle,
			frame[0] == iso14443a.WUPA && (c.state == stateIdle || c.state == stateHalt):
			c.halted = c.state == stateHalt
			c.state, c.level = stateReady, 0
			return answer{data: c.atqa(), bits: 16}, true
		}
		c.reject()
		return answer{}, false
	}
	if bits != 8*len(frame) || len(frame) < 2 {
		c.reject()
		return answer{}, false
	}
	switch {
	case c.state == stateReady && frame[0] == iso14443a.SelCodes[c.level]:
		part := c.part(c.level)
		switch {
		case frame[1] == iso14443a.NVBAnticoll && len(frame) == 2:
			return answer{data: append(append([]byte(nil), part...), iso14443a.BCC(part)), bits: 40, anti: true}, true
		case frame[1] == iso14443a.NVBSelect && len(frame) == 9 && iso14443a.CheckCRCA(frame) &&
			bytes.Equal(frame[2:6], part) && frame[6] == iso14443a.BCC(part):
			sak := byte(iso14443a.SAKCascade)
			if c.level == c.levels()-1 {
				sak = c.card.SAK
				if sak == 0 {
					sak = 0x08
				}
				c.state = stateActive
			} else {
				c.level++
			}
			return answer{data: iso14443a.AppendCRCA([]byte{sak}), bits: 24, hasCRC: true}, true
		}
	case c.state == stateActive && len(frame) == 4 && frame[0] == iso14443a.HLTA && frame[1] == 0 && iso14443a.CheckCRCA(frame):
		c.state, c.halted = stateHalt, true
		return answer{}, false
	}
	c.reject()
	return answer{}, false
}
