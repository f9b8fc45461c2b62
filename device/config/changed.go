package config

import (
	"reflect"
	"slices"
	"strings"
)

// ChangedSections names the sections of next that differ from c, besides
// the badges ([[badge]], which a reload applies): "punch", "zeiterfassung",
// "reader" (with its reader's table). stampd takes them only at a start,
// so a reload says which ones wait for a restart.
func (c *Config) ChangedSections(next *Config) []string {
	var out []string
	a, b := reflect.ValueOf(c).Elem(), reflect.ValueOf(next).Elem()
	t := a.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
		if name == "" || name == "-" || name == "badge" {
			continue
		}
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			out = append(out, name)
		}
	}
	for name, s := range c.Uplinks {
		if !reflect.DeepEqual(s, next.Uplinks[name]) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
