package sitebadges

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/device/clock"
	"stampclock/device/ctlproto"
	"stampclock/internal/batch"
	"stampclock/internal/mqttopts"
	"stampclock/queue"
)

// SchemaVersion is the version of the badge payload.
const SchemaVersion = 1

// Options configure a Syncer. Zero values mean the documented defaults.
type Options struct {
	// Site names the site. Required; one topic level (no '/', '+', '#').
	Site string
	// DeviceID is the terminal's id: the Node of its versions. Required.
	DeviceID string
	// Conn is the broker connection: brokers (required), login, TLS,
	// topic prefix and timings; the client id defaults to DeviceID +
	// "-badges" (the uplink has its own connection).
	mqttopts.Conn
	// Poll is how often the store's badges are compared with the site's
	// to find local changes. Default 2s.
	Poll time.Duration
	// Local returns the badges of the config file (UID to email): they
	// are never shared and win on this terminal. Default none.
	Local func() map[string]string
	// TombstoneHorizon is how long a removal is kept before it is
	// collected; a terminal away longer than this less Skew takes the
	// site's badges afresh (see tombstones.go). Default 90 days; at least
	// 2 × Skew.
	TombstoneHorizon time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Timers start the poll's ticker. Default clock.RealTimers.
	Timers clock.Timers
	Logger *slog.Logger
}

