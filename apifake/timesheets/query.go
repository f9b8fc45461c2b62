package timesheets

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// query holds the validated query parameters of a request.
type query struct {
	raw           url.Values
	org, person   int // 0 when absent
	date          time.Time
	spanParam     string // "date", "week_of" or "month_of" when one is given
	fields        []string
	page, perPage int
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

var known = []string{"organization_id", "person_id", "date", "week_of", "month_of", "fields", "page", "per_page"}

// parseQuery validates every parameter's form; which ones an endpoint
// takes is checked by only.
func parseQuery(r *http.Request, maxPerPage int) (query, error) {
	q := query{raw: r.URL.Query(), page: 1, perPage: 25}
	for k, vs := range q.raw {
		if !contains(known, k) {
			return q, fmt.Errorf("unknown parameter %s", k)
		}
		if len(vs) != 1 || vs[0] == "" {
			return q, fmt.Errorf("parameter %s must be given once, with a value", k)
		}
		v := vs[0]
		switch k {
		case "organization_id", "person_id", "page", "per_page":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > math.MaxInt32 {
				return q, fmt.Errorf("%s=%q: want a positive integer", k, v)
			}
			switch k {
			case "organization_id":
				q.org = n
			case "person_id":
				q.person = n
			case "page":
				q.page = n
			case "per_page":
				if n > maxPerPage {
					return q, fmt.Errorf("per_page=%d: at most %d", n, maxPerPage)
				}
				q.perPage = n
			}
		case "date", "week_of", "month_of":
			if q.spanParam != "" {
				return q, fmt.Errorf("%s and %s given; only one of date, week_of and month_of", q.spanParam, k)
			}
			t, err := time.Parse(dateLayout, v)
			if !dateRE.MatchString(v) || err != nil {
				return q, fmt.Errorf("%s=%q: want a date yyyy-mm-dd", k, v)
			}
			q.date, q.spanParam = t, k
		case "fields":
			q.fields = strings.Split(v, ",")
		}
	}
	return q, nil
}

// only refuses parameters outside names.
func (q query) only(names ...string) error {
	for k := range q.raw {
		if !contains(names, k) {
			return fmt.Errorf("parameter %s is not documented for this request (it takes %s)", k, strings.Join(names, ", "))
		}
	}
	return nil
}

func (q query) span() span {
	switch q.spanParam {
	case "week_of":
		return weekSpan(q.date)
	case "month_of":
		return monthSpan(q.date)
	}
	return daySpan(q.date)
}

// pick keeps the fields the fields parameter asks for; every one must be
// one of def.
func (q query) pick(items []map[string]any, def []string) ([]map[string]any, error) {
	if q.fields == nil {
		return items, nil
	}
	for _, f := range q.fields {
		if !contains(def, f) {
			return nil, fmt.Errorf("fields: %q is not a field of this collection (%s)", f, strings.Join(def, ","))
		}
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i] = map[string]any{}
		for _, f := range q.fields {
			out[i][f] = it[f]
		}
	}
	return out, nil
}

func (q query) paginate(items []map[string]any) []map[string]any {
	from := min((q.page-1)*q.perPage, len(items))
	to := min(from+q.perPage, len(items))
	return items[from:to]
}
