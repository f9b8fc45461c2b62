// Package flowtly delivers time entries to Flowtly's work-time API
// (employee_working_hours, as described by its OpenAPI snapshot synced
// 2026-02-23).
//
// Client.Send turns a queue.KindEntry record into one WorkTime per local
// calendar day: POST /employee_working_hours with the employee's and the
// project's IRIs, the day as "date", the worked "seconds" and a
// "description" built from a template. Flowtly books durations on dates,
// not start and end times, so an entry across local midnight is split there
// and each day gets its own record; the seconds of all records add up to
// the entry's duration.
//
// With reconcile set, Send first lists the employee's records around each
// day (GET /employee_working_hours?employee=…&date[after]=…&date[before]=…)
// and does not create a record when the server holds more identical ones
// (employee, project, date, seconds, description) than this terminal sent
// other entries with such a day (Options.Twins): two shifts of the same
// length and description on one day (02:10–02:40 twice in the night summer
// time ends) are two records, not one.
//
// The snapshot does not document authentication, the request content type
// or the list filters' names. The client follows the conventions of the API
// Platform framework the snapshot's shapes come from (IRIs, "@id",
// hydra collections): a token in the Authorization header (header and
// scheme configurable), JSON-LD bodies (application/ld+json), the search
// filter "employee" and the date filter "date[after]"/"date[before]".
//
// Failures come back as *uplink.Error: Retry (certainly not stored),
// Uncertain (may be stored; call Send again with reconcile set) or
// Permanent (rejected; Msg keeps the server's violation messages).
//
// The package does not retry or back off (the uplink delivery loop does),
// never edits or deletes records, and does not look up employees by email:
// the mapping from email to employee is configuration. The fake server for
// tests is in package flowtlytest.
package flowtly
