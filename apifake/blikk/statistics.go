package blikk

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

type dayKey struct {
	user int
	date string // YYYY-MM-DD
}

// LockDate locks a user's day (YYYY-MM-DD) as of at: UserDayStatistics
// reports it as lockedDate, and creating, replacing or deleting a time
// report on that day is refused (400).
func (s *Server) LockDate(userID int, date string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.locked[dayKey{userID, date}] = at
}

// UnlockDate undoes LockDate.
func (s *Server) UnlockDate(userID int, date string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.locked, dayKey{userID, date})
}

func (s *Server) isLocked(userID int, date string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.locked[dayKey{userID, date}]
	return ok
}

var statsFilters = map[string]check{
	"filter.from": datetimeCheck, "filter.to": datetimeCheck,
	"filter.userIds": intArrayCheck, "filter.departmentIds": intArrayCheck,
}

// userDayStatistics answers GET /v1/Core/TimeReports/UserDayStatistics.
func (s *Server) userDayStatistics(w http.ResponseWriter, r *http.Request) {
	lq, ok := parseList(w, r, []string{"name"}, statsFilters)
	if !ok {
		return
	}
	if lq.filter.Get("filter.from") == "" || lq.filter.Get("filter.to") == "" {
		badRequest(w, "filter.from", "filter.from and filter.to are required: the date span can be a maximum of 31 days")
		return
	}
	from, _ := parseDatetime(lq.filter.Get("filter.from"))
	to, _ := parseDatetime(lq.filter.Get("filter.to"))
	from, to = from.Truncate(24*time.Hour), to.Truncate(24*time.Hour)
	if to.Before(from) {
		badRequest(w, "filter.to", "filter.to is before filter.from")
		return
	}
	if days := int(to.Sub(from).Hours()/24) + 1; days > 31 {
		badRequest(w, "filter.to", "the date span can be a maximum of 31 days, got "+strconv.Itoa(days))
		return
	}
	users := append([]User(nil), s.opt.Users...)
	sort.SliceStable(users, func(i, j int) bool {
		a, b := users[i].FirstName+" "+users[i].LastName, users[j].FirstName+" "+users[j].LastName
		if lq.sortOrder == "descending" {
			return a > b
		}
		return a < b
	})
	ids := lq.filter.Get("filter.userIds")
	s.mu.Lock()
	var items []map[string]any
	for _, u := range users {
		if ids != "" && !strings.Contains(","+ids+",", ","+strconv.Itoa(u.ID)+",") {
			continue
		}
		if lq.filter.Get("filter.departmentIds") != "" {
			continue // users belong to no department in the fake
		}
		var dates []map[string]any
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			day := d.Format(dateLayout)
			reported := 0.0
			for _, tr := range s.reports {
				if tr.UserID == u.ID && tr.Date == day {
					reported += tr.Hours
				}
			}
			scheduled := s.opt.ScheduledHours
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				scheduled = 0
			}
			var lockedDate any
			if at, ok := s.locked[dayKey{u.ID, day}]; ok {
				lockedDate = stamp(at)
			}
			dates = append(dates, map[string]any{"objectName": "timereport.userdaystatistics.datedata", "date": day,
				"reportedHours": reported, "scheduledHours": scheduled, "lockedDate": lockedDate, "attestedDate": nil})
		}
		items = append(items, map[string]any{"objectName": "timereport.userdaystatistics", "userId": u.ID,
			"name": u.FirstName + " " + u.LastName, "department": nil, "dates": dates})
	}
	s.mu.Unlock()
	writePage(w, lq, items)
}
