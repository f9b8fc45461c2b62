package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/device/ctlproto"
	"stampclock/internal/mqttopts"
	"stampclock/uplink/mqtt/mqtttest"
)

// fakeDaemon answers the control commands like the daemon's Handle and
// counts what ran.
type fakeDaemon struct {
	mu  sync.Mutex
	ran []string
}

func (f *fakeDaemon) handle(_ context.Context, cmd string, _ json.RawMessage) (any, error) {
	f.mu.Lock()
	f.ran = append(f.ran, cmd)
	f.mu.Unlock()
	if cmd == ctlproto.CmdStatus {
		return map[string]string{"device": "door-a"}, nil
	}
	return nil, errors.New("not in this fake")
}

func (f *fakeDaemon) runs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ran...)
}

// startResponder runs a Responder for door-a against url until the test ends.
func startResponder(t *testing.T, url string, allow ctlproto.Role, user, pass string) *fakeDaemon {
	t.Helper()
	f := &fakeDaemon{}
	r, err := New(f.handle, Options{DeviceID: "door-a", Allow: allow, Account: mqttopts.Account{URLs: []string{url}, ClientID: "door-a-cmd",
		Username: user, Password: pass}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return f
}

// office is a sender of commands that collects the answers.
type office struct {
	t  *testing.T
	c  paho.Client
	mu sync.Mutex
	an []Answer
}

func newOffice(t *testing.T, url, id, user, pass string) *office {
	t.Helper()
	o := &office{t: t}
	po := paho.NewClientOptions().AddBroker(url).SetClientID(id).SetProtocolVersion(4).SetAutoReconnect(false)
	if user != "" {
		po.SetUsername(user).SetPassword(pass)
	}
	o.c = paho.NewClient(po)
	if tok := o.c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", id, tok.Error())
	}
	t.Cleanup(func() { o.c.Disconnect(100) })
	tok := o.c.Subscribe("stampclock/door-a/cmd/answer/#", 1, func(_ paho.Client, m paho.Message) {
		var a Answer
		if err := json.Unmarshal(m.Payload(), &a); err != nil {
			t.Errorf("answer %s: %v", m.Payload(), err)
			return
		}
		o.mu.Lock()
		o.an = append(o.an, a)
		o.mu.Unlock()
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	tok = o.c.Subscribe("stampclock/door-a/cmd/answer", 1, func(_ paho.Client, m paho.Message) {
		var a Answer
		if err := json.Unmarshal(m.Payload(), &a); err != nil {
			t.Errorf("answer %s: %v", m.Payload(), err)
			return
		}
		o.mu.Lock()
		o.an = append(o.an, a)
		o.mu.Unlock()
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return o
}

// send publishes req on topic at QoS 1 and returns the publish error.
func (o *office) send(topic string, req any) error {
	b, err := json.Marshal(req)
	if err != nil {
		o.t.Fatal(err)
	}
	tok := o.c.Publish(topic, 1, false, b)
	if !tok.WaitTimeout(5 * time.Second) {
		return errors.New("no PUBACK")
	}
	return tok.Error()
}

func (o *office) answers() []Answer {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Answer(nil), o.an...)
}

// answer waits for the answer to id.
func (o *office) answer(id string) Answer {
	o.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, a := range o.answers() {
			if a.ID == id {
				return a
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	o.t.Fatalf("no answer to %q; got %+v", id, o.answers())
	return Answer{}
}

// request sends req until the responder is subscribed (its first
// requests may arrive before the subscription) and returns the answer.
func (o *office) request(req Request) Answer {
	o.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		r := req
		r.ID = fmt.Sprintf("%s-%d", req.ID, i)
		if err := o.send("stampclock/door-a/cmd", r); err != nil {
			o.t.Fatalf("publish %s: %v", r.ID, err)
		}
		for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
			for _, a := range o.answers() {
				if a.ID == r.ID {
					return a
				}
			}
		}
	}
	o.t.Fatalf("no answer to %s", req.ID)
	return Answer{}
}

func TestResponder_Mochi(t *testing.T) {
	b := mqtttest.Start(t, mqtttest.Options{})
	f := startResponder(t, b.URL(), ctlproto.Viewer, "", "")
	o := newOffice(t, b.URL(), "office", "", "")

	// status answered with its id (request retries until the subscription).
	a := o.request(Request{ID: "st", Cmd: "status", From: "office"})
	if !a.OK || a.Device != "door-a" || a.Cmd != "status" || a.Result.(map[string]any)["device"] != "door-a" {
		t.Fatalf("status answer: %+v", a)
	}

	// Unknown command: an error answer, nothing run.
	before := len(f.runs())
	if err := o.send("stampclock/door-a/cmd", Request{ID: "u1", Cmd: "format.disk"}); err != nil {
		t.Fatal(err)
	}
	if a := o.answer("u1"); a.OK || a.Error == "" {
		t.Fatalf("unknown command answered %+v", a)
	}

	// Admin command refused when only viewer commands are allowed.
	if err := o.send("stampclock/door-a/cmd", Request{ID: "r1", Cmd: "queue.retry", Args: json.RawMessage(`{"uplink":"mqtt"}`)}); err != nil {
		t.Fatal(err)
	}
	if a := o.answer("r1"); a.OK || a.Error == "" {
		t.Fatalf("admin command with viewer allowed answered %+v", a)
	}

	// A duplicate id (a redelivery) is answered once; the response topic
	// of the request is used.
	dup := Request{ID: "d1", Cmd: "status", ResponseTopic: "stampclock/door-a/cmd/answer/office"}
	for range 2 {
		if err := o.send("stampclock/door-a/cmd", dup); err != nil {
			t.Fatal(err)
		}
	}
	// A marker request after the duplicate: once its answer is in, the
	// duplicate's would be too (the responder handles requests in order).
	if err := o.send("stampclock/door-a/cmd", Request{ID: "m1", Cmd: "status"}); err != nil {
		t.Fatal(err)
	}
	o.answer("m1")
	n := 0
	for _, a := range o.answers() {
		if a.ID == "d1" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("duplicate id d1 answered %d times, want 1", n)
	}
	if got := f.runs()[before:]; len(got) != 2 || got[0] != "status" || got[1] != "status" {
		t.Fatalf("ran %v after the first status; want status (d1) and status (m1) only", got)
	}

	// A response topic outside the terminal's answer topic is refused.
	if err := o.send("stampclock/door-a/cmd", Request{ID: "x1", Cmd: "status", ResponseTopic: "stampclock/door-b/cmd/answer"}); err != nil {
		t.Fatal(err)
	}
	if a := o.answer("x1"); a.OK || a.Error == "" {
		t.Fatalf("foreign response topic answered %+v", a)
	}

	// Another terminal's command topic is not listened to.
	if err := o.send("stampclock/door-b/cmd", Request{ID: "b1", Cmd: "status"}); err != nil {
		t.Fatal(err)
	}
	if err := o.send("stampclock/door-a/cmd", Request{ID: "m2", Cmd: "status"}); err != nil {
		t.Fatal(err)
	}
	o.answer("m2")
	for _, a := range o.answers() {
		if a.ID == "b1" {
			t.Fatalf("door-a answered a request for door-b: %+v", a)
		}
	}
}

func TestServed(t *testing.T) {
	for _, tc := range []struct {
		cmd   string
		allow ctlproto.Role
		ok    bool
	}{
		{"status", ctlproto.Viewer, true},
		{"status", ctlproto.Admin, true},
		{"queue.retry", ctlproto.Viewer, false},
		{"queue.retry", ctlproto.Admin, true},
		{"badges.add", ctlproto.Admin, true},
		{"tap", ctlproto.Admin, false},
		{"enroll", ctlproto.Admin, false},
		{"queue.export", ctlproto.Admin, false},
		{"nope", ctlproto.Admin, false},
	} {
		if err := Served(tc.cmd, tc.allow); (err == nil) != tc.ok {
			t.Errorf("Served(%q, %s) = %v, want ok %v", tc.cmd, tc.allow, err, tc.ok)
		}
	}
}

// TestResponder_MosquittoACL runs the README's ACL with per-terminal
// accounts on the real mosquitto.
func TestResponder_MosquittoACL(t *testing.T) {
	bin, err := exec.LookPath("mosquitto")
	if err == nil {
		_, err = exec.LookPath("mosquitto_passwd")
	}
	if err != nil {
		msg := fmt.Sprintf("mosquitto not installed (apt-get install mosquitto): %v", err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	pwfile, aclfile := filepath.Join(dir, "passwd"), filepath.Join(dir, "acl")
	users := map[string]string{"door-a": "pw-a", "door-b": "pw-b", "office": "pw-office"}
	for u, p := range users {
		args := []string{"-b", pwfile, u, p}
		if _, err := os.Stat(pwfile); err != nil {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command("mosquitto_passwd", args...).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd %s: %v\n%s", u, err, out)
		}
	}
	if err := os.WriteFile(aclfile, []byte(ACLExample), 0o600); err != nil {
		t.Fatal(err)
	}
	m := mqtttest.StartMosquitto(t, bin, dir, fmt.Sprintf("allow_anonymous false\npassword_file %s\nacl_file %s\n", pwfile, aclfile))

	f := startResponder(t, m.URL(), ctlproto.Admin, "door-a", users["door-a"])
	off := newOffice(t, m.URL(), "office-1", "office", users["office"])
	if a := off.request(Request{ID: "st", Cmd: "status", From: "office"}); !a.OK || a.Device != "door-a" {
		t.Fatalf("office's status answered %+v", a)
	}

	// door-b may not command door-a: mosquitto drops its publish (a
	// PUBACK comes, nothing is delivered).
	b := newOffice(t, m.URL(), "door-b", "door-b", users["door-b"])
	before := len(f.runs())
	if err := b.send("stampclock/door-a/cmd", Request{ID: "evil", Cmd: "status"}); err != nil {
		t.Logf("door-b's publish: %v", err)
	}
	// The office's request after it: when its answer is in, door-b's
	// would have been handled first.
	if err := off.send("stampclock/door-a/cmd", Request{ID: "after", Cmd: "status"}); err != nil {
		t.Fatal(err)
	}
	off.answer("after")
	if got := f.runs()[before:]; len(got) != 1 {
		t.Fatalf("door-a ran %v; door-b's request must not reach it", got)
	}
	for _, a := range append(off.answers(), b.answers()...) {
		if a.ID == "evil" {
			t.Fatalf("door-b's request answered: %+v", a)
		}
	}
}
