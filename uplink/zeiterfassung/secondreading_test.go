package zeiterfassung_test

// These tests run the client against apifake/zeiterfassung, a strict fake
// written by someone who never saw this client, from the API document
// alone. zeittest and this client share one reading of the document; the
// second fake checks that reading against another one.

import (
	"slices"
	"strings"
	"testing"
	"time"

	fake "stampclock/apifake/zeiterfassung"
	"stampclock/internal/runnertest"
	"stampclock/queue"
	"stampclock/uplink/zeiterfassung"
)

const (
	srAdmin  = "admin@somedomain.com"
	srPass   = "12345678"
	srTT     = "83be5360-6067-4a09-a970-1ff2413d7101"
	srProj   = "2aeba501-ca09-41b2-a938-654d178914e4"
	srMaier  = "maier@somedomain.com"
	srHuber  = "huber@somedomain.com"
	srKeller = "keller@somedomain.com"
)

func srFake(t *testing.T, mod func(*fake.Options)) *fake.Server {
	t.Helper()
	o := fake.Options{Users: []string{srAdmin, srMaier, srHuber, srKeller}}
	if mod != nil {
		mod(&o)
	}
	return fake.New(t, o)
}

func srClient(t *testing.T, f *fake.Server, mod func(*zeiterfassung.Options)) *zeiterfassung.Client {
	t.Helper()
	o := zeiterfassung.Options{
		BaseURL: f.URL(), Email: srAdmin, Password: srPass, TimeTypeID: srTT,
		Location: mustLoad(t, "Europe/Berlin"), Timeout: 2 * time.Second,
		HTTPClient: f.Client(),
	}
	if mod != nil {
		mod(&o)
	}
	c, err := zeiterfassung.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func srEntry(email, start, end string) queue.Record {
	e := utc(end)
	return queue.Record{Kind: queue.KindEntry, At: e, ClockSynced: true, Email: email, Start: utc(start), End: e}
}

// srStored is what the fake stored, without id and creation time, in a
// stable order (employees' lanes run in parallel).
func srStored(f *fake.Server) []fake.Entry {
	es := f.Entries()
	for i := range es {
		if es[i].ID == "" {
			es[i].UserEmail = "(no id) " + es[i].UserEmail
		}
		es[i].ID, es[i].Created = "", time.Time{}
	}
	slices.SortStableFunc(es, func(a, b fake.Entry) int {
		if c := strings.Compare(a.UserEmail, b.UserEmail); c != 0 {
			return c
		}
		return strings.Compare(a.StartTime, b.StartTime)
	})
	return es
}

func srWant(user, start, end string) fake.Entry {
	return fake.Entry{StartTime: start, EndTime: end, UserEmail: user, TimeTypeID: srTT}
}

func srCheck(t *testing.T, f *fake.Server, want []fake.Entry) {
	t.Helper()
	got := srStored(f)
	if !slices.Equal(got, want) {
		t.Errorf("fake stored\n%+v\nwant\n%+v", got, want)
	}
	if r := f.Refusals(); len(r) != 0 {
		t.Errorf("fake refused %d requests, first: %+v", len(r), r[0])
	}
}

// srCount counts the requests matching method and path.
func srCount(f *fake.Server, method, path string) (n int) {
	for _, r := range f.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func TestSecondReading_Delivery_SeveralEmployees(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*fake.Options)
	}{
		{"token raw, ids as objects", nil},
		{"token as JSON string, ids as strings, 201", func(o *fake.Options) {
			o.LoginAnswer, o.CreateAnswer, o.CreateStatus = fake.TokenJSON, fake.IDStrings, 201
		}},
		{"ids in the document's literal form", func(o *fake.Options) { o.CreateAnswer = fake.IDLiteral }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := srFake(t, tc.mod)
			c := srClient(t, f, func(o *zeiterfassung.Options) { o.ProjectID = srProj; o.Comment = "Stempeluhr" })
			recs := []queue.Record{
				srEntry(srMaier, "2026-06-10T06:00:20Z", "2026-06-10T14:30:59Z"),
				srEntry(srHuber, "2026-06-10T05:45:00Z", "2026-06-10T13:15:00Z"),
				srEntry(srKeller, "2026-06-10T07:00:00Z", "2026-06-10T11:00:00Z"),
				srEntry(srMaier, "2026-06-11T06:00:00Z", "2026-06-11T14:00:00Z"),
				srEntry(srHuber, "2026-01-15T07:00:00Z", "2026-01-15T15:00:00Z"), // winter: CET
			}
			h := runnertest.Start(t, c, recs...)
			h.WaitDelivered(t, uint64(len(recs)), 5*time.Second)
			with := func(e fake.Entry) fake.Entry {
				e.ProjectID, e.Comment, e.HasComment = srProj, "Stempeluhr", true
				return e
			}
			srCheck(t, f, []fake.Entry{
				with(srWant(srHuber, "2026-01-15T08:00:00", "2026-01-15T16:00:00")),
				with(srWant(srHuber, "2026-06-10T07:45:00", "2026-06-10T15:15:00")),
				with(srWant(srKeller, "2026-06-10T09:00:00", "2026-06-10T13:00:00")),
				with(srWant(srMaier, "2026-06-10T08:00:00", "2026-06-10T16:30:00")),
				with(srWant(srMaier, "2026-06-11T08:00:00", "2026-06-11T16:00:00")),
			})
			// Lanes that start together may each log in once (the
			// client does not share a login in progress); after that
			// the token is kept.
			logins := f.Logins()
			if logins < 1 || logins > 3 {
				t.Errorf("%d logins for 3 parallel lanes", logins)
			}
			h.Append(t, srEntry(srKeller, "2026-06-12T07:00:00Z", "2026-06-12T11:00:00Z"))
			h.WaitDelivered(t, uint64(len(recs))+1, 5*time.Second)
			if n := f.Logins(); n != logins {
				t.Errorf("%d logins after one more entry, want %d (the token is kept)", n, logins)
			}
		})
	}
}

