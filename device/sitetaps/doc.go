// Package sitetaps exchanges the taps of a site's terminals (shared
// shifts) over the MQTT broker, so that every terminal holds every tap of
// the site and pairs them the same way (package device/siteshifts).
//
// Each terminal numbers its own site taps 1, 2, 3… (queue.SiteTap) and
// publishes each once the agent committed it, in seq order, on
// <prefix>/sites/<site>/taps/<origin> (QoS 1, not retained); taps the
// broker has not confirmed stay in the store's outbox and are published
// after the next connect. After each batch the terminal retains its head,
// {origin, seq, at} on <prefix>/sites/<site>/heads/<origin>: a peer that
// holds less of the origin (it was offline, or the broker lost messages)
// asks for the rest on <prefix>/sites/<site>/replay/<origin>, and the
// origin publishes those taps again on its taps topic. A peer also asks
// when it sees a gap in an origin's seqs.
//
// A received tap is committed (fsync) to the store before its PUBACK is
// sent, idempotent by (origin, seq): duplicates cost nothing, and a tap
// held with other content is kept and the newcomer counted as a conflict.
// Malformed messages, and taps on the topic of another origin than the
// one they claim, are counted, logged and dropped.
//
// The package neither decides starts and stops nor pairs taps into
// entries; it tells the caller which employees got new taps (OnStored).
// A terminal whose store was lost starts its seqs at 1 again: its peers
// keep the taps they held and count the new ones as conflicts (give the
// replacement a new device id).
package sitetaps
