// Package flowtly is a strict fake of the Flowtly work time API
// (employee_working_hours, WorkTime schema), written from the API document
// alone (not from any client of ours), so that running a client against it
// checks the client's reading of the document against a second,
// independent reading.
//
// It serves, on a loopback httptest server, for each of the collections
// /employee_working_hours, /employee-working-hours and /work-times (one
// shared store):
//
//	GET    {collection}        list, filtered by employee, project, date
//	POST   {collection}        create -> 201 and the WorkTime object
//	GET    {collection}/{id}
//	PATCH  {collection}/{id}   seconds, project, description
//	DELETE {collection}/{id}   soft delete; only the two hyphenated collections
//	GET    /employees, /employees/{id}
//
// Refusals answer application/problem+json {"title","status","detail"}
// (the document shows no error shape), are logged to the test and listed by
// Refusals.
//
// # Readings of the document
//
//   - Authentication is not documented at all. The fake demands
//     "Authorization: Bearer <Options.Token>" on every request (401
//     otherwise), as any non-public API needs some credential.
//   - Base URL https://api.flowtly.eu with paths /employee_working_hours
//     etc. directly under it, while the IRIs in the example start with /api/
//     ("/api/employees/emp_102"). The fake serves the documented paths at
//     the root only (/api/employee_working_hours is 404) and demands IRIs
//     with /api/.
//   - Three collections are listed; only /employee_working_hours has a
//     schema and an example. The fake serves all three with the WorkTime
//     schema and one store, and records the collection a work time was
//     created through (WorkTime.Collection), so a test can check which one a
//     client uses. DELETE is listed only for the hyphenated collections:
//     405 on /employee_working_hours/{id}.
//   - Create: "date: Tidsstämpel", example "2024-07-04T00:00:00+00:00":
//     RFC 3339 with seconds and an offset (+hh:mm or Z), no fraction; a bare
//     date or a missing offset is 400. The date is stored and echoed as sent.
//   - employee ("IRI för den anställda") and project ("Projekt-IRI") must be
//     IRIs /api/employees/{id} and /api/projects/{id} naming a configured
//     employee and project (400 otherwise). project is typed "string", not
//     "string | null" like description: it is required.
//   - seconds "Varaktighet i sekunder", integer: a JSON integer (a string or
//     fraction is 400); the fake refuses 0, negatives and more than one day
//     (86400) with 422.
//   - Required members missing or null: 422 (a constraint violation);
//     malformed members, unknown members and read-only members (id,
//     createdAt, updatedAt, deletedAt, deleted, @id) are 400.
//   - Content types are not documented. POST accepts application/json and
//     application/ld+json (the answers are JSON-LD); PATCH demands
//     application/merge-patch+json, the media type for a JSON merge patch
//     (415 otherwise). Answers are application/ld+json.
//   - PATCH "Patcha loggade sekunder, projekt eller anteckningar": only
//     seconds, project and description may be patched; date or employee in
//     a PATCH is 400.
//   - The create status is not documented: 201 with a Location header and
//     the object shaped like the response example, @id
//     "/api/employee_working_hours/wkt_<id>" as in the example; deletedAt
//     appears only once deleted, as the example omits it.
//   - Item paths take the integer id (the schema's "id integer"); the
//     "wkt_9001" form of the example's @id is 404.
//   - List "filtrerade på anställd, projekt eller tidsintervall": parameter
//     names are not documented. The fake accepts employee=<IRI>,
//     project=<IRI>, date[after], date[before], date[strictly_after],
//     date[strictly_before] (a date or timestamp; no offset means UTC) and
//     page (>= 1), each once; any other parameter is 400. Soft-deleted work
//     times are left out. The collection shape is not documented: a Hydra
//     collection (hydra:member, hydra:totalItems) by default, a plain JSON
//     array with Options.ListFormat = PlainArray; Options.PageSize items per
//     page (default 30).
//   - /employees/{id}/working-hours-stats/{date} and the other employee
//     operations document no answer shape; the fake does not serve them
//     (404).
//   - Duplicates are not documented: every valid create is stored.
package flowtly
