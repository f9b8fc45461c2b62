package mqtt

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every other connection of the terminal (site badges, site taps, remote
// commands) takes the section's brokers, login and TLS files, with its
// own client id.
func TestConfig_Conn_SameBrokerOwnClientID(t *testing.T) {
	c := &Config{URLs: []string{"tcp://a:1883", "tcp://b:1883"}, ClientID: "door-1", Username: "door-1", Password: "pw"}
	c.TopicPrefix, c.KeepAlive.Duration = "site/hq", 45*time.Second
	a, err := c.Conn("-badges")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.URLs, c.URLs) || a.ClientID != "door-1-badges" || a.Username != "door-1" || a.Password != "pw" || a.TopicPrefix != "site/hq" || a.KeepAlive != 45*time.Second {
		t.Fatalf("connection %+v", a)
	}
	c.CAFile = filepath.Join(t.TempDir(), "missing-ca.pem")
	if _, err := c.Conn("-taps"); err == nil || !strings.Contains(err.Error(), "missing-ca.pem") {
		t.Fatalf("with a missing CA file: %v; want an error naming it", err)
	}
}
