package cardnum

import "stampclock/reader"

// ShownEM is how a UID of an EM4100 reader (the tag's last four or five
// bytes in hex) appears printed on its card: the 10-digit decimal and the
// 26-bit "facility,card" view ("0126153249  132,61985"); "" for a UID
// it has no printed form of. A reader kind whose cards show this names it
// as its reader.Kind.Printed.
func ShownEM(uid string) string {
	b, err := reader.ParseUID(uid)
	if err != nil {
		return ""
	}
	if p, ok := EM(b); ok {
		return p.Decimal + "  " + p.Wiegand26
	}
	return ""
}

// ShownWiegand is how a UID the wiegand reader formed from a parity
// format appears printed: the "facility,card" of its format (WiegandPair);
// "" for a UID it has no printed form of.
func ShownWiegand(uid string) string {
	b, err := reader.ParseUID(uid)
	if err != nil {
		return ""
	}
	pair, _ := WiegandPair(b)
	return pair
}
