package zeiterfassung

import (
	"context"
	"fmt"
	"sync"

	"stampclock/queue/record"
	"stampclock/uplink"
)

// SendBatch delivers claims with up to Options.Parallel requests in flight.
// Each employee's entries go out one after another, oldest first, in one
// lane; lanes of different employees run side by side. When an entry fails
// (other than a permanent rejection) the rest of its lane is not sent this
// time, so an employee's entries are never stored out of order.
//
// A request that ends takes up the lane with the most entries left among
// those with none in flight, so the lanes run out together and the
// requests in flight stay at Parallel until the batch's last few entries
// (a worker keeping one lane to its end left the others idle while the
// longest lane finished). It logs at info how many entries a batch
// delivered; each entry created is logged at debug.
func (c *Client) SendBatch(ctx context.Context, claims []record.Claim) []error {
	errs := make([]error, len(claims))
	var lanes []*lane
	byEmail := make(map[string]*lane)
	for i, cl := range claims {
		e := cl.Record.Email
		l := byEmail[e]
		if l == nil {
			l = &lane{}
			byEmail[e] = l
			lanes = append(lanes, l)
		}
		l.claims = append(l.claims, i)
	}
	s := &laneSched{lanes: lanes}
	var wg sync.WaitGroup
	for w := 0; w < min(c.o.Parallel, len(lanes)); w++ {
		wg.Go(func() {
			for {
				l, i := s.next()
				if l == nil {
					return
				}
				errs[i] = c.Send(ctx, claims[i].Record, claims[i].Reconcile)
				stop := errs[i] != nil && uplink.ClassOf(errs[i]) != uplink.Permanent
				for _, j := range s.done(l, stop) {
					errs[j] = fmt.Errorf("zeiterfassung: seq %d not sent: %w", claims[j].Record.Seq,
						&uplink.Error{Class: uplink.Retry, Msg: "an earlier entry of this employee failed"})
				}
			}
		})
	}
	wg.Wait()
	if n := delivered(errs); n > 0 {
		c.log.Info("entries delivered", "count", n, "of", len(claims),
			"first_seq", claims[0].Record.Seq, "last_seq", claims[len(claims)-1].Record.Seq)
	}
	return errs
}

// delivered counts the nil errors in errs.
func delivered(errs []error) int {
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
		}
	}
	return n
}

// lane is one employee's claims in a batch, by index, oldest first.
type lane struct {
	claims []int
	sent   int  // claims[:sent] are answered or in flight
	busy   bool // claims[sent-1] is in flight
}

// laneSched hands out the next entry to send: of the lanes with none in
// flight, the one with the most entries left (the first of them in the
// batch on a tie).
type laneSched struct {
	mu    sync.Mutex
	lanes []*lane
}

// next returns a lane and the index of its next claim, marked in flight,
// or nil when every lane with entries left has one in flight: those lanes'
// workers finish them, as no lane is added later.
func (s *laneSched) next() (*lane, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *lane
	for _, l := range s.lanes {
		if l.busy || l.sent == len(l.claims) {
			continue
		}
		if best == nil || len(l.claims)-l.sent > len(best.claims)-best.sent {
			best = l
		}
	}
	if best == nil {
		return nil, 0
	}
	best.busy = true
	best.sent++
	return best, best.claims[best.sent-1]
}

// done marks l's entry in flight answered. stop ends the lane: no worker
// takes its claims left, which done returns for the caller to answer as
// not sent.
func (s *laneSched) done(l *lane, stop bool) (unsent []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.busy = false
	if !stop {
		return nil
	}
	unsent = l.claims[l.sent:]
	l.claims = l.claims[:l.sent:l.sent]
	return unsent
}
