package uplink

import (
	"errors"
	"testing"
)

func TestError_SaysTheCauseOnce(t *testing.T) {
	cases := []struct {
		err  *Error
		want string
	}{
		{&Error{Class: Retry, Status: 401, Msg: "credentials rejected"}, "HTTP 401: credentials rejected"},
		{&Error{Class: Permanent, Status: 422, Msg: "Eintrag ungültig"}, "HTTP 422: Eintrag ungültig"},
		{&Error{Class: Uncertain, Err: errors.New("timeout")}, "timeout"},
		{&Error{Class: Hold}, "hold"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("%+v: %q, want %q (the class is for the loop, not the message)", c.err, got, c.want)
		}
	}
}
