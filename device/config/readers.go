package config

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"

	"stampclock/device/readers"
	"stampclock/reader"
)

// decode decodes the [reader.<kind>] sections of the kinds in readers.All
// into r.Sections (an absent section stays empty) and returns the keys of
// und, the keys the main decode left, that none of them took: unknown
// keys stay errors, in a reader's section as anywhere.
func (r *Reader) decode(data string, und []toml.Key) ([]toml.Key, error) {
	kinds := readers.All()
	r.Sections = make(map[string]reader.Section, len(kinds))
	names := make([]string, 0, len(kinds))
	for _, k := range kinds {
		names = append(names, k.Name)
		r.Sections[k.Name] = k.Section()
	}
	return decodeSections(data, "reader", names, func(name string) any { return r.Sections[name] }, und)
}

// prepare checks reader.type against the list and prepares the selected
// kind's section.
func (r *Reader) prepare() error {
	s := r.Section()
	if s == nil {
		var names []string
		for _, k := range readers.All() {
			names = append(names, k.Name)
		}
		return fmt.Errorf("reader.type: %q is not a reader; want %s or %s", r.Type,
			strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
	}
	return s.Prepare()
}

// Injected tells whether the selected reader takes injected taps (a
// simulator: reader.Kind.Injected), as `stampctl tap` and reader.script
// need.
func (r Reader) Injected() bool {
	k, ok := readers.Lookup(r.Type)
	return ok && k.Injected
}

// Section returns the section of the selected kind (empty when the config
// was not loaded), or nil when reader.type names no reader in the list.
func (r Reader) Section() reader.Section {
	if s := r.Sections[r.Type]; s != nil {
		return s
	}
	if k, ok := readers.Lookup(r.Type); ok {
		return k.Section()
	}
	return nil
}

// Files returns the device files the selected reader opens, by config
// key (its section's Files): what the service must be able to open.
func (r Reader) Files() map[string]reader.File {
	s := r.Section()
	if s == nil {
		return nil
	}
	m := s.Files()
	for k, f := range m {
		if f.Path == "" {
			delete(m, k)
		}
	}
	return m
}
