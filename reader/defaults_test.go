package reader

import (
	"log/slog"
	"testing"
	"time"
)

func TestDefault_FillsOnlyZeroValues(t *testing.T) {
	n, d := 0, 5*time.Second
	Default(&n, 3)
	Default(&d, time.Minute)
	if n != 3 || d != 5*time.Second {
		t.Errorf("n %d, d %v: want 3 (was zero) and 5s (was set)", n, d)
	}
}

func TestDefaultCommon_SourceLoggerClock(t *testing.T) {
	var (
		source string
		logger *slog.Logger
		now    func() time.Time
	)
	DefaultCommon(&source, "test", &logger, &now)
	if source != "test" || logger != slog.Default() || now == nil {
		t.Errorf("source %q logger %p now set %v: want the defaults", source, logger, now != nil)
	}
	own := slog.New(slog.DiscardHandler)
	source, logger = "mine", own
	DefaultCommon(&source, "test", &logger, &now)
	if source != "mine" || logger != own {
		t.Errorf("set fields were replaced: source %q", source)
	}
}
