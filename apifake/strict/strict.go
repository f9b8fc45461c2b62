// Package strict holds the request checks the fake API servers share:
// media types, JSON objects with a closed set of members, bearer headers.
package strict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
)

// MaxBody is the largest request body the fakes read, in bytes.
const MaxBody = 1 << 20

// MediaType checks that r's Content-Type is one of want (parameters such as
// charset=utf-8 are allowed; a charset must be utf-8).
func MediaType(r *http.Request, want ...string) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return fmt.Errorf("Content-Type missing, want %s", strings.Join(want, " or "))
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("Content-Type %q: %v", ct, err)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return fmt.Errorf("Content-Type %q: charset must be utf-8", ct)
	}
	for _, w := range want {
		if mt == w {
			return nil
		}
	}
	return fmt.Errorf("Content-Type %q, want %s", ct, strings.Join(want, " or "))
}

// Object reads r's body as one JSON object and returns its members. Members
// not in allowed are an error naming them; so are duplicate members, a body
// that is not one object and data after the object.
func Object(r *http.Request, allowed ...string) (map[string]json.RawMessage, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %v", err)
	}
	if len(body) > MaxBody {
		return nil, fmt.Errorf("body larger than %d bytes", MaxBody)
	}
	return ParseObject(body, allowed...)
}

// ParseObject is Object on a body already read.
func ParseObject(body []byte, allowed ...string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("body is not JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("body is not a JSON object")
	}
	m := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("body is not JSON: %v", err)
		}
		key := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("member %q: %v", key, err)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("member %q given twice", key)
		}
		m[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("body is not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	var unknown []string
	for k := range m {
		if !contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("unknown member(s) %s; the document lists only %s",
			strings.Join(unknown, ", "), strings.Join(allowed, ", "))
	}
	return m, nil
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// IsNull reports whether a member's raw value is JSON null.
func IsNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// String decodes member key of m as a JSON string. A member that is absent
// gives ok false; null or another type is an error.
func String(m map[string]json.RawMessage, key string) (s string, ok bool, err error) {
	v, present := m[key]
	if !present {
		return "", false, nil
	}
	if IsNull(v) {
		return "", false, fmt.Errorf("%s: null, want a string", key)
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false, fmt.Errorf("%s: %s, want a string", key, v)
	}
	return s, true, nil
}

// Bearer returns the token from a "<scheme> <token>" header value (exactly
// one space, scheme compared case-sensitively as documented). An empty scheme
// means the header carries the bare token.
func Bearer(r *http.Request, header, scheme string) (string, error) {
	v := r.Header.Get(header)
	if v == "" {
		return "", fmt.Errorf("header %s missing", header)
	}
	if scheme == "" {
		return v, nil
	}
	tok, ok := strings.CutPrefix(v, scheme+" ")
	if !ok || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", fmt.Errorf("header %s: want %q followed by the token", header, scheme+" ")
	}
	return tok, nil
}
