// Package flowtlytest is a fake Flowtly work-time API for tests and demos.
//
// A Server serves POST and GET /employee_working_hours and
// GET /employee_working_hours/{id} the way the API's OpenAPI snapshot
// describes them, with the
// conventions of the API Platform framework where the snapshot is silent:
//
//   - every request needs the token in the Authorization header
//     ("Bearer <token>"; header and scheme configurable), else 401;
//   - a POST body must be application/ld+json or application/json
//     (else 415) and a JSON object with exactly the writable WorkTime
//     fields: employee and project (IRI strings of known employees and
//     projects), date (RFC 3339 or yyyy-mm-dd), seconds (integer) and
//     description (string or null, optional); a wrong type, an unknown
//     field, a malformed or unknown IRI is answered 400 with a hydra error,
//     a missing value or seconds outside 1..86400 422 with a
//     ConstraintViolationList;
//   - a stored record is answered 201 with the WorkTime as JSON-LD;
//   - the list takes the filters employee and project (IRI or bare id),
//     date[after], date[before], date[strictly_after],
//     date[strictly_before] (a malformed date is answered 400, stricter
//     than API Platform, to catch client bugs) and page, and answers a
//     hydra collection of PageSize members with a hydra:view next link.
//
// Faults are injected with FailNext (any authenticated request), FailPosts,
// FailLists, DropAfterStore, SetDelay
// and SetDown; Records, Duplicates and Requests tell what the server saw.
package flowtlytest
