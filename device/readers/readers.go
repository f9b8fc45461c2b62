// Package readers is the list of badge reader kinds, each declared as a
// reader.Kind by its package: config loading decodes and checks their
// sections and the reader stampd opens is the one reader.type names, all
// by walking All. Adding a reader is its package (with its Kind) plus one
// line here. The list links no driver that stampctl must not link: a
// driver linking periph declares its kind in a package of its own
// (mfrc522kind) whose Kind names the driver (reader.Kind.Driver); `go
// generate ./device/readers/hardware` then writes its opener there.
package readers

import (
	"strconv"

	"stampclock/reader"
	"stampclock/reader/keyboard"
	"stampclock/reader/kinds/mfrc522kind"
	"stampclock/reader/kinds/pn532kind"
	"stampclock/reader/rdm6300"
	"stampclock/reader/wiegand"
)

// All returns every reader kind, in the order reader.type's error lists
// them. The first is the default (Default).
func All() []reader.Kind {
	return []reader.Kind{
		// One line per reader, e.g. keyboard.Kind(),
		reader.SimKind(),
		mfrc522kind.Kind(),
		wiegand.Kind(),
		keyboard.Kind(),
		rdm6300.Kind(),
		pn532kind.Kind(),
	}
}

// Default is the kind reader.type selects when it is not set: the first
// in the list.
func Default() reader.Kind { return All()[0] }

// Injecting returns the names of the kinds that take injected taps
// (reader.Kind.Injected), quoted as in the config ("sim").
func Injecting() []string {
	var names []string
	for _, k := range All() {
		if k.Injected {
			names = append(names, strconv.Quote(k.Name))
		}
	}
	return names
}

// Lookup returns the kind named typ.
func Lookup(typ string) (reader.Kind, bool) {
	for _, k := range All() {
		if k.Name == typ {
			return k, true
		}
	}
	return reader.Kind{}, false
}

// Printed returns how the UIDs of a reader of kind typ appear printed on
// its cards (its Kind.Printed): nil for a kind whose cards show the UID
// itself, or for no kind in the list.
func Printed(typ string) func(uid string) string {
	k, _ := Lookup(typ)
	return k.Printed
}
