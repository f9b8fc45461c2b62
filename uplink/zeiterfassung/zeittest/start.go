package zeittest

import (
	"net/http/httptest"

	"stampclock/internal/fakehttp"
)

// TB is the part of testing.TB that Start needs; *testing.T and
// *testing.B satisfy it.
type TB = fakehttp.TB

// Start serves a new Server configured by o on a loopback port and closes
// it when the test ends. It returns the server and the running
// httptest.Server (its URL is the client's BaseURL; closing it early makes
// further dials fail with "connection refused").
func Start(tb TB, o Options) (*Server, *httptest.Server) {
	tb.Helper()
	s := New(o)
	return s, fakehttp.Serve(tb, s.Handler())
}
