package uplink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"stampclock/queue/record"
)

// partsReceiver is a receiver holding some of a record's three parts; it
// fails the create of one part with a given error.
type partsReceiver struct {
	stored    [3]bool
	failAt    int // -1: none
	fail      error
	lookupErr error
	lookups   []int
	creates   []int
}

func (r *partsReceiver) parts(log *slog.Logger) Parts {
	return Parts{
		N: 3, Nouns: "segments", Item: "entry", Lookup: "query",
		Where: func(i int) string { return fmt.Sprintf("send segment %d/3", i+1) },
		Attrs: func(i int) []slog.Attr { return []slog.Attr{slog.Int("segment", i+1)} },
		Skip:  func(i int) bool { return i == 1 },
		Present: func(_ context.Context, i int) (bool, error) {
			r.lookups = append(r.lookups, i)
			return r.stored[i], r.lookupErr
		},
		Create: func(_ context.Context, i int) error {
			r.creates = append(r.creates, i)
			if i == r.failAt {
				return r.fail
			}
			r.stored[i] = true
			return nil
		},
		Created: slog.LevelDebug,
		Log:     log,
	}
}

func TestParts_LaterFailureAfterAPartIsUncertain(t *testing.T) {
	for _, c := range []struct {
		name string
		fail error
		want Class
	}{
		{"refused", &Error{Class: Retry, Msg: "connection refused"}, Uncertain},
		{"timeout", &Error{Class: Uncertain, Msg: "timeout"}, Uncertain},
		// Sending again unchanged will not help; the message says what went through.
		{"rejected", &Error{Class: Permanent, Status: 422, Msg: "invalid"}, Permanent},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &partsReceiver{failAt: 2, fail: c.fail}
			err := r.parts(slog.New(slog.DiscardHandler)).Send(context.Background(), false)
			if ClassOf(err) != c.want {
				t.Fatalf("class %v, want %v: %v", ClassOf(err), c.want, err)
			}
			// The skipped part counts as delivered: two of three.
			if !strings.Contains(err.Error(), "send segment 3/3") || !strings.Contains(err.Error(), "2 of 3 segments delivered") {
				t.Errorf("error %q: want the part and what went through", err)
			}
			if fmt.Sprint(r.creates) != "[0 2]" || len(r.lookups) != 0 {
				t.Errorf("creates %v lookups %v: want [0 2] and no look-up without reconcile", r.creates, r.lookups)
			}
		})
	}
}

func TestParts_FirstPartFailingKeepsItsClass(t *testing.T) {
	r := &partsReceiver{failAt: 0, fail: &Error{Class: Retry, Msg: "connection refused"}}
	err := r.parts(slog.New(slog.DiscardHandler)).Send(context.Background(), false)
	if ClassOf(err) != Retry {
		t.Fatalf("class %v, want retry (nothing can be on the receiver): %v", ClassOf(err), err)
	}
}

func TestParts_ReconcileSendsOnlyWhatIsMissing(t *testing.T) {
	r := &partsReceiver{failAt: -1}
	r.stored[0] = true
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if err := r.parts(log).Send(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.lookups) != "[0 2]" || fmt.Sprint(r.creates) != "[2]" {
		t.Errorf("lookups %v creates %v: want both sendable parts looked up, only the missing one created", r.lookups, r.creates)
	}
	out := buf.String()
	if !strings.Contains(out, `msg="entry already on the server, not sent again" segment=1`) ||
		!strings.Contains(out, `msg="entry created" segment=3`) {
		t.Errorf("log:\n%s", out)
	}
}

func TestParts_FailedLookupSendsNothing(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want Class
	}{
		{"dropped", errors.New("connection reset"), Uncertain},
		// The receiver rejected the query itself: asking again will not help.
		{"rejected", &Error{Class: Permanent, Status: 400, Msg: "bad query"}, Permanent},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &partsReceiver{failAt: -1, lookupErr: c.err}
			err := r.parts(slog.New(slog.DiscardHandler)).Send(context.Background(), true)
			if ClassOf(err) != c.want || len(r.creates) != 0 {
				t.Fatalf("class %v creates %v, want %v and nothing created: %v", ClassOf(err), r.creates, c.want, err)
			}
			if !strings.Contains(err.Error(), "reconcile query failed; entry state unknown, not sent") {
				t.Errorf("error %q", err)
			}
		})
	}
}

func TestCheckEntry(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	ok := record.Record{Kind: record.KindEntry, Email: "a@example.com", Start: t0, End: t0.Add(time.Hour)}
	if err := CheckEntry(ok); err != nil {
		t.Fatalf("%+v: %v", ok, err)
	}
	noEmail, noEnd, backwards := ok, ok, ok
	noEmail.Email = ""
	noEnd.End = time.Time{}
	backwards.End = t0.Add(-time.Minute)
	for _, r := range []record.Record{noEmail, noEnd, backwards} {
		if err := CheckEntry(r); ClassOf(err) != Permanent {
			t.Errorf("%+v: %v, want a permanent error", r, err)
		}
	}
}
