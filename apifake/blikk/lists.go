package blikk

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// check validates one query parameter value.
type check func(string) error

func intCheck(v string) error {
	if _, err := strconv.Atoi(v); err != nil {
		return errors.New("must be an integer")
	}
	return nil
}

func intArrayCheck(v string) error {
	for _, p := range strings.Split(v, ",") {
		if _, err := strconv.Atoi(p); err != nil {
			return errors.New("must be a comma separated list of integers, e.g. 5,21,46")
		}
	}
	return nil
}

func boolCheck(v string) error {
	if v != "true" && v != "false" {
		return errors.New("must be true or false")
	}
	return nil
}

func stringCheck(string) error { return nil }

// datetimeCheck accepts the document's datetime values: "2021-01-01 14:00:00"
// (its datatype table) and "2021-10-01" (its filter examples).
func datetimeCheck(v string) error {
	_, err := parseDatetime(v)
	return err
}

func parseDatetime(v string) (time.Time, error) {
	if t, err := time.Parse(dtLayout, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(dateLayout, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q must be a datetime such as 2021-01-01 14:00:00 or 2021-01-01", v)
}

func enumCheck(values ...string) check {
	return func(v string) error {
		for _, x := range values {
			if v == x {
				return nil
			}
		}
		return fmt.Errorf("valid values are: %s", strings.Join(values, " "))
	}
}

// listQuery is a validated list request.
type listQuery struct {
	page, size        int
	sortBy, sortOrder string
	filter            url.Values
}

// parseList validates the paging, sorting and filter parameters of a list
// request. Parameter names are compared case-sensitively; unknown ones are
// refused. On failure it answers 400 and returns false.
func parseList(w http.ResponseWriter, r *http.Request, sortBys []string, filters map[string]check) (listQuery, bool) {
	q := r.URL.Query()
	lq := listQuery{size: 25, filter: url.Values{}}
	for k, vs := range q {
		if len(vs) != 1 {
			badRequest(w, k, "given more than once")
			return lq, false
		}
		v := vs[0]
		switch {
		case k == "page":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				badRequest(w, "page", "The field Page must be greater than or equal to 1.")
				return lq, false
			}
			lq.page = n
		case k == "pageSize":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				badRequest(w, "pageSize", "The field PageSize must be between 1 and 100.")
				return lq, false
			}
			lq.size = n
		case k == "sortBy":
			if err := enumCheck(sortBys...)(v); err != nil {
				badRequest(w, "sortBy", err.Error())
				return lq, false
			}
			lq.sortBy = v
		case k == "sortOrder":
			if err := enumCheck("ascending", "descending")(v); err != nil {
				badRequest(w, "sortOrder", err.Error())
				return lq, false
			}
			lq.sortOrder = v
		case strings.HasPrefix(k, "filter."):
			c, ok := filters[k]
			if !ok {
				badRequest(w, k, "no such filter for this endpoint")
				return lq, false
			}
			if err := c(v); err != nil {
				badRequest(w, k, err.Error())
				return lq, false
			}
			lq.filter.Set(k, v)
		default:
			badRequest(w, k, "unknown parameter (names are case-sensitive)")
			return lq, false
		}
	}
	if lq.page == 0 {
		badRequest(w, "page", "The page field is required.")
		return lq, false
	}
	return lq, true
}

// writePage answers the page lq asks for out of items, which are already
// filtered and sorted.
func writePage(w http.ResponseWriter, lq listQuery, items []map[string]any) {
	total := len(items)
	pages := (total + lq.size - 1) / lq.size
	from := min((lq.page-1)*lq.size, total)
	to := min(from+lq.size, total)
	page := items[from:to]
	if page == nil {
		page = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"objectName": "generic.pagedlist", "page": lq.page, "pageSize": lq.size,
		"itemCount": len(page), "totalItemCount": total, "totalPages": pages, "items": page,
	})
}

// registry is a list endpoint of a registry the time reports refer to.
type registry struct {
	sortBy     []string
	filters    map[string]check
	permission string
	items      []map[string]any // each with "id" and a sortable "name"
	query      func(item map[string]any, q string) bool
}

func (s *Server) registries() map[string]registry {
	named := func(objectName string, list []NameID) []map[string]any {
		var out []map[string]any
		for _, n := range list {
			out = append(out, map[string]any{"objectName": objectName, "id": n.ID, "name": n.Name, "isActive": true})
		}
		return out
	}
	var users, projects []map[string]any
	for _, u := range s.opt.Users {
		users = append(users, map[string]any{"objectName": "user.list", "id": u.ID, "firstName": u.FirstName,
			"lastName": u.LastName, "name": u.FirstName + " " + u.LastName})
	}
	for _, p := range s.opt.Projects {
		projects = append(projects, map[string]any{"objectName": "project.list", "id": p.ID, "orderNumber": p.OrderNumber,
			"title": p.Title, "name": p.Title, "customer": nameID("generic.name_id", p.Contact.ID, p.Contact.Name)})
	}
	byText := func(keys ...string) func(map[string]any, string) bool {
		return func(item map[string]any, q string) bool {
			for _, k := range keys {
				if s, _ := item[k].(string); strings.Contains(strings.ToLower(s), strings.ToLower(q)) {
					return true
				}
			}
			return false
		}
	}
	return map[string]registry{
		"/v1/Admin/Users": {sortBy: []string{"name"}, filters: map[string]check{"filter.query": stringCheck},
			items: users, query: byText("firstName", "lastName")},
		"/v1/Core/Projects": {sortBy: []string{"orderNumber", "title", "createdDate", "updatedDate"},
			filters: map[string]check{"filter.query": stringCheck}, permission: ProjectRead,
			items: projects, query: byText("orderNumber", "title")},
		"/v1/Admin/Activities":       {sortBy: []string{"name", "createdDate", "updatedDate"}, items: named("activity.list", s.opt.Activities)},
		"/v1/Admin/TimeCodes":        {sortBy: []string{"name", "createdDate", "updatedDate"}, items: named("timecode.list", s.opt.TimeCodes)},
		"/v1/Admin/TimeArticles":     {sortBy: []string{"name", "createdDate", "updatedDate"}, items: named("timearticle.list", s.opt.TimeArticles)},
		"/v1/Admin/InternalProjects": {sortBy: []string{"name"}, items: named("internalproject.list", s.opt.InternalProjects)},
		"/v1/Admin/AbsenceProjects":  {sortBy: []string{"name"}, items: named("absenceproject.list", s.opt.AbsenceProjects)},
	}
}

func (s *Server) listRegistry(w http.ResponseWriter, r *http.Request, reg registry) {
	lq, ok := parseList(w, r, reg.sortBy, reg.filters)
	if !ok {
		return
	}
	var items []map[string]any
	for _, it := range reg.items {
		if q := lq.filter.Get("filter.query"); q != "" && !reg.query(it, q) {
			continue
		}
		c := make(map[string]any, len(it))
		for k, v := range it {
			c[k] = v
		}
		items = append(items, c)
	}
	key := func(it map[string]any) string {
		switch lq.sortBy {
		case "name", "title":
			return it["name"].(string)
		case "orderNumber":
			return it["orderNumber"].(string)
		}
		return fmt.Sprintf("%012d", it["id"])
	}
	sort.SliceStable(items, func(i, j int) bool {
		if lq.sortOrder == "descending" {
			return key(items[i]) > key(items[j])
		}
		return key(items[i]) < key(items[j])
	})
	for _, it := range items {
		if it["objectName"] == "project.list" || it["objectName"] == "user.list" {
			delete(it, "name")
		}
	}
	writePage(w, lq, items)
}
