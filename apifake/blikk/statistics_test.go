package blikk

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestUserDayStatistics_ReportedHoursAndLockedDays(t *testing.T) {
	s := New(t, Options{RateLimit: -1})
	auth := token(t, s)
	if a := do(t, s, "POST", "/v1/Core/TimeReports", auth, "application/json", minimal); a.status != 200 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	lockedAt := time.Date(2026, 3, 3, 4, 43, 12, 0, time.UTC)
	s.LockDate(1, "2026-03-03", lockedAt)
	a := do(t, s, "GET", PathUserDayStatistics+"?page=1&filter.from=2026-03-02&filter.to=2026-03-08", auth, "", "")
	var page struct {
		Items []struct {
			ObjectName string
			UserID     int
			Name       string
			Dates      []struct {
				Date                          string
				ReportedHours, ScheduledHours float64
				LockedDate                    *string
			}
		}
	}
	if err := json.Unmarshal([]byte(a.body), &page); err != nil || a.status != 200 || len(page.Items) != 1 {
		t.Fatalf("stats: %d %s: %v", a.status, a.body, err)
	}
	it := page.Items[0]
	if it.ObjectName != "timereport.userdaystatistics" || it.UserID != 1 || it.Name != "John Doe" || len(it.Dates) != 7 {
		t.Fatalf("item %+v", it)
	}
	d := it.Dates
	if d[0].ReportedHours != 8 || d[0].ScheduledHours != 8 || d[0].LockedDate != nil ||
		d[1].LockedDate == nil || *d[1].LockedDate != "2026-03-03 04:43:12 +00:00" || d[6].ScheduledHours != 0 {
		t.Fatalf("dates %+v", d)
	}
	// A report on the locked day is refused.
	onLocked := strings.Replace(minimal, "2026-03-02", "2026-03-03", 1)
	if a := do(t, s, "POST", "/v1/Core/TimeReports", auth, "application/json", onLocked); a.status != 400 {
		t.Fatalf("create on a locked day: %d", a.status)
	}
	s.UnlockDate(1, "2026-03-03")
	if a := do(t, s, "POST", "/v1/Core/TimeReports", auth, "application/json", onLocked); a.status != 200 {
		t.Fatalf("create after unlock: %d %s", a.status, a.body)
	}
	for _, q := range []string{
		"?page=1", "?page=1&filter.from=2026-03-01", "?page=1&filter.from=2026-03-01&filter.to=2026-04-01",
		"?page=1&filter.from=2026-03-05&filter.to=2026-03-01", "?page=1&filter.from=2026-03-01&filter.to=2026-03-31&sortBy=date",
	} {
		if a := do(t, s, "GET", PathUserDayStatistics+q, auth, "", ""); a.status != 400 {
			t.Errorf("%s: %d, want 400", q, a.status)
		}
	}
	if a := do(t, s, "GET", PathUserDayStatistics+"?page=1&filter.from=2026-03-01&filter.to=2026-03-31", auth, "", ""); a.status != 200 {
		t.Errorf("31 days: %d %s", a.status, a.body)
	}
}
