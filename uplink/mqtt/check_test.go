package mqtt

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"stampclock/uplink/mqtt/mqtttest"
)

func TestCheck_LogsInAndLeavesNoStatus(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"terminal": "secret"}})
	newClient := func(password string) *Client {
		c, err := New(Options{URLs: []string{b.URL()}, DeviceID: "t1", Username: "terminal", Password: password})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	broker, err := newClient("secret").Check(ctx)
	if err != nil || !strings.Contains(broker, b.Addr()) {
		t.Fatalf("Check with the right password: %q, %v", broker, err)
	}
	refused := b.Refused()
	_, err = newClient("wrong").Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "refused the credentials") {
		t.Fatalf("Check with a wrong password: %v; want the credentials named", err)
	}
	if b.Refused() != refused+1 {
		t.Errorf("the broker refused %d logins, want %d: Check must log in, not only open TCP", b.Refused(), refused+1)
	}
	// A check neither publishes nor leaves a Last Will behind.
	if msgs := b.Messages(); len(msgs) != 0 {
		t.Errorf("check published %v", msgs)
	}
	b.Stop()
	if _, err := newClient("secret").Check(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Check with the broker down: %v; want a connect error at once", err)
	}
}