func TestSecondReading_NightShiftAcrossMidnight_OneEntry(t *testing.T) {
	f := srFake(t, nil)
	h := runnertest.Start(t, srClient(t, f, nil),
		srEntry(srMaier, "2026-06-10T20:00:00Z", "2026-06-11T04:00:00Z"),
		srEntry(srHuber, "2026-12-31T21:30:00Z", "2027-01-01T05:30:00Z"))
	h.WaitDelivered(t, 2, 5*time.Second)
	srCheck(t, f, []fake.Entry{
		srWant(srHuber, "2026-12-31T22:30:00", "2027-01-01T06:30:00"),
		srWant(srMaier, "2026-06-10T22:00:00", "2026-06-11T06:00:00"),
	})
}

func TestSecondReading_DST(t *testing.T) {
	t.Run("spring forward night shift", func(t *testing.T) {
		f := srFake(t, nil)
		// 22:00 CET to 06:00 CEST on 29 March 2026: 7 real hours.
		h := runnertest.Start(t, srClient(t, f, nil), srEntry(srMaier, "2026-03-28T21:00:00Z", "2026-03-29T04:00:00Z"))
		h.WaitDelivered(t, 1, 5*time.Second)
		srCheck(t, f, []fake.Entry{
			srWant(srMaier, "2026-03-28T22:00:00", "2026-03-29T02:00:00"),
			srWant(srMaier, "2026-03-29T03:00:00", "2026-03-29T06:00:00"),
		})
	})
	t.Run("fall back night shift", func(t *testing.T) {
		f := srFake(t, nil)
		// 22:00 CEST to 06:00 CET on 25 October 2026: 9 real hours.
		h := runnertest.Start(t, srClient(t, f, nil), srEntry(srMaier, "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z"))
		h.WaitDelivered(t, 1, 5*time.Second)
		srCheck(t, f, []fake.Entry{
			srWant(srMaier, "2026-10-24T22:00:00", "2026-10-25T03:00:00"),
			srWant(srMaier, "2026-10-25T02:00:00", "2026-10-25T06:00:00"),
		})
	})
	t.Run("two shifts in the repeated hour", func(t *testing.T) {
		f := srFake(t, nil)
		// 02:10-02:50 CEST and 02:10-02:50 CET: the same wall clock twice.
		h := runnertest.Start(t, srClient(t, f, nil),
			srEntry(srMaier, "2026-10-25T00:10:00Z", "2026-10-25T00:50:00Z"),
			srEntry(srMaier, "2026-10-25T01:10:00Z", "2026-10-25T01:50:00Z"),
			srEntry(srHuber, "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"), // 02:30 CEST to 02:30 CET
		)
		h.WaitDelivered(t, 3, 5*time.Second)
		srCheck(t, f, []fake.Entry{
			// One entry per offset: 02:30-03:00 CEST, then 02:00-02:30 CET.
			srWant(srHuber, "2026-10-25T02:00:00", "2026-10-25T02:30:00"),
			srWant(srHuber, "2026-10-25T02:30:00", "2026-10-25T03:00:00"),
			srWant(srMaier, "2026-10-25T02:10:00", "2026-10-25T02:50:00"),
			srWant(srMaier, "2026-10-25T02:10:00", "2026-10-25T02:50:00"),
		})
	})
}

