package webhook_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"stampclock/device/clock"
	"stampclock/internal/runnertest"
	"stampclock/uplink"
	"stampclock/uplink/webhook"
	"stampclock/uplink/webhook/webhooktest"
)

// writePEM writes the DER certificates as a PEM file in dir.
func writePEM(t *testing.T, dir, name string, ders ...[]byte) string {
	t.Helper()
	var b []byte
	for _, der := range ders {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// otherCA is a CA certificate that signed nothing the receiver has.
func otherCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Another CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// privateReceiver is the strict receiver behind https with a certificate
// no system root signed (a company's own CA), and that certificate.
func privateReceiver(t *testing.T) (*webhooktest.Server, string, []byte) {
	t.Helper()
	s := webhooktest.New(webhooktest.Options{Now: func() time.Time { return t0 }})
	ts := httptest.NewUnstartedServer(s)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return s, ts.URL + webhooktest.Path, ts.Certificate().Raw
}

// prepared is the section as stampd prepares it from the config.
func prepared(t *testing.T, url, caFile string) webhook.Config {
	t.Helper()
	c := webhook.Config{URL: url, SecretFile: "s", CAFile: caFile}
	if err := c.Prepare(globals(webhooktest.DefaultSecret, nil)); err != nil {
		t.Fatal(err)
	}
	return c
}

// A receiver behind a private CA takes records once webhook.ca_file
// names that CA; with the system's roots or another CA, nothing is sent,
// the record stays, and the error says why.
func TestCAFile_PrivateCA_DeliversOnlyWithIt(t *testing.T) {
	s, url, cert := privateReceiver(t)
	dir := t.TempDir()
	env := uplink.Env{DeviceID: "term-1", Now: func() time.Time { return t0 }, Version: "test"} // no injected HTTPClient: stampd's own
	other := writePEM(t, dir, "other.pem", otherCA(t))
	for _, tc := range []struct{ name, caFile, hint string }{
		{"system roots", "", "for a company's own CA set webhook.ca_file"},
		{"another CA", other, "webhook.ca_file " + other + " does not hold the CA that signed the receiver's certificate"},
	} {
		c, err := webhook.New(prepared(t, url, tc.caFile), env)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Send(context.Background(), entries(1)[0], false)
		if uplink.ClassOf(err) != uplink.Retry || !strings.Contains(err.Error(), "certificate signed by unknown authority") || !strings.Contains(err.Error(), tc.hint) {
			t.Fatalf("%s: send gave %v (class %v); want Retry: certificate signed by unknown authority, with %q", tc.name, err, uplink.ClassOf(err), tc.hint)
		}
		steps := webhook.Check(context.Background(), prepared(t, url, tc.caFile), uplink.CheckEnv{})
		if len(steps) != 1 || steps[0].Err == nil || !strings.Contains(steps[0].Err.Error(), tc.hint) {
			t.Fatalf("%s: check steps %+v; want one failing on the certificate, with %q", tc.name, steps, tc.hint)
		}
	}
	if got := s.Records(); len(got) != 0 {
		t.Fatalf("stored %d records over an unverified connection; want none", len(got))
	}

	// The CA file may hold other CAs beside the receiver's.
	caFile := writePEM(t, dir, "ca.pem", otherCA(t), cert)
	c, err := webhook.New(prepared(t, url, caFile), env)
	if err != nil {
		t.Fatal(err)
	}
	if steps := webhook.Check(context.Background(), prepared(t, url, caFile), uplink.CheckEnv{}); len(steps) != 1 || steps[0].Err != nil {
		t.Fatalf("check steps %+v; want one passing", steps)
	}
	h := runnertest.Start(t, c, entries(3)...)
	h.WaitDelivered(t, 3, 10*time.Second)
	if got := keys(s.Records()); !slices.Equal(got, want(3)) {
		t.Fatalf("stored %q; want %q", got, want(3))
	}
}

func TestConfig_Prepare_CAFileErrorsNameTheKeyAndFile(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.der")
	if err := os.WriteFile(notPEM, otherCA(t), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for _, tc := range []struct{ path, want string }{
		{missing, "webhook.ca_file: open " + missing + ": no such file or directory"},
		{notPEM, "webhook.ca_file " + notPEM + ": no PEM certificate in it"},
	} {
		c := webhook.Config{URL: "https://h.example", SecretFile: "s", CAFile: tc.path}
		err := c.Prepare(globals("0123456789abcdef", nil))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: got %v; want %q…", tc.path, err, tc.want)
		}
	}
	c := prepared(t, "https://h.example", writePEM(t, dir, "ok.pem", otherCA(t)))
	if c.RootCAs == nil || c.Files()["webhook.ca_file"] == "" {
		t.Fatalf("prepared section: roots %v, files %v; want the CA file's roots and the file listed", c.RootCAs, c.Files())
	}
}

// stampd loads webhook.ca_file from its config and delivers taps to a
// receiver whose certificate only that CA vouches for.
func TestStampd_WebhookCAFile_TapsDelivered(t *testing.T) {
	cl := clock.NewFake(time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC))
	s := webhooktest.New(webhooktest.Options{Now: cl.Now})
	ts := httptest.NewTLSServer(s)
	t.Cleanup(ts.Close)
	caFile := writePEM(t, t.TempDir(), "company-ca.pem", ts.Certificate().Raw)
	path, socket := stampdConfig(t, fmt.Sprintf("url = %q\nca_file = %q", ts.URL+webhooktest.Path, caFile))
	runStampd(t, path, socket, cl)

	tap(t, socket, "04A1B2C3", "2026-03-02T07:58:12+01:00")
	tap(t, socket, "04A1B2C3", "2026-03-02T16:45:30+01:00")
	eventually(t, "the start, the stop and the entry stored", func() bool { return len(s.Records()) == 3 })
	var got []string
	for _, r := range s.Records() {
		got = append(got, r.IdempotencyKey+" "+r.Kind)
	}
	slices.Sort(got)
	if want := []string{"term-1:1 punch", "term-1:2 punch", "term-1:3 entry"}; !slices.Equal(got, want) {
		t.Fatalf("stored %q; want %q", got, want)
	}
}
