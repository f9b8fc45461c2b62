// Package apifake is the root of the second-reading fakes of the
// time-tracking APIs stampclock talks to: one package per API
// (zeiterfassung, blikk, flowtly, timesheets, clockodo), each a strict
// httptest server written from the API document alone, plus the fault
// injection (fault) and request checks (strict) they share.
//
// The fakes exist to test our clients against an independent reading of
// each document; each package comment lists the document's ambiguities and
// the reading the fake takes. This package itself holds no code.
package apifake
