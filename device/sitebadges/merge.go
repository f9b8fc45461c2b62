package sitebadges

import (
	"cmp"
	"sync"
	"time"
)

// Version orders the writes of one badge across the site: a hybrid
// logical clock reading (wall time in milliseconds, then a counter) and,
// to break ties, the writing terminal's device id.
type Version struct {
	// Wall is the clock's wall part: Unix milliseconds.
	Wall int64 `json:"wall"`
	// Logical orders writes within one Wall millisecond.
	Logical uint32 `json:"logical,omitempty"`
	// Node is the device id of the terminal that wrote it.
	Node string `json:"node"`
}

// Compare returns -1, 0 or +1 as v is older than, the same as or newer
// than w.
func (v Version) Compare(w Version) int {
	if c := cmp.Compare(v.Wall, w.Wall); c != 0 {
		return c
	}
	if c := cmp.Compare(v.Logical, w.Logical); c != 0 {
		return c
	}
	return cmp.Compare(v.Node, w.Node)
}

// IsZero reports whether v is no version at all.
func (v Version) IsZero() bool { return v == Version{} }

// Entry is one version of a badge as the site shares it.
type Entry struct {
	UID   string `json:"uid"`
	Email string `json:"email,omitempty"`
	Name  string `json:"name,omitempty"`
	// Deleted marks a removal (a tombstone): the badge is not enrolled.
	Deleted bool    `json:"deleted,omitempty"`
	Version Version `json:"version"`
	// Base is the version the writer held when it wrote this one (zero
	// for a badge it had never seen). It only serves to tell conflicts.
	Base Version `json:"base,omitzero"`
}

// SameContent reports whether e and f bind the badge alike (both removed,
// or both to the same email and name).
func (e Entry) SameContent(f Entry) bool {
	if e.Deleted || f.Deleted {
		return e.Deleted == f.Deleted
	}
	return e.Email == f.Email && e.Name == f.Name
}

// order is the total order of entries of one badge: by version, then (only
// when two terminals share a device id, a configuration error) by content,
// so even then every terminal picks the same.
func order(a, b Entry) int {
	if c := a.Version.Compare(b.Version); c != 0 {
		return c
	}
	if a.Deleted != b.Deleted {
		if a.Deleted {
			return 1 // a removal beats an enrolment of the same version
		}
		return -1
	}
	if c := cmp.Compare(a.Email, b.Email); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return a.Base.Compare(b.Base)
}

// Outcome says what Merge did with a received entry.
type Outcome int

// Outcomes of Merge.
const (
	// Applied: the entry is newer than the one held and replaces it.
	Applied Outcome = iota
	// Duplicate: the entry is the one held.
	Duplicate
	// Stale: the held entry is newer; the received one is dropped.
	Stale
)

func (o Outcome) String() string {
	switch o {
	case Applied:
		return "applied"
	case Duplicate:
		return "duplicate"
	case Stale:
		return "stale"
	}
	return "unknown"
}

// Result is what Merge decided.
type Result struct {
	Outcome Outcome
	// Conflict is set when the two entries bind the badge differently and
	// the newer one was written without knowing the older: the older
	// write is lost (last writer wins).
	Conflict bool
}

// Merge decides between the held entry of a badge (have false: none) and
// a received one: it returns the entry to hold and what happened. It is
// pure and deterministic; the entry held after any sequence of merges is
// the largest of the entries merged, whatever their order and
// duplication.
//
// A writer's held version only grows, so a writer that had seen version
// h writes with a Base of at least h: a newer entry whose Base is older
// than the entry it replaces was written without knowing it, a conflict.
func Merge(held Entry, have bool, in Entry) (Entry, Result) {
	if !have {
		return in, Result{Outcome: Applied}
	}
	switch c := order(in, held); {
	case c == 0:
		return held, Result{Outcome: Duplicate}
	case c > 0:
		return in, Result{Outcome: Applied, Conflict: !in.SameContent(held) && in.Base.Compare(held.Version) < 0}
	default:
		return held, Result{Outcome: Stale, Conflict: !in.SameContent(held) && held.Base.Compare(in.Version) < 0}
	}
}

// Clock is a hybrid logical clock: its readings follow the wall clock,
// never go backwards, and are newer than every version it observed, so a
// change written after seeing another is ordered after it even when the
// terminals' clocks disagree.
type Clock struct {
	node string
	now  func() time.Time

	mu   sync.Mutex
	last Version
}

// NewClock returns the clock of the terminal node.
func NewClock(node string, now func() time.Time) *Clock {
	return &Clock{node: node, now: now}
}

// Next returns a new version, newer than every one returned or observed.
func (c *Clock) Next() Version {
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.now().UnixMilli()
	if pt > c.last.Wall {
		c.last = Version{Wall: pt, Node: c.node}
	} else {
		c.last = Version{Wall: c.last.Wall, Logical: c.last.Logical + 1, Node: c.node}
	}
	return c.last
}

// Observe moves the clock past v (a version received or stored).
func (c *Clock) Observe(v Version) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v.Wall > c.last.Wall || (v.Wall == c.last.Wall && v.Logical > c.last.Logical) {
		c.last = Version{Wall: v.Wall, Logical: v.Logical, Node: c.node}
	}
}
