package blikktest

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"stampclock/internal/fakehttp"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds request bodies the server reads.
const maxBody = 64 << 10

var (
	clockRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	dateRE  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}:[0-9]{2})?$`)
)

// apiTime is the document's timestamp format ("2022-07-01 05:43:12 +00:00").
const apiTime = "2006-01-02 15:04:05 -07:00"

// Handler returns the HTTP handler serving the API under /v1/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/Auth/Token", s.token)
	mux.HandleFunc("GET /v1/Admin/Users", s.authed(s.usersList))
	mux.HandleFunc("GET /v1/Admin/Activities", s.authed(s.itemList("activity.list", "activityId")))
	mux.HandleFunc("GET /v1/Admin/TimeCodes", s.authed(s.itemList("timecode.list", "timeCodeId")))
	mux.HandleFunc("GET /v1/Admin/TimeArticles", s.authed(s.itemList("timearticle.list", "timeArticleId")))
	mux.HandleFunc("GET /v1/Admin/InternalProjects", s.authed(s.itemList("internalproject.list", "internalProjectId")))
	mux.HandleFunc("GET /v1/Core/Projects", s.authed(s.itemList("project.list", "projectId")))
	mux.HandleFunc("GET /v1/Core/TimeReports", s.authed(s.reportList))
	mux.HandleFunc("POST /v1/Core/TimeReports", s.authed(s.createReport))
	mux.HandleFunc("GET /v1/Core/TimeReports/{id}", s.authed(s.getReport))
	mux.HandleFunc("DELETE /v1/Core/TimeReports/{id}", s.authed(s.deleteReport))

	return s.front().Handler(mux)
}

// front is the server's outer handler, before its API mux.
func (s *Server) front() fakehttp.Front {
	return fakehttp.Front{
		Faults:      &s.Faults,
		Mu:          &s.mu,
		Counts:      &s.stats.Counts,
		NotRejected: []int{http.StatusTooManyRequests},
		Unavailable: func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"message": "Service unavailable"})
		},
		Name: "blikktest",
		Log:  s.log,
	}
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	fakehttp.WriteJSON(w, status, "application/json; charset=utf-8", v)
}

// message answers status with {"message": msg}.
func message(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

// modelState collects validation errors per field.
type modelState map[string][]string

func (m modelState) add(field, format string, args ...any) {
	m[field] = append(m[field], fmt.Sprintf(format, args...))
}

// invalid answers 400 with the document's shape.
func invalid(w http.ResponseWriter, m modelState) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"message": "The request is invalid.", "modelState": m})
}

// writeFault answers with an injected fault.
func writeFault(w http.ResponseWriter, f Fault) {
	f.Write(w, "application/json; charset=utf-8", message)
}

// paging reads page (required, ≥ 1) and pageSize (1–100, default 25).
func paging(q url.Values, m modelState) (page, size int) {
	page, size = 0, 25
	switch v := q.Get("page"); {
	case v == "":
		m.add("page", "The Page field is required.")
	default:
		n, err := strconv.Atoi(v)
		if err != nil {
			m.add("page", "The value '%s' is not valid for Page.", v)
		} else if n < 1 {
			m.add("page", "The field Page must be greater than or equal to 1.")
		}
		page = n
	}
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			m.add("pageSize", "The field PageSize must be between 1 and 100.")
		}
		size = n
	}
	if v := q.Get("sortOrder"); v != "" && v != "ascending" && v != "descending" {
		m.add("sortOrder", "The value '%s' is not valid for SortOrder.", v)
	}
	return page, size
}

// writePage answers a "generic.pagedlist" of items.
func writePage[T any](w http.ResponseWriter, items []T, page, size int) {
	total := len(items)
	pages := (total + size - 1) / size
	from := min((page-1)*size, total)
	to := min(from+size, total)
	writeJSON(w, http.StatusOK, map[string]any{
		"objectName": "generic.pagedlist", "page": page, "pageSize": size,
		"itemCount": to - from, "totalItemCount": total, "totalPages": pages,
		"items": append([]T{}, items[from:to]...),
	})
}

func nameID(id int, name string) map[string]any {
	return map[string]any{"objectName": "generic.name_id", "id": id, "name": name}
}

func (s *Server) usersList(w http.ResponseWriter, r *http.Request) {
	m := modelState{}
	page, size := paging(r.URL.Query(), m)
	if len(m) > 0 {
		invalid(w, m)
		return
	}
	var items []map[string]any
	for _, id := range slices.Sorted(maps.Keys(s.users)) {
		u := s.users[id]
		items = append(items, map[string]any{"objectName": "user.list", "id": u.ID,
			"firstName": u.FirstName, "lastName": u.LastName, "license": "total"})
	}
	s.count()
	writePage(w, items, page, size)
}

// itemList serves a registry list.
func (s *Server) itemList(objectName, field string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := modelState{}
		page, size := paging(r.URL.Query(), m)
		if len(m) > 0 {
			invalid(w, m)
			return
		}
		reg := s.registry[field]
		var items []map[string]any
		for _, id := range slices.Sorted(maps.Keys(reg)) {
			it := reg[id]
			items = append(items, map[string]any{"objectName": objectName, "id": it.ID, "name": it.Name, "isActive": !it.Inactive})
		}
		s.count()
		writePage(w, items, page, size)
	}
}

func (s *Server) count() {
	s.mu.Lock()
	s.stats.Queries++
	s.mu.Unlock()
}

// reportFilters are the documented filters of GET /v1/Core/TimeReports.
var reportFilters = []string{"from", "to", "userIds", "projectId", "internalProjectId", "absenceProjectId",
	"contactId", "isSentToAttest", "isAttested", "projectType"}

func (s *Server) reportList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m := modelState{}
	page, size := paging(q, m)
	for k := range q {
		if name, ok := strings.CutPrefix(k, "filter."); ok && !slices.Contains(reportFilters, name) {
			m.add(k, "Unknown filter %q.", name)
		}
	}
	var from, to time.Time
	for _, f := range []struct {
		key string
		t   *time.Time
	}{{"filter.from", &from}, {"filter.to", &to}} {
		if v := q.Get(f.key); v != "" {
			t, ok := parseDate(v)
			if !ok {
				m.add(f.key, "The value '%s' is not a valid datetime.", v)
			}
			*f.t = t
		}
	}
	var users []int
	if v := q.Get("filter.userIds"); v != "" {
		for p := range strings.SplitSeq(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				m.add("filter.userIds", "The value '%s' is not a valid integer array.", v)
				break
			}
			users = append(users, n)
		}
	}
	if len(m) > 0 {
		invalid(w, m)
		return
	}
	s.mu.Lock()
	var list []Report
	for _, rep := range s.reports {
		d, _ := time.Parse("2006-01-02", rep.Date)
		if (!from.IsZero() && d.Before(from)) || (!to.IsZero() && d.After(to)) ||
			(users != nil && !slices.Contains(users, rep.UserID)) {
			continue
		}
		list = append(list, rep)
	}
	s.stats.Queries++
	s.mu.Unlock()
	slices.SortStableFunc(list, func(a, b Report) int { return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.ID, b.ID)) })
	if q.Get("sortOrder") == "descending" {
		slices.Reverse(list)
	}
	items := make([]map[string]any, len(list))
	for i, rep := range list {
		items[i] = s.reportJSON(rep, "timereport.list")
	}
	writePage(w, items, page, size)
}

// reportJSON renders rep as the document's time report object.
func (s *Server) reportJSON(rep Report, objectName string) map[string]any {
	str := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	ref := func(field string, id *int) any {
		if id == nil {
			return nil
		}
		return nameID(*id, s.registry[field][*id].Name)
	}
	u := s.users[rep.UserID]
	return map[string]any{
		"objectName": objectName, "id": rep.ID, "date": rep.Date,
		"clockStart": str(rep.ClockStart), "clockEnd": str(rep.ClockEnd),
		"hours": rep.Hours, "invoiceableHours": rep.InvoiceableHours, "breakMinutes": rep.BreakMinutes,
		"comment": str(rep.Comment), "internalComment": str(rep.InternalComment),
		"user":            nameID(rep.UserID, strings.TrimSpace(u.FirstName+" "+u.LastName)),
		"project":         ref("projectId", rep.ProjectID),
		"internalProject": ref("internalProjectId", rep.InternalProjectID),
		"absenceProject":  nil,
		"contact":         nil,
		"activity":        nameID(rep.ActivityID, s.registry["activityId"][rep.ActivityID].Name),
		"timeCode":        nameID(rep.TimeCodeID, s.registry["timeCodeId"][rep.TimeCodeID].Name),
		"timeArticle":     nameID(rep.TimeArticleID, s.registry["timeArticleId"][rep.TimeArticleID].Name),
		"createdDate":     rep.Created.UTC().Format(apiTime),
		"updatedDate":     nil,
	}
}

func (s *Server) createReport(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Creates++
	fault := s.failCreates.Take()
	if fault != nil {
		s.stats.Injected++
	}
	s.mu.Unlock()
	if fault != nil {
		writeFault(w, *fault)
		return
	}
	obj, status, msg := readBody(r)
	if status != 0 {
		if status == http.StatusBadRequest {
			invalid(w, modelState{"model": {msg}})
		} else {
			message(w, status, msg)
		}
		return
	}
	rep, m := s.decodeReport(obj)
	if len(m) > 0 {
		invalid(w, m)
		return
	}
	s.mu.Lock()
	rep.ID = s.nextID
	s.nextID++
	rep.Created = s.o.Now()
	s.reports = append(s.reports, rep)
	s.stats.Stored++
	s.mu.Unlock()
	drop := s.TakeDrop()
	s.log.Info("blikktest: stored report", "id", rep.ID, "user_id", rep.UserID, "date", rep.Date,
		"clock_start", rep.ClockStart, "clock_end", rep.ClockEnd, "hours", rep.Hours)
	if s.o.OnStore != nil {
		s.o.OnStore(rep)
	}
	if drop {
		s.front().Drop(w, r)
		return
	}
	writeJSON(w, http.StatusOK, s.reportJSON(rep, "timereport.detail"))
}

// byID finds the report named by the path's id.
func (s *Server) byID(r *http.Request) (int, int, error) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		return 0, -1, errors.New("id must be an integer")
	}
	return id, slices.IndexFunc(s.reports, func(rep Report) bool { return rep.ID == id }), nil
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	id, i, err := s.byID(r)
	var rep Report
	if i >= 0 {
		rep = s.reports[i]
	}
	s.mu.Unlock()
	switch {
	case err != nil:
		invalid(w, modelState{"id": {err.Error()}})
	case i < 0:
		message(w, http.StatusBadRequest, fmt.Sprintf("Time report %d could not be found.", id))
	default:
		writeJSON(w, http.StatusOK, s.reportJSON(rep, "timereport.detail"))
	}
}

func (s *Server) deleteReport(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	id, i, err := s.byID(r)
	if i >= 0 {
		s.reports = slices.Delete(s.reports, i, i+1)
	}
	s.mu.Unlock()
	switch {
	case err != nil:
		invalid(w, modelState{"id": {err.Error()}})
	case i < 0:
		message(w, http.StatusBadRequest, fmt.Sprintf("Time report %d could not be found.", id))
	default:
		w.WriteHeader(http.StatusOK)
	}
}
