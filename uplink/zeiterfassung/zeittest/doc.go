// Package zeittest is a faithful fake of the Online Zeiterfassung REST API
// v2.1 (as its API document describes it) for tests, for
// end-to-end runs and for `make demo` (through cmd/zeitserver).
//
// A Server validates every request as strictly as the API document allows:
// login with exactly {loginemail, apipassword} as JSON, a valid token in the
// configured auth header on every /api/time-v2.1 call, times in exactly the
// format YYYY-MM-DDTHH:MM:00, no unknown fields, known users, time types and
// projects. It stores created entries in memory and answers the timeentries
// query with the document's semantics (entries whose start time lies between
// start and end, both inclusive).
//
// Faults can be injected from tests while the server runs, safely from any
// goroutine: failing the next authenticated requests (FailNext) or the next
// creates (FailCreates) with a status, answering
// 401 regardless of the token (RejectAuth), expiring all tokens
// (ExpireTokens), dropping the connection after an entry was stored
// (DropAfterStore), answering slowly (SetDelay) and going down (SetDown).
// Duplicates reports entries stored more than once: for a time clock a
// duplicate is as bad as a lost punch.
//
// The package does not import testing, so cmd/zeitserver can link it; Start
// takes the small TB interface that *testing.T satisfies.
//
// It does not model the server's other features (v1.1 paths, the web UI,
// per-user project assignments: /projects/{useremail} lists all projects for
// any known user) and does not persist anything.
package zeittest
