package clockodo

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Groupings are the criteria grouping[] accepts, in the document's order.
var Groupings = []string{"customers_id", "projects_id", "services_id", "users_id", "texts_id",
	"billable", "is_lumpSum", "year", "week", "month", "day"}

var filterParams = []string{"filter[users_id]", "filter[customers_id]", "filter[projects_id]",
	"filter[services_id]", "filter[billable]", "filter[text]", "filter[texts_id]"}

var (
	getParams    = append([]string{"time_since", "time_until", "grouping[]", "round_to_minutes", "prepend_customer_to_project_name", "calc_also_revenues_for_projects_with_hard_budget"}, filterParams...)
	putParams    = append([]string{"time_since", "time_until", "users_id", "customers_id", "projects_id", "services_id", "billable", "texts_id", "text", "hourly_rate", "confirm_key"}, filterParams...)
	deleteParams = append([]string{"time_since", "time_until", "confirm_key"}, filterParams...)
)

var tsRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)

// selection is the validated time span and filters of a request.
type selection struct {
	since, until time.Time
	ints         map[string]int // filter[...] integer filters by field name
	text         *string
}

func checkNames(p url.Values, allowed []string) error {
	for k, v := range p {
		if !contains(allowed, k) {
			return fmt.Errorf("parameter %s is not documented for this request", k)
		}
		if k != "grouping[]" && len(v) != 1 {
			return fmt.Errorf("parameter %s given more than once", k)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func parseInt(p url.Values, key string, min, max int) (*int, error) {
	v, ok := p[key]
	if !ok {
		return nil, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < min || n > max {
		return nil, fmt.Errorf("%s=%q: want an integer %d-%d", key, v[0], min, max)
	}
	return &n, nil
}

func parseBool(p url.Values, key string, def bool) (bool, error) {
	v, ok := p[key]
	if !ok {
		return def, nil
	}
	switch v[0] {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%s=%q: want true, false, 1 or 0", key, v[0])
}

func (s *Server) parseSelection(p url.Values) (selection, error) {
	sel := selection{ints: map[string]int{}}
	for _, k := range []string{"time_since", "time_until"} {
		v, ok := p[k]
		if !ok || v[0] == "" {
			return sel, fmt.Errorf("%s is required (YYYY-MM-DD HH:MM:SS)", k)
		}
		t, err := time.ParseInLocation(tsLayout, v[0], s.opt.Location)
		if !tsRE.MatchString(v[0]) || err != nil {
			return sel, fmt.Errorf("%s=%q: want YYYY-MM-DD HH:MM:SS", k, v[0])
		}
		if k == "time_since" {
			sel.since = t
		} else {
			sel.until = t
		}
	}
	if sel.until.Before(sel.since) {
		return sel, fmt.Errorf("time_until before time_since")
	}
	for _, f := range []string{"users_id", "customers_id", "projects_id", "services_id", "texts_id"} {
		n, err := parseInt(p, "filter["+f+"]", 1, math.MaxInt32)
		if err != nil {
			return sel, err
		}
		if n != nil {
			sel.ints[f] = *n
		}
	}
	b, err := parseInt(p, "filter[billable]", 0, 2)
	if err != nil {
		return sel, err
	}
	if b != nil {
		sel.ints["billable"] = *b
	}
	if v, ok := p["filter[text]"]; ok {
		if _, both := p["filter[texts_id]"]; both {
			return sel, fmt.Errorf("filter[text] and filter[texts_id] both given; the document offers one or the other")
		}
		sel.text = &v[0]
	}
	return sel, nil
}

// field returns the value of an integer criterion of e.
func field(e Entry, name string) int {
	switch name {
	case "users_id":
		return e.UsersID
	case "customers_id":
		return e.CustomersID
	case "projects_id":
		return e.ProjectsID
	case "services_id":
		return e.ServicesID
	case "texts_id":
		return e.TextsID
	case "billable":
		return e.Billable
	}
	panic("clockodo: no integer field " + name)
}

// selectLocked returns the entries starting within [since, until] that
// pass the filters.
func (s *Server) selectLocked(sel selection) []Entry {
	var out []Entry
	for _, e := range s.entries {
		if e.TimeSince.Before(sel.since) || e.TimeSince.After(sel.until) {
			continue
		}
		ok := true
		for f, v := range sel.ints {
			ok = ok && field(e, f) == v
		}
		if sel.text != nil && e.Text != *sel.text {
			ok = false
		}
		if ok {
			out = append(out, e)
		}
	}
	return out
}

func (s *Server) groups(w http.ResponseWriter, p url.Values) {
	if err := checkNames(p, getParams); err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	sel, err := s.parseSelection(p)
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	grouping := p["grouping[]"]
	if len(grouping) == 0 {
		refuse(w, http.StatusBadRequest, "grouping[] is required, e.g. grouping[]=customers_id&grouping[]=users_id")
		return
	}
	for i, g := range grouping {
		if !contains(Groupings, g) {
			refuse(w, http.StatusBadRequest, fmt.Sprintf("grouping[] %q: want one of %s", g, strings.Join(Groupings, ", ")))
			return
		}
		if contains(grouping[:i], g) {
			refuse(w, http.StatusBadRequest, fmt.Sprintf("grouping[] %q given twice", g))
			return
		}
	}
	round, err := parseInt(p, "round_to_minutes", 0, 24*60)
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	prepend, err := parseBool(p, "prepend_customer_to_project_name", true)
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	if _, err := parseBool(p, "calc_also_revenues_for_projects_with_hard_budget", false); err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	g := grouper{s: s, levels: grouping, prepend: prepend}
	if round != nil {
		g.round = *round
	}
	s.mu.Lock()
	entries := s.selectLocked(sel)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"groups": g.build(entries, 0, nil)})
}

type grouper struct {
	s       *Server
	levels  []string
	round   int // minutes, 0 = none
	prepend bool
}

// key is the group identifier of e at criterion c.
func (g grouper) key(e Entry, c string) string {
	t := e.TimeSince.In(g.s.opt.Location)
	switch c {
	case "is_lumpSum":
		if e.IsLumpSum {
			return "1"
		}
		return "0"
	case "year":
		return t.Format("2006")
	case "month":
		return t.Format("2006-01")
	case "week":
		y, wk := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, wk)
	case "day":
		return t.Format("2006-01-02")
	}
	return strconv.Itoa(field(e, c))
}

func lookup(list []Named, id string) Named {
	for _, n := range list {
		if strconv.Itoa(n.ID) == id {
			return n
		}
	}
	return Named{Name: id}
}

func (g grouper) duration(e Entry) int {
	d := e.Duration()
	if g.round > 0 {
		step := g.round * 60
		d = (d + step - 1) / step * step
	}
	return d
}

func (g grouper) build(entries []Entry, level int, restrictions []map[string]string) []map[string]any {
	c := g.levels[level]
	byKey := map[string][]Entry{}
	var keys []string
	for _, e := range entries {
		k := g.key(e, c)
		if _, seen := byKey[k]; !seen {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], e)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, errA := strconv.Atoi(keys[i])
		b, errB := strconv.Atoi(keys[j])
		if errA == nil && errB == nil {
			return a < b
		}
		return keys[i] < keys[j]
	})
	out := []map[string]any{}
	for _, k := range keys {
		es := byKey[k]
		grp := map[string]any{"groupedBy": c, "group": k, "name": k,
			"restrictions": append([]map[string]string{}, restrictions...)}
		var reg []Named
		switch c {
		case "customers_id":
			reg = g.s.opt.Customers
		case "projects_id":
			reg = g.s.opt.Projects
		case "services_id":
			reg = g.s.opt.Services
		case "users_id":
			reg = g.s.opt.Users
		case "texts_id":
			grp["name"] = es[0].Text
		case "billable":
			grp["name"] = map[string]string{"0": "not billable", "1": "billable", "2": "billable and billed"}[k]
		}
		if reg != nil {
			n := lookup(reg, k)
			grp["name"], grp["number"] = n.Name, n.Number
			if c != "users_id" {
				grp["note"] = n.Note
			}
			if c == "projects_id" && g.prepend {
				grp["name"] = lookup(g.s.opt.Customers, strconv.Itoa(es[0].CustomersID)).Name + ": " + n.Name
			}
		}
		dur, raw := 0, 0
		revenue, rawRevenue, billableSecs := 0.0, 0.0, 0
		for _, e := range es {
			d := g.duration(e)
			dur += d
			raw += e.Duration()
			if e.Billable > 0 {
				revenue += e.HourlyRate * float64(d) / 3600
				rawRevenue += e.HourlyRate * float64(e.Duration()) / 3600
				billableSecs += d
			}
		}
		grp["duration"] = dur
		grp["revenue"] = math.Round(revenue*100) / 100
		if billableSecs > 0 {
			grp["hourly_rate"] = math.Round(revenue/(float64(billableSecs)/3600)*100) / 100
		} else {
			grp["hourly_rate"] = 0.0
		}
		if g.round > 0 {
			grp["duration_without_rounding"] = raw
			grp["revenue_without_rounding"] = math.Round(rawRevenue*100) / 100
		}
		if level+1 < len(g.levels) {
			sub := append(append([]map[string]string{}, restrictions...), map[string]string{c: k})
			grp["sub_groups"] = g.build(es, level+1, sub)
		}
		out = append(out, grp)
	}
	return out
}

