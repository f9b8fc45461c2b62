package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"stampclock/device/ctlproto"
	"stampclock/queue/record"
)

type queueView struct {
	Pending, Held, Dead []record.Item
	Err                 string
}

func (s *Server) queuePage(w http.ResponseWriter, r *http.Request, rq *request) {
	var v queueView
	for _, x := range []struct {
		state string
		into  *[]record.Item
	}{{"pending", &v.Pending}, {"held", &v.Held}, {"dead", &v.Dead}} {
		if err := s.call(r.Context(), r, rq, ctlproto.CmdQueueList, ctlproto.ListArgs{State: x.state, Limit: 100}, x.into); err != nil {
			v.Err = err.Error()
		}
	}
	s.render(w, r, rq, "queue", v)
}

// seqs reads the optional seq field of a queue action: one record, or all.
func seqs(r *http.Request) ([]uint64, error) {
	v := strings.TrimSpace(r.PostFormValue("seq"))
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%q is not a sequence number", v)
	}
	return []uint64{n}, nil
}

func (s *Server) queueRetry(w http.ResponseWriter, r *http.Request, rq *request) {
	sq, err := seqs(r)
	var res ctlproto.RetryResult
	if err == nil {
		err = s.call(r.Context(), r, rq, ctlproto.CmdQueueRetry, ctlproto.RetryArgs{Uplink: r.PostFormValue("uplink"), Seqs: sq}, &res)
	}
	s.done(w, r, rq, "/queue", err, fmt.Sprintf("%d %s", res.Retried, rq.lang.T("retried")))
}

func (s *Server) queueRelease(w http.ResponseWriter, r *http.Request, rq *request) {
	sq, err := seqs(r)
	var res ctlproto.ReleaseResult
	if err == nil {
		err = s.call(r.Context(), r, rq, ctlproto.CmdQueueRelease, ctlproto.ReleaseArgs{Uplink: r.PostFormValue("uplink"), Seqs: sq}, &res)
	}
	s.done(w, r, rq, "/queue", err, fmt.Sprintf("%d %s", res.Released, rq.lang.T("released")))
}
