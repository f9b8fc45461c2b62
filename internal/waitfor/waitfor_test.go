package waitfor

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type recorder struct{ failed string }

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestUntil_ReturnsOnceTheConditionHolds(t *testing.T) {
	var r recorder
	calls := 0
	Until(&r, time.Minute, "three calls", func() bool { calls++; return calls == 3 })
	if r.failed != "" || calls != 3 {
		t.Fatalf("failed %q after %d calls; want no failure after 3", r.failed, calls)
	}
}

func TestUntil_FailsNamingWhatAfterTheTimeout(t *testing.T) {
	var r recorder
	polled := 0
	// Fatalf of a real test ends the goroutine; the recorder does not, so
	// the condition ends the loop once the failure is recorded.
	Until(&r, 20*time.Millisecond, "the door to open", func() bool { polled++; return r.failed != "" })
	if !strings.Contains(r.failed, "the door to open") || !strings.Contains(r.failed, "20ms") {
		t.Fatalf("failure %q; want it to name what and the timeout", r.failed)
	}
	if polled < 2 {
		t.Fatalf("polled %d times before failing", polled)
	}
}