// srWorkday is three employees' entries of one day, and what the fake
// stores for them.
func srWorkday() ([]queue.Record, []fake.Entry) {
	return []queue.Record{
			srEntry(srMaier, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"),
			srEntry(srHuber, "2026-06-10T06:30:00Z", "2026-06-10T14:30:00Z"),
			srEntry(srKeller, "2026-06-10T07:00:00Z", "2026-06-10T15:00:00Z"),
			srEntry(srMaier, "2026-06-11T06:00:00Z", "2026-06-11T14:00:00Z"),
		}, []fake.Entry{
			srWant(srHuber, "2026-06-10T08:30:00", "2026-06-10T16:30:00"),
			srWant(srKeller, "2026-06-10T09:00:00", "2026-06-10T17:00:00"),
			srWant(srMaier, "2026-06-10T08:00:00", "2026-06-10T16:00:00"),
			srWant(srMaier, "2026-06-11T08:00:00", "2026-06-11T16:00:00"),
		}
}

func TestSecondReading_LostAnswersAndRequests_NoDuplicateNoLoss(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(*fake.Server)
	}{
		{"answers lost after the entry was stored", func(f *fake.Server) { f.DropAnswers(fake.RouteCreate, 3) }},
		{"requests lost before the entry was stored", func(f *fake.Server) { f.DropRequests(fake.RouteCreate, 3) }},
		{"both, and a lost reconcile answer", func(f *fake.Server) {
			f.DropAnswers(fake.RouteCreate, 1)
			f.DropRequests(fake.RouteCreate, 1)
			f.DropAnswers(fake.RouteList, 1)
		}},
		{"server errors and a slow answer the client gives up on", func(f *fake.Server) {
			f.FailNext(fake.RouteCreate, 2, 500)
			f.DelayNext(fake.RouteCreate, 1, time.Minute)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := srFake(t, nil)
			tc.inject(f)
			recs, want := srWorkday()
			h := runnertest.Start(t, srClient(t, f, func(o *zeiterfassung.Options) { o.Timeout = 500 * time.Millisecond }), recs...)
			h.WaitDelivered(t, uint64(len(recs)), 10*time.Second)
			srCheck(t, f, want)
			if n := srCount(f, "GET", "/api/time-v2.1/timeentries"); n == 0 {
				t.Errorf("no reconcile query after lost requests")
			}
		})
	}
}

