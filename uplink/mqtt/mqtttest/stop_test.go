package mqtttest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Stop is the clean restart of a service manager: with persistence on,
// mosquitto writes its database, so a retained message published just
// before is there again after Start.
func TestMosquitto_StopWritesPersistence(t *testing.T) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mosquitto not found but CI is set: install the Debian package mosquitto")
		}
		t.Skip("mosquitto not found: install the Debian package mosquitto to run this test")
	}
	dir := t.TempDir()
	m := StartMosquitto(t, bin, dir, fmt.Sprintf("allow_anonymous true\npersistence true\npersistence_location %s/\n", dir))
	c, err := connect(t, m.URL(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if tok := c.Publish("a/b", 1, true, "kept"); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
	c.Disconnect(0)
	m.Stop()
	m.Start()
	c, err = connect(t, m.URL(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	c.Subscribe("a/b", 1, func(_ paho.Client, msg paho.Message) { got <- string(msg.Payload()) })
	select {
	case p := <-got:
		if p != "kept" {
			t.Fatalf("retained %q after the restart", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the retained message is gone after Stop and Start")
	}
}
