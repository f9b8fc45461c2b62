package flowtlytest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"stampclock/internal/fakehttp"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds request bodies the server reads.
const maxBody = 64 << 10

// collection is the work-time collection path.
const collection = "/employee_working_hours"

// Handler returns the HTTP handler serving the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+collection, s.authed(s.create))
	mux.HandleFunc("GET "+collection, s.authed(s.list))
	mux.HandleFunc("GET "+collection+"/{id}", s.authed(s.get))
	mux.HandleFunc("GET /employees/{id}", s.authed(s.employee))

	return s.front().Handler(mux)
}

// front is the server's outer handler, before its API mux.
func (s *Server) front() fakehttp.Front {
	return fakehttp.Front{
		Faults: &s.Faults,
		Mu:     &s.mu,
		Counts: &s.stats.Counts,
		Unavailable: func(w http.ResponseWriter, _ *http.Request) {
			hydraError(w, http.StatusServiceUnavailable, "Service Unavailable")
		},
		Name: "flowtlytest",
		Log:  s.log,
	}
}

// writeLD answers status with v as JSON-LD.
func writeLD(w http.ResponseWriter, status int, v any) {
	fakehttp.WriteJSON(w, status, "application/ld+json; charset=utf-8", v)
}

// hydraError answers status with an API Platform hydra error.
func hydraError(w http.ResponseWriter, status int, desc string) {
	writeLD(w, status, map[string]any{
		"@context":          "/api/contexts/Error",
		"@type":             "hydra:Error",
		"hydra:title":       "An error occurred",
		"hydra:description": desc,
	})
}

// violation is one entry of a ConstraintViolationList.
type violation struct {
	PropertyPath string `json:"propertyPath"`
	Message      string `json:"message"`
}

// violations answers 422 with a ConstraintViolationList.
func violations(w http.ResponseWriter, vs []violation) {
	desc := make([]string, len(vs))
	for i, v := range vs {
		desc[i] = v.PropertyPath + ": " + v.Message
	}
	writeLD(w, http.StatusUnprocessableEntity, map[string]any{
		"@context":          "/api/contexts/ConstraintViolationList",
		"@type":             "ConstraintViolationList",
		"hydra:title":       "An error occurred",
		"hydra:description": strings.Join(desc, "\n"),
		"violations":        vs,
	})
}

// fault writes an injected answer.
func fault(w http.ResponseWriter, f Fault) {
	f.Write(w, "application/ld+json; charset=utf-8", hydraError)
}

// authed wraps h with the token check.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		want := s.o.Token
		if s.o.AuthScheme != "none" {
			want = s.o.AuthScheme + " " + s.o.Token
		}
		got := r.Header.Get(s.o.AuthHeader)
		msg := ""
		switch {
		case got == "":
			msg = "JWT Token not found"
		case subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1:
			msg = "Invalid JWT Token"
		}
		if msg != "" {
			s.mu.Lock()
			s.stats.Unauthorized++
			s.mu.Unlock()
			writeLD(w, http.StatusUnauthorized, map[string]any{"code": 401, "message": msg})
			return
		}
		if f := s.TakeNext(); f != nil {
			s.mu.Lock()
			s.stats.Injected++
			s.mu.Unlock()
			fault(w, *f)
			return
		}
		h(w, r)
	}
}

// wire is a stored record as the API writes it.
func (s *Server) wire(r Record) map[string]any {
	m := map[string]any{
		"@id":         fmt.Sprintf("%s%s/%d", s.o.IRIPrefix, collection, r.ID),
		"@type":       "WorkTime",
		"id":          r.ID,
		"employee":    r.Employee,
		"project":     r.Project,
		"date":        r.date.Format("2006-01-02T15:04:05-07:00"),
		"seconds":     r.Seconds,
		"description": r.Description,
		"createdAt":   r.CreatedAt.Format("2006-01-02T15:04:05-07:00"),
		"updatedAt":   r.CreatedAt.Format("2006-01-02T15:04:05-07:00"),
		"deletedAt":   nil,
		"deleted":     r.Deleted,
	}
	return m
}

// parseDate parses a date as API Platform's DateTime normalizer would
// take it from a client: RFC 3339 or a bare yyyy-mm-dd (midnight UTC).
func parseDate(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", v)
}

// writable are the WorkTime fields a client may send.
var writable = []string{"employee", "project", "date", "seconds", "description"}

