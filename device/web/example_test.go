package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"stampclock/device/web"
)

// The page in front of a command handler: without a session every page
// sends the browser to the login.
func ExampleNew() {
	handle := func(ctx context.Context, cmd string, args json.RawMessage) (any, error) {
		return nil, fmt.Errorf("%s: not in this example", cmd)
	}
	s, err := web.New(web.Options{Handle: handle, UsersFile: "/nonexistent/web-users"})
	if err != nil {
		panic(err)
	}
	ts := httptest.NewTLSServer(s.Handler())
	defer ts.Close()
	c := ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, path := range []string{"/", "/badges", "/login"} {
		r, err := c.Get(ts.URL + path)
		if err != nil {
			panic(err)
		}
		r.Body.Close()
		fmt.Println(path, r.StatusCode, r.Header.Get("Location"))
	}
	// Output:
	// / 303 /login
	// /badges 303 /login
	// /login 200
}
