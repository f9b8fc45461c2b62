package mailbox

import (
	"sync"
	"testing"
)

func TestLatest_NewestWins(t *testing.T) {
	l := New[int]()
	for i := 1; i <= 3; i++ {
		l.Put(i)
	}
	if v := <-l.C(); v != 3 {
		t.Fatalf("took %d, want 3 (the newest)", v)
	}
	select {
	case v := <-l.C():
		t.Fatalf("took %d more, want nothing: the older values were replaced", v)
	default:
	}
}

func TestLatest_PutNeverWaitsAndLastPutIsKept(t *testing.T) {
	l := New[int]()
	// Senders racing with nobody receiving: every Put returns, and what
	// is left is one of the values put.
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 1000 {
				l.Put(g*1000 + i)
			}
		})
	}
	wg.Wait()
	l.Put(-1)
	if v := <-l.C(); v != -1 {
		t.Fatalf("took %d, want -1 (put last)", v)
	}
}

func TestLatest_ClosedTakesNoMore(t *testing.T) {
	l := New[string]()
	l.Put("before")
	l.Close()
	l.Put("after")
	if v := <-l.C(); v != "before" {
		t.Fatalf("took %q, want the value put before Close", v)
	}
	select {
	case v := <-l.C():
		t.Fatalf("took %q after Close", v)
	default:
	}
}
