// Package hardware opens the badge reader the config selects: through its
// section when the section opens itself (reader.Opener), else through the
// drivers that link periph, which stampctl must not link and so are named
// here instead of in their kind's package. stampd and its reader probe
// use it; stampctl does not.
package hardware

import (
	"fmt"
	"log/slog"

	"stampclock/device/readers"
	"stampclock/reader"
	"stampclock/reader/kinds/mfrc522kind"
	"stampclock/reader/kinds/pn532kind"
	"stampclock/reader/mfrc522"
	"stampclock/reader/pn532"
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
	switch s := s.(type) {
	case reader.Opener:
		return s.Opener(log)
	case *mfrc522kind.Config:
		return mfrc522.OpenConfig(s, log)
	case *pn532kind.Config:
		return pn532.OpenConfig(s, log)
	}
	return nil, fmt.Errorf("reader section %T: no driver opens it", s)
}
