package flowtly

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
)

// CheckToken lists one page of work time with the API token (GET
// /employee_working_hours for the first configured employee, today): an
// error says the token or the URL is wrong.
func (c *Client) CheckToken(ctx context.Context) error {
	q := url.Values{}
	if emails := c.emails(); len(emails) > 0 {
		q.Set("employee", c.employees[emails[0]])
	}
	today := c.o.Now().In(c.o.Location).Format("2006-01-02")
	q.Set("date[after]", today)
	q.Set("date[before]", today)
	a, err := c.do(ctx, http.MethodGet, c.endpoint(collectionPath, q), nil)
	if err != nil {
		return fmt.Errorf("flowtly: GET %s: %w", collectionPath, err)
	}
	if a.Status != http.StatusOK {
		return fmt.Errorf("flowtly: GET %s: %w", collectionPath, c.statusError(a))
	}
	if _, _, err := ParseList(a.Body); err != nil {
		return fmt.Errorf("flowtly: GET %s: unusable answer: %w", collectionPath, err)
	}
	return nil
}

// CheckEmployees fetches every configured employee (GET /employees/{id},
// the id being the IRI's last segment) and returns the ones the server
// does not know, as "email (IRI)". The project has no read endpoint in the
// document: a wrong project IRI shows only when the first record is
// rejected.
func (c *Client) CheckEmployees(ctx context.Context) (missing []string, err error) {
	for _, email := range c.emails() {
		iri := c.employees[email]
		a, err := c.do(ctx, http.MethodGet, c.endpoint("/employees/"+url.PathEscape(path.Base(iri)), nil), nil)
		if err != nil {
			return nil, fmt.Errorf("flowtly: employee %s: %w", iri, err)
		}
		switch {
		case a.Status == http.StatusOK:
		case a.Status == http.StatusNotFound:
			missing = append(missing, fmt.Sprintf("%s (%s)", email, iri))
		default:
			return nil, fmt.Errorf("flowtly: employee %s: %w", iri, c.statusError(a))
		}
	}
	return missing, nil
}

// ProjectIRI returns the project IRI every record is sent with.
func (c *Client) ProjectIRI() string { return c.project }

// emails returns the configured emails, sorted.
func (c *Client) emails() []string {
	out := make([]string, 0, len(c.employees))
	for e := range c.employees {
		out = append(out, e)
	}
	slices.Sort(out)
	return out
}