func TestSecondReading_DSTSegmentAnswerLost_NoDuplicate(t *testing.T) {
	f := srFake(t, nil)
	f.DropAnswers(fake.RouteCreate, 2) // both segments stored, neither answered
	h := runnertest.Start(t, srClient(t, f, nil), srEntry(srMaier, "2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z"))
	h.WaitDelivered(t, 1, 10*time.Second)
	srCheck(t, f, []fake.Entry{
		srWant(srMaier, "2026-10-24T22:00:00", "2026-10-25T03:00:00"),
		srWant(srMaier, "2026-10-25T02:00:00", "2026-10-25T06:00:00"),
	})
}

func TestSecondReading_ServerDownThenBack(t *testing.T) {
	f := srFake(t, nil)
	f.SetDown(true)
	recs, want := srWorkday()
	h := runnertest.Start(t, srClient(t, f, nil), recs...)
	// Wait until the runner met the outage (and backs off), then bring
	// the server back.
	h.Wait(t, 5*time.Second, "a failed attempt", func(u queue.UplinkStats) bool { return u.LastError != "" })
	if n := len(f.Entries()); n != 0 {
		t.Fatalf("%d entries stored while down", n)
	}
	f.SetDown(false)
	h.WaitDelivered(t, uint64(len(recs)), 10*time.Second)
	srCheck(t, f, want)
}

func TestSecondReading_TokenExpiry_Relogin(t *testing.T) {
	clock := runnertest.NewClock(time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC))
	f := srFake(t, func(o *fake.Options) { o.TokenTTL = time.Hour; o.Now = clock.Now })
	recs, want := srWorkday()
	c := srClient(t, f, func(o *zeiterfassung.Options) { o.Parallel = 1 })
	h := runnertest.Start(t, c, recs[:2]...)
	h.WaitDelivered(t, 2, 5*time.Second)
	if n := f.Logins(); n != 1 {
		t.Fatalf("%d logins, want 1", n)
	}
	clock.Add(2 * time.Hour) // the token expired
	h.Append(t, recs[2])
	h.WaitDelivered(t, 3, 5*time.Second)
	f.ExpireTokens() // a server restart
	h.Append(t, recs[3])
	h.WaitDelivered(t, 4, 5*time.Second)
	if n := f.Logins(); n != 3 {
		t.Errorf("%d logins, want 3 (one after each expiry)", n)
	}
	got := srStored(f)
	if !slices.Equal(got, want) {
		t.Errorf("fake stored\n%+v\nwant\n%+v", got, want)
	}
	// The only refusals are the two 401s that made the client log in again.
	for _, r := range f.Refusals() {
		if r.Status != 401 {
			t.Errorf("refusal %+v", r)
		}
	}
	if n := len(f.Refusals()); n != 2 {
		t.Errorf("%d refusals, want the two 401s", n)
	}
}

