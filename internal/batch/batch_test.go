package batch

import (
	"context"
	"slices"
	"testing"
)

func TestRun_WaitingValuesGoTogetherUpToMax(t *testing.T) {
	in := make(chan int, 10)
	for i := 1; i <= 5; i++ {
		in <- i
	}
	ctx, cancel := context.WithCancel(context.Background())
	var groups [][]int
	Run(ctx, in, 3, func(g []int) {
		groups = append(groups, slices.Clone(g))
		if len(in) == 0 {
			cancel()
		}
	})
	if len(groups) != 2 || !slices.Equal(groups[0], []int{1, 2, 3}) || !slices.Equal(groups[1], []int{4, 5}) {
		t.Fatalf("groups %v; want [1 2 3] [4 5]", groups)
	}
}

func TestRun_EndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	Run(ctx, make(chan int), 3, func([]int) { t.Error("nothing arrived, nothing handled") })
}
