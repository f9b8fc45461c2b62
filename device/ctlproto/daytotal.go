package ctlproto

// DayTotalArgs ask for an employee's total of a day.
type DayTotalArgs struct {
	Email string `json:"email"`
	// Date is "2006-01-02"; empty means today in the company's time zone.
	Date string `json:"date,omitempty"`
}

// DayTotalResult is the answer to `stampctl daytotal`.
type DayTotalResult struct {
	Email string `json:"email"`
	Date  string `json:"date"`
	// Source is where Seconds comes from: local, timesheets or clockodo.
	Source  string `json:"source"`
	Seconds int64  `json:"seconds"`
	// LocalSeconds is the total of the entries in the local queue, given
	// when Source is a remote system, for comparison.
	LocalSeconds *int64 `json:"local_seconds,omitempty"`
	// Cached is set when the remote source did not answer in time and
	// Seconds is the figure it gave last.
	Cached bool `json:"cached,omitempty"`
	// Note says why the figure is not the remote source's current one
	// (it is not answering, or failed).
	Note string `json:"note,omitempty"`
}
