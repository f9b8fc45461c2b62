package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"stampclock/device/ctlproto"
	"stampclock/device/provision"
	"stampclock/queue/record"
)

// routeList names every page and action with the role it needs.
func (s *Server) routeList() []route {
	return []route{
		{"GET", "/login", "", s.loginPage},
		{"POST", "/login", "", s.login},
		{"GET", "/lang", "", s.setLang},
		{"POST", "/logout", Viewer, s.logout},
		{"GET", "/{$}", Viewer, s.statusPage},
		{"GET", "/status/live", Viewer, s.statusLive},
		{"GET", "/taps", Viewer, s.tapsPage},
		{"GET", "/taps/events", Viewer, s.tapEvents},
		{"GET", "/badges", Admin, s.badgesPage},
		{"GET", "/badges/export", Admin, s.badgesExport},
		{"POST", "/badges/add", Admin, s.badgesAdd},
		{"POST", "/badges/remove", Admin, s.badgesRemove},
		{"POST", "/badges/import", Admin, s.badgesImport},
		{"POST", "/badges/enroll", Admin, s.badgesEnroll},
		{"POST", "/badges/assign", Admin, s.badgesAssign},
		{"GET", "/queue", Admin, s.queuePage},
		{"POST", "/queue/retry", Admin, s.queueRetry},
		{"POST", "/queue/release", Admin, s.queueRelease},
		{"POST", "/queue/correct", Admin, s.queueCorrect},
		{"POST", "/queue/discard", Admin, s.queueDiscard},
		{"GET", "/daytotal", Admin, s.dayTotalPage},
		{"GET", "/check", Admin, s.checkPage},
		{"POST", "/check", Admin, s.checkPage},
	}
}

// view is what every page template gets.
type view struct {
	L     lang
	User  string
	Admin bool
	CSRF  string
	Path  string
	Flash *flash
	Data  any
}

func parsePages(funcs template.FuncMap) (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"login", "error", "status", "taps", "badges", "queue", "daytotal", "check"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(tmplFS, "tmpl/layout.html", "tmpl/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "–"
			}
			return t.In(s.opts.Location).Format("2006-01-02 15:04:05")
		},
		"hm": func(v any) string {
			var secs int64
			switch x := v.(type) {
			case int64:
				secs = x
			case *int64:
				secs = *x
			}
			return fmt.Sprintf("%d:%02d h", secs/3600, secs%3600/60)
		},
		"row": func(l lang, t Tap) tapRow { return tapRow{L: l, Tap: t} },
		"items": func(l lang, csrf string, items []record.Item, action, label string) itemsView {
			return itemsView{L: l, CSRF: csrf, Items: items, Action: action, Label: label}
		},
		"printed": s.printed,
		"row2":    func(v itemsView, it record.Item) itemRow { return itemRow{V: v, Item: it} },
		"held": func(l lang, csrf string, items []record.Item) itemsView {
			return itemsView{L: l, CSRF: csrf, Items: items, Action: "/queue/release", Label: "release", Fix: true}
		},
	}
}

// itemsView is a table of queued records with an action per row.
type itemsView struct {
	L             lang
	CSRF          string
	Items         []record.Item
	Action, Label string
	// Fix offers correct and discard for each (held) record.
	Fix bool
}

// printed is a badge's number as printed on its card, or "".
func (s *Server) printed(uid string) string {
	if s.opts.Printed == nil {
		return ""
	}
	return s.opts.Printed(uid)
}

// itemRow is one record of an itemsView.
type itemRow struct {
	V    itemsView
	Item record.Item
}

type tapRow struct {
	L   lang
	Tap Tap
}

