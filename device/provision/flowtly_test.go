package provision

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stampclock/uplink/flowtly/flowtlytest"
)

// Issue 17: `stampctl check` did not test the Flowtly connection at all.
// It checks the token and the configured employees, and names the project
// it will use.
func TestCheck_Flowtly_TokenAndEmployees(t *testing.T) {
	_, ts := flowtlytest.Start(t, flowtlytest.Options{Employees: []string{"emp_102"}, Projects: []string{"aurora"}})
	for _, tc := range []struct {
		name, token string
		tokenOK     bool
		employees   string
		missing     string
	}{
		{"good", flowtlytest.DefaultToken, true, `{ "maier@example.com" = "emp_102" }`, ""},
		{"unknown employee", flowtlytest.DefaultToken, true, `{ "maier@example.com" = "emp_102", "ghost@example.com" = "/api/employees/emp_404" }`, "ghost@example.com (/api/employees/emp_404)"},
		{"wrong token", "wrong-token", false, `{ "maier@example.com" = "emp_102" }`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secret := filepath.Join(t.TempDir(), "f.secret")
			if err := os.WriteFile(secret, []byte(tc.token), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := loadConfig(t, fmt.Sprintf(`
[store]
path = "DIR/q.db"
[flowtly]
url = %q
allow_http = true
token_file = %q
project = "aurora"
employees = %s
`, ts.URL, secret, tc.employees))
			steps := stepsByName(Check(context.Background(), cfg, Env{}))
			tok, emp := steps["flowtly token"], steps["flowtly employees"]
			if tok.OK != tc.tokenOK {
				t.Fatalf("token step %+v, want ok=%v", tok, tc.tokenOK)
			}
			if !tc.tokenOK {
				if !strings.Contains(tok.Detail, "token rejected") || !emp.Skipped {
					t.Fatalf("token %+v, employees %+v; want the token named and the employees skipped", tok, emp)
				}
				return
			}
			if tc.missing == "" {
				if !emp.OK || !strings.Contains(emp.Detail, "/api/projects/aurora") {
					t.Fatalf("employees step %+v, want ok naming the project", emp)
				}
				return
			}
			if emp.OK || !strings.Contains(emp.Detail, tc.missing) {
				t.Fatalf("employees step %+v, want %q named", emp, tc.missing)
			}
		})
	}
}
