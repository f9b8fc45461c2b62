package web

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Cookie names. The __Host- prefix makes browsers insist on Secure, Path=/
// and no Domain, so no other host can set or read them.
const (
	sessionCookie = "__Host-stampclock"
	loginCookie   = "__Host-stampclock-login" // CSRF token of the login form
)

// route is one page or action and who may use it.
type route struct {
	method, path string
	role         Role // "" = no session needed (login)
	h            func(http.ResponseWriter, *http.Request, *request)
}

// request is what a handler knows about the caller.
type request struct {
	token string
	sess  session
	lang  lang
}

// guard refuses a request without a session of the route's role, and a
// POST without the session's CSRF token.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &request{lang: pickLang(r)}
		w.Header().Set("Cache-Control", "no-store")
		if rt.role == "" {
			rt.h(w, r, rq)
			return
		}
		if c, err := r.Cookie(sessionCookie); err == nil {
			rq.token = c.Value
		}
		sess, ok := s.sess.get(rq.token)
		if !ok {
			if r.Method == http.MethodGet && r.Header.Get("Accept") != "text/event-stream" && !strings.HasSuffix(r.URL.Path, "/live") {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			http.Error(w, "login needed", http.StatusUnauthorized)
			return
		}
		rq.sess = sess
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 2<<20)
			if !sameToken(r.FormValue("csrf"), sess.csrf) {
				s.log.Warn("web: POST without a valid CSRF token refused", "user", sess.user, "path", r.URL.Path)
				s.refuse(w, r, rq, http.StatusForbidden, "csrf")
				return
			}
		}
		if rt.role == Admin && sess.role != Admin {
			s.refuse(w, r, rq, http.StatusForbidden, "forbidden")
			return
		}
		rt.h(w, r, rq)
	})
}

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, rq *request, code int, key string) {
	w.WriteHeader(code)
	s.render(w, r, rq, "error", map[string]string{"Msg": rq.lang.T(key)})
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(maxAge / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

// loginToken returns the login form's CSRF token, setting its cookie.
func (s *Server) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := randomToken()
	s.setCookie(w, loginCookie, tok, time.Hour)
	return tok
}

type loginView struct {
	CSRF, User, Err string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, rq *request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if _, ok := s.sess.get(c.Value); ok {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
	}
	s.render(w, r, rq, "login", loginView{CSRF: s.loginToken(w, r)})
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, rq *request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	user, password := r.PostFormValue("user"), r.PostFormValue("password")
	v := loginView{User: user}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		v.CSRF, v.Err = s.loginToken(w, r), rq.lang.T("login_expired")
		w.WriteHeader(http.StatusForbidden)
		s.render(w, r, rq, "login", v)
		return
	}
	v.CSRF = c.Value
	addr := clientAddr(r)
	if ok, wait := s.lim.allow(addr); !ok {
		secs := int(wait.Round(time.Second) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		v.Err = fmt.Sprintf("%s %s.", rq.lang.T("login_limited"), wait.Round(time.Second))
		s.log.Warn("web: login refused: too many failures", "addr", addr, "user", user)
		w.WriteHeader(http.StatusTooManyRequests)
		s.render(w, r, rq, "login", v)
		return
	}
	users, err := ReadUsers(s.opts.UsersFile)
	if err != nil {
		s.log.Error("web: cannot read the users", "err", err)
	}
	role, ok := checkLogin(users, user, password, s.dummy)
	if !ok {
		s.lim.fail(addr)
		s.log.Warn("web: login failed", "addr", addr, "user", user)
		v.Err = rq.lang.T("login_failed")
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, r, rq, "login", v)
		return
	}
	s.lim.success(addr)
	tok := s.sess.create(user, role)
	s.setCookie(w, sessionCookie, tok, s.opts.SessionTTL)
	s.setCookie(w, loginCookie, "", -time.Second)
	s.log.Info("web: login", "addr", addr, "user", user, "role", role)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rq *request) {
	s.sess.remove(rq.token)
	s.setCookie(w, sessionCookie, "", -time.Second)
	s.log.Info("web: logout", "user", rq.sess.user)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLang is the language switch: a preference cookie, then back.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request, rq *request) {
	l := r.URL.Query().Get("to")
	for _, x := range languages {
		if l == string(x) {
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		}
	}
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
}

// localPath keeps a redirect on this site: a path starting with one "/",
// without backslashes or control characters (browsers drop tabs and
// newlines, so "/\t/evil" would become "//evil").
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return "/"
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	return p
}
