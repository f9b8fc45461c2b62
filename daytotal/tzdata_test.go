package daytotal_test

// The tests here work in named zones (Europe/Berlin and others) across
// daylight-saving changes. The embedded zone database makes them run on a
// machine without tzdata instead of skipping or failing there.
import _ "time/tzdata"
