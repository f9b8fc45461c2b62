package uplink

import (
	"time"

	"stampclock/queue/record"
)

// Ledger is the part of the store a sender reads when it reconciles
// (queue.Store.EntriesSent).
type Ledger interface {
	// EntriesSent lists email's entries other than seq, starting in
	// [from, to), that uplink may already have handed to its receiver.
	EntriesSent(uplink string, seq uint64, email string, from, to time.Time) ([]record.Record, error)
	// Receipt returns what uplink's sender said the receiver stored for
	// record seq when it was delivered (Receipter); "" for nothing known.
	Receipt(uplink string, seq uint64) (string, error)
	// NeverSent tells whether record seq certainly never reached uplink's
	// receiver (withdrawn before it was sent, rejected outright, held or
	// pending with no attempt that may have stored it).
	NeverSent(uplink string, seq uint64) (bool, error)
}

// Twins counts, for a sender that reconciles, the local entries the
// receiver cannot tell apart from the one being sent (same employee, same
// times as the receiver keeps them). A receiver holding N identical
// entries holds the one being sent only if this terminal sent fewer than N
// others: without the count, two equal shifts (the repeated hour at the
// end of summer time, where wall clocks repeat) would be taken for one
// and the second never sent.
//
// The zero Twins (no Ledger) counts none: any identical entry on the
// receiver is taken for the one being sent.
type Twins struct {
	// Ledger lists what the uplink may have sent.
	Ledger Ledger
	// Uplink is the uplink's name in the queue.
	Uplink string
}

// Count returns how many of email's entries other than seq, starting in
// [from, to), may be on the receiver and are identical to the one being
// sent as same tells. An entry whose outcome is unknown counts as there:
// sending once more risks a duplicate, skipping risks a loss.
func (t Twins) Count(seq uint64, email string, from, to time.Time, same func(record.Record) bool) (int, error) {
	if t.Ledger == nil {
		return 0, nil
	}
	recs, err := t.Ledger.EntriesSent(t.Uplink, seq, email, from, to)
	if err != nil {
		return 0, &Error{Class: Uncertain, Msg: "list entries already sent", Err: err}
	}
	n := 0
	for _, r := range recs {
		if r.Seq != seq && same(r) {
			n++
		}
	}
	return n, nil
}
