package zeiterfassung_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"stampclock/apifake/fault"
	"stampclock/apifake/zeiterfassung"
)

// A client logs in, creates an entry and loses the answer of a second
// create: the fake stored it anyway, which a client must find by listing
// before it sends the entry again.
func Example() {
	env := &fault.Standalone{}
	defer env.Close()
	s := zeiterfassung.New(env, zeiterfassung.Options{})
	c := s.Client()

	resp, err := c.Post(s.URL()+"/api/login", "application/json",
		strings.NewReader(`{"loginemail": "admin@somedomain.com", "apipassword": "12345678"}`))
	if err != nil {
		panic(err)
	}
	token, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	create := func(start, end string) (int, error) {
		body := fmt.Sprintf(`{"starttime": %q, "endtime": %q, "useremail": "maier@somedomain.com",
			"timetypeid": "83be5360-6067-4a09-a970-1ff2413d7101"}`, start, end)
		req, _ := http.NewRequest("POST", s.URL()+"/api/time-v2.1/createtimeentry", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+string(token))
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	fmt.Println(create("2026-03-02T07:30:00", "2026-03-02T12:00:00"))
	s.DropAnswers(zeiterfassung.RouteCreate, 1)
	_, err = create("2026-03-02T12:30:00", "2026-03-02T16:00:00")
	fmt.Println("second answer lost:", err != nil)
	for _, e := range s.Entries() {
		fmt.Println(e.UserEmail, e.StartTime, e.EndTime)
	}
	// Output:
	// 200 <nil>
	// second answer lost: true
	// maier@somedomain.com 2026-03-02T07:30:00 2026-03-02T12:00:00
	// maier@somedomain.com 2026-03-02T12:30:00 2026-03-02T16:00:00
}
