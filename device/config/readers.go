package config

import (
	"fmt"
	"slices"
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
	var raw struct {
		Reader map[string]toml.Primitive `toml:"reader"`
	}
	md, err := toml.Decode(data, &raw)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(kinds))
	for _, k := range kinds {
		names = append(names, k.Name)
		s := k.Section()
		if p, ok := raw.Reader[k.Name]; ok {
			if err := md.PrimitiveDecode(p, s); err != nil {
				return nil, fmt.Errorf("reader.%s: %w", k.Name, err)
			}
		}
		r.Sections[k.Name] = s
	}
	ours := func(k toml.Key) bool { return len(k) > 2 && k[0] == "reader" && slices.Contains(names, k[1]) }
	var left []toml.Key
	for _, k := range und {
		if !ours(k) && !(len(k) == 2 && k[0] == "reader" && slices.Contains(names, k[1])) {
			left = append(left, k)
		}
	}
	for _, k := range md.Undecoded() {
		if ours(k) {
			left = append(left, k)
		}
	}
	return left, nil
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
