// Package hardware opens the badge reader the config selects: through its
// section when the section opens itself (reader.Opener), else through its
// kind's Driver, a package linking periph that stampctl must not link.
// Those drivers are named in drivers.go, generated from the list in
// device/readers (go generate ./device/readers/hardware), so no reader is
// named here by hand. stampd and its reader probe use the package;
// stampctl does not.
package hardware

//go:generate go run ./drivergen

import (
	"fmt"
	"log/slog"

	"stampclock/device/readers"
	"stampclock/reader"
)

// Open opens a reader once. A hardware reader that is missing (unplugged,
// bus not enabled) fails; the caller may call Open again later.
type Open func() (reader.Source, error)

// Opener returns how to open the reader of kind typ configured by s (nil:
// the kind's empty section); errors name the config key. Each reader's
// own errors come back prefixed with its key (reader.<type>).
func Opener(typ string, s reader.Section, log *slog.Logger) (Open, error) {
	k, ok := readers.Lookup(typ)
	if !ok {
		return nil, fmt.Errorf("reader.type %q: not supported", typ)
	}
	if s == nil {
		s = k.Section()
	}
	open, err := opener(s, log)
	if err != nil {
		return nil, err
	}
	return func() (reader.Source, error) {
		src, err := open()
		if err != nil {
			return nil, fmt.Errorf("reader.%s: %w", k.Name, err)
		}
		return src, nil
	}, nil
}

// opener returns how to open the reader of section s.
func opener(s reader.Section, log *slog.Logger) (func() (reader.Source, error), error) {
	if o, ok := s.(reader.Opener); ok {
		return o.Opener(log)
	}
	for _, open := range drivers() {
		if o, ok, err := open(s, log); ok {
			return o, err
		}
	}
	return nil, fmt.Errorf("reader section %T: no driver opens it (a kind with a Driver needs go generate ./device/readers/hardware)", s)
}

// driver opens the reader of section s if s is of the type its driver
// takes; ok is false otherwise.
type driver func(s reader.Section, log *slog.Logger) (open func() (reader.Source, error), ok bool, err error)

// driverOf is the driver opening the sections of type S with open (the
// driver package's OpenConfig).
func driverOf[S reader.Section](open func(S, *slog.Logger) (func() (reader.Source, error), error)) driver {
	return func(s reader.Section, log *slog.Logger) (func() (reader.Source, error), bool, error) {
		c, ok := s.(S)
		if !ok {
			return nil, false, nil
		}
		o, err := open(c, log)
		return o, true, err
	}
}
