// Package zeiterfassung delivers time entries to the Online Zeiterfassung
// REST API v2.1 (as its API document describes it).
//
// A Client logs in with POST /api/login (the admin's loginemail and the API
// password), keeps the token and sends it on every call; a 401 makes it
// log in again and repeat the call once. Client.Send turns a
// queue.KindEntry record into one createtimeentry per segment: the API
// takes wall-clock times without an offset, so an entry spanning a change
// of the company time zone's UTC offset is split there (Segments) and every
// segment keeps its true duration. Failures come back as *uplink.Error:
// Retry (certainly not stored), Uncertain (may be stored; call Send again
// with reconcile set, which looks the entry up before creating it, so the
// server never gets a duplicate) or Permanent (rejected).
//
// Hello, SecuredHello, Users, TimeTypes, Projects and Entries are for
// checks and provisioning by a technician.
//
// The package does not retry or back off (the uplink delivery loop does),
// does not delete or edit entries, and does not pair punches into entries.
// The fake server for tests is in package zeittest.
package zeiterfassung
