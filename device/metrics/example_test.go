package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"stampclock/device/metrics"
)

type exampleSource struct{}

func (exampleSource) QueueDepth() (map[string]map[string]uint64, error) {
	return map[string]map[string]uint64{"zeiterfassung": {"pending": 2}}, nil
}
func (exampleSource) ReaderOK() (ok, known bool) { return true, true }
func (exampleSource) ClockSynced() bool          { return true }
func (exampleSource) ConfigProblems() int        { return 0 }

// The daemon records events as they happen and serves the metrics on a
// local address; the queue, reader and clock are read at scrape time.
func Example() {
	m := metrics.New(exampleSource{})
	m.SetHealth(func() error { return nil }) // e.g. "main loop ticked recently"
	m.Tap("start_ok")
	m.Punch("start")
	m.Delivered("zeiterfassung", 120*time.Millisecond)

	// stampd calls metrics.Serve(ctx, "127.0.0.1:9120", m.Handler()).
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- metrics.ServeListener(ctx, ln, m.Handler()) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "stampclock_punches_total") ||
			strings.HasPrefix(line, "stampclock_queue_records") && strings.Contains(line, "pending") ||
			strings.HasPrefix(line, "stampclock_reader_up") {
			fmt.Println(line)
		}
	}
	resp.Body.Close()
	cancel()
	fmt.Println("shutdown:", <-done)
	// Output:
	// stampclock_punches_total{kind="start"} 1
	// stampclock_punches_total{kind="stop"} 0
	// stampclock_queue_records{state="pending",uplink="zeiterfassung"} 2
	// stampclock_reader_up 1
	// shutdown: <nil>
}
