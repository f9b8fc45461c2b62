package blikktest

import (
	"crypto/subtle"
	"encoding/base64"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// token serves POST /v1/Auth/Token: Basic auth with the application id and
// secret.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	fault := s.failTokens.Take()
	if fault != nil {
		s.stats.Injected++
	}
	s.mu.Unlock()
	if fault != nil {
		writeFault(w, *fault)
		return
	}
	fail := func(msg string) {
		s.mu.Lock()
		s.stats.TokenFailures++
		s.mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Basic realm="blikk"`)
		message(w, http.StatusUnauthorized, msg)
	}
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		fail("Authorization header must use the Basic scheme")
		return
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		fail("Basic credentials are not valid base64")
		return
	}
	id, secret, ok := strings.Cut(string(raw), ":")
	if !ok || subtle.ConstantTimeCompare([]byte(id), []byte(s.o.AppID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.o.AppSecret)) != 1 {
		fail("Invalid application id or secret")
		return
	}
	tok := newToken()
	s.mu.Lock()
	exp := s.o.Now().Add(s.o.TokenLifetime).UTC().Truncate(time.Second)
	s.tokens[tok] = &tokenState{expires: exp}
	s.stats.Tokens++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"objectName": "auth.token", "accessToken": tok, "expires": exp.Format(apiTime)})
}

// authed wraps h with the Bearer token check and the per-token rate limit.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		s.mu.Lock()
		now := s.o.Now()
		st := s.tokens[tok]
		msg := ""
		switch {
		case s.rejectAuth > 0:
			s.rejectAuth--
			s.stats.Injected++
			msg = "Invalid token"
		case !ok || !strings.EqualFold(scheme, "Bearer"):
			msg = "Authorization header must be \"Bearer\" followed by the access token"
		case st == nil:
			msg = "Invalid token"
		case !now.Before(st.expires):
			msg = "Invalid token"
			delete(s.tokens, tok)
		}
		if msg != "" {
			s.stats.Unauthorized++
			s.mu.Unlock()
			w.Header().Set("WWW-Authenticate", "Bearer")
			message(w, http.StatusUnauthorized, msg)
			return
		}
		wait := s.limit(st, now)
		s.mu.Unlock()
		if wait > 0 {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeJSON(w, http.StatusTooManyRequests, map[string]int{"waitInSeconds": secs})
			return
		}
		if f := s.TakeNext(); f != nil {
			s.mu.Lock()
			s.stats.Injected++
			s.mu.Unlock()
			writeFault(w, *f)
			return
		}
		h(w, r)
	}
}

// limit books a request of st at now and returns 0, or how long it must
// wait if the token is over its limit. Called with s.mu held.
func (s *Server) limit(st *tokenState, now time.Time) time.Duration {
	if s.rateLimit < 0 {
		return 0
	}
	if now.Before(st.blocked) {
		s.stats.RateLimited++
		s.stats.EarlyRetries++
		return st.blocked.Sub(now)
	}
	cut := 0
	for cut < len(st.times) && !st.times[cut].After(now.Add(-s.rateWindow)) {
		cut++
	}
	st.times = st.times[cut:]
	if len(st.times) >= s.rateLimit {
		s.stats.RateLimited++
		wait := st.times[0].Add(s.rateWindow).Sub(now)
		// The answer names whole seconds; the token is blocked that long.
		st.blocked = now.Add(time.Duration(math.Ceil(wait.Seconds())) * time.Second)
		return wait
	}
	st.times = append(st.times, now)
	return 0
}
