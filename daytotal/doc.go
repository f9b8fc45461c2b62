// Package daytotal answers two questions the terminal asks about an
// employee's day: how long has this person worked today (DayTotal, shown
// after a stop and by stampctl), and is a day locked in the time-tracking
// system (Locks, so an entry for a locked day is held with a reason rather
// than sent blindly). It is the read side of the time-tracking systems:
// it asks them, it never delivers to them (that is uplink/).
//
// Day totals come from one of three sources, all satisfying Source:
//
//   - Local sums the entries in the local queue (the default); an entry
//     across midnight counts on each day for the part on that day.
//   - Timesheets asks the timesheets API (GET /timesheets/day_totals).
//   - Clockodo asks clockodo's entry groups (GET /api/entrygroups grouped
//     by users_id and day).
//
// Locked days come from the timesheets API's locked_days (Timesheets
// implements LockSource, with a cache); Locks.Check turns them into an
// error of class uplink.Hold around a *HeldError, which the delivery loop
// holds the entry by.
//
// The remote sources ask over the shared REST client (uplink/rest) in its
// read-only mode: no redirect followed, bounded answers, and every failure
// of a read, but a refused request, to be asked again (uplink.Retry, with
// the Retry-After the server named).
//
// Days are civil dates (Date) in the company's time zone. The package does
// not write anything to the remote systems and does not decide what the
// delivery loop does with a held entry. The fake servers for tests are in
// packages timesheetstest and clockodotest.
package daytotal
