package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// The TOML decoder reports a value of the wrong type only as text:
// "toml: line 2 (last key "device.id"): incompatible types: TOML value has
// type int64; destination has type string".
var badType = regexp.MustCompile(`toml: line (\d+) \(last key ("(?:[^"\\]|\\.)*")\): incompatible types: TOML value has type (\S+); destination has type (.+)$`)

// decodeError turns an error of the TOML decoder into one line naming the
// line, the key and what was expected: "line 2: device.id: want a string
// in quotes, got an integer (id = 5)". data is the file's text, for the
// line quoted.
func decodeError(data string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		if pe.LastKey != "" {
			return fmt.Errorf("line %d: %s: %s", pe.Position.Line, pe.LastKey, pe.Message)
		}
		return fmt.Errorf("line %d: %s", pe.Position.Line, pe.Message)
	}
	m := badType.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	n, _ := strconv.Atoi(m[1])
	key, got, want := m[2], m[3], m[4]
	if k, err := strconv.Unquote(key); err == nil {
		key = k // a key with quotes of its own: blikk.users."maier@example.com"
	}
	if key == "badge" && want == "slice" {
		return fmt.Errorf("line %d: badge: write each badge as [[badge]] (two brackets), not [badge]", n)
	}
	return fmt.Errorf("line %d: %s: want %s, got %s (%s)", n, key, wantedType(want), gotType(got), sourceLine(data, n))
}

// wantedType says in words what a destination type of the decoder takes.
func wantedType(dst string) string {
	switch dst {
	case "string", "primitive (string-like)":
		return `text in quotes ("…")`
	case "integer":
		return "a whole number without quotes"
	case "float":
		return "a number without quotes"
	case "boolean":
		return "true or false, without quotes"
	case "slice":
		return `a list in brackets (["…", "…"])`
	case "map":
		return "a table"
	}
	return dst
}

// gotType says in words what kind of TOML value the decoder met.
func gotType(t string) string {
	switch {
	case t == "string":
		return "text in quotes"
	case t == "int64":
		return "a whole number"
	case t == "float64":
		return "a number"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "map["):
		return "a table"
	case strings.HasPrefix(t, "["):
		return "a list"
	case strings.HasPrefix(t, "time.") || strings.HasPrefix(t, "toml.Local"):
		return "a date or time"
	}
	return t
}

// sourceLine is line n (1-based) of data, trimmed.
func sourceLine(data string, n int) string {
	lines := strings.Split(data, "\n")
	if n < 1 || n > len(lines) {
		return "line not found"
	}
	return strings.TrimSpace(lines[n-1])
}

// checkMaps refuses a value that is not a table where v (a pointer to a
// struct) has a map, under the key prefix: the decoder skips it without a
// word, so `users = ["maier@example.com"]` read as no users at all.
func checkMaps(md toml.MetaData, prefix toml.Key, v any) error {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		key := append(slices.Clone(prefix), name)
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.Map:
			if typ := md.Type(key...); typ != "" && typ != "Hash" {
				return fmt.Errorf("%s: want a table like { \"maier@example.com\" = … }, got %s", key, strings.ToLower(typ))
			}
		case reflect.Struct:
			if err := checkMaps(md, key, reflect.New(ft).Interface()); err != nil {
				return err
			}
		}
	}
	return nil
}
