// Package siteshifts pairs the taps of the terminals of a site into
// entries, for shifts that start at one door and end at another
// ([site] shared_shifts).
//
// Pair is a pure, deterministic function of an employee's merged site
// taps: every terminal holding the same taps computes the same entries,
// whatever order the taps arrived in. Door tells what a new tap is at the
// door (start, stop or already stamped), from the taps known then. Plan
// compares the pairing with what this terminal delivered before (its
// ledger) and says which entries to create and which to retract: each
// entry is delivered by exactly one terminal, the one its stop was tapped
// at, once the stop is [site] settle old.
//
// The Settler applies Plan in one queue transaction per employee: it
// appends entry, missing_stop and retraction records and updates the
// ledger. It does not store or exchange the taps themselves: it reads
// them through the Taps interface, which the site's tap exchange
// implements.
package siteshifts
