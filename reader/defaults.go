package reader

import (
	"log/slog"
	"time"
)

// Default sets *v to def when *v is the zero value: the rule by which the
// readers' Options fill their zero fields from DefaultOptions.
func Default[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// DefaultCommon fills the fields every reader's Options has when they are
// zero: the source name (with def), the logger (slog.Default()) and the
// clock (time.Now).
func DefaultCommon(source *string, def string, logger **slog.Logger, now *func() time.Time) {
	Default(source, def)
	if *logger == nil {
		*logger = slog.Default()
	}
	if *now == nil {
		*now = time.Now
	}
}
