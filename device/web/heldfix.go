package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"stampclock/device/ctlproto"
)

// The held entries' ways out, as `stampctl queue correct` and `queue
// discard`: the page reads and checks its form, the daemon's queue.correct
// and queue.discard do the work (and audit it).

// heldSeq reads the one held record a correct or discard form names.
func heldSeq(r *http.Request) (uint64, error) {
	sq, err := seqs(r)
	if err != nil {
		return 0, err
	}
	if len(sq) == 0 {
		return 0, errors.New("name the held record (its number)")
	}
	return sq[0], nil
}

// reason reads the required reason of a correct or discard form.
func reason(r *http.Request) (string, error) {
	v := strings.TrimSpace(r.PostFormValue("reason"))
	if v == "" {
		return "", errors.New("a reason is required: it is kept with the records and sent as an audit event")
	}
	return v, nil
}

// trueTimeLayouts are what the page's date-time field sends (in the
// terminal's time zone) and RFC 3339 as typed by hand.
var trueTimeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"}

// trueTime reads the true time of a held record as RFC 3339, a time
// without a zone taken in the terminal's time zone.
func (s *Server) trueTime(v string) (string, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.Format(time.RFC3339), nil
	}
	for _, layout := range trueTimeLayouts {
		if t, err := time.ParseInLocation(layout, v, s.opts.Location); err == nil {
			return t.Format(time.RFC3339), nil
		}
	}
	return "", fmt.Errorf("true time %q: want a date and time like 2026-03-02T17:00 (%s) or 2026-03-02T17:00:00+01:00", v, s.opts.Location)
}

// correctArgs reads the correct form: the record, either its true time
// or the offset of its boot's clock, and the reason.
func (s *Server) correctArgs(r *http.Request) (ctlproto.CorrectArgs, error) {
	var a ctlproto.CorrectArgs
	var err error
	if a.Seq, err = heldSeq(r); err != nil {
		return a, err
	}
	at, off := strings.TrimSpace(r.PostFormValue("at")), strings.TrimSpace(r.PostFormValue("offset"))
	switch {
	case at == "" && off == "":
		return a, fmt.Errorf("record %d: give its true time or how far its clock was behind", a.Seq)
	case at != "" && off != "":
		return a, fmt.Errorf("record %d: give its true time or how far its clock was behind, not both", a.Seq)
	case at != "":
		if a.At, err = s.trueTime(at); err != nil {
			return a, err
		}
	default:
		if _, err := time.ParseDuration(off); err != nil {
			return a, fmt.Errorf("offset %q: want a duration like 2345h17m, or -90s for a clock that was ahead", off)
		}
		a.Offset = off
	}
	a.Reason, err = reason(r)
	return a, err
}

func (s *Server) queueCorrect(w http.ResponseWriter, r *http.Request, rq *request) {
	a, err := s.correctArgs(r)
	var res ctlproto.CorrectResult
	if err == nil {
		err = s.call(r.Context(), r, rq, "queue.correct", a, &res)
	}
	s.done(w, r, rq, "/queue", err, fmt.Sprintf("%s %s: %d %s", rq.lang.T("boot"), res.Boot, res.Corrected, rq.lang.T("corrected")))
}

func (s *Server) queueDiscard(w http.ResponseWriter, r *http.Request, rq *request) {
	seq, err := heldSeq(r)
	var why string
	if err == nil {
		why, err = reason(r)
	}
	var res ctlproto.DiscardResult
	if err == nil {
		err = s.call(r.Context(), r, rq, "queue.discard", ctlproto.DiscardArgs{Uplink: r.PostFormValue("uplink"), Seqs: []uint64{seq}, Reason: why}, &res)
	}
	s.done(w, r, rq, "/queue", err, fmt.Sprintf("%d %s", res.Discarded, rq.lang.T("discarded")))
}
