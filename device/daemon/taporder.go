package daemon

import (
	"fmt"
	"time"

	"stampclock/queue"
)

// checkGivenOrder refuses a tap given a time (`stampctl tap --at`) before
// the start of the badge's employee's open shift: it would stop the shift
// before it began, and the entry sent would end before it starts (a real
// tap cannot: its duration comes from the monotonic clock).
func (d *Daemon) checkGivenOrder(uid string, at time.Time) error {
	email := ""
	if b, ok := d.configBadges()[uid]; ok && !b.Admin {
		email = b.Email
	}
	var e queue.Employee
	err := d.store.View(func(tx *queue.Tx) error {
		if email == "" {
			b, ok, err := tx.Badge(uid)
			if err != nil || !ok {
				return err
			}
			email = b.Email
		}
		if email == "" {
			return nil
		}
		var err error
		e, _, err = tx.Employee(email)
		return err
	})
	if err != nil {
		return fmt.Errorf("tap: %w", err)
	}
	if e.Open && at.Before(e.Start) {
		loc := d.cfg.Location
		return fmt.Errorf("tap: --at %s is before %s's open shift started (%s): a stop must come after its start",
			at.In(loc).Format(time.RFC3339), email, e.Start.In(loc).Format(time.RFC3339))
	}
	return nil
}
