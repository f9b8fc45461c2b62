package ctlproto

import (
	"fmt"
	"sort"
	"time"
)

// BadgeInfo is one badge as `stampctl badges list` shows it.
type BadgeInfo struct {
	UID   string `json:"uid"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
	// Source is "config" (the config file) or "enrolled" (the store).
	Source     string    `json:"source"`
	Admin      bool      `json:"admin,omitempty"`
	Enrolled   time.Time `json:"enrolled,omitzero"`
	Unverified bool      `json:"unverified,omitempty"`
	Problem    string    `json:"problem,omitempty"`
}

// BadgeArgs name a badge and, to add or assign, its employee.
type BadgeArgs struct {
	UID   string `json:"uid"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
}

// ImportRow is one line of a badge CSV.
type ImportRow struct {
	Line  int    `json:"line"`
	UID   string `json:"uid"`
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

// ImportArgs is one page of an import. stampctl sends the rows in pages
// (ImportPage rows each): first every page as a dry run, then, when no
// page had an error, every page for real.
type ImportArgs struct {
	Rows []ImportRow `json:"rows"`
	// DryRun checks the rows and imports nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// ImportPage is how many rows stampctl sends per request: well below the
// control socket's request limit.
const ImportPage = 500

// ImportResult tells what an import did: every bad line, or how many
// badges were imported (all or nothing).
type ImportResult struct {
	Imported int         `json:"imported"`
	Errors   []LineError `json:"errors,omitempty"`
}

// LineError is a bad line of an import.
type LineError struct {
	Line int    `json:"line"`
	Err  string `json:"error"`
}

// EnrollArgs start an enrolment: the next tap binds its badge to Email.
type EnrollArgs struct {
	Email   string `json:"email"`
	Name    string `json:"name,omitempty"`
	Timeout int    `json:"timeout_seconds,omitempty"` // default 120
	// Replace allows re-binding a badge enrolled for someone else.
	Replace bool `json:"replace,omitempty"`
}

// EnrollResult is the badge enrolled.
type EnrollResult struct {
	UID        string `json:"uid"`
	Email      string `json:"email"`
	Unverified bool   `json:"unverified,omitempty"`
}

// ImportPages imports rows through call (one badges.import request) in
// pages of ImportPage rows: first every page as a dry run, then, only when
// neither lineErrs (found while reading the file) nor any page had a bad
// line, every page for real. The result lists every bad line in line
// order. stampctl and the web page both import this way.
func ImportPages(rows []ImportRow, lineErrs []LineError, call func(ImportArgs, *ImportResult) error) (ImportResult, error) {
	pages := func(dryRun bool, each func(ImportResult)) error {
		for i := 0; i < len(rows); i += ImportPage {
			var res ImportResult
			if err := call(ImportArgs{Rows: rows[i:min(i+ImportPage, len(rows))], DryRun: dryRun}, &res); err != nil {
				return err
			}
			each(res)
		}
		return nil
	}
	res := ImportResult{Errors: lineErrs}
	if err := pages(true, func(r ImportResult) { res.Errors = append(res.Errors, r.Errors...) }); err != nil {
		return res, err
	}
	sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Line < res.Errors[j].Line })
	if len(res.Errors) > 0 {
		return res, nil
	}
	err := pages(false, func(r ImportResult) {
		res.Imported += r.Imported
		res.Errors = append(res.Errors, r.Errors...)
	})
	if err != nil {
		return res, fmt.Errorf("%d of %d badges imported, then: %w; run the import again to complete it", res.Imported, len(rows), err)
	}
	return res, nil
}
