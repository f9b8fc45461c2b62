package blikk

import (
	"context"
	"maps"
	"slices"
)

// KnownEmails returns the emails blikk.users maps to Blikk users (lower
// case): the employees whose records this uplink can deliver. Enrolment
// refuses a badge for anyone else. It asks no server.
func (c *Client) KnownEmails(context.Context) ([]string, error) {
	return slices.Sorted(maps.Keys(c.users)), nil
}
