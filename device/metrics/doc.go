// Package metrics exposes stampd's operational state to Prometheus and
// answers a plain health check.
//
// A Metrics owns a private prometheus.Registry (never the global default
// one) holding:
//
//   - counters the daemon bumps as things happen: taps by result, punches
//     by kind, deliveries and their latency per uplink, errors by class;
//   - gauges read from a Source at scrape time (queue depth per uplink and
//     state, reader health, clock synchronisation), so nothing polls in the
//     background and a scrape always sees the current state;
//   - the standard Go runtime and process collectors.
//
// Handler serves /metrics in the Prometheus exposition formats and
// /healthz (200 "ok" or 503 with the error text). Serve and ServeListener
// run that handler on a local address until a context ends.
//
// Labels are deliberately coarse: a tap result, a punch kind, an uplink
// name from the config, a queue state, an error class. Badge UIDs,
// employee e-mails, record sequence numbers or any other per-person or
// per-event value never become a label — they would leak personal data
// to whoever scrapes and grow the series without bound. Label values
// outside a short lowercase identifier ([a-z][a-z_]*, at most 32 bytes)
// are counted as "other" to enforce that.
//
// The package does not decide whether metrics are enabled, which address
// they listen on, or what "healthy" means: the daemon and its config do.
// It does not push anywhere and keeps no history beyond the counters.
package metrics
