// Package uplink holds what every delivery target shares: how a failed send is
// classified (retry, permanent, uncertain) and the loop that drains a queue
// to one target with backoff. Each target lives in its own sub-package
// (uplink/zeiterfassung, uplink/mqtt) with a faithful test server beside it.
package uplink
