package daemon

import "stampclock/queue"

// moreSpecs names the queue's pending sets of the further uplinks, one per
// enabled uplink, each with the record kinds it takes.
func (d *Daemon) moreSpecs() []queue.UplinkSpec { return nil }

// newMoreUplinks builds the further time-tracking uplinks (Blikk, Flowtly)
// and the read side (day totals, locked days) from the config.
func (d *Daemon) newMoreUplinks() error { return nil }
