package sitetaps_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"stampclock/device/sitetaps"
	"stampclock/internal/mqttopts"
	"stampclock/queue"
)

// A terminal stores the taps its peers publish once each, however
// often they arrive, and tells the pairing whose taps came.
func ExampleExchange_Receive() {
	dir, _ := os.MkdirTemp("", "sitetaps")
	defer os.RemoveAll(dir)
	store, _ := queue.Open(filepath.Join(dir, "queue.db"), queue.Options{})
	defer store.Close()
	x, _ := sitetaps.New(store, sitetaps.Options{
		Site: "hq", DeviceID: "warehouse", Conn: mqttopts.Conn{Account: mqttopts.Account{URLs: []string{"tcp://127.0.0.1:1883"}}},
		OnStored: func(taps []queue.SiteTap) {
			for _, t := range taps {
				fmt.Println("pair again:", t.Email, sitetaps.Key(t.Origin, t.Seq))
			}
		},
	})
	morning := queue.SiteTap{Origin: "front", Seq: 1, At: time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC), Email: "anna@example.com", UID: "04A1B2C3"}
	x.Receive([]queue.SiteTap{morning})
	x.Receive([]queue.SiteTap{morning}) // a redelivery
	st := x.Status()
	fmt.Println("received", st.Received, "duplicates", st.Duplicates, "peers", st.Peers)
	// Output:
	// pair again: anna@example.com front:1
	// received 2 duplicates 1 peers 1
}
