// Package iso14443a holds the few ISO/IEC 14443-3 type A constants and
// checksums that both the MFRC522 driver and its virtual chip need: the
// short-frame and anticollision command codes, the cascade tag, BCC and
// CRC_A. It does not talk to hardware.
package iso14443a

// Short frames (7 bits) and command bytes sent by the reader (PCD).
const (
	// REQA wakes cards in the IDLE state (7-bit short frame).
	REQA = 0x26
	// WUPA wakes cards in the IDLE or HALT state (7-bit short frame).
	WUPA = 0x52
	// HLTA puts an ACTIVE card into the HALT state: 0x50 0x00 + CRC_A.
	HLTA = 0x50

	// SelCL1, SelCL2 and SelCL3 are the SEL codes of cascade levels 1 to 3.
	SelCL1 = 0x93
	SelCL2 = 0x95
	SelCL3 = 0x97

	// NVBAnticoll is the NVB of an anticollision frame that knows no UID
	// bits yet (SEL + NVB only).
	NVBAnticoll = 0x20
	// NVBSelect is the NVB of a SELECT frame carrying all 40 bits (UID
	// part + BCC).
	NVBSelect = 0x70

	// CascadeTag marks a cascade-level UID part that is not the last one.
	CascadeTag = 0x88
	// SAKCascade is the SAK bit saying the UID is not complete yet.
	SAKCascade = 0x04
)

// SelCodes lists the SEL codes in cascade order.
var SelCodes = [3]byte{SelCL1, SelCL2, SelCL3}

// BCC returns the block check character of a UID part: the XOR of its bytes.
func BCC(b []byte) byte {
	var x byte
	for _, v := range b {
		x ^= v
	}
	return x
}

// CRCA returns the ISO 14443-3 CRC_A of data (preset 0x6363, reflected
// polynomial 0x8408), as transmitted: low byte first.
func CRCA(data []byte) (lo, hi byte) {
	crc := uint16(0x6363)
	for _, b := range data {
		b ^= byte(crc)
		b ^= b << 4
		crc = (crc >> 8) ^ uint16(b)<<8 ^ uint16(b)<<3 ^ uint16(b)>>4
	}
	return byte(crc), byte(crc >> 8)
}

// AppendCRCA returns data with its CRC_A appended.
func AppendCRCA(data []byte) []byte {
	lo, hi := CRCA(data)
	return append(data, lo, hi)
}

// CheckCRCA reports whether frame ends with the CRC_A of the bytes before it.
func CheckCRCA(frame []byte) bool {
	if len(frame) < 2 {
		return false
	}
	lo, hi := CRCA(frame[:len(frame)-2])
	return frame[len(frame)-2] == lo && frame[len(frame)-1] == hi
}
