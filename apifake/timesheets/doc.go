// Package timesheets is a strict fake of the Timesheets API (/v1/timesheets:
// timesheets, incomplete timesheets, day totals, locked days), written from
// the API document alone (not from any client of ours), so that running a
// client against it checks the client's reading of the document against a
// second, independent reading.
//
// It serves, on a loopback httptest server:
//
//	GET    /v1/timesheets?organization_id=&month_of=           list for an organization
//	GET    /v1/timesheets?person_id=&month_of=[&organization_id=] one timesheet
//	GET    /v1/timesheets/incomplete?week_of=[&organization_id=]
//	GET    /v1/timesheets/day_totals?person_id=&(date|week_of|month_of)=[&organization_id=]
//	POST   /v1/timesheets/lock?(organization_id|person_id)=&(date|week_of|month_of)=   -> 204
//	DELETE /v1/timesheets/lock?...                                                     -> 204
//
// Time spent and locks are seeded and read with AddTimeEntry, SetLocked,
// Locked and LockedDays. Refusals answer {"message": "..."} naming the
// parameter, are logged to the test and listed by Refusals.
//
// # Readings of the document
//
//   - Every example sends "Authorization: Bearer <oauth-token>" and
//     "account: pro-product". Both are required: a missing or other token is
//     401, a missing or other account 400 (the statuses are undocumented).
//   - Dates "using the syntax yyyy-mm-dd": exactly that, a real date
//     (2016-2-15 and 2016-02-30 are 400).
//   - "The parameter ... is required": a missing required parameter is 400;
//     so is a parameter the request does not document, a parameter given
//     twice or empty, and more than one of date, week_of and month_of.
//     Parameters are read from the query string only (as in every example);
//     a request body is refused (400).
//   - A week is Monday to Sunday (undocumented).
//   - day_totals "Retrieve the total time ... on a specific day, or on each
//     day of a specific week or month": the answer has one member per day
//     of the range, "0" for days without time, values as strings of minutes
//     as in the example ("480").
//   - Lock "for an organization or person": organization_id alone locks
//     the days for every person of the organization; person_id alone for
//     the person in every organization; both for the person in that
//     organization only. DELETE unlocks the same way; unlocking for one
//     organization leaves a lock made for every organization in place.
//   - Timesheet fields follow the field descriptions: workday and
//     sum_time_spent in minutes, workdays = sum_time_spent / workday
//     rounded to two decimals (the example: 3365 / 480 -> 7.01, though the
//     field is described as "integer"), locked_days one 0/1 per day of the
//     month, locked true when all days are locked. A single timesheet without
//     organization_id is the one of the person's organization.
//   - incomplete: the people (of the organization, when given) whose time
//     in the week is below Options.WorkweekMinutes; completeness 0 when
//     they spent nothing, 1 when some; remaining_time = workweek - spent.
//   - "Obtain a different set of fields using the ?fields= parameter":
//     comma-separated names, each one of the collection's fields (400
//     otherwise); only those are answered. day_totals and lock take no
//     fields.
//   - "Filtering and pagination are available" without parameters named:
//     the fake accepts page (>= 1) and per_page (1-Options.MaxPerPage,
//     default 25) on the two list requests.
//   - Unknown person or organization: 404 (undocumented).
//   - The access rules (the person, managers, auditors, administrators) are
//     not modelled: the configured token sees everything.
package timesheets
