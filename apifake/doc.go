// Package apifake is the root of the second-reading fakes of the
// time-tracking APIs stampclock talks to: one package per API
// (zeiterfassung, blikk, flowtly, timesheets, clockodo) and a receiver of
// our own webhook uplink (webhook, from the README and the payload schema),
// each a strict httptest server written from the document alone, plus the
// fault injection (fault) and request checks (strict) they share.
//
// The fakes exist to test our clients against an independent reading of
// each document; each package comment lists the document's ambiguities and
// the reading the fake takes. This package itself holds no code.
package apifake
