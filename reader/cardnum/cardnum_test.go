package cardnum

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"stampclock/reader"
)

// The five tags of the real RDM630 captures with what their cards would
// print: the decimal of the last four bytes and the 26-bit view of the last
// three, worked out by hand from the hex in the file names.
var tags = []struct{ hex, decimal, w26 string }{
	{"010784F221", "0126153249", "132,61985"},
	{"01092ADE55", "0153804373", "42,56917"},
	{"041815E864", "0404088932", "21,59492"},
	{"19004F03D7", "0005178327", "79,983"},
	{"3B0033AAF2", "0003386098", "51,43762"},
}

func TestParse_CaptureTags_EveryFormGivesTheReadersUID(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "captures", "rdm630", "*.sr"))
	if len(files) != len(tags) {
		t.Fatalf("%d captures, %d tags in the table", len(files), len(tags))
	}
	for i, tag := range tags {
		if name := strings.ToUpper(strings.Split(filepath.Base(files[i]), "_")[1]); name != tag.hex {
			t.Fatalf("capture %s, table %s", name, tag.hex)
		}
		for _, c := range []struct {
			printed string
			form    Form
			width   int
			want    string
		}{
			{tag.hex, EMHex, 5, tag.hex},
			{tag.hex, EMHex, 4, tag.hex[2:]},
			{tag.decimal, EMDecimal, 4, tag.hex[2:]},
			{strings.TrimLeft(tag.decimal, "0"), EMDecimal, 0, tag.hex[2:]},
			{tag.decimal, EMDecimal, 3, tag.hex[4:]},
			{tag.w26, Wiegand26, 3, tag.hex[4:]},
			{strings.Replace(tag.w26, ",", " / ", 1), Wiegand26, 0, tag.hex[4:]},
		} {
			uid, err := Parse(c.printed, c.form, c.width)
			if err != nil || reader.FormatUID(uid) != c.want {
				t.Errorf("Parse(%q, %s, %d) = %X, %v; want %s", c.printed, c.form, c.width, uid, err, c.want)
			}
		}
		uid, _ := reader.ParseUID(tag.hex)
		if p, ok := EM(uid); !ok || p.Decimal != tag.decimal || p.Wiegand26 != tag.w26 {
			t.Errorf("EM(%s) = %+v, want %s and %s", tag.hex, p, tag.decimal, tag.w26)
		}
	}
}

func TestParse_TooFewBytesOrBadInput(t *testing.T) {
	for _, c := range []struct {
		printed string
		form    Form
		width   int
		want    string
	}{
		{"0126153249", EMDecimal, 5, "carries only the tag's last 4 bytes, the reader stores 5"},
		{"132,61985", Wiegand26, 4, "last 3 bytes"},
		{"4294967296", EMDecimal, 0, "decimal"},
		{"01261532490", EMDecimal, 0, "decimal"},
		{"12a", EMDecimal, 0, "decimal"},
		{"256,1", Wiegand26, 0, "facility,card"},
		{"1,65536", Wiegand26, 0, "facility,card"},
		{"132", Wiegand26, 0, "facility,card"},
		{"0784F221", EMHex, 0, "ten hex digits"},
		{"zz", Hex, 0, "not hex"},
	} {
		_, err := Parse(c.printed, c.form, c.width)
		if !errors.Is(err, ErrNumber) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q, %s, %d) = %v, want ErrNumber mentioning %q", c.printed, c.form, c.width, err, c.want)
		}
	}
}

func TestParse_MIFAREHexEitherOrder(t *testing.T) {
	// The Wiegand capture's 32 data bits, as the reader sent them and
	// reversed into the ISO 14443 order.
	for _, c := range []struct {
		printed string
		form    Form
		want    string
	}{{"45320488", Hex, "45320488"}, {"45:32:04:88", HexReversed, "88043245"}, {"04 A1 B2 C3 D4 E5 F6", HexReversed, "F6E5D4C3B2A104"}} {
		uid, err := Parse(c.printed, c.form, 3) // width ignored for hex
		if err != nil || reader.FormatUID(uid) != c.want {
			t.Errorf("Parse(%q, %s) = %X, %v; want %s", c.printed, c.form, uid, err, c.want)
		}
	}
	if _, err := ParseForm("em-octal"); err == nil || !strings.Contains(err.Error(), "em-decimal") {
		t.Errorf("ParseForm: %v", err)
	}
	if _, ok := EM([]byte{1, 2, 3}); ok {
		t.Error("3-byte UID has EM forms")
	}
}

func TestWiegandPair(t *testing.T) {
	for uid, want := range map[string]string{"123456": "18,13398", "45320488": "17714,1160", "04D208AA52": "1234,567890"} {
		b, _ := reader.ParseUID(uid)
		if got, ok := WiegandPair(b); !ok || got != want {
			t.Errorf("WiegandPair(%s) = %q, %v; want %q", uid, got, ok, want)
		}
	}
	if _, ok := WiegandPair([]byte{1, 2}); ok {
		t.Error("2-byte UID has a pair")
	}
}
