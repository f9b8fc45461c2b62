package siteshifts

// The tests here work in Europe/Berlin across daylight-saving changes. The
// embedded zone database makes them run on a machine without tzdata.
import _ "time/tzdata"
