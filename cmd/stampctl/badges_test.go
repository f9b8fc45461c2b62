package main

import (
	"strings"
	"testing"
)

func TestPrintable_EscapesControlCharacters(t *testing.T) {
	if got := printable("\x1b[2JBoss"); strings.ContainsRune(got, 0x1b) || !strings.Contains(got, `\x1b`) {
		t.Fatalf("printable = %q", got)
	}
	if got := printable("Müller"); got != "Müller" {
		t.Fatalf("printable(Müller) = %q", got)
	}
}
