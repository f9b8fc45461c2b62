package sitetaps

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"stampclock/queue"
)

// Tap is the payload on <prefix>/sites/<site>/taps/<origin>: one site tap
// and its idempotency key "<origin>:<seq>".
type Tap struct {
	queue.SiteTap
	Key string `json:"key"`
}

// Head is the retained payload on <prefix>/sites/<site>/heads/<origin>:
// the origin's last site tap published.
type Head struct {
	Origin string    `json:"origin"`
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at,omitzero"`
	// First is the lowest seq the origin still holds, once it pruned
	// older ones: a peer asks for no tap below it. Absent: 1.
	First uint64 `json:"first,omitempty"`
}

// Replay is the request on <prefix>/sites/<site>/replay/<origin>: the
// origin publishes its taps From..To again; By names the asking terminal.
type Replay struct {
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
	By   string `json:"by"`
}

// Key is a tap's idempotency key.
func Key(origin string, seq uint64) string { return origin + ":" + strconv.FormatUint(seq, 10) }

// earliest is the earliest tap time accepted: a time before it comes from
// a clock that was never set.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// maxField bounds the strings of a tap.
const maxField = 320

func validOrigin(o string) error {
	if o == "" || len(o) > maxField || strings.ContainsAny(o, "/+#\x00") {
		return fmt.Errorf("origin %q", o)
	}
	return nil
}

// decodeTap checks a message on the taps topic of origin.
func decodeTap(origin string, payload []byte) (queue.SiteTap, error) {
	var w Tap
	if err := json.Unmarshal(payload, &w); err != nil {
		return queue.SiteTap{}, fmt.Errorf("payload: %w", err)
	}
	st := w.SiteTap
	switch {
	case st.Origin != origin:
		return st, fmt.Errorf("a tap of origin %q on the topic of %q", st.Origin, origin)
	case st.Seq == 0:
		return st, errors.New("no seq")
	case w.Key != "" && w.Key != Key(st.Origin, st.Seq):
		return st, fmt.Errorf("key %q; want %q", w.Key, Key(st.Origin, st.Seq))
	case st.At.Before(earliest):
		return st, fmt.Errorf("time %s before %s", st.At.Format(time.RFC3339), earliest.Format("2006"))
	case st.Email == "" || len(st.Email) > maxField || strings.ContainsRune(st.Email, 0) || !strings.Contains(st.Email, "@"):
		return st, fmt.Errorf("email %q", st.Email)
	case st.UID == "" || len(st.UID) > maxField:
		return st, fmt.Errorf("uid %q", st.UID)
	}
	st.At = st.At.UTC()
	return st, nil
}

func decodeHead(origin string, payload []byte) (Head, error) {
	var h Head
	if err := json.Unmarshal(payload, &h); err != nil {
		return h, fmt.Errorf("payload: %w", err)
	}
	if h.Origin != origin {
		return h, fmt.Errorf("a head of origin %q on the topic of %q", h.Origin, origin)
	}
	return h, nil
}

func decodeReplay(payload []byte) (Replay, error) {
	var r Replay
	if err := json.Unmarshal(payload, &r); err != nil {
		return r, fmt.Errorf("payload: %w", err)
	}
	if r.From == 0 || r.To < r.From {
		return r, fmt.Errorf("range %d..%d", r.From, r.To)
	}
	return r, nil
}
