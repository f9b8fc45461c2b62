package uplink

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Init is an uplink's part of `stampctl init`: the questions asked for it
// and how the answers become its section. init walks the list and asks,
// for each uplink set up, the questions that no flag answered.
type Init struct {
	// Questions are asked in order.
	Questions []Question
	// Resolve, if set, proves the answers with the receiver before
	// anything is written, and may change them (a name into its id). It
	// returns a line for the technician ("time type Arbeitszeit = 3").
	Resolve func(ctx context.Context, a Answers, hc *http.Client) (note string, err error)
}

// Answers are the answers to an uplink's questions, by key.
type Answers map[string]string

// Value types of a Question.
const (
	Text     = "text"      // a TOML string (the default)
	Int      = "int"       // a TOML integer
	Bool     = "bool"      // true or false; given only as a flag, never asked
	IntTable = "int-table" // "email=id, email=id": a table of integers
	Table    = "table"     // "email=value, …": a table of strings
)

// Question asks for one key of the section.
type Question struct {
	// Key is the section key the answer fills ("url"); errors name it as
	// <uplink>.<key>.
	Key string
	// Prompt is the question at a terminal.
	Prompt string
	// Flag is init's flag for the answer. Default "<uplink>-<key>" with
	// '_' as '-'.
	Flag string
	// Type is how the answer is written: Text (default), Int, Bool,
	// IntTable or Table.
	Type string
	// Default is taken for an empty answer ("": none).
	Default string
	// Optional: without an answer the key is left out.
	Optional bool
	// Secret: the answer is a secret, asked without echo (its flag names
	// a file holding it); init writes it to a file beside the config and
	// the key gets that file's path.
	Secret bool
	// Check, if set, checks an answer at once; its error names the key.
	// a holds the answers given so far.
	Check func(v string, a Answers, g Globals) error
}

// FlagName returns q's flag for the uplink name.
func (q Question) FlagName(name string) string {
	if q.Flag != "" {
		return q.Flag
	}
	return strings.ReplaceAll(name+"-"+q.Key, "_", "-")
}

// Validate checks answer v with the question's type and Check; errors
// name the key.
func (q Question) Validate(name, v string, a Answers, g Globals) error {
	key := name + "." + q.Key
	switch q.Type {
	case Int:
		if n, err := strconv.Atoi(v); err != nil || n <= 0 {
			return fmt.Errorf("%s: %q; want a positive number", key, v)
		}
	case Bool:
		if _, err := strconv.ParseBool(v); err != nil {
			return fmt.Errorf("%s: %q; want true or false", key, v)
		}
	case IntTable, Table:
		rows, err := tableRows(v)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		for _, r := range rows {
			if g.ValidEmail != nil && !g.ValidEmail(r[0]) {
				return fmt.Errorf("%s: %q is not an email address", key, r[0])
			}
			if n, err := strconv.Atoi(r[1]); q.Type == IntTable && (err != nil || n <= 0) {
				return fmt.Errorf("%s.%q: %q; want a positive number", key, r[0], r[1])
			}
		}
	}
	if q.Check != nil {
		return q.Check(v, a, g)
	}
	return nil
}

// tableRows splits "k=v, k=v" into rows.
func tableRows(v string) ([][2]string, error) {
	var rows [][2]string
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if !ok || k == "" || val == "" {
			return nil, fmt.Errorf("%q; want email=value, separated by commas", part)
		}
		rows = append(rows, [2]string{k, val})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%q; want at least one email=value", v)
	}
	return rows, nil
}

// Render writes the section [name] from the answers (a secret's answer
// already replaced by its file's path). Keys are written in the order of
// the questions, tables after the plain keys as TOML requires.
func (in Init) Render(name string, a Answers) string {
	var b, tables strings.Builder
	fmt.Fprintf(&b, "[%s]\n", name)
	for _, q := range in.Questions {
		v, ok := a[q.Key]
		if !ok || v == "" {
			continue
		}
		switch q.Type {
		case Int:
			fmt.Fprintf(&b, "%s = %s\n", q.Key, v)
		case Bool:
			if on, _ := strconv.ParseBool(v); on {
				fmt.Fprintf(&b, "%s = true\n", q.Key)
			}
		case IntTable, Table:
			rows, _ := tableRows(v)
			fmt.Fprintf(&tables, "\n[%s.%s]\n", name, q.Key)
			for _, r := range rows {
				val := r[1]
				if q.Type == Table {
					val = Quote(val)
				}
				fmt.Fprintf(&tables, "%s = %s\n", Quote(r[0]), val)
			}
		default:
			fmt.Fprintf(&b, "%s = %s\n", q.Key, Quote(v))
		}
	}
	b.WriteString(tables.String())
	return b.String()
}

// Secrets returns the keys of the secret questions.
func (in Init) Secrets() []string {
	var keys []string
	for _, q := range in.Questions {
		if q.Secret {
			keys = append(keys, q.Key)
		}
	}
	return slices.Clip(keys)
}

// Quote quotes s as a TOML basic string.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// CheckURLAnswer is a Question.Check for a url key: https, or http when
// the answers allow it (allow_http).
func CheckURLAnswer(name string) func(string, Answers, Globals) error {
	return func(v string, a Answers, _ Globals) error {
		on, _ := strconv.ParseBool(a["allow_http"])
		return CheckURL(name, v, on)
	}
}