// change handles PUT (edit) and DELETE with the two-step confirm_key.
func (s *Server) change(w http.ResponseWriter, p url.Values, del bool) {
	allowed := putParams
	if del {
		allowed = deleteParams
	}
	if err := checkNames(p, allowed); err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	sel, err := s.parseSelection(p)
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return
	}
	var apply func(*Entry)
	if !del {
		if apply, err = s.edits(p); err != nil {
			refuse(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	canon := canonical(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	affected := s.selectLocked(sel)
	key, confirming := p["confirm_key"]
	if !confirming {
		k := newKey()
		s.pending[k] = canon
		writeJSON(w, http.StatusOK, map[string]any{"confirm_key": k, "affected_entries": len(affected)})
		return
	}
	if want, ok := s.pending[key[0]]; !ok || want != canon {
		refuse(w, http.StatusBadRequest, "confirm_key unknown, used or issued for other parameters")
		return
	}
	delete(s.pending, key[0])
	ids := map[int]bool{}
	for _, e := range affected {
		ids[e.ID] = true
	}
	kept := s.entries[:0]
	for _, e := range s.entries {
		switch {
		case !ids[e.ID]:
			kept = append(kept, e)
		case !del:
			apply(&e)
			kept = append(kept, e)
		}
	}
	s.entries = kept
	if del {
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "deleted_entries": len(affected)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "edited_entries": len(affected)})
}

// edits validates the new values of a PUT.
func (s *Server) edits(p url.Values) (func(*Entry), error) {
	var fns []func(*Entry)
	regs := map[string][]Named{"users_id": s.opt.Users, "customers_id": s.opt.Customers,
		"projects_id": s.opt.Projects, "services_id": s.opt.Services}
	for _, f := range []string{"users_id", "customers_id", "projects_id", "services_id", "texts_id", "billable"} {
		lo, hi := 1, math.MaxInt32
		if f == "billable" {
			lo, hi = 0, 2
		}
		n, err := parseInt(p, f, lo, hi)
		if err != nil {
			return nil, err
		}
		if n == nil {
			continue
		}
		if reg, ok := regs[f]; ok && lookup(reg, strconv.Itoa(*n)).ID == 0 {
			return nil, fmt.Errorf("%s=%d: no such item", f, *n)
		}
		v, f := *n, f
		fns = append(fns, func(e *Entry) {
			switch f {
			case "users_id":
				e.UsersID = v
			case "customers_id":
				e.CustomersID = v
			case "projects_id":
				e.ProjectsID = v
			case "services_id":
				e.ServicesID = v
			case "texts_id":
				e.TextsID = v
			case "billable":
				e.Billable = v
			}
		})
	}
	if v, ok := p["text"]; ok {
		if _, both := p["texts_id"]; both {
			return nil, fmt.Errorf("text and texts_id both given")
		}
		t := v[0]
		fns = append(fns, func(e *Entry) { e.Text = t })
	}
	if v, ok := p["hourly_rate"]; ok {
		r, err := strconv.ParseFloat(v[0], 64)
		if err != nil || r < 0 {
			return nil, fmt.Errorf("hourly_rate=%q: want a non-negative number", v[0])
		}
		fns = append(fns, func(e *Entry) { e.HourlyRate = r })
	}
	if len(fns) == 0 {
		return nil, fmt.Errorf("no new value given (users_id, customers_id, projects_id, services_id, billable, texts_id/text, hourly_rate)")
	}
	return func(e *Entry) {
		for _, fn := range fns {
			fn(e)
		}
	}, nil
}
