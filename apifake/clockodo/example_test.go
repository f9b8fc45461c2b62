package clockodo_test

import (
	"fmt"
	"io"
	"time"

	"stampclock/apifake/clockodo"
	"stampclock/apifake/fault"
)

// Seconds worked per user and day.
func Example() {
	env := &fault.Standalone{}
	defer env.Close()
	s := clockodo.New(env, clockodo.Options{})
	start := time.Date(2024, 7, 4, 8, 0, 0, 0, time.UTC)
	s.AddEntry(clockodo.Entry{UsersID: 1, CustomersID: 1, ServicesID: 1, TimeSince: start, TimeUntil: start.Add(4 * time.Hour)})

	resp, err := s.Client().Get(s.URL() + "/api/entrygroups?time_since=2024-07-04+00:00:00&time_until=2024-07-04+23:59:59" +
		"&grouping[]=users_id&grouping[]=day")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(b))
	// Output:
	// 200 {"groups":[{"duration":14400,"group":"1","groupedBy":"users_id","hourly_rate":0,"name":"Max Muster","number":"P-1","restrictions":[],"revenue":0,"sub_groups":[{"duration":14400,"group":"2024-07-04","groupedBy":"day","hourly_rate":0,"name":"2024-07-04","restrictions":[{"users_id":"1"}],"revenue":0}]}]}
}
