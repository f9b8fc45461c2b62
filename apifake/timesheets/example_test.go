package timesheets_test

import (
	"fmt"
	"io"
	"net/http"

	"stampclock/apifake/fault"
	"stampclock/apifake/timesheets"
)

// Day totals of a person, with time seeded into the fake.
func Example() {
	env := &fault.Standalone{}
	defer env.Close()
	s := timesheets.New(env, timesheets.Options{})
	s.AddTimeEntry(timesheets.TimeEntry{PersonID: 77, Date: "2016-02-15", Minutes: 480})

	req, _ := http.NewRequest("GET", s.URL()+"/v1/timesheets/day_totals?person_id=77&date=2016-02-15", nil)
	req.Header.Set("Authorization", "Bearer timesheets-test-token")
	req.Header.Set("account", "pro-product")
	resp, err := s.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(b))
	// Output:
	// 200 {"2016-02-15":"480"}
}
