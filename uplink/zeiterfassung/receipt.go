package zeiterfassung

import (
	"encoding/json"
)

// receipt is what the server created for an entry, segment by segment
// (see Segments): the ids its createtimeentry answer named; empty for a
// segment that was not created (it holds no minute), nil where they are
// not known (found by a reconciling query, or the answer named none). It
// is kept with the entry's confirmation (uplink.Receipter), so that a
// retraction deletes exactly these entries, and not an identical one
// that another terminal delivered in their place.
type receipt [][]string

func (r receipt) String() string {
	data, _ := json.Marshal(r) // slices of strings cannot fail
	return string(data)
}

// parseReceipt reads a kept receipt; ok is false for none or one that
// cannot be read.
func parseReceipt(s string) (r receipt, ok bool) {
	if s == "" || json.Unmarshal([]byte(s), &r) != nil {
		return nil, false
	}
	return r, true
}

func (c *Client) keepReceipt(seq uint64, r receipt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.receipts == nil {
		c.receipts = map[uint64]string{}
	}
	c.receipts[seq] = r.String()
}

// Receipt returns and forgets what the server created for entry seq, just
// delivered (uplink.Receipter); "" for an entry that cannot be retracted
// (not a site entry).
func (c *Client) Receipt(seq uint64) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.receipts[seq]
	delete(c.receipts, seq)
	return r
}
