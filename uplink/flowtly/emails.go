package flowtly

import (
	"context"
	"maps"
	"slices"
)

// KnownEmails returns the emails flowtly.employees maps to Flowtly
// employees (lower case): the employees whose records this uplink can
// deliver. Enrolment refuses a badge for anyone else. It asks no server.
func (c *Client) KnownEmails(context.Context) ([]string, error) {
	return slices.Sorted(maps.Keys(c.employees)), nil
}
