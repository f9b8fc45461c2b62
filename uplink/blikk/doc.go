// Package blikk delivers time entries to Blikk as time reports through its
// public API (as its public API document describes it).
//
// A Client gets an access token with POST /v1/Auth/Token (HTTP Basic auth
// with the API application's id and secret), keeps it until shortly before
// it expires and sends it as "Authorization: Bearer"; a 401 makes it get a
// new token and repeat the call once. All calls of a Client share one rate
// limiter: at most Options.RequestsPerSecond (default 4, the API's limit
// per token) requests start in any second; a 429 holds every call back for
// the Retry-After / waitInSeconds the server named.
//
// Client.Send turns a queue.KindEntry record into one time report per
// local date (Split): an entry across midnight becomes a report ending
// "23:59" and one starting "00:00" the next day, each with its real hours;
// an entry across a change of the UTC offset keeps its wall clock and its
// real hours. Hours are decimal, rounded to hundredths, after the
// configured break rules (BreakRule). Failures come back as *uplink.Error:
// Retry (certainly not stored; 429 with RetryAfter), Uncertain (may be
// stored; call Send again with reconcile set, which looks the report up
// first, so Blikk never gets a duplicate) or Permanent (rejected; a 400's
// modelState messages are in Msg, and an employee without a configured
// Blikk user id).
//
// CheckToken, Users, Items and CheckIDs are for a technician's checks;
// TimeReports lists what Blikk has for an employee.
//
// The package does not retry or back off (the uplink delivery loop does),
// does not edit or delete reports, and does not pair punches into entries.
// The fake server for tests is in package blikktest.
package blikk
