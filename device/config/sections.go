package config

import (
	"fmt"
	"slices"

	"github.com/BurntSushi/toml"
)

// decodeSections decodes, for each name, the table [<under>.<name>]
// ([<name>] when under is "") into into(name), an absent table leaving it
// as it is. It returns the keys of und, the keys the main decode left,
// outside those tables, and the keys inside them no section took: unknown
// keys stay errors, in a listed section as anywhere.
func decodeSections(data, under string, names []string, into func(name string) any, und []toml.Key) ([]toml.Key, error) {
	var raw map[string]toml.Primitive
	md, err := toml.Decode(data, &raw)
	if err != nil {
		return nil, err
	}
	prefix := toml.Key{}
	tables := raw
	if under != "" {
		prefix = toml.Key{under}
		tables = nil
		if p, ok := raw[under]; ok {
			if err := md.PrimitiveDecode(p, &tables); err != nil {
				return nil, fmt.Errorf("%s: %w", under, err)
			}
		}
	}
	for _, name := range names {
		if p, ok := tables[name]; ok {
			if err := md.PrimitiveDecode(p, into(name)); err != nil {
				return nil, fmt.Errorf("%s: %w", append(prefix, name), err)
			}
			if err := checkMaps(md, append(slices.Clone(prefix), name), into(name)); err != nil {
				return nil, err
			}
		}
	}
	// listed tells whether k is a listed table or a key inside one.
	listed := func(k toml.Key) bool {
		return len(k) > len(prefix) && slices.Equal(k[:len(prefix)], prefix) && slices.Contains(names, k[len(prefix)])
	}
	var left []toml.Key
	for _, k := range und {
		if !listed(k) {
			left = append(left, k)
		}
	}
	for _, k := range md.Undecoded() {
		if listed(k) && len(k) > len(prefix)+1 {
			left = append(left, k)
		}
	}
	return left, nil
}
