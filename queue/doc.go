// Package queue is the terminal's durable memory: a bbolt file holding every
// record (punches, paired entries, events), the open shifts, enrolled badges
// and, per uplink, which records still wait for delivery.
//
// Every write is one bbolt transaction committed with fsync before it
// returns, so a caller may acknowledge a punch as soon as Update returns nil.
// A record leaves an uplink's pending set only when that uplink confirmed it
// (Ack); it is never deleted to make room. Delivery costs few commits of its
// own: a claim or settle that changes nothing writes nothing, a batch's
// outcomes go into the commit that claims the next one (SettleAndClaim),
// and once an uplink has caught up, the records appended for it are
// claimed (marked in flight) by the commit that appends them.
//
// Buckets follow bbolt's grain: one per concern, keys from NextSequence
// encoded big-endian so cursors walk in FIFO order.
//
// The data types (Record, Claim, Outcome, Stats, …) are declared in
// package queue/record, which links no store, and named here by alias.
//
// The package knows nothing of readers, feedback or uplinks' protocols.
package queue
