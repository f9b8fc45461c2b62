// Package fleet is the read side of a site's terminals on the MQTT broker:
// it collects the retained status (<prefix>/<device>/status) and last-seen
// (<prefix>/<device>/seen) messages every terminal leaves there and judges
// each terminal online, offline or silent, since when, with its queue
// depths, alarms and version. It is what `stampctl fleet` prints.
//
// Judging is done by Judge, a pure function of the two messages and a
// clock; Collect only gathers them. Neither publishes anything, so an
// account that may read <prefix>/# is enough.
//
// Why "since when" needs two topics: the Last Will is fixed when the
// terminal connects and the broker publishes it, retained, over the
// status, when it notices the connection is gone, so it can carry no time
// of its going. The …/seen message, refreshed with every status and never
// touched by the Will, keeps the last time the terminal was heard of; the
// broker notices a dead connection at most 1.5 × keepalive after the
// terminal's last packet, and the terminal sends a status at least every
// status interval, so it went away between the last seen time and that
// plus the status interval plus 1.5 × keepalive.
//
// The package does not send commands to terminals, and it does not keep a
// history: a terminal that came and went between two looks is not noticed.
package fleet