// create serves POST /employee_working_hours.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Posts++
	f := s.failPosts.Take()
	if f != nil {
		s.stats.Injected++
	}
	s.mu.Unlock()
	if f != nil {
		fault(w, *f)
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/ld+json" && ct != "application/json" {
		hydraError(w, http.StatusUnsupportedMediaType, fmt.Sprintf(
			`The content-type "%s" is not supported. Supported MIME types are "application/ld+json", "application/json".`, r.Header.Get("Content-Type")))
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		hydraError(w, http.StatusBadRequest, "Request body unreadable or too large")
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		hydraError(w, http.StatusBadRequest, "Syntax error")
		return
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(writable, k) {
			hydraError(w, http.StatusBadRequest, fmt.Sprintf(`Extra attributes are not allowed ("%s" is unknown).`, k))
			return
		}
	}
	rec, vs, msg := s.decode(obj)
	if msg != "" {
		hydraError(w, http.StatusBadRequest, msg)
		return
	}
	if len(vs) > 0 {
		violations(w, vs)
		return
	}
	s.mu.Lock()
	rec.ID = s.nextID
	s.nextID++
	rec.CreatedAt = s.o.Now()
	s.records = append(s.records, rec)
	s.stats.Stored++
	s.mu.Unlock()
	drop := s.TakeDrop()
	if s.o.OnStore != nil {
		s.o.OnStore(rec)
	}
	if drop {
		s.front().Drop(w, r)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("%s%s/%d", s.o.IRIPrefix, collection, rec.ID))
	writeLD(w, http.StatusCreated, s.wire(rec))
}

// decode checks the fields of a POST body. It returns the record, the
// constraint violations (422) or a denormalization message (400).
func (s *Server) decode(obj map[string]json.RawMessage) (Record, []violation, string) {
	var rec Record
	var vs []violation
	str := func(name string, nullable bool) (string, bool, string) {
		raw, ok := obj[name]
		if !ok || string(raw) == "null" {
			return "", false, ""
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", false, fmt.Sprintf(`The type of the "%s" attribute must be "%s", "%s" given.`, name, map[bool]string{false: "string", true: "string|null"}[nullable], jsonType(raw))
		}
		return v, true, ""
	}
	for _, f := range []struct {
		name  string
		known map[string]bool
		kind  string
		dst   *string
	}{
		{"employee", s.employees, "employees", &rec.Employee},
		{"project", s.projects, "projects", &rec.Project},
	} {
		v, ok, msg := str(f.name, false)
		if msg != "" {
			return rec, nil, msg
		}
		if !ok || v == "" {
			vs = append(vs, violation{f.name, "This value should not be blank."})
			continue
		}
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "" || u.RawQuery != "" || !strings.HasPrefix(u.Path, s.o.IRIPrefix+"/"+f.kind+"/") ||
			strings.Count(strings.TrimPrefix(u.Path, s.o.IRIPrefix+"/"+f.kind+"/"), "/") != 0 {
			return rec, nil, fmt.Sprintf(`Invalid IRI "%s".`, v)
		}
		if !f.known[v] {
			return rec, nil, fmt.Sprintf(`Item not found for "%s".`, v)
		}
		*f.dst = v
	}
	if v, ok, msg := str("date", false); msg != "" {
		return rec, nil, msg
	} else if !ok || v == "" {
		vs = append(vs, violation{"date", "This value should not be blank."})
	} else {
		t, err := parseDate(v)
		if err != nil {
			return rec, nil, fmt.Sprintf(`Failed to parse time string (%s): the "date" attribute must be a date.`, v)
		}
		rec.Date, rec.date = v, t
	}
	if raw, ok := obj["seconds"]; !ok || string(raw) == "null" {
		vs = append(vs, violation{"seconds", "This value should not be blank."})
	} else {
		n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
		if err != nil {
			return rec, nil, fmt.Sprintf(`The type of the "seconds" attribute must be "int", "%s" given.`, jsonType(raw))
		}
		switch {
		case n <= 0:
			vs = append(vs, violation{"seconds", "This value should be positive."})
		case n > 86400:
			vs = append(vs, violation{"seconds", "This value should be less than or equal to 86400."})
		}
		rec.Seconds = n
	}
	if v, ok, msg := str("description", true); msg != "" {
		return rec, nil, msg
	} else if ok {
		if len([]rune(v)) > 255 {
			vs = append(vs, violation{"description", "This value is too long. It should have 255 characters or less."})
		}
		rec.Description = &v
	}
	return rec, vs, ""
}

