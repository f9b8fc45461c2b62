package daemon

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"stampclock/device/agent"
	"stampclock/device/config"
	"stampclock/queue"
	"stampclock/reader"
)

// userLister is what enrolment needs of an uplink that knows whom it can
// deliver for: the emails of those employees (a time-tracking system's
// users, or the employees its section maps to the receiver's).
type userLister interface {
	KnownEmails(ctx context.Context) ([]string, error)
}

// userList is an uplink's userLister and the uplink's name.
type userList struct {
	of string
	l  userLister
}

func (d *Daemon) configBadges() map[string]config.Badge {
	d.cfgMu.Lock()
	defer d.cfgMu.Unlock()
	m := make(map[string]config.Badge, len(d.cfg.Badges))
	for _, b := range d.cfg.Badges {
		m[b.UID] = b
	}
	return m
}

// pendingBadges lists the unknown badges tapped in capture mode, waiting
// for badges.assign.
func (d *Daemon) pendingBadges() ([]queue.UnknownBadge, error) {
	unknown, err := d.store.UnknownBadges()
	if err != nil {
		return nil, err
	}
	out := []queue.UnknownBadge{}
	for _, u := range unknown {
		if u.Pending {
			out = append(out, u)
		}
	}
	return out, nil
}

// removeBadge removes an enrolled badge; one from the config file stays.
func (d *Daemon) removeBadge(a BadgeArgs) (BadgeInfo, error) {
	uid, err := reader.NormalizeUID(a.UID)
	if err != nil {
		return BadgeInfo{}, err
	}
	if _, ok := d.configBadges()[uid]; ok {
		return BadgeInfo{}, fmt.Errorf("badge %s is defined in %s: remove it there and run `stampctl reload`", uid, d.cfg.Path)
	}
	var found bool
	if _, err := d.store.Update(func(tx *queue.Tx) error {
		found, err = tx.RemoveBadge(uid)
		return err
	}); err != nil {
		return BadgeInfo{}, err
	}
	if !found {
		return BadgeInfo{}, fmt.Errorf("badge %s is not enrolled", uid)
	}
	return BadgeInfo{UID: uid, Source: "enrolled"}, nil
}

