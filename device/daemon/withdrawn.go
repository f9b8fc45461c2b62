package daemon

import (
	"fmt"

	"stampclock/queue"
	"stampclock/uplink"
)

// checkWithdrawn keeps an entry that a retraction withdrew (shifts across
// terminals: a late tap made it wrong) from being sent: it may have been
// held, dead-lettered or still pending when the retraction was written,
// and the retraction found nothing to delete then. It is settled as
// withdrawn, with the retraction named, and never sent.
func (d *Daemon) checkWithdrawn(r queue.Record) error {
	if r.Kind != queue.KindEntry {
		return nil
	}
	by, err := d.store.Retraction(r.Seq)
	if err != nil {
		return &uplink.Error{Class: uplink.Retry, Msg: "looking up retractions", Err: err}
	}
	if by == 0 {
		return nil
	}
	return &uplink.Error{Class: uplink.Withdrawn, Msg: withdrawnMsg(by, r.SiteEntry)}
}

func withdrawnMsg(by uint64, siteEntry string) string {
	what := "the entry"
	if siteEntry != "" {
		what = "site entry " + siteEntry
	}
	return fmt.Sprintf("withdrawn by retraction seq %d before it was sent: %s is not sent", by, what)
}

// withdrawnOf returns those of seqs a retraction withdrew: released,
// they are settled as withdrawn, not sent.
func (d *Daemon) withdrawnOf(seqs []uint64) ([]uint64, error) {
	var out []uint64
	for _, q := range seqs {
		by, err := d.store.Retraction(q)
		if err != nil {
			return nil, err
		}
		if by != 0 {
			out = append(out, q)
		}
	}
	return out, nil
}

// withdrawn tells whether a retraction withdrew record seq (false when
// that cannot be looked up: the record stays as it is).
func (d *Daemon) withdrawn(seq uint64) bool {
	by, err := d.store.Retraction(seq)
	return err == nil && by != 0
}