// jsonType names the JSON type of raw as PHP would.
func jsonType(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "NULL"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "array"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "NULL"
	}
	if bytes.ContainsAny(raw, ".eE") {
		return "float"
	}
	return "int"
}

// dateFilters are the date filter operators and whether the bound is
// strict; true compares after the bound.
var dateFilters = map[string]struct{ after, strict bool }{
	"date[after]":           {true, false},
	"date[before]":          {false, false},
	"date[strictly_after]":  {true, true},
	"date[strictly_before]": {false, true},
}

// list serves GET /employee_working_hours.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.failLists.Take()
	if f != nil {
		s.stats.Injected++
	}
	s.mu.Unlock()
	if f != nil {
		fault(w, *f)
		return
	}
	q := r.URL.Query()
	type bound struct {
		t             time.Time
		after, strict bool
	}
	var bounds []bound
	for name, op := range dateFilters {
		if v := q.Get(name); v != "" {
			t, err := parseDate(v)
			if err != nil {
				hydraError(w, http.StatusBadRequest, fmt.Sprintf(`The filter "%s" needs a date, "%s" given.`, name, v))
				return
			}
			bounds = append(bounds, bound{t, op.after, op.strict})
		}
	}
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			hydraError(w, http.StatusBadRequest, "Page should not be less than 1")
			return
		}
		page = n
	}
	match := func(filter, kind, v string) bool {
		if filter == "" {
			return true
		}
		if !strings.HasPrefix(filter, "/") {
			filter = s.o.IRIPrefix + "/" + kind + "/" + filter
		}
		return filter == v
	}
	s.mu.Lock()
	var all []Record
	for _, rec := range s.records {
		if !match(q.Get("employee"), "employees", rec.Employee) || !match(q.Get("project"), "projects", rec.Project) {
			continue
		}
		ok := true
		for _, b := range bounds {
			switch {
			case b.after && b.strict:
				ok = ok && rec.date.After(b.t)
			case b.after:
				ok = ok && !rec.date.Before(b.t)
			case b.strict:
				ok = ok && rec.date.Before(b.t)
			default:
				ok = ok && !rec.date.After(b.t)
			}
		}
		if ok {
			all = append(all, rec)
		}
	}
	s.stats.Lists++
	s.mu.Unlock()

	from := min((page-1)*s.o.PageSize, len(all))
	to := min(from+s.o.PageSize, len(all))
	members := make([]map[string]any, 0, to-from)
	for _, rec := range all[from:to] {
		members = append(members, s.wire(rec))
	}
	pageURL := func(p int) string {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("page", strconv.Itoa(p))
		return collection + "?" + qq.Encode()
	}
	prefix := "hydra:"
	if s.o.Style == StylePlain {
		prefix = ""
	}
	view := map[string]any{"@id": pageURL(page), "@type": prefix + "PartialCollectionView"}
	if s.o.Style == StylePlain {
		view["@type"] = "PartialCollectionView"
	}
	last := max(1, (len(all)+s.o.PageSize-1)/s.o.PageSize)
	view[prefix+"first"] = pageURL(1)
	view[prefix+"last"] = pageURL(last)
	if page < last {
		view[prefix+"next"] = pageURL(page + 1)
	}
	writeLD(w, http.StatusOK, map[string]any{
		"@context":            "/api/contexts/WorkTime",
		"@id":                 collection,
		"@type":               prefix + "Collection",
		prefix + "member":     members,
		prefix + "totalItems": len(all),
		prefix + "view":       view,
	})
}

// get serves GET /employee_working_hours/{id}.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err == nil {
		s.mu.Lock()
		for _, rec := range s.records {
			if rec.ID == id {
				s.mu.Unlock()
				writeLD(w, http.StatusOK, s.wire(rec))
				return
			}
		}
		s.mu.Unlock()
	}
	hydraError(w, http.StatusNotFound, "Not Found")
}

// employee serves GET /employees/{id} ("Retrieves a Employee resource"):
// the known employee as JSON-LD, else 404.
func (s *Server) employee(w http.ResponseWriter, r *http.Request) {
	iri := s.EmployeeIRI(r.PathValue("id"))
	s.mu.Lock()
	known := s.employees[iri]
	s.mu.Unlock()
	if !known {
		hydraError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeLD(w, http.StatusOK, map[string]any{"@id": iri, "@type": "Employee", "id": r.PathValue("id")})
}
