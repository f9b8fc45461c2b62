package zeiterfassung

import "context"

// KnownEmails returns the login emails of the system's users (Users): the
// employees whose records this uplink can deliver. Enrolment refuses a
// badge for anyone else.
func (c *Client) KnownEmails(ctx context.Context) ([]string, error) {
	return c.Users(ctx)
}