func (o *Options) defaults() error {
	if !mqttopts.TopicLevel(o.Site) {
		return fmt.Errorf("sitebadges: site name %q: want one topic level without '/', '+', '#' or a leading '$'", o.Site)
	}
	if o.DeviceID == "" {
		return errors.New("sitebadges: a device id and a broker URL are required")
	}
	if err := o.Conn.Defaults(o.DeviceID + "-badges"); err != nil {
		return fmt.Errorf("sitebadges: %w", err)
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.TombstoneHorizon == 0 {
		o.TombstoneHorizon = DefaultTombstoneHorizon
	}
	if o.TombstoneHorizon < 2*Skew {
		return fmt.Errorf("sitebadges: tombstone horizon %s; want at least %s", o.TombstoneHorizon, 2*Skew)
	}
	if o.Local == nil {
		o.Local = func() map[string]string { return nil }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timers == nil {
		o.Timers = clock.RealTimers{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Wire is the retained payload on <prefix>/sites/<site>/badges/<uid>.
type Wire struct {
	Schema int    `json:"schema"`
	Site   string `json:"site"`
	Entry
}

// Status is how the sharing of badges with the site goes; the type lives
// in ctlproto so stampctl reads it without linking this package.
type Status = ctlproto.SiteBadges

// Syncer shares a terminal's enrolled badges with its site.
type Syncer struct {
	o     Options
	store Store
	clock *Clock
	log   *slog.Logger
	kick  chan struct{}
	// seen holds a hash of each badge's stored bytes at the last scan
	// (nil before the first); only the scan uses it.
	seen map[string]uint64

	mu        sync.Mutex
	st        Status
	republish map[string]bool // held entries newer than one the broker sent
	// unsent is set while entries may wait to be published: at start, after
	// a local change, a connect, a stale entry from the broker or a failed
	// publish. It spares a look at every record on every poll.
	unsent bool
	// needSub is set while the connection lacks its subscription.
	needSub bool
	// contact is the last contact with the site as stored; lastCollect
	// when tombstones were last collected (tombstones.go).
	contact, lastCollect time.Time
}

// New returns the sync of store's badges. Run starts it.
func New(store Store, o Options) (*Syncer, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	return &Syncer{
		o: o, store: store, clock: NewClock(o.DeviceID, o.Now),
		log:       o.Logger.With("part", "site badges", "site", o.Site),
		kick:      make(chan struct{}, 1),
		st:        Status{Site: o.Site},
		republish: map[string]bool{},
		unsent:    true,
	}, nil
}

// Topic is the topic of badge uid.
func (s *Syncer) Topic(uid string) string { return s.topicBase() + uid }

func (s *Syncer) topicBase() string {
	return s.o.TopicPrefix + "/sites/" + s.o.Site + "/badges/"
}

// Status reports the sync's state.
func (s *Syncer) Status() Status {
	s.mu.Lock()
	st := s.st
	s.mu.Unlock()
	local := s.o.Local()
	err := s.store.View(func(tx *queue.Tx) error {
		return tx.EachSiteBadge(func(uid string, data []byte) error {
			var r record
			if err := json.Unmarshal(data, &r); err != nil {
				return err
			}
			if r.Entry.Deleted {
				st.Removed++
			} else {
				st.Badges++
				if email, ok := local[uid]; ok && email != r.Entry.Email {
					st.Shadowed = append(st.Shadowed, uid)
				}
			}
			if r.Pending {
				st.Pending++
			}
			return nil
		})
	})
	if err != nil {
		s.log.Warn("status: cannot read the site's badges", "err", err)
	}
	return st
}

// Kick asks for a look at the store now (e.g. after a badge command).
func (s *Syncer) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run shares the badges until ctx ends.
func (s *Syncer) Run(ctx context.Context) error {
	if err := s.store.View(func(tx *queue.Tx) error {
		return tx.EachSiteBadge(func(uid string, data []byte) error {
			var r record
			if err := json.Unmarshal(data, &r); err != nil {
				return fmt.Errorf("sitebadges: stored badge %s: %w", uid, err)
			}
			s.clock.Observe(r.Entry.Version)
			return nil
		})
	}); err != nil {
		return err
	}
	contact, err := s.loadContact()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.contact = contact
	s.mu.Unlock()
	inbox := make(chan paho.Message, maxGroup)
	pc := paho.NewClient(s.pahoOptions(ctx, inbox))
	pc.Connect() // retries in the background until ctx ends
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		s.commitLoop(ctx, inbox)
	}()
	defer func() {
		pc.Disconnect(250)
		<-committed // no store access after Run
	}()
	t := s.o.Timers.NewTicker(s.o.Poll)
	defer t.Stop()
	for {
		if err := s.scan(); err != nil {
			s.log.Error("local badge changes not read", "err", err)
		}
		if pc.IsConnectionOpen() {
			s.subscribe(ctx, pc, inbox)
		}
		if pc.IsConnectionOpen() && s.takeUnsent() {
			s.publishPending(ctx, pc)
		}
		if pc.IsConnectionOpen() && s.subscribed() {
			s.housekeep(ctx, pc)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		case <-s.kick:
		}
	}
}

func (s *Syncer) pahoOptions(ctx context.Context, inbox chan<- paho.Message) *paho.ClientOptions {
	// A clean session: after any absence the retained messages are the
	// whole state, so nothing needs keeping at the broker.
	po := s.o.Conn.Options()
	po.SetOrderMatters(true)
	// The PUBACK of a received entry goes out only after its commit.
	po.SetAutoAckDisabled(true)
	po.SetOnConnectHandler(func(c paho.Client) {
		s.mu.Lock()
		s.needSub = true
		s.mu.Unlock()
		s.subscribe(ctx, c, inbox)
	})
	po.SetConnectionLostHandler(func(_ paho.Client, err error) {
		s.setConnected(false)
		s.setError("connection lost: " + err.Error())
		s.log.Warn("site badges: connection lost", "err", err)
	})
	return po
}

// subscribe subscribes to the site's badges after a connect; when that
// fails, the poll loop tries again (the connection stays up).
func (s *Syncer) subscribe(ctx context.Context, c paho.Client, inbox chan<- paho.Message) {
	s.mu.Lock()
	need := s.needSub
	s.needSub = false
	s.mu.Unlock()
	if !need {
		return
	}
	// Before the retained messages come: a terminal away too long drops
	// what it holds of the site first.
	if _, err := s.rejoin(); err != nil {
		s.mu.Lock()
		s.needSub = true
		s.mu.Unlock()
		s.setError(err.Error())
		s.log.Error("not subscribing to the site's badges", "err", err)
		return
	}
	tok := c.Subscribe(s.topicBase()+"+", 1, func(_ paho.Client, m paho.Message) {
		select {
		case inbox <- m:
		case <-ctx.Done():
		}
	})
	err := tok.Error()
	if !tok.WaitTimeout(s.o.AckTimeout) {
		err = errors.New("no SUBACK")
	} else if st, ok := tok.(*paho.SubscribeToken); ok && err == nil {
		for _, code := range st.Result() {
			if code == 0x80 {
				err = errors.New("refused by the broker (check the account's read access)")
			}
		}
	}
	if err != nil {
		s.mu.Lock()
		s.needSub = true
		s.mu.Unlock()
		s.setError("subscribe " + s.topicBase() + "+: " + err.Error())
		s.log.Warn("cannot subscribe to the site's badges; trying again", "topic", s.topicBase()+"+", "err", err)
		return
	}
	s.noteContact(true)
	s.setConnected(true)
	s.setError("")
	s.log.Info("connected to the site's badges", "topic", s.topicBase()+"+")
	s.Kick()
}

func (s *Syncer) setError(e string) {
	s.mu.Lock()
	s.st.LastError = e
	if e != "" {
		s.st.LastErrorAt = s.o.Now().UTC()
	}
	s.mu.Unlock()
}

// subscribed reports whether the connection holds its subscription.
func (s *Syncer) subscribed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Connected && !s.needSub
}

func (s *Syncer) setConnected(c bool) {
	s.mu.Lock()
	s.st.Connected = c
	s.unsent = s.unsent || c
	s.mu.Unlock()
}

// markUnsent notes that entries wait to be published.
func (s *Syncer) markUnsent() {
	s.mu.Lock()
	s.unsent = true
	s.mu.Unlock()
}

// takeUnsent reports and clears unsent.
func (s *Syncer) takeUnsent() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.unsent
	s.unsent = false
	return u
}

// scan finds local changes: it compares the store's badges with the site
// records and stamps a new version for each difference. Only badges whose
// stored bytes changed since the last scan (or that disappeared) are
// compared; the first scan compares all of them, and every site record
// (removals made while stampd was stopped).
func (s *Syncer) scan() error {
	var changed []string
	local := s.o.Local()
	seen := make(map[string]uint64, len(s.seen))
	err := s.store.View(func(tx *queue.Tx) error {
		var cands []string
		if err := tx.EachBadgeRaw(func(uid string, data []byte) error {
			h := fnv.New64a()
			h.Write(data)
			seen[uid] = h.Sum64()
			if old, ok := s.seen[uid]; !ok || old != seen[uid] {
				cands = append(cands, uid)
			}
			return nil
		}); err != nil {
			return err
		}
		if s.seen == nil {
			if err := tx.EachSiteBadge(func(uid string, _ []byte) error {
				if _, ok := seen[uid]; !ok {
					cands = append(cands, uid)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		for uid := range s.seen {
			if _, ok := seen[uid]; !ok {
				cands = append(cands, uid)
			}
		}
		for _, uid := range cands {
			if _, cfg := local[uid]; cfg {
				continue
			}
			b, ok, err := tx.Badge(uid)
			if err != nil {
				return err
			}
			r, have, err := getRecord(tx, uid)
			if err != nil {
				return err
			}
			if _, c := localChange(b, ok, r, have); c {
				changed = append(changed, uid)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		s.seen = seen
		return nil
	}
	slices.Sort(changed)
	var stamped []Entry
	if _, err := s.store.Update(func(tx *queue.Tx) error {
		stamped = stamped[:0]
		for _, uid := range changed {
			e, ok, err := s.stampLocal(tx, uid, local)
			if err != nil {
				return err
			}
			if ok {
				stamped = append(stamped, e)
			}
		}
		return nil
	}); err != nil {
		return err // s.seen unchanged: the next scan tries again
	}
	s.seen = seen
	if len(stamped) > 0 {
		s.markUnsent()
	}
	for _, e := range stamped {
		s.log.Info("local badge change to share", "badge", e.UID, "email", e.Email, "removed", e.Deleted, "version", e.Version)
	}
	return nil
}

// stampLocal records the local change of uid, if there is one, as a
// pending entry with a new version. A badge of the config file (local)
// has no local changes: it stays on this terminal.
func (s *Syncer) stampLocal(tx *queue.Tx, uid string, local map[string]string) (Entry, bool, error) {
	if _, cfg := local[uid]; cfg {
		return Entry{}, false, nil
	}
	b, ok, err := tx.Badge(uid)
	if err != nil {
		return Entry{}, false, err
	}
	r, have, err := getRecord(tx, uid)
	if err != nil {
		return Entry{}, false, err
	}
	e, changed := localChange(b, ok, r, have)
	if !changed {
		return Entry{}, false, nil
	}
	e.Version = s.clock.Next()
	return e, true, putRecord(tx, record{Entry: e, Pending: true})
}

// publishPending publishes every pending entry (and every entry to
// re-publish), retained at QoS 1, and marks the confirmed ones published.
func (s *Syncer) publishPending(ctx context.Context, pc paho.Client) {
	s.mu.Lock()
	again := s.republish
	s.republish = map[string]bool{}
	s.mu.Unlock()
	var todo []Entry
	err := s.store.View(func(tx *queue.Tx) error {
		return tx.EachSiteBadge(func(uid string, data []byte) error {
			var r record
			if err := json.Unmarshal(data, &r); err != nil {
				return fmt.Errorf("sitebadges: stored badge %s: %w", uid, err)
			}
			if r.Pending || again[uid] {
				todo = append(todo, r.Entry)
			}
			return nil
		})
	})
	if err != nil {
		s.log.Error("pending badge changes not read", "err", err)
		s.markUnsent()
		return
	}
	var done []Entry
	for _, e := range todo {
		if ctx.Err() != nil {
			break
		}
		payload, _ := json.Marshal(Wire{Schema: SchemaVersion, Site: s.o.Site, Entry: e}) // plain fields
		tok := pc.Publish(s.Topic(e.UID), 1, true, payload)
		if !tok.WaitTimeout(s.o.AckTimeout) || tok.Error() != nil {
			s.log.Warn("badge change not confirmed by the broker; sent again later", "badge", e.UID, "err", tok.Error())
			s.markUnsent()
			break
		}
		done = append(done, e)
	}
	if len(done) == 0 {
		return
	}
	if _, err := s.store.Update(func(tx *queue.Tx) error {
		for _, e := range done {
			r, have, err := getRecord(tx, e.UID)
			if err != nil {
				return err
			}
			if have && r.Pending && r.Entry.Version == e.Version {
				r.Pending = false
				if err := putRecord(tx, r); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		s.log.Error("published badge changes not marked", "err", err)
		s.markUnsent()
		return
	}
	s.mu.Lock()
	s.st.Published += uint64(len(done))
	s.mu.Unlock()
}

// decode checks a message of the site's badge topics.
func (s *Syncer) decode(topic string, payload []byte) (Entry, error) {
	uid, ok := strings.CutPrefix(topic, s.topicBase())
	if !ok {
		return Entry{}, fmt.Errorf("topic %s is not under %s", topic, s.topicBase())
	}
	var w Wire
	if err := json.Unmarshal(payload, &w); err != nil {
		return Entry{}, fmt.Errorf("payload: %w", err)
	}
	switch {
	case w.Schema != SchemaVersion:
		return Entry{}, fmt.Errorf("schema %d; want %d", w.Schema, SchemaVersion)
	case w.Site != s.o.Site:
		return Entry{}, fmt.Errorf("site %q; want %q", w.Site, s.o.Site)
	case w.UID != uid:
		return Entry{}, fmt.Errorf("uid %q on the topic of %q", w.UID, uid)
	case w.Version.Wall <= 0 || w.Version.Node == "":
		return Entry{}, errors.New("no version")
	case !w.Deleted && w.Email == "":
		return Entry{}, errors.New("an enrolment without email")
	}
	return w.Entry, nil
}

// receive merges one received message (see handle).
func (s *Syncer) receive(m paho.Message) { s.handle([]paho.Message{m}) }

// handle merges a group of received messages in one transaction and sends
// their PUBACKs, in order, only after its commit. A store error leaves
// them unacknowledged: the retained messages come again after the next
// connect.
func (s *Syncer) handle(msgs []paho.Message) {
	var ins []Entry
	var cleared []string
	for _, m := range msgs {
		if len(m.Payload()) == 0 {
			// A cleared retained message: nothing to merge (see cleared).
			if uid, ok := strings.CutPrefix(m.Topic(), s.topicBase()); ok {
				cleared = append(cleared, uid)
			}
			continue
		}
		in, err := s.decode(m.Topic(), m.Payload())
		if err != nil {
			s.mu.Lock()
			s.st.Rejected++
			s.mu.Unlock()
			s.log.Warn("badge message ignored", "topic", m.Topic(), "err", err)
			continue
		}
		ins = append(ins, in)
	}
	if err := s.ReceiveAll(ins); err != nil {
		s.log.Error("received badge changes not stored; not acknowledged", "count", len(ins), "err", err)
		return
	}
	for _, m := range msgs {
		m.Ack()
	}
	if len(cleared) > 0 {
		s.cleared(cleared)
	}
}

// inbox feeds the received messages to commitLoop, which commits them in
// groups: one fsync for whatever arrived while the last one ran.
func (s *Syncer) commitLoop(ctx context.Context, inbox <-chan paho.Message) {
	batch.Run(ctx, inbox, maxGroup, s.handle)
}

// maxGroup bounds the messages committed together.
const maxGroup = 256

// Receive merges in, a received entry, into the store (see ReceiveAll).
func (s *Syncer) Receive(in Entry) error { return s.ReceiveAll([]Entry{in}) }

// ReceiveAll merges received entries, in order, into the store: each
// that wins enrols, changes or removes its badge and is kept, all in one
// committed transaction (none when no entry wins).
func (s *Syncer) ReceiveAll(ins []Entry) error {
	if len(ins) == 0 {
		return nil
	}
	type outcome struct {
		in   Entry
		held record
		res  Result
	}
	var outs []outcome
	var stamped bool
	local := s.o.Local()
	// merge runs the merges; with write, a local change not stamped yet
	// is stamped first, so the merge decides between the two and nothing
	// is lost unseen, and the winners are stored.
	merge := func(tx *queue.Tx, write bool) (applied bool, err error) {
		outs, stamped = outs[:0], false
		for _, in := range ins {
			if write {
				_, st, err := s.stampLocal(tx, in.UID, local)
				if err != nil {
					return false, err
				}
				stamped = stamped || st
			}
			held, have, err := getRecord(tx, in.UID)
			if err != nil {
				return false, err
			}
			merged, res := Merge(held.Entry, have, in)
			outs = append(outs, outcome{in: in, held: held, res: res})
			if res.Outcome != Applied {
				continue
			}
			applied = true
			if write {
				if err := apply(tx, merged); err != nil {
					return false, err
				}
				if err := putRecord(tx, record{Entry: merged}); err != nil {
					return false, err
				}
			}
		}
		return applied, nil
	}
	var applied bool
	if err := s.store.View(func(tx *queue.Tx) error {
		var err error
		applied, err = merge(tx, false)
		return err
	}); err != nil {
		return err
	}
	if applied {
		if _, err := s.store.Update(func(tx *queue.Tx) error {
			_, err := merge(tx, true)
			return err
		}); err != nil {
			return err
		}
	}
	// The clock passes the entries only after local changes were
	// stamped: a change made before they arrived is not ordered after
	// them.
	kick := stamped
	s.mu.Lock()
	s.unsent = s.unsent || stamped
	for _, o := range outs {
		s.clock.Observe(o.in.Version)
		s.st.Received++
		if o.res.Outcome == Stale {
			kick, s.unsent = true, true
			if !o.held.Pending {
				// The broker had an older entry than this terminal:
				// put the newer one back.
				s.republish[o.in.UID] = true
			}
		}
	}
	s.mu.Unlock()
	if kick {
		s.Kick()
	}
	for _, o := range outs {
		if o.res.Conflict {
			s.conflict(o.in, o.held.Entry, o.res)
		}
		if o.res.Outcome != Applied {
			continue
		}
		in := o.in
		s.log.Info("badge change from the site", "badge", in.UID, "email", in.Email, "removed", in.Deleted, "by", in.Version.Node)
		if email, ok := local[in.UID]; ok && (in.Deleted || email != in.Email) {
			s.log.Warn("site badge differs from the config file; the config file wins here", "badge", in.UID, "config", email, "site", in.Email, "removed", in.Deleted)
		}
	}
	return nil
}

func (s *Syncer) conflict(in, held Entry, res Result) {
	win, lose := in, held
	if res.Outcome == Stale {
		win, lose = held, in
	}
	desc := fmt.Sprintf("badge %s: %s by %s kept, %s by %s lost", in.UID, describe(win), win.Version.Node, describe(lose), lose.Version.Node)
	s.mu.Lock()
	s.st.Conflicts++
	s.st.LastConflict, s.st.LastConflictAt = desc, s.o.Now().UTC()
	s.mu.Unlock()
	s.log.Warn("concurrent badge changes: last writer wins", "badge", in.UID, "kept", describe(win), "kept_by", win.Version.Node, "lost", describe(lose), "lost_by", lose.Version.Node)
}

func describe(e Entry) string {
	if e.Deleted {
		return "removal"
	}
	return e.Email
}
