// Package blikktest is a faithful fake of the Blikk public API (as its
// public API document describes it) for tests, for end-to-end runs and
// for demos: the parts a stamp clock uses.
//
// A Server validates requests as the document says: POST /v1/Auth/Token
// with HTTP Basic auth (application id and secret) issues a
// "pk_….pa_…" token with an "expires" time; every other call needs
// "Authorization: Bearer <token>" with an unexpired token (401 otherwise).
// Each token may make at most four requests in any second (Options.RateLimit
// and RateWindow); more are answered 429 with a Retry-After header and a
// {"waitInSeconds": n} body, and the token stays blocked for that wait.
// POST /v1/Core/TimeReports checks the required fields (date, hours,
// invoiceableHours, userId, activityId, timeCodeId, timeArticleId), their
// types and formats (date "2006-01-02" or "2006-01-02 15:04:05", clocks
// "hh:mm" on the 24-hour clock), that the ids exist and are active, and
// answers 400 with {"message": …, "modelState": {field: [messages]}}
// otherwise. The list endpoints need page (≥ 1) and accept pageSize
// (1–100); GET /v1/Core/TimeReports filters on filter.from, filter.to
// (dates, inclusive) and filter.userIds.
//
// Where the document is silent the fake is stricter than it need be, to
// catch mistakes early: unknown body fields and unknown filters are
// rejected, clockStart and clockEnd must come together and clockEnd must
// not be before clockStart, hours are between 0 and 24.
//
// Faults can be injected while the server runs, safely from any goroutine:
// FailNext (any authenticated request), FailCreates, FailTokens,
// RejectAuth, ExpireTokens, DropAfterStore (store, then close the
// connection without an answer), SetDelay, SetDown and SetRateLimit.
// Duplicates reports reports stored twice; Requests counts requests, 401s,
// 429s and 429s to a token that ignored its wait.
//
// The package does not import testing; Start takes the small TB interface
// that *testing.T satisfies. It does not model contacts, tasks, travel or
// allowance reports, materials, attest or invoicing, permissions (403) or
// HTTPS, and does not persist anything.
package blikktest
