package cardnum

import "stampclock/reader"

// ForReader returns how the UIDs a reader of type readerType (the
// config's reader.type) appear printed on cards: for EM4100 readers
// (rdm6300, keyboard) the 10-digit decimal and the 26-bit
// "facility,card" view ("0126153249  132,61985"), for wiegand the
// "facility,card" of its format. It is nil for readers whose cards are
// known by the UID in hex itself (mfrc522, pn532, sim), and the function
// returns "" for a UID it has no printed form of.
func ForReader(readerType string) func(uid string) string {
	switch readerType {
	case "rdm6300", "keyboard":
		return func(uid string) string {
			b, err := reader.ParseUID(uid)
			if err != nil {
				return ""
			}
			if p, ok := EM(b); ok {
				return p.Decimal + "  " + p.Wiegand26
			}
			return ""
		}
	case "wiegand":
		return func(uid string) string {
			b, err := reader.ParseUID(uid)
			if err != nil {
				return ""
			}
			pair, _ := WiegandPair(b)
			return pair
		}
	}
	return nil
}
