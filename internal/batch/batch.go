// Package batch takes what arrives on a channel in groups: whatever came
// while the last group was handled goes together, so a consumer that
// commits (and fsyncs) per group pays once for a burst.
package batch

import "context"

// Run hands fn the values arriving on in, in order, in groups of at most
// max: each group is the first value waited for plus whatever is already
// waiting. It returns when ctx ends.
func Run[T any](ctx context.Context, in <-chan T, max int, fn func([]T)) {
	for {
		var group []T
		select {
		case <-ctx.Done():
			return
		case v := <-in:
			group = append(group, v)
		}
	more:
		for len(group) < max {
			select {
			case v := <-in:
				group = append(group, v)
			default:
				break more
			}
		}
		fn(group)
	}
}
