package flowtly_test

import (
	"fmt"
	"net/http"
	"strings"

	"stampclock/apifake/fault"
	"stampclock/apifake/flowtly"
)

// The document's example request creates a work time; the same request
// with a bare employee id instead of an IRI is refused.
func Example() {
	env := &fault.Standalone{}
	defer env.Close()
	s := flowtly.New(env, flowtly.Options{})
	post := func(body string) int {
		req, _ := http.NewRequest("POST", s.URL()+"/employee_working_hours", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer flowtly-test-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.Client().Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	doc := `{"employee": "/api/employees/emp_102", "project": "/api/projects/aurora",
		"date": "2024-07-04T00:00:00+00:00", "seconds": 27000, "description": "Budget review for Aurora project"}`
	fmt.Println(post(doc))
	fmt.Println(post(strings.Replace(doc, "/api/employees/emp_102", "emp_102", 1)))
	w := s.WorkTimes()[0]
	fmt.Println(len(s.WorkTimes()), w.Employee, w.Seconds)
	fmt.Println(s.Refusals()[0].Reason)
	// Output:
	// 201
	// 400
	// 1 /api/employees/emp_102 27000
	// employee "emp_102" is not an employee IRI /api/employees/{id}
}
