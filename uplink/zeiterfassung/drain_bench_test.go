package zeiterfassung_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stampclock/queue"
	"stampclock/uplink"
	"stampclock/uplink/zeiterfassung"
	"stampclock/uplink/zeiterfassung/zeittest"
)

const drainEntries = 10_000

func drainUsers() []string {
	var u []string
	for i := 0; i < 20; i++ {
		u = append(u, fmt.Sprintf("e%d@example.com", i))
	}
	return u
}

// drainRecord is the i-th entry of the benchmark backlog: 20 employees,
// one entry a day each.
func drainRecord(i int) queue.Record {
	start := time.Date(2024, 1, 1, 6, 0, 0, 0, time.UTC).Add(time.Duration(i/20) * 24 * time.Hour).Add(time.Duration(i%20) * time.Minute)
	return queue.Record{Kind: queue.KindEntry, At: start.Add(8 * time.Hour), Email: fmt.Sprintf("e%d@example.com", i%20), Start: start, End: start.Add(8 * time.Hour)}
}

// BenchmarkDrain drains 10,000 queued entries through the real runner,
// store and client to the test server, beside a bare HTTP client posting the
// same requests to a second instance of the server, and reports both rates
// and their ratio. The two alternate in rounds of 1,000 so that load from
// other processes on a shared machine hits both alike. Run with -benchtime 1x.
func BenchmarkDrain(b *testing.B) {
	const rounds = 10
	const perRound = drainEntries / rounds
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for n := 0; n < b.N; n++ {
		zsBare, tsBare := zeittest.Start(b, zeittest.Options{Users: drainUsers()})
		zs, ts := zeittest.Start(b, zeittest.Options{Users: drainUsers()})
		bodies := make([][]byte, drainEntries)
		for i := range bodies {
			r := drainRecord(i)
			bodies[i], _ = json.Marshal(map[string]string{
				"starttime": zeiterfassung.FormatTime(r.Start, berlin), "endtime": zeiterfassung.FormatTime(r.End, berlin),
				"useremail": r.Email, "timetypeid": "arbeitszeit",
			})
		}
		// Bare client: log in once, then POST each body in turn.
		hc := &http.Client{Timeout: 15 * time.Second}
		resp, err := hc.Post(tsBare.URL+"/api/login", "application/json", strings.NewReader(`{"loginemail":"`+zeittest.DefaultEmail+`","apipassword":"`+zeittest.DefaultPassword+`"}`))
		if err != nil {
			b.Fatal(err)
		}
		tokBody, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tok, _ := zeiterfassung.ParseLoginBody(tokBody)
		post := func(body []byte) {
			req, _ := http.NewRequest("POST", tsBare.URL+"/api/time-v2.1/createtimeentry", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("bare POST: %s", resp.Status)
			}
		}

		// Ours: the runner drains what each round queues.
		s, err := queue.Open(filepath.Join(b.TempDir(), "q.db"), queue.Options{Uplinks: []queue.UplinkSpec{{Name: "zeiterfassung"}}})
		if err != nil {
			b.Fatal(err)
		}
		c, err := zeiterfassung.New(zeiterfassung.Options{BaseURL: ts.URL, Email: zeittest.DefaultEmail, Password: zeittest.DefaultPassword, TimeTypeID: "arbeitszeit", Location: berlin})
		if err != nil {
			b.Fatal(err)
		}
		r := uplink.NewRunner("zeiterfassung", s, c, uplink.Options{Idle: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()

		var bare, ours time.Duration
		for round := 0; round < rounds; round++ {
			lo, hi := round*perRound, (round+1)*perRound
			t0 := time.Now()
			for _, body := range bodies[lo:hi] {
				post(body)
			}
			bare += time.Since(t0)

			_, err := s.Update(func(tx *queue.Tx) error {
				for j := lo; j < hi; j++ {
					if _, err := tx.Append(drainRecord(j)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			t0 = time.Now()
			r.Wake()
			for r.Status().Delivered < uint64(hi) {
				time.Sleep(100 * time.Microsecond)
			}
			ours += time.Since(t0)
		}
		cancel()
		<-done
		s.Close()
		if got := len(zsBare.Entries()); got != drainEntries {
			b.Fatalf("bare: %d entries", got)
		}
		es := zs.Entries()
		if len(es) != drainEntries || len(zs.Duplicates()) != 0 {
			b.Fatalf("ours: %d entries, %d duplicates", len(es), len(zs.Duplicates()))
		}
		last := map[string]string{}
		for _, e := range es {
			if e.StartTime <= last[e.UserEmail] {
				b.Fatalf("order broken for %s: %s after %s", e.UserEmail, e.StartTime, last[e.UserEmail])
			}
			last[e.UserEmail] = e.StartTime
		}
		b.ReportMetric(drainEntries/bare.Seconds(), "bare-entries/s")
		b.ReportMetric(drainEntries/ours.Seconds(), "ours-entries/s")
		b.ReportMetric(bare.Seconds()/ours.Seconds(), "rate-ratio")
	}
}