// render writes a page; the layout's "page" template, or a fragment when
// name is "page:fragment".
func (s *Server) render(w http.ResponseWriter, r *http.Request, rq *request, name string, data any) {
	page, frag, _ := strings.Cut(name, ":")
	if frag == "" {
		frag = "layout"
	}
	v := view{L: rq.lang, User: rq.sess.user, Admin: rq.sess.role == Admin, CSRF: rq.sess.csrf, Path: r.URL.RequestURI(), Data: data}
	if rq.token != "" && frag == "layout" {
		v.Flash = s.sess.takeFlash(rq.token)
	}
	var b bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&b, frag, v); err != nil {
		s.log.Error("web: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// call runs a control command through the daemon's handler and decodes
// its answer into out, as stampctl does over the socket. Actions (POST)
// are logged with the user. A command the session's role may not run (ctlproto.Commands) is refused
// before it reaches the daemon, whatever route asked for it.
func (s *Server) call(ctx context.Context, r *http.Request, rq *request, cmd string, args, out any) error {
	if need, ok := ctlproto.RoleOf(cmd); ok && !rq.sess.role.Allows(need) {
		return fmt.Errorf("%s: needs the %s role", cmd, need)
	}
	var raw json.RawMessage
	if args != nil {
		var err error
		if raw, err = json.Marshal(args); err != nil {
			return err
		}
	}
	v, err := s.opts.Handle(ctx, cmd, raw)
	if r.Method == http.MethodPost {
		if err != nil {
			s.log.Info("web action failed", "user", rq.sess.user, "cmd", cmd, "err", err)
		} else {
			s.log.Info("web action", "user", rq.sess.user, "cmd", cmd)
		}
	}
	if err != nil || out == nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, out)
}

// done ends an action: its message for the next page, then back to page.
func (s *Server) done(w http.ResponseWriter, r *http.Request, rq *request, page string, err error, ok ...string) {
	f := &flash{Lines: ok}
	if err != nil {
		f = &flash{Err: true, Lines: []string{err.Error()}}
	}
	s.sess.setFlash(rq.token, f)
	http.Redirect(w, r, page, http.StatusSeeOther)
}

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request, rq *request) {
	s.status(w, r, rq, "status")
}

func (s *Server) statusLive(w http.ResponseWriter, r *http.Request, rq *request) {
	s.status(w, r, rq, "status:status")
}

func (s *Server) status(w http.ResponseWriter, r *http.Request, rq *request, tmpl string) {
	var st ctlproto.Status
	if err := s.call(r.Context(), r, rq, ctlproto.CmdStatus, nil, &st); err != nil {
		page := "error"
		if strings.Contains(tmpl, ":") { // the live fragment: just the message
			page = "error:content"
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		s.render(w, r, rq, page, map[string]string{"Msg": err.Error()})
		return
	}
	s.render(w, r, rq, tmpl, st)
}

func (s *Server) tapsPage(w http.ResponseWriter, r *http.Request, rq *request) {
	s.render(w, r, rq, "taps", s.opts.Feed.Last())
}

// tapEvents streams each new tap as a server-sent event whose data is the
// table row, rendered (and escaped) like the page's own rows.
func (s *Server) tapEvents(w http.ResponseWriter, r *http.Request, rq *request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	taps, cancel := s.opts.Feed.subscribe()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, ": taps\n\n")
	fl.Flush()
	keep := time.NewTicker(25 * time.Second)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			fmt.Fprint(w, ": keepalive\n\n")
		case t := <-taps:
			var b bytes.Buffer
			if err := s.pages["taps"].ExecuteTemplate(&b, "taprow", tapRow{L: rq.lang, Tap: t}); err != nil {
				s.log.Error("web: render tap", "err", err)
				return
			}
			fmt.Fprint(w, "event: tap\n")
			for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
				fmt.Fprintf(w, "data: %s\n", line)
			}
			fmt.Fprint(w, "\n")
		}
		fl.Flush()
	}
}

type dayTotalView struct {
	Email, Date string
	Result      *ctlproto.DayTotalResult
	Err         string
}

func (s *Server) dayTotalPage(w http.ResponseWriter, r *http.Request, rq *request) {
	v := dayTotalView{Email: strings.TrimSpace(r.URL.Query().Get("email")), Date: strings.TrimSpace(r.URL.Query().Get("date"))}
	if v.Email != "" {
		var res ctlproto.DayTotalResult
		if err := s.call(r.Context(), r, rq, ctlproto.CmdDayTotal, ctlproto.DayTotalArgs{Email: v.Email, Date: v.Date}, &res); err != nil {
			v.Err = err.Error()
			w.WriteHeader(http.StatusUnprocessableEntity)
		} else {
			v.Result = &res
		}
	}
	s.render(w, r, rq, "daytotal", v)
}

type checkView struct {
	Offered bool
	Ran     bool
	Steps   []provision.Step
	Failed  int
}

// checkPage offers the checklist of `stampctl check`; POST runs it (it
// logs in to the time-tracking system, so a plain page view does not).
func (s *Server) checkPage(w http.ResponseWriter, r *http.Request, rq *request) {
	v := checkView{Offered: s.opts.Check != nil}
	if v.Offered && r.Method == http.MethodPost {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
		defer cancel()
		v.Ran, v.Steps = true, s.opts.Check(ctx)
		for _, st := range v.Steps {
			if !st.OK && !st.Skipped {
				v.Failed++
			}
		}
		s.log.Info("web action", "user", rq.sess.user, "cmd", "check", "failed", v.Failed)
	}
	s.render(w, r, rq, "check", v)
}
