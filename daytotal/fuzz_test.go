package daytotal_test

import (
	"testing"

	"stampclock/daytotal"
)

func FuzzParsers(f *testing.F) {
	f.Add([]byte(`{"groups":[{"groupedBy":"users_id","group":"7","duration":60,"sub_groups":[{"groupedBy":"day","group":"2026-03-02","duration":60}]}]}`))
	f.Add([]byte(`{"2016-02-15":"480","...":"..."}`))
	f.Add([]byte(`[{"locked_days":"101"},{"locked":true}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		daytotal.ParseEntryGroups(b)
		if m, err := daytotal.ParseDayTotals(b); err == nil {
			for k, v := range m {
				if v < 0 {
					t.Fatalf("%s: negative %v", k, v)
				}
			}
		}
		if l, err := daytotal.ParseLockedDays(b, 3); err == nil && len(l) != 3 {
			t.Fatalf("%d days", len(l))
		}
	})
}