func TestSecondReading_ReconcileQueryShape(t *testing.T) {
	// The reconcile query is accepted by the strict fake (query string,
	// exact time format, all three parameters) and finds an entry stored
	// by another client, so nothing is created twice.
	f := srFake(t, nil)
	f.AddEntry(fake.Entry{StartTime: "2026-06-10T08:00:00", EndTime: "2026-06-10T16:00:00", UserEmail: srMaier, TimeTypeID: srTT})
	c := srClient(t, f, nil)
	if err := c.Send(t.Context(), srEntry(srMaier, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"), true); err != nil {
		t.Fatal(err)
	}
	srCheck(t, f, []fake.Entry{srWant(srMaier, "2026-06-10T08:00:00", "2026-06-10T16:00:00")})
	if n := srCount(f, "POST", "/api/time-v2.1/createtimeentry"); n != 0 {
		t.Errorf("%d creates for an entry already there", n)
	}
	// The technician's calls read the fake's answers.
	if users, err := c.Users(t.Context()); err != nil || !slices.Contains(users, srKeller) {
		t.Errorf("Users = %v, %v", users, err)
	}
	if tts, err := c.TimeTypes(t.Context()); err != nil || len(tts) != 1 || tts[0].ID != srTT {
		t.Errorf("TimeTypes = %v, %v", tts, err)
	}
	if err := c.SecuredHello(t.Context()); err != nil {
		t.Errorf("SecuredHello: %v", err)
	}
}

// TestSecondReading_UsersLiteralDisagree pins where the readings of the
// users answer part. The document gives "Rückgabewert: [{loginemail}, ...]"
// and the example [{"admin@somedomain.com"}], which is not JSON. This
// client (and zeittest) read it as objects {"loginemail": ...} or plain
// strings and refuse the literal form; apifake/zeiterfassung answers
// objects by default and the literal form with UsersLiteral. Only the
// technician's check (stampctl) lists users; delivery does not.
func TestSecondReading_UsersLiteralDisagree(t *testing.T) {
	f := srFake(t, nil)
	if users, err := srClient(t, f, nil).Users(t.Context()); err != nil || !slices.Contains(users, srMaier) {
		t.Errorf("objects: Users = %v, %v", users, err)
	}
	lit := srFake(t, func(o *fake.Options) { o.UsersLiteral = true })
	if users, err := srClient(t, lit, nil).Users(t.Context()); err == nil {
		t.Errorf("literal form: Users = %v, want an error (the client does not read the document's non-JSON example)", users)
	}
}

// TestSecondReading_SecondsBesideOffsetChange_NoEmptySegment: an entry
// from 02:59:30 CEST to 02:00:40 CET is 02:59-03:00 and 02:00-02:00 on the
// minute clock. The document does not say endtime must follow starttime;
// apifake/zeiterfassung refuses an entry that ends when it starts. The
// empty segment holds no time, so the client leaves it out under both
// readings.
func TestSecondReading_SecondsBesideOffsetChange_NoEmptySegment(t *testing.T) {
	for _, tc := range []struct {
		name, start, end string
		want             []fake.Entry
	}{
		{"fall back", "2026-10-25T00:59:30Z", "2026-10-25T01:00:40Z",
			[]fake.Entry{srWant(srMaier, "2026-10-25T02:59:00", "2026-10-25T03:00:00")}},
		{"spring forward", "2026-03-29T00:59:30Z", "2026-03-29T01:00:40Z",
			[]fake.Entry{srWant(srMaier, "2026-03-29T01:59:00", "2026-03-29T02:00:00")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := srFake(t, nil)
			c := srClient(t, f, nil)
			rec := srEntry(srMaier, tc.start, tc.end)
			h := runnertest.Start(t, c, rec)
			h.WaitDelivered(t, 1, 5*time.Second)
			srCheck(t, f, tc.want)
			// Reconciling finds it complete.
			if err := c.Send(t.Context(), rec, true); err != nil {
				t.Fatal(err)
			}
			if n := len(f.Entries()); n != len(tc.want) {
				t.Errorf("%d entries after reconcile", n)
			}
		})
	}
}

func TestSecondReading_TokenHeaderConfigurable(t *testing.T) {
	// "Das zurückgegebene Token muss bei jedem Request zur Authentifikation
	// als Header mitgeschickt werden" names no header: both readings make
	// it configurable. A bare token in a custom header:
	f := srFake(t, func(o *fake.Options) { o.AuthHeader, o.NoAuthScheme = "X-Auth-Token", true })
	c := srClient(t, f, func(o *zeiterfassung.Options) {
		o.AuthHeader, o.AuthScheme = "X-Auth-Token", zeiterfassung.AuthSchemeNone
	})
	h := runnertest.Start(t, c, srEntry(srMaier, "2026-06-10T06:00:00Z", "2026-06-10T14:00:00Z"))
	h.WaitDelivered(t, 1, 5*time.Second)
	srCheck(t, f, []fake.Entry{srWant(srMaier, "2026-06-10T08:00:00", "2026-06-10T16:00:00")})
	// The default (Authorization: Bearer) is refused there.
	if err := srClient(t, f, nil).SecuredHello(t.Context()); err == nil {
		t.Error("a token in the wrong header was accepted")
	}
}
