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
func (c *Client) SendBatch(ctx context.Context, claims []record.Claim) []error {
	errs := make([]error, len(claims))
	lanes := make(map[string][]int)
	var order []string
	for i, cl := range claims {
		e := cl.Record.Email
		if _, ok := lanes[e]; !ok {
			order = append(order, e)
		}
		lanes[e] = append(lanes[e], i)
	}
	work := make(chan []int)
	var wg sync.WaitGroup
	for w := 0; w < min(c.o.Parallel, len(order)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lane := range work {
				c.sendLane(ctx, claims, lane, errs)
			}
		}()
	}
	for _, e := range order {
		work <- lanes[e]
	}
	close(work)
	wg.Wait()
	return errs
}

// sendLane sends one employee's claims in order into errs.
func (c *Client) sendLane(ctx context.Context, claims []record.Claim, lane []int, errs []error) {
	var stop error
	for _, i := range lane {
		if stop != nil {
			errs[i] = fmt.Errorf("zeiterfassung: seq %d not sent: %w", claims[i].Record.Seq,
				&uplink.Error{Class: uplink.Retry, Msg: "an earlier entry of this employee failed"})
			continue
		}
		errs[i] = c.Send(ctx, claims[i].Record, claims[i].Reconcile)
		if errs[i] != nil && uplink.ClassOf(errs[i]) != uplink.Permanent {
			stop = errs[i]
		}
	}
}
