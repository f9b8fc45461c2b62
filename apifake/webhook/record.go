package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Record is one stored record: the members of the schema's record object
// decoded, plus the exact body and the request's signing headers. Optional
// members that were absent are zero.
type Record struct {
	Key         string // idempotency_key (equal to the Idempotency-Key header)
	DeviceID    string
	Seq         int64
	Kind        string // punch, entry, event or retract
	At          time.Time
	ClockSynced bool
	UID         string
	Email       string
	Action      string    // punch: start or stop
	Start, End  time.Time // entry (and retract: start, end)
	StartSeq    int64     // entry
	StopSeq     int64     // entry
	Event       string    // event
	Detail      string    // event, retract
	Retracts    int64     // retract
	SiteEntry   string

	// Members holds every member of the body as sent, unknown ones too.
	Members map[string]json.RawMessage
	// Body is the exact request body received.
	Body []byte
	// Timestamp is the X-Stampclock-Timestamp of the request that stored it.
	Timestamp int64
	// UserAgent is the request's User-Agent.
	UserAgent string
	// Received is the fake's clock (Options.Now) when it was stored.
	Received time.Time
}

// Kinds and their members, as the schema's record object gives them.
var (
	kinds  = []string{"punch", "entry", "event", "retract"}
	events = []string{"unknown_badge", "missing_stop", "reader_fault", "store_fault",
		"store_near_full", "record_quarantined", "clock_corrected", "held_discarded"}
	actions = []string{"start", "stop"}

	keyPattern       = regexp.MustCompile(`^[^/+#]+:[1-9][0-9]*$`)
	uidPattern       = regexp.MustCompile(`^[0-9A-F]+$`)
	siteEntryPattern = regexp.MustCompile(`^[^/+#]+:[1-9][0-9]*-(?:[^/+#]+:[1-9][0-9]*|missing)$`)
	dateTimePattern  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$`)
)

// errBadJSON marks a body that is not one JSON object (400); other decode
// errors are schema violations (422).
var errBadJSON = errors.New("body is not one JSON object")

// parseMembers reads body as exactly one JSON object in UTF-8 with unique
// member names and returns its members.
func parseMembers(body []byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: not valid UTF-8", errBadJSON)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadJSON, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%w: starts with %v", errBadJSON, tok)
	}
	m := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errBadJSON, err)
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: member %q: %v", errBadJSON, name, err)
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("%w: member %q given twice", errBadJSON, name)
		}
		m[name] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadJSON, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the object", errBadJSON)
	}
	return m, nil
}

// members decodes typed members of one record, collecting the first error.
type members struct {
	m   map[string]json.RawMessage
	err error
}

func (d *members) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *members) has(name string) bool { _, ok := d.m[name]; return ok }

func (d *members) raw(name, want string) (json.RawMessage, bool) {
	v, ok := d.m[name]
	if !ok {
		return nil, false
	}
	if string(bytes.TrimSpace(v)) == "null" {
		d.fail("%s: null, want %s", name, want)
		return nil, false
	}
	return v, true
}

func (d *members) str(name string) string {
	v, ok := d.raw(name, "a string")
	if !ok {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		d.fail("%s: %s, want a string", name, v)
	}
	return s
}

func (d *members) boolean(name string) bool {
	v, ok := d.raw(name, "a boolean")
	if !ok {
		return false
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		d.fail("%s: %s, want a boolean", name, v)
	}
	return b
}

// integer decodes a JSON Schema integer: a number without a fractional
// part (3 and 3.0 alike), at least min.
func (d *members) integer(name string, min int64) int64 {
	v, ok := d.raw(name, "an integer")
	if !ok {
		return 0
	}
	n, ok := number(v)
	if !ok {
		d.fail("%s: %s, want an integer", name, v)
		return 0
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(n.String(), 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			d.fail("%s: %s, want an integer", name, v)
			return 0
		}
		i = int64(f)
	}
	if i < min {
		d.fail("%s: %d, want at least %d", name, i, min)
	}
	return i
}

// number decodes v as a JSON number (not a string holding one).
func number(v json.RawMessage) (json.Number, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return "", false
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		return "", false
	}
	return n, true
}

func (d *members) enum(name string, values []string) string {
	s := d.str(name)
	if d.has(name) && d.err == nil && !contains(values, s) {
		d.fail("%s: %q, want one of %s", name, s, strings.Join(values, ", "))
	}
	return s
}

// dateTime decodes an RFC 3339 date-time in UTC (Z or +00:00): the schema's
// format date-time and its "Times are RFC 3339 in UTC".
func (d *members) dateTime(name string) time.Time {
	s := d.str(name)
	if !d.has(name) || d.err != nil {
		return time.Time{}
	}
	if !dateTimePattern.MatchString(s) {
		d.fail("%s: %q is not an RFC 3339 date-time", name, s)
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	if err != nil {
		d.fail("%s: %q is not an RFC 3339 date-time: %v", name, s, err)
		return time.Time{}
	}
	if off := s[len(s)-6:]; !strings.HasSuffix(strings.ToUpper(s), "Z") && off != "+00:00" {
		d.fail("%s: %q has offset %s; the schema says times are in UTC", name, s, off)
	}
	return t.UTC()
}

// onlyFor lists the members the schema describes as belonging to some kinds
// only, with the kinds that may carry them: action "punch only"; start on
// entry, missing_stop event and retract; end on entry and retract (a
// missing_stop has no end, but the fake does not refuse one); start_seq on
// entry and missing_stop event; stop_seq on entry; site_entry "on entry,
// missing_stop and retract records".
var onlyFor = []struct {
	member string
	kinds  []string
	event  string // also allowed on events of this type
}{
	{"action", []string{"punch"}, ""},
	{"start", []string{"entry", "retract"}, "missing_stop"},
	{"end", []string{"entry", "retract"}, "missing_stop"},
	{"start_seq", []string{"entry"}, "missing_stop"},
	{"stop_seq", []string{"entry"}, ""},
	{"event", []string{"event"}, ""},
	{"detail", []string{"event", "retract"}, ""},
	{"retracts", []string{"retract"}, ""},
	{"site_entry", []string{"entry", "retract"}, "missing_stop"},
}

// required lists the members the schema's if/then demands per kind.
var required = map[string][]string{
	"punch":   {"action"},
	"entry":   {"start", "end"},
	"event":   {"event"},
	"retract": {"retracts", "start"},
}

// decodeRecord checks members against the schema's record object (see the
// package comment for the reading) and decodes them. Unknown members are
// ignored.
func decodeRecord(m map[string]json.RawMessage) (Record, error) {
	d := &members{m: m}
	for _, name := range []string{"schema", "idempotency_key", "device_id", "seq", "kind", "at", "clock_synced"} {
		if !d.has(name) {
			return Record{}, fmt.Errorf("%s: required member missing", name)
		}
	}
	var r Record
	r.Members = m
	if v, ok := d.raw("schema", "the number 1"); ok {
		if n, ok := number(v); !ok {
			d.fail("schema: %s, want 1", v)
		} else if f, err := n.Float64(); err != nil || f != 1 {
			d.fail("schema: %s, want 1 (const)", v)
		}
	}
	r.Key = d.str("idempotency_key")
	r.DeviceID = d.str("device_id")
	r.Seq = d.integer("seq", 1)
	r.Kind = d.enum("kind", kinds)
	r.At = d.dateTime("at")
	r.ClockSynced = d.boolean("clock_synced")
	if d.err != nil {
		return Record{}, d.err
	}
	if !keyPattern.MatchString(r.Key) {
		return Record{}, fmt.Errorf("idempotency_key: %q does not match %s", r.Key, keyPattern)
	}
	if want := r.DeviceID + ":" + strconv.FormatInt(r.Seq, 10); r.Key != want {
		return Record{}, fmt.Errorf("idempotency_key: %q, want <device_id>:<seq> = %q", r.Key, want)
	}
	for _, name := range required[r.Kind] {
		if !d.has(name) {
			return Record{}, fmt.Errorf("%s: required on kind %s", name, r.Kind)
		}
	}

	if d.has("uid") {
		r.UID = d.str("uid")
		if d.err == nil && !uidPattern.MatchString(r.UID) {
			d.fail("uid: %q, want upper-case hex", r.UID)
		}
	}
	if d.has("email") {
		r.Email = d.str("email")
	}
	if d.has("action") {
		r.Action = d.enum("action", actions)
	}
	if d.has("start") {
		r.Start = d.dateTime("start")
	}
	if d.has("end") {
		r.End = d.dateTime("end")
	}
	if d.has("start_seq") {
		r.StartSeq = d.integer("start_seq", math.MinInt64)
	}
	if d.has("stop_seq") {
		r.StopSeq = d.integer("stop_seq", math.MinInt64)
	}
	if d.has("event") {
		r.Event = d.enum("event", events)
	}
	if d.has("detail") {
		r.Detail = d.str("detail")
	}
	if d.has("retracts") {
		r.Retracts = d.integer("retracts", 1)
	}
	if d.has("site_entry") {
		r.SiteEntry = d.str("site_entry")
		if d.err == nil && !siteEntryPattern.MatchString(r.SiteEntry) {
			d.fail("site_entry: %q, want <startOrigin>:<startSeq>-<stopOrigin>:<stopSeq> or <startOrigin>:<startSeq>-missing", r.SiteEntry)
		}
	}
	if d.err != nil {
		return Record{}, d.err
	}

	for _, o := range onlyFor {
		if d.has(o.member) && !contains(o.kinds, r.Kind) && (o.event == "" || r.Event != o.event) {
			return Record{}, fmt.Errorf("%s: given on kind %s; the schema gives it for %s only",
				o.member, r.Kind, describeKinds(o.kinds, o.event))
		}
	}
	if d.has("start") && d.has("end") && r.End.Before(r.Start) {
		return Record{}, fmt.Errorf("end %s before start %s", r.End.Format(time.RFC3339), r.Start.Format(time.RFC3339))
	}
	if r.Kind == "retract" && r.Retracts >= r.Seq {
		return Record{}, fmt.Errorf("retracts: %d, not an earlier record of this device (seq %d)", r.Retracts, r.Seq)
	}
	return r, nil
}

// checkRetract checks a retract against the record it withdraws, when the
// fake holds that one: "the record (an entry or a missing_stop event)",
// and "email, start and end repeat that record's".
func checkRetract(r, withdrawn Record) error {
	if withdrawn.Kind != "entry" && (withdrawn.Kind != "event" || withdrawn.Event != "missing_stop") {
		return fmt.Errorf("retracts: %d is a %s record; only an entry or a missing_stop event can be withdrawn",
			r.Retracts, describeRecord(withdrawn))
	}
	same := map[string]bool{
		"email": r.Email == withdrawn.Email,
		"start": r.Start.Equal(withdrawn.Start), // the same instant, written as it may be
		"end":   r.End.Equal(withdrawn.End),
	}
	for _, m := range []string{"email", "start", "end"} {
		_, had := withdrawn.Members[m]
		_, has := r.Members[m]
		if had != has || !same[m] {
			return fmt.Errorf("%s: %s, the withdrawn record %d has %s", m, memberText(r.Members, m), r.Retracts, memberText(withdrawn.Members, m))
		}
	}
	return nil
}

func describeRecord(r Record) string {
	if r.Kind == "event" {
		return r.Event + " event"
	}
	return r.Kind
}

func memberText(m map[string]json.RawMessage, name string) string {
	if v, ok := m[name]; ok {
		return string(v)
	}
	return "none"
}

func describeKinds(kinds []string, event string) string {
	s := strings.Join(kinds, ", ")
	if event != "" {
		s += ", " + event + " events"
	}
	return s
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// sameContent reports whether two JSON bodies hold the same values
// (member order and spacing aside).
func sameContent(a, b []byte) bool {
	var va, vb any
	da := json.NewDecoder(bytes.NewReader(a))
	da.UseNumber()
	db := json.NewDecoder(bytes.NewReader(b))
	db.UseNumber()
	if da.Decode(&va) != nil || db.Decode(&vb) != nil {
		return bytes.Equal(a, b)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}
