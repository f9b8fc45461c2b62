package uplink

import "time"

// Resume tells the runner that the receiver is reachable again (e.g. the
// MQTT client has just reconnected): a backoff in progress ends at once and
// delivery resumes, unless the wait is the receiver's own Retry-After,
// which is honoured to the end. When the runner is not backing off, Resume
// is a Wake. It never blocks.
func (r *Runner) Resume() {
	r.mu.Lock()
	backingOff, honour := r.status.State == "backoff", r.retryAfter
	r.mu.Unlock()
	if !backingOff {
		r.Wake()
		return
	}
	if honour {
		r.log.Debug("receiver back; waiting out its Retry-After")
		return
	}
	select {
	case r.resume <- struct{}{}:
	default:
	}
}

// enterBackoff sets the state to a backoff until next, notes whether it is
// the receiver's Retry-After, and forgets a Resume from before it: only
// news that arrives during this backoff may end it.
func (r *Runner) enterBackoff(retryAfter bool, next time.Time) {
	r.mu.Lock()
	r.status.State, r.status.NextTry = "backoff", next
	r.retryAfter = retryAfter
	select {
	case <-r.resume:
	default:
	}
	r.mu.Unlock()
}
