package daemon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/device/remote"
	"stampclock/internal/syncbuf"
	"stampclock/uplink/mqtt/mqtttest"
)

// TestDaemon_RemoteCommands_StatusAndRetry runs commands sent over MQTT
// through the daemon's command table: the answers carry the request ids,
// each action is logged with its sender, and the broker password travels
// in no answer and no log line.
func TestDaemon_RemoteCommands_StatusAndRetry(t *testing.T) {
	const secret = "mqtt-pw-hunter2"
	b := mqtttest.Start(t, mqtttest.Options{Users: map[string]string{"test-terminal": secret, "office": "office-pw"}})
	h := newHarness(t)
	var logs syncbuf.Buffer
	cfg := h.config(mqttSection(b.URL(), fmt.Sprintf("username = \"test-terminal\"\npassword = %q\nremote_commands = \"admin\"\n", secret)))
	h.startWith(cfg, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})

	answers := make(chan remote.Answer, 16)
	po := paho.NewClientOptions().AddBroker(b.URL()).SetClientID("office-1").SetUsername("office").SetPassword("office-pw").SetProtocolVersion(4)
	c := paho.NewClient(po)
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("office connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	if tok := c.Subscribe("stampclock/test-terminal/cmd/answer", 1, func(_ paho.Client, m paho.Message) {
		var a remote.Answer
		if err := json.Unmarshal(m.Payload(), &a); err != nil {
			t.Errorf("answer %s: %v", m.Payload(), err)
		}
		answers <- a
	}); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	// ask sends a request until its answer comes (the daemon subscribes
	// after it starts).
	ask := func(id, cmd, args string) remote.Answer {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for i := 0; time.Now().Before(deadline); i++ {
			rid := fmt.Sprintf("%s-%d", id, i)
			req := fmt.Sprintf(`{"id":%q,"cmd":%q,"from":"office"%s}`, rid, cmd, args)
			if tok := c.Publish("stampclock/test-terminal/cmd", 1, false, req); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
				t.Fatalf("publish: %v", tok.Error())
			}
			for wait := time.After(300 * time.Millisecond); ; {
				select {
				case a := <-answers:
					if a.ID == rid {
						return a
					}
					continue
				case <-wait:
				}
				break
			}
		}
		t.Fatalf("no answer to %s", id)
		return remote.Answer{}
	}

	a := ask("st", "status", "")
	st, _ := json.Marshal(a.Result)
	var s Status
	if err := json.Unmarshal(st, &s); err != nil || !a.OK || s.Device != "test-terminal" {
		t.Fatalf("status over MQTT: %+v (%v)", a, err)
	}
	if a := ask("rt", "queue.retry", `,"args":{"uplink":"zeiterfassung"}`); !a.OK {
		t.Fatalf("queue.retry over MQTT: %+v", a)
	}
	h.eventually("the action logged with its sender", func() bool {
		return strings.Contains(logs.String(), `msg="remote command" id=rt-`) && strings.Contains(logs.String(), "cmd=queue.retry from=office")
	})
	for _, m := range b.Messages() {
		if bytes.Contains(m.Payload, []byte(secret)) {
			t.Fatalf("the broker password travelled on %s", m.Topic)
		}
	}
	if strings.Contains(logs.String(), secret) {
		t.Fatal("the broker password is in the log")
	}
}

// TestDaemon_RemoteCommands_OffByDefault: without mqtt.remote_commands
// nothing listens on the command topic.
func TestDaemon_RemoteCommands_OffByDefault(t *testing.T) {
	h := newHarness(t)
	b := mqtttest.Start(t, mqtttest.Options{})
	h.start(h.config(mqttSection(b.URL(), "")))
	if h.d.rem != nil {
		t.Fatal("remote commands on without mqtt.remote_commands")
	}
}