func (d *Daemon) listBadges() ([]BadgeInfo, error) {
	out := []BadgeInfo{}
	cb := d.configBadges()
	for _, b := range cb {
		out = append(out, BadgeInfo{UID: b.UID, Email: b.Email, Name: b.Name, Source: "config", Admin: b.Admin})
	}
	enrolled, err := d.store.Badges()
	if err != nil {
		return nil, err
	}
	for _, b := range enrolled {
		if _, shadowed := cb[b.UID]; shadowed {
			continue // the config file wins
		}
		out = append(out, BadgeInfo{UID: b.UID, Email: b.Email, Name: b.Name, Source: "enrolled", Enrolled: b.Enrolled, Unverified: b.Unverified, Problem: b.Problem})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out, nil
}

// The one rule for a badge's email, for add, import and enroll: it must
// look like an email; when the time-tracking system has a user list and
// answers, it must be one of its users, else the badge is refused; when it
// cannot be asked, the badge is accepted unverified with the reason, and
// checked again later (verifyLoop).

// userCheck is the answer of one look at the uplinks' user lists.
type userCheck struct {
	known []knownEmails // one per listing uplink; none when a list could not be fetched
	why   string        // why a list could not be fetched
}

// knownEmails are the lower-case emails of one uplink's list.
type knownEmails struct {
	of     string
	emails map[string]bool
}

// lookUsers fetches the user lists once; an error is logged and kept as
// the reason emails pass unverified.
func (d *Daemon) lookUsers(ctx context.Context) userCheck {
	if len(d.users) == 0 {
		return userCheck{}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	u, err := d.fetchUsers(ctx)
	if err != nil {
		d.log.Warn("cannot check emails against the users now; accepted unverified", "err", err)
		return userCheck{why: err.Error()}
	}
	return u
}

// fetchUsers asks every uplink that lists users for them: a badge's
// records go to each, so its email must be on each list.
func (d *Daemon) fetchUsers(ctx context.Context) (userCheck, error) {
	var u userCheck
	for _, l := range d.users {
		emails, err := l.l.KnownEmails(ctx)
		if err != nil {
			return userCheck{}, namedBy(l.of, err)
		}
		k := knownEmails{of: l.of, emails: make(map[string]bool, len(emails))}
		for _, e := range emails {
			k.emails[strings.ToLower(e)] = true
		}
		u.known = append(u.known, k)
	}
	return u, nil
}

// unverified reports whether emails pass unchecked.
func (u userCheck) unverified() bool { return len(u.known) == 0 && u.why != "" }

// vet applies the rule to one email.
func (u userCheck) vet(email string) error {
	if !config.ValidEmail(email) {
		return fmt.Errorf("%q is not an email address", email)
	}
	for _, k := range u.known {
		if !k.emails[strings.ToLower(email)] {
			return fmt.Errorf("%s is not a user of the time-tracking system (%s's list of users)", email, k.of)
		}
	}
	return nil
}

func (d *Daemon) checkEmail(ctx context.Context, email string) (unverified bool, err error) {
	if !config.ValidEmail(email) {
		return false, fmt.Errorf("%q is not an email address", email)
	}
	u := d.lookUsers(ctx)
	return u.unverified(), u.vet(email)
}

func (d *Daemon) addBadge(ctx context.Context, a BadgeArgs) (BadgeInfo, error) {
	uid, err := reader.NormalizeUID(a.UID)
	if err != nil {
		return BadgeInfo{}, err
	}
	if cb, ok := d.configBadges()[uid]; ok {
		return BadgeInfo{}, fmt.Errorf("badge %s is defined in %s (for %s); change it there", uid, d.cfg.Path, cb.Email)
	}
	if err := config.CheckText(a.Name); err != nil {
		return BadgeInfo{}, fmt.Errorf("name %q: %w", a.Name, err)
	}
	unverified, err := d.checkEmail(ctx, a.Email)
	if err != nil {
		return BadgeInfo{}, err
	}
	known, err := d.knownSpellings()
	if err != nil {
		return BadgeInfo{}, err
	}
	b := queue.Badge{UID: uid, Email: spelled(known, a.Email), Name: a.Name, Enrolled: d.opts.Clock.Now().UTC(), Unverified: unverified}
	if _, err := d.store.Update(func(tx *queue.Tx) error { return tx.PutBadge(b) }); err != nil {
		return BadgeInfo{}, err
	}
	return BadgeInfo{UID: uid, Email: b.Email, Name: b.Name, Source: "enrolled", Enrolled: b.Enrolled, Unverified: unverified}, nil
}

// importBadges checks every row of a page, by the same rule as addBadge
// (one look at the user list for the page), and imports all of them or
// none (none at all on a dry run).
func (d *Daemon) importBadges(ctx context.Context, rows []ImportRow, dryRun bool) (ImportResult, error) {
	var res ImportResult
	users := d.lookUsers(ctx)
	cb := d.configBadges()
	enrolled, err := d.store.Badges()
	if err != nil {
		return res, err
	}
	known := spellings(cb, enrolled)
	seen := make(map[string]int)
	var badges []queue.Badge
	now := d.opts.Clock.Now().UTC()
	for _, r := range rows {
		bad := func(format string, args ...any) {
			res.Errors = append(res.Errors, LineError{Line: r.Line, Err: fmt.Sprintf(format, args...)})
		}
		uid, err := reader.NormalizeUID(r.UID)
		if err != nil {
			bad("uid: %v", err)
			continue
		}
		if err := users.vet(r.Email); err != nil {
			bad("email: %v", err)
			continue
		}
		if err := config.CheckText(r.Name); err != nil {
			bad("name: %q: %v", r.Name, err)
			continue
		}
		if line, dup := seen[uid]; dup {
			bad("uid %s is already on line %d", uid, line)
			continue
		}
		seen[uid] = r.Line
		if c, ok := cb[uid]; ok && !strings.EqualFold(c.Email, r.Email) {
			bad("uid %s is defined in %s for %s", uid, d.cfg.Path, c.Email)
			continue
		}
		email := spelled(known, r.Email)
		known[strings.ToLower(email)] = email // the file's later lines spell it as its first
		badges = append(badges, queue.Badge{UID: uid, Email: email, Name: r.Name, Enrolled: now, Unverified: users.unverified()})
	}
	if len(res.Errors) > 0 || dryRun {
		return res, nil
	}
	if _, err := d.store.Update(func(tx *queue.Tx) error {
		for _, b := range badges {
			if err := tx.PutBadge(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return res, err
	}
	res.Imported = len(badges)
	return res, nil
}

func (d *Daemon) enroll(ctx context.Context, a EnrollArgs) (EnrollResult, error) {
	if err := config.CheckText(a.Name); err != nil {
		return EnrollResult{}, fmt.Errorf("name %q: %w", a.Name, err)
	}
	unverified, err := d.checkEmail(ctx, a.Email)
	if err != nil {
		return EnrollResult{}, err
	}
	known, err := d.knownSpellings()
	if err != nil {
		return EnrollResult{}, err
	}
	a.Email = spelled(known, a.Email)
	timeout := time.Duration(a.Timeout) * time.Second
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	done := make(chan agent.EnrollResult, 1)
	cancel := d.agent.Enroll(agent.Enrollment{Email: a.Email, Name: a.Name, Unverified: unverified, Replace: a.Replace, Done: done})
	select {
	case res := <-done:
		if res.Err != nil {
			return EnrollResult{}, res.Err
		}
		return EnrollResult{UID: res.UID, Email: a.Email, Unverified: unverified}, nil
	case <-d.opts.Timers.After(timeout):
		cancel()
		return EnrollResult{}, fmt.Errorf("no badge tapped within %s", timeout)
	case <-ctx.Done():
		// The client went away (or stampd stops): the enrolment ends
		// with it, so no later tap is taken for it.
		cancel()
		d.log.Info("enrolment withdrawn: its client went away", "email", a.Email)
		return EnrollResult{}, ctx.Err()
	}
}

// verifyLoop checks the emails of badges enrolled while the time-tracking
// system could not be asked, as soon as it can be.
func (d *Daemon) verifyLoop(ctx context.Context) error {
	if len(d.users) == 0 {
		return nil
	}
	t := d.opts.Timers.NewTicker(d.opts.VerifyPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
		if err := d.verifyBadges(ctx); err != nil {
			d.log.Debug("badge emails not checked yet", "err", err)
		}
	}
}

func (d *Daemon) verifyBadges(ctx context.Context) error {
	badges, err := d.store.Badges()
	if err != nil {
		return err
	}
	var todo []queue.Badge
	for _, b := range badges {
		if b.Unverified {
			todo = append(todo, b)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	users, err := d.fetchUsers(cctx)
	if err != nil {
		return err
	}
	_, err = d.store.Update(func(tx *queue.Tx) error {
		for _, b := range todo {
			b.Unverified = false
			if err := users.vet(b.Email); err != nil {
				b.Problem = err.Error()
				d.log.Warn("enrolled badge has an unknown email", "badge", b.UID, "email", b.Email)
			}
			if err := tx.PutBadge(b); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}
