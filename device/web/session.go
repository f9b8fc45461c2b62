package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// session is one login.
type session struct {
	user     string
	role     Role
	csrf     string
	created  time.Time
	lastSeen time.Time
	flash    *flash // shown once by the next page
}

// flash is a message for the next page after a POST.
type flash struct {
	Err   bool
	Lines []string
}

// sessions holds the logins in memory: a restart logs everybody out.
// Tokens are kept only as their SHA-256.
type sessions struct {
	ttl, idle time.Duration
	max       int
	now       func() time.Time

	mu sync.Mutex
	m  map[[32]byte]*session
}

func newSessions(ttl, idle time.Duration, now func() time.Time) *sessions {
	return &sessions{ttl: ttl, idle: idle, max: 200, now: now, m: map[[32]byte]*session{}}
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session and returns its token.
func (s *sessions) create(user string, role Role) string {
	tok := randomToken()
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(now)
	if len(s.m) >= s.max { // drop the least recently used
		var oldest [32]byte
		var at time.Time
		for k, v := range s.m {
			if at.IsZero() || v.lastSeen.Before(at) {
				oldest, at = k, v.lastSeen
			}
		}
		delete(s.m, oldest)
	}
	s.m[sha256.Sum256([]byte(tok))] = &session{user: user, role: role, csrf: randomToken(), created: now, lastSeen: now}
	return tok
}

// get returns a copy of the live session of tok and marks it used.
func (s *sessions) get(tok string) (session, bool) {
	if tok == "" {
		return session{}, false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	k := sha256.Sum256([]byte(tok))
	v, ok := s.m[k]
	if !ok {
		return session{}, false
	}
	if s.expired(v, now) {
		delete(s.m, k)
		return session{}, false
	}
	v.lastSeen = now
	return *v, true
}

// takeFlash returns and clears the session's message.
func (s *sessions) takeFlash(tok string) *flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[sha256.Sum256([]byte(tok))]; ok {
		f := v.flash
		v.flash = nil
		return f
	}
	return nil
}

func (s *sessions) setFlash(tok string, f *flash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[sha256.Sum256([]byte(tok))]; ok {
		v.flash = f
	}
}

func (s *sessions) remove(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, sha256.Sum256([]byte(tok)))
}

func (s *sessions) expired(v *session, now time.Time) bool {
	return now.Sub(v.created) >= s.ttl || now.Sub(v.lastSeen) >= s.idle
}

func (s *sessions) expireLocked(now time.Time) {
	for k, v := range s.m {
		if s.expired(v, now) {
			delete(s.m, k)
		}
	}
}

// sameToken compares two tokens in constant time; empty never matches.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// limiter counts failed logins per client address: after max failures
// within window, further attempts are refused until the oldest failure
// is window old.
type limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, fails: map[string][]time.Time{}}
}

// allow reports whether addr may try now, and if not, how long to wait.
func (l *limiter) allow(addr string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recentLocked(addr, now)
	if len(f) < l.max {
		return true, 0
	}
	return false, f[0].Add(l.window).Sub(now)
}

func (l *limiter) fail(addr string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fails[addr] = append(l.recentLocked(addr, now), now)
	if len(l.fails) > 10_000 { // forget addresses with no recent failure
		for a := range l.fails {
			if len(l.recentLocked(a, now)) == 0 {
				delete(l.fails, a)
			}
		}
	}
}

func (l *limiter) success(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, addr)
}

func (l *limiter) recentLocked(addr string, now time.Time) []time.Time {
	f := l.fails[addr]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= l.window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, addr)
	} else {
		l.fails[addr] = f
	}
	return f
}
