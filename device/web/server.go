package web

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/crypto/bcrypt"

	"stampclock/device/provision"
)

// Handler answers a control command, exactly as on the control socket: the
// daemon's handler. args and the answer are the socket's JSON.
type Handler func(ctx context.Context, cmd string, args json.RawMessage) (any, error)

// Options configure the page. Zero values mean the default.
type Options struct {
	// Listen is host:port. Required for Listen.
	Listen string
	// CertFile and KeyFile are the TLS certificate; with SelfSigned they
	// are generated when both are missing.
	CertFile, KeyFile string
	SelfSigned        bool
	// AllowHTTP serves plain http (behind a TLS-terminating proxy).
	AllowHTTP bool
	// UsersFile is read at each login (`stampctl web passwd` writes it).
	UsersFile string
	// SessionTTL is a login's lifetime, default 8h; IdleTimeout ends an
	// unused one, default 30m.
	SessionTTL, IdleTimeout time.Duration
	// LoginAttempts failed logins per client address within LoginWindow
	// block further attempts until the window has passed. Defaults 5 and
	// 15m.
	LoginAttempts int
	LoginWindow   time.Duration
	// EnrollTimeout is how long the enrol action waits for the tap.
	// Default 60s.
	EnrollTimeout time.Duration
	// Handle runs the control commands. Required.
	Handle Handler
	// Check runs the checklist of `stampctl check` (nil: not offered).
	Check func(ctx context.Context) []provision.Step
	// Feed supplies the taps page. Default: an empty feed.
	Feed *Feed
	// Location shows times in the company's time zone. Default time.Local.
	Location *time.Location
	// Now is the clock of sessions and the login limit. Default time.Now.
	Now func() time.Time
	// Logger logs page actions with the user. Default: discard.
	Logger *slog.Logger
	// Printed gives a badge's number as printed on its card where that
	// differs from the UID (the Printed of the configured reader's kind).
	// Default nil: badges are shown by UID alone.
	Printed func(uid string) string
}

//go:embed tmpl/*.html
var tmplFS embed.FS

//go:embed static
var staticFS embed.FS

// Server is the web page.
type Server struct {
	opts    Options
	log     *slog.Logger
	sess    *sessions
	lim     *limiter
	dummy   []byte // bcrypt hash compared for unknown users
	pages   map[string]*template.Template
	handler http.Handler
	routes  []route

	ln          net.Listener
	tls         *tls.Config
	fingerprint string
}

// New builds the page's handler; it opens no socket (see Listen).
func New(opts Options) (*Server, error) {
	if opts.Handle == nil {
		return nil, errors.New("web: no command handler")
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 8 * time.Hour
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 30 * time.Minute
	}
	if opts.LoginAttempts <= 0 {
		opts.LoginAttempts = 5
	}
	if opts.LoginWindow <= 0 {
		opts.LoginWindow = 15 * time.Minute
	}
	if opts.EnrollTimeout <= 0 {
		opts.EnrollTimeout = 60 * time.Second
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Feed == nil {
		opts.Feed = NewFeed(0, opts.Now)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts: opts,
		log:  opts.Logger,
		sess: newSessions(opts.SessionTTL, opts.IdleTimeout, opts.Now),
		lim:  newLimiter(opts.LoginAttempts, opts.LoginWindow, opts.Now),
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.dummy = dummy
	if s.pages, err = parsePages(s.funcs()); err != nil {
		return nil, err
	}
	s.routes = s.routeList()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.method+" "+rt.path, s.guard(rt))
	}
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.handler = securityHeaders(mux)
	return s, nil
}

// Handler is the page's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Listen builds the page and opens its socket, with TLS unless AllowHTTP.
// A self-signed certificate is generated on the first start.
func Listen(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	if opts.AllowHTTP {
		s.log.Warn("web page on plain http (allow_http): only behind a reverse proxy that terminates TLS; browsers keep the Secure session cookie only over https")
	} else {
		cert, err := loadCert(opts.CertFile, opts.KeyFile, opts.SelfSigned, certHosts(opts.Listen), s.opts.Now())
		if err != nil {
			return nil, err
		}
		s.fingerprint = fingerprint(cert.Certificate[0])
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("web: listen on %s: %w", opts.Listen, err)
	}
	s.ln = ln
	return s, nil
}

// Addr is the address listened on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL is the page's address as a browser opens it.
func (s *Server) URL() string {
	scheme := "https"
	if s.tls == nil {
		scheme = "http"
	}
	return scheme + "://" + s.ln.Addr().String() + "/"
}

// Fingerprint is the SHA-256 fingerprint of the certificate ("" with
// plain http).
func (s *Server) Fingerprint() string { return s.fingerprint }

// Serve serves until ctx is done; open requests (live taps, an enrolment
// waiting) end with it.
func (s *Server) Serve(ctx context.Context) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() {
		if s.tls == nil {
			errc <- hs.Serve(s.ln)
			return
		}
		// ServeTLS answers a plain http request with a hint to use https.
		hs.TLSConfig = s.tls
		errc <- hs.ServeTLS(s.ln, "", "")
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("web: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	return nil
}

// securityHeaders forbids framing, foreign scripts and styles, sniffing and
// caching of pages.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		if r.TLS != nil {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}
