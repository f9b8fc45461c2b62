package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/device/daemon"
	"stampclock/internal/waitfor"
	"stampclock/queue"
	"stampclock/uplink/mqtt"
	"stampclock/uplink/mqtt/mqtttest"
)

func mqttUplink(s daemon.Status) (queue.UplinkStats, string) {
	var u queue.UplinkStats
	for _, q := range s.Queue.Uplinks {
		if q.Name == "mqtt" {
			u = q
		}
	}
	for _, r := range s.Uplinks {
		if r.Uplink == "mqtt" {
			return u, r.LastError
		}
	}
	return u, ""
}

// brokerConn is the MQTT uplink's connection in s, nil without one.
func brokerConn(s daemon.Status) *mqtt.ConnState {
	for _, r := range s.Uplinks {
		if r.Uplink == "mqtt" {
			return r.Conn
		}
	}
	return nil
}

func (e *env) waitStatus(what string, ok func(daemon.Status) bool) daemon.Status {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := e.status()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			raw, _ := json.Marshal(s)
			e.t.Fatalf("timed out waiting for %s; status %s", what, raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The issue: the status kept showing a refused-credentials error after the
// credentials were fixed. Here the password file is fixed and stampd
// restarted: the error is gone from every part of the status.
func TestMosquitto_CredentialsFixed_StatusForgetsTheError(t *testing.T) {
	m := startMosquittoWithUser(t, "terminal", "right-pass")
	e := newEnv(t, 1)
	e.mqttSection(m.URL(), "terminal", "wrong-pass")
	p := e.start()
	e.ctl("tap", "B0000000", "--at", "2026-06-01T07:00:00Z")
	e.waitStatus("the credentials error", func(s daemon.Status) bool {
		u, _ := mqttUplink(s)
		return brokerConn(s) != nil && strings.Contains(brokerConn(s).LastError, "credentials") && strings.Contains(u.LastError, "credentials")
	})
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait()
	if err := os.WriteFile(filepath.Join(e.dir, "mqtt.secret"), []byte("right-pass"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.start()
	s := e.waitStatus("the punch delivered over MQTT", func(s daemon.Status) bool {
		u, _ := mqttUplink(s)
		return u.Delivered == 1 && u.Pending == 0 && brokerConn(s) != nil && brokerConn(s).Connected
	})
	u, runnerErr := mqttUplink(s)
	if brokerConn(s).LastError != "" || u.LastError != "" || runnerErr != "" {
		t.Fatalf("errors still shown after the fix: connection %q, queue %q, runner %q", brokerConn(s).LastError, u.LastError, runnerErr)
	}
	if out, _ := e.ctl("status"); strings.Contains(out, "credentials") {
		t.Fatalf("stampctl status still speaks of credentials:\n%s", out)
	}
}

// mqtt.delivered = "consumer" through the built stampd and the real
// mosquitto: records reach the broker but stay pending until a consumer
// acknowledges their keys.
func TestMosquitto_DeliveredConsumer_OnlyAcknowledgedRecordsLeaveTheQueue(t *testing.T) {
	bin := needTool(t, "mosquitto", "mosquitto")
	m := mqtttest.StartMosquitto(t, bin, t.TempDir(), "allow_anonymous true\n")
	// Every message on the broker, the consumer's acknowledgements and a
	// remote command's request and answer too, checked against the
	// published schema.
	schema := watchSchema(t, m.URL(), "office", "")
	e := newEnv(t, 1)
	e.appendConfig(fmt.Sprintf("[device]\nid = \"t1\"\n[mqtt]\nurls = [%q]\ndelivered = \"consumer\"\nconsumer_ack_timeout = \"1s\"\nstatus_interval = \"1s\"\nremote_commands = \"viewer\"\n", m.URL()))
	e.start()
	e.ctl("tap", "B0000000", "--at", "2026-06-01T07:00:00Z")
	e.ctl("tap", "B0000000", "--at", "2026-06-01T15:00:00Z")
	e.waitStatus("no consumer acknowledging", func(s daemon.Status) bool {
		u, runnerErr := mqttUplink(s)
		return strings.Contains(runnerErr, "no consumer acknowledged") && u.Pending == 3 && u.Delivered == 0
	})
	// A consumer that acknowledges what it receives.
	topics := mqtt.Topics{Prefix: "stampclock", Device: "t1"}
	got := make(chan string, 100)
	c := paho.NewClient(paho.NewClientOptions().AddBroker(m.URL()).SetClientID("payroll").SetProtocolVersion(4))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("consumer: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	tok := c.Subscribe("stampclock/t1/+", 1, func(c paho.Client, msg paho.Message) {
		var p mqtt.Payload
		if json.Unmarshal(msg.Payload(), &p) != nil || p.IdempotencyKey == "" {
			return // the retained status
		}
		got <- p.IdempotencyKey
		data, _ := json.Marshal(mqtt.Ack{IdempotencyKeys: []string{p.IdempotencyKey}})
		c.Publish(topics.Ack(), 1, false, data)
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("consumer subscribe: %v", tok.Error())
	}
	e.waitStatus("all three acknowledged and delivered", func(s daemon.Status) bool {
		u, _ := mqttUplink(s)
		return u.Delivered == 3 && u.Pending == 0
	})
	keys := map[string]bool{}
	for len(got) > 0 {
		keys[<-got] = true
	}
	if len(keys) != 3 {
		t.Fatalf("the consumer saw keys %v, want 3", keys)
	}
	if out, err := e.ctl("remote", "--broker", m.URL(), "--timeout", "10s", "t1", "status"); err != nil {
		t.Fatalf("stampctl remote t1 status: %v\n%s", err, out)
	}
	// A command above the terminal's remote_commands role: refused, and
	// the refusal is an answer of the schema too.
	if out, err := e.ctl("remote", "--broker", m.URL(), "--timeout", "10s", "t1", "reload"); err == nil || !strings.Contains(out, "viewer") {
		t.Fatalf("stampctl remote t1 reload on a viewer terminal: %v, %q; want it refused naming the role", err, out)
	}
	defs := []string{"record", "status", "ack", "command_request", "command_answer"}
	schema.waitSeen(t, defs...)
	waitfor.Until(t, 30*time.Second, "both answers checked", func() bool {
		schema.mu.Lock()
		defer schema.mu.Unlock()
		return schema.seen["command_answer"] == 2
	})
	schema.check(t, defs...)
}
