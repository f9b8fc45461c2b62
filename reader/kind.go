package reader

import "log/slog"

// Kind declares one kind of badge reader: its name in reader.type and its
// config section [reader.<name>]. A reader package exports one Kind and
// the list in device/readers names it; config loading decodes and checks
// the sections, stampd and `stampctl check` open the selected reader, all
// by walking that list and spelling no reader's name.
type Kind struct {
	// Name is the value of reader.type that selects the reader and the
	// name of its section.
	Name string
	// Section returns a new, empty section for [reader.<name>] to be
	// decoded into; zero values mean the driver's defaults.
	Section func() Section
	// Driver, for a kind whose section cannot open its reader (is not an
	// Opener), is the import path of the package that opens it: a driver
	// linking periph, which stampctl loads the config without. That
	// package, named as the last element of the path, exports
	// OpenConfig(section, *slog.Logger) (func() (Source, error), error)
	// for the section's type; device/readers/hardware opens through it
	// (its drivers.go is generated from the list: go generate
	// ./device/readers/hardware).
	Driver string
	// Printed is how a UID of this reader appears printed on its cards
	// where that differs from the UID in hex (e.g. cardnum.ShownEM), ""
	// for a UID it has no printed form of; nil when the cards show the
	// UID itself. Displays, the web pages and stampctl show it.
	Printed func(uid string) string
	// Injected marks a reader whose taps are injected rather than read
	// from a device (the simulator): only such a reader takes `stampctl
	// tap` and reader.script, and it has no device to probe or check.
	Injected bool
	// Decoder, if set, decodes logic-analyzer captures of the reader's
	// signals (`stampctl reader decode`).
	Decoder Decoder
}

// Section is a reader kind's config section. Its keys are named
// "reader.<kind>.<key>" in errors; unknown keys are errors like anywhere
// in the file. Every kind's section is decoded; only the selected one is
// prepared and opened.
type Section interface {
	// Prepare validates the section of the selected reader (zero values
	// are the driver's defaults, documented per field). Errors name the
	// key and what was expected.
	Prepare() error
	// Files returns the device files the section's reader opens, by
	// config key ("reader.<kind>.<key>", defaults filled in): what the
	// service must be able to open, as `stampctl check` checks. A file
	// the section cannot name without the driver (a GPIO pin's chip) is
	// left out.
	Files() map[string]File
}

// File is a device file a reader opens.
type File struct {
	// Path of the file; a link (/dev/serial0, /dev/input/by-id/…) is
	// followed.
	Path string
	// Write: the reader opens it for reading and writing, else for
	// reading only.
	Write bool
}

// Opener is a Section that opens its reader: the section of a driver that
// `stampctl` may link. (The sections of drivers linking periph cannot, as
// stampctl loads the config but must not link them; their Kind names the
// Driver that opens them.)
type Opener interface {
	Section
	// Opener checks what only the driver can (its errors name the key)
	// and returns how to open the reader once; a reader that is missing
	// (unplugged, bus not enabled) fails to open and may be opened again
	// later.
	Opener(log *slog.Logger) (func() (Source, error), error)
}

// SimName is the simulator's reader.type, the default.
const SimName = "sim"

// SimKind declares the simulator: taps injected by tests, the demo and
// `stampctl tap`. It has no section keys (reader.script is the file's).
func SimKind() Kind {
	return Kind{Name: SimName, Section: func() Section { return simSection{} }, Injected: true}
}

type simSection struct{}

func (simSection) Prepare() error { return nil }

// Files is nil: the simulator opens no device.
func (simSection) Files() map[string]File { return nil }

func (simSection) Opener(*slog.Logger) (func() (Source, error), error) {
	return func() (Source, error) { return NewSim(), nil }, nil
}
