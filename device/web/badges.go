package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"stampclock/device/badgecsv"
	"stampclock/device/ctlproto"
	"stampclock/queue/record"
)

type badgesView struct {
	Q      string
	Badges []ctlproto.BadgeInfo
	// Pending are unknown badges collected in capture mode (admin badge),
	// waiting to be assigned.
	Pending []record.UnknownBadge
	Err     string
}

func (s *Server) badgesPage(w http.ResponseWriter, r *http.Request, rq *request) {
	v := badgesView{Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	var all []ctlproto.BadgeInfo
	if err := s.call(r.Context(), r, rq, ctlproto.CmdBadgesList, nil, &all); err != nil {
		v.Err = err.Error()
	}
	if err := s.call(r.Context(), r, rq, ctlproto.CmdBadgesPending, nil, &v.Pending); err != nil {
		v.Err = err.Error()
	}
	q := strings.ToLower(v.Q)
	for _, b := range all {
		if q == "" || strings.Contains(strings.ToLower(b.UID+" "+s.printed(b.UID)+" "+b.Email+" "+b.Name), q) {
			v.Badges = append(v.Badges, b)
		}
	}
	s.render(w, r, rq, "badges", v)
}

func (s *Server) badgesExport(w http.ResponseWriter, r *http.Request, rq *request) {
	var all []ctlproto.BadgeInfo
	if err := s.call(r.Context(), r, rq, ctlproto.CmdBadgesList, nil, &all); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="badges.csv"`)
	// For the office's spreadsheet: one in German wants semicolons.
	f := badgecsv.Format{Spreadsheet: true}
	if rq.lang == "de" {
		f.Comma = ';'
	}
	badgecsv.Write(w, all, f)
}

func (s *Server) badgesAdd(w http.ResponseWriter, r *http.Request, rq *request) {
	a := ctlproto.BadgeArgs{UID: r.PostFormValue("uid"), Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	var b ctlproto.BadgeInfo
	err := s.call(r.Context(), r, rq, ctlproto.CmdBadgesAdd, a, &b)
	s.done(w, r, rq, "/badges", err, fmt.Sprintf("%s %s %s", b.UID, rq.lang.T("added"), b.Email))
}

func (s *Server) badgesAssign(w http.ResponseWriter, r *http.Request, rq *request) {
	a := ctlproto.BadgeArgs{UID: r.PostFormValue("uid"), Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	var b ctlproto.BadgeInfo
	err := s.call(r.Context(), r, rq, ctlproto.CmdBadgesAssign, a, &b)
	s.done(w, r, rq, "/badges", err, fmt.Sprintf("%s %s %s", b.UID, rq.lang.T("added"), b.Email))
}

func (s *Server) badgesRemove(w http.ResponseWriter, r *http.Request, rq *request) {
	var b ctlproto.BadgeInfo
	err := s.call(r.Context(), r, rq, ctlproto.CmdBadgesRemove, ctlproto.BadgeArgs{UID: r.PostFormValue("uid")}, &b)
	s.done(w, r, rq, "/badges", err, fmt.Sprintf("%s %s", b.UID, rq.lang.T("removed")))
}

func (s *Server) badgesImport(w http.ResponseWriter, r *http.Request, rq *request) {
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.done(w, r, rq, "/badges", fmt.Errorf("%s: %v", rq.lang.T("import"), err))
		return
	}
	defer f.Close()
	rows, bad, err := badgecsv.Read(f, nil)
	if err != nil {
		s.done(w, r, rq, "/badges", fmt.Errorf("%s: %w", hdr.Filename, err))
		return
	}
	res, err := ctlproto.ImportPages(rows, bad, func(a ctlproto.ImportArgs, res *ctlproto.ImportResult) error {
		return s.call(r.Context(), r, rq, ctlproto.CmdBadgesImport, a, res)
	})
	if err != nil {
		s.done(w, r, rq, "/badges", err)
		return
	}
	bad = res.Errors
	if len(bad) == 0 {
		s.done(w, r, rq, "/badges", nil, fmt.Sprintf("%d %s", res.Imported, rq.lang.T("imported")))
		return
	}
	lines := []string{fmt.Sprintf("%s: %d %s", hdr.Filename, len(bad), rq.lang.T("nothing_imported"))}
	for _, e := range bad {
		lines = append(lines, fmt.Sprintf("%s %d: %s", rq.lang.T("line"), e.Line, e.Err))
	}
	s.sess.setFlash(rq.token, &flash{Err: true, Lines: lines})
	http.Redirect(w, r, "/badges", http.StatusSeeOther)
}

// badgesEnroll waits (up to EnrollTimeout) for the next tap, like
// `stampctl enroll`; the page shows the badge enrolled.
func (s *Server) badgesEnroll(w http.ResponseWriter, r *http.Request, rq *request) {
	a := ctlproto.EnrollArgs{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")), Timeout: int(s.opts.EnrollTimeout / time.Second)}
	var res ctlproto.EnrollResult
	err := s.call(r.Context(), r, rq, ctlproto.CmdEnroll, a, &res)
	s.done(w, r, rq, "/badges", err, fmt.Sprintf("%s %s %s", res.UID, rq.lang.T("enrolled_for"), res.Email))
}
