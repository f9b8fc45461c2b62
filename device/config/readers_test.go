package config

import (
	"strings"
	"testing"

	"stampclock/reader/rdm6300"
)

// Every listed reader's section is decoded, selected or not, so a typo
// in any of them is an error naming the key; only the selected one is
// validated.
func TestReaderSections_UnknownKeyAnywhere_OnlySelectedValidated(t *testing.T) {
	_, err := Parse("stampd.toml", []byte("[reader]\ntype = \"sim\"\n[reader.rdm6300]\nbaudrate = 9600\n"))
	if err == nil || !strings.Contains(err.Error(), "reader.rdm6300.baudrate") {
		t.Fatalf("typo in a section not selected: %v; want the key named", err)
	}
	_, err = Parse("stampd.toml", []byte("[reader]\ntype = \"sim\"\n[reader.magstripe]\nport = 1\n"))
	if err == nil || !strings.Contains(err.Error(), "reader.magstripe") {
		t.Fatalf("section of no listed reader: %v; want it named", err)
	}
	if _, err := Parse("stampd.toml", []byte("[reader]\ntype = \"sim\"\n[reader.rdm6300]\nbaud = 1200\n")); err != nil {
		t.Fatalf("a bad value in a section not selected was validated: %v", err)
	}
	c, err := Parse("stampd.toml", []byte("[reader]\ntype = \"rdm6300\"\n[reader.rdm6300]\nuid_bytes = 4\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := c.Reader.Section().(*rdm6300.Config); !ok || s.UIDBytes != 4 {
		t.Fatalf("selected section %#v; want the rdm6300 section as written", c.Reader.Section())
	}
}
