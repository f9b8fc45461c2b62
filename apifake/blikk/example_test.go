package blikk_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"stampclock/apifake/blikk"
	"stampclock/apifake/fault"
)

// The fifth request of one access token within a second is answered 429
// with Retry-After; the window moves with the injected clock.
func Example_rateLimit() {
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }

	env := &fault.Standalone{}
	defer env.Close()
	s := blikk.New(env, blikk.Options{Now: clock})
	c := s.Client() // trusts the fake's TLS certificate

	req, _ := http.NewRequest("POST", s.URL()+"/v1/Auth/Token", nil)
	req.SetBasicAuth("myappid", "myappsecret")
	resp, err := c.Do(req)
	if err != nil {
		panic(err)
	}
	var tok struct{ AccessToken string }
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()

	get := func() string {
		req, _ := http.NewRequest("GET", s.URL()+"/v1/Core/TimeReports?page=1", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := c.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		return fmt.Sprintf("%d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	for i := 0; i < 5; i++ {
		fmt.Println(get())
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	fmt.Println(get())
	// Output:
	// 200 Retry-After=""
	// 200 Retry-After=""
	// 200 Retry-After=""
	// 200 Retry-After=""
	// 429 Retry-After="1"
	// 200 Retry-After=""
}
