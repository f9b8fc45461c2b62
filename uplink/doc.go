// Package uplink holds what every delivery target shares: how a failed send is
// classified (retry, permanent, uncertain, hold), the loop that drains a
// queue to one target with backoff, and Kind, the shape every target
// declares (its config section, constructor, checks and `stampctl init`
// questions). Each target lives
// in its own sub-package with a faithful test server beside it; the list in
// uplink/uplinks names them, and uplink/rest is the HTTP plumbing the REST
// targets share.
package uplink
