package webhook_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"stampclock/uplink"
	"stampclock/uplink/webhook"
)

func globals(secret string, err error) uplink.Globals {
	return uplink.Globals{DeviceID: "t", ReadSecret: func(string) (string, error) { return secret, err }}
}

func TestConfig_Prepare_DefaultsAndSecret(t *testing.T) {
	c := &webhook.Config{URL: "https://hooks.example.com/in", SecretFile: "s"}
	if err := c.Prepare(globals("0123456789abcdef", nil)); err != nil {
		t.Fatal(err)
	}
	if c.Timeout.Duration != 15*time.Second || c.Secret != "0123456789abcdef" {
		t.Fatalf("timeout %s, secret %q; want 15s and the file's secret", c.Timeout, c.Secret)
	}
	if f := c.Files(); f["webhook.secret_file"] != "s" {
		t.Fatalf("files %v", f)
	}
}

func TestConfig_Prepare_ErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    webhook.Config
		g    uplink.Globals
		want string
	}{
		{"plain http", webhook.Config{URL: "http://h.example", SecretFile: "s"}, globals("0123456789abcdef", nil), "webhook.url: \"http://h.example\" is plain http; use https, or set webhook.allow_http"},
		{"not a URL", webhook.Config{URL: "hooks", SecretFile: "s"}, globals("0123456789abcdef", nil), "webhook.url: \"hooks\" is not a URL"},
		{"no secret file", webhook.Config{URL: "https://h.example"}, globals("", nil), "webhook.secret_file: required"},
		{"unreadable", webhook.Config{URL: "https://h.example", SecretFile: "s"}, globals("", errors.New("s is world-readable")), "webhook.secret_file: s is world-readable"},
		{"short secret", webhook.Config{URL: "https://h.example", SecretFile: "s"}, globals("short", nil), "webhook.secret_file: s holds 5 bytes; want a secret of at least 16"},
		{"negative timeout", webhook.Config{URL: "https://h.example", SecretFile: "s", Timeout: uplink.Duration{Duration: -time.Second}}, globals("0123456789abcdef", nil), "webhook.timeout: -1s is negative"},
	} {
		c := tc.c
		err := c.Prepare(tc.g)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: got %v; want %q…", tc.name, err, tc.want)
		}
	}
}
