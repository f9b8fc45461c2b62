package daemon

import (
	"strings"

	"stampclock/device/config"
	"stampclock/queue"
)

// An employee is one email, byte for byte: her open shift and her entries
// are kept under it. A second badge enrolled for "Maier@Example.com" when
// her first says "maier@example.com" would be a second employee (two open
// shifts, overlapping entries). Emails differ in case only by mistake, so
// a badge being added takes the spelling the terminal already uses.

// spellings maps the lower-case emails of the config file's and the
// enrolled badges to the spelling they are written in (the config file's
// before an enrolled badge's).
func spellings(cb map[string]config.Badge, enrolled []queue.Badge) map[string]string {
	m := make(map[string]string, len(cb)+len(enrolled))
	for _, b := range cb {
		if b.Email != "" {
			m[strings.ToLower(b.Email)] = b.Email // the config file has one spelling per email
		}
	}
	for _, b := range enrolled {
		if _, ok := m[strings.ToLower(b.Email)]; !ok && b.Email != "" {
			m[strings.ToLower(b.Email)] = b.Email
		}
	}
	return m
}

// knownSpellings returns spellings of the terminal's badges now.
func (d *Daemon) knownSpellings() (map[string]string, error) {
	enrolled, err := d.store.Badges()
	if err != nil {
		return nil, err
	}
	return spellings(d.configBadges(), enrolled), nil
}

// spelled returns email as the terminal already spells it, or as given.
func spelled(known map[string]string, email string) string {
	if s, ok := known[strings.ToLower(email)]; ok {
		return s
	}
	return email
}
