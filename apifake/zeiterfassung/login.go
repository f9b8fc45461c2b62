package zeiterfassung

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"stampclock/apifake/strict"
)

// auth checks the token header; it answers 401 and returns false when the
// token is missing, unknown or expired.
func (s *Server) auth(w http.ResponseWriter, r *http.Request) bool {
	tok, err := strict.Bearer(r, s.opt.AuthHeader, s.opt.AuthScheme)
	if err != nil {
		refuse(w, http.StatusUnauthorized, err.Error())
		return false
	}
	s.mu.Lock()
	exp, ok := s.tokens[tok]
	now := s.opt.Now()
	s.mu.Unlock()
	switch {
	case !ok:
		refuse(w, http.StatusUnauthorized, "token not issued by /api/login (or expired with ExpireTokens)")
		return false
	case !exp.IsZero() && !now.Before(exp):
		refuse(w, http.StatusUnauthorized, "token expired at "+exp.Format(time.RFC3339))
		return false
	}
	return true
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := strict.MediaType(r, ctJSON); err != nil {
		refuse(w, http.StatusUnsupportedMediaType, "login: "+err.Error())
		return
	}
	m, err := strict.Object(r, "loginemail", "apipassword")
	if err != nil {
		refuse(w, http.StatusBadRequest, "login: "+err.Error())
		return
	}
	email, ok1, err1 := strict.String(m, "loginemail")
	pass, ok2, err2 := strict.String(m, "apipassword")
	switch {
	case err1 != nil || err2 != nil:
		refuse(w, http.StatusBadRequest, fmt.Sprintf("login: %v", firstErr(err1, err2)))
		return
	case !ok1 || !ok2:
		refuse(w, http.StatusBadRequest, "login: loginemail and apipassword are both required")
		return
	case email != s.opt.LoginEmail || pass != s.opt.APIPassword:
		refuse(w, http.StatusUnauthorized, "login: wrong loginemail or apipassword")
		return
	}
	s.mu.Lock()
	now := s.opt.Now()
	var exp time.Time
	if s.opt.TokenTTL > 0 {
		exp = now.Add(s.opt.TokenTTL)
	}
	s.logins++
	tok := s.jwt(email, now, exp, s.logins)
	s.tokens[tok] = exp
	s.mu.Unlock()
	if s.opt.LoginAnswer == TokenJSON {
		writeJSON(w, http.StatusOK, tok)
		return
	}
	w.Header().Set("Content-Type", ctText)
	_, _ = w.Write([]byte(tok))
}

// jwt makes an HS256 JSON Web Token.
func (s *Server) jwt(sub string, iat, exp time.Time, n int) string {
	enc := base64.RawURLEncoding
	claims := map[string]any{"sub": sub, "iat": iat.Unix(), "jti": n}
	if !exp.IsZero() {
		claims["exp"] = exp.Unix()
	}
	c, _ := json.Marshal(claims)
	unsigned := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(c)
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
