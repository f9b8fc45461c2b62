package mqtt

// Integration tests against the real mosquitto (Debian package
// "mosquitto"). They skip when it is not installed, and fail when the
// environment variable CI is set.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"stampclock/uplink/mqtt/mqtttest"
)

// need returns the path of a system binary, skipping the test without it
// (failing under CI).
func need(t testing.TB, bin string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		msg := fmt.Sprintf("%s not installed (apt-get install mosquitto mosquitto-clients): %v", bin, err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startMosquitto runs the real mosquitto (skipping without it, failing
// under CI) with a plain loopback listener plus the extra config lines.
func startMosquitto(t testing.TB, extra string) *mqtttest.Mosquitto {
	t.Helper()
	return mqtttest.StartMosquitto(t, need(t, "mosquitto"), t.TempDir(), "allow_anonymous true\n"+extra)
}

// subscriber records every message on stampclock/# (QoS 1).
type subscriber struct {
	t    testing.TB
	url  string
	mu   sync.Mutex
	msgs []mqtttest.Message
	c    paho.Client
}

func subscribe(t testing.TB, url string) *subscriber {
	t.Helper()
	s := &subscriber{t: t, url: url}
	s.connect()
	t.Cleanup(func() { s.c.Disconnect(0) })
	return s
}

func (s *subscriber) connect() {
	s.t.Helper()
	o := paho.NewClientOptions().AddBroker(s.url).SetClientID("stampclock-test-sub").SetAutoReconnect(false).SetProtocolVersion(4)
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		s.t.Fatalf("subscriber connect: %v", tok.Error())
	}
	tok := c.Subscribe("stampclock/#", 1, func(_ paho.Client, m paho.Message) {
		s.mu.Lock()
		s.msgs = append(s.msgs, mqtttest.Message{Topic: m.Topic(), Payload: append([]byte(nil), m.Payload()...), QoS: m.Qos(), Retain: m.Retained()})
		s.mu.Unlock()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		s.t.Fatalf("subscribe: %v", tok.Error())
	}
	s.c = c
}

func (s *subscriber) messages() []mqtttest.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mqtttest.Message(nil), s.msgs...)
}

func TestMosquitto_KilledAndRestartedMidBacklog_AllArrive(t *testing.T) {
	const n = 5000
	m := startMosquitto(t, "")
	sub := subscribe(t, m.URL())
	// The uplink reaches mosquitto through a proxy, so the test can hold
	// it off while the subscriber reconnects after the restart.
	p := mqtttest.StartProxy(t, fmt.Sprintf("127.0.0.1:%d", m.Port))
	s := newStore(t, n)
	start(t, s, Options{URLs: []string{p.URL()}, ConnectTimeout: time.Second})
	eventually(t, 30*time.Second, "a third of the backlog delivered", func() bool { return countRecords(sub.messages()) >= n/3 })
	// The network to the terminal stops answering with publishes and
	// PUBACKs in flight; the subscriber drains what the broker accepted
	// (mosquitto without persistence loses what it has not forwarded yet:
	// that is the broker's durability, not the uplink's); then the broker
	// dies.
	p.Pause()
	p.Freeze()
	time.Sleep(300 * time.Millisecond)
	m.Kill()
	p.Cut()
	left := pendingOf(t, s, "mqtt")
	if left == 0 {
		t.Fatal("backlog drained before the kill; test proves nothing")
	}
	m.Start()
	sub.connect()
	p.Resume()
	eventually(t, 60*time.Second, "queue drained after restart", func() bool { return pendingOf(t, s, "mqtt") == 0 })
	eventually(t, 10*time.Second, "subscriber got every record", func() bool {
		got := map[string]bool{}
		for _, msg := range sub.messages() {
			if !msg.Retain && !strings.HasSuffix(msg.Topic, "/status") && !strings.HasSuffix(msg.Topic, "/seen") {
				got[string(msg.Payload)] = true
			}
		}
		return len(got) >= n
	})
	dups := checkAllArrived(t, sub.messages(), n)
	t.Logf("killed with %d of %d pending; %d redeliveries", left, n, dups)
}

// certs writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, all signed by the CA, into dir.
type certFiles struct{ ca, serverCert, serverKey, clientCert, clientKey string }

func makeCerts(t testing.TB, dir string) certFiles {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	writeKey := func(name string, k *ecdsa.PrivateKey) string {
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return write(name, "EC PRIVATE KEY", der)
	}
	now := time.Now()
	caKey := newKey()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "stampclock test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, key *ecdsa.PrivateKey) []byte {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}}
		if usage == x509.ExtKeyUsageServerAuth {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	sk, ck := newKey(), newKey()
	return certFiles{
		ca:         write("ca.pem", "CERTIFICATE", caDER),
		serverCert: write("server.pem", "CERTIFICATE", leaf(2, "127.0.0.1", x509.ExtKeyUsageServerAuth, sk)),
		serverKey:  writeKey("server.key", sk),
		clientCert: write("client.pem", "CERTIFICATE", leaf(3, device, x509.ExtKeyUsageClientAuth, ck)),
		clientKey:  writeKey("client.key", ck),
	}
}

func TestMosquitto_MutualTLS_DeliversAndRefusesUnknownCA(t *testing.T) {
	need(t, "mosquitto")
	dir := t.TempDir()
	c := makeCerts(t, dir)
	other := makeCerts(t, t.TempDir()) // a CA the broker's certificate is not from
	tlsPort := freePort(t)
	m := startMosquitto(t, fmt.Sprintf(`
listener %d 127.0.0.1
cafile %s
certfile %s
keyfile %s
require_certificate true
`, tlsPort, c.ca, c.serverCert, c.serverKey))
	sub := subscribe(t, m.URL())
	s := newStore(t, 200)
	start(t, s, Options{URLs: []string{fmt.Sprintf("ssl://127.0.0.1:%d", tlsPort)}, CAFile: c.ca, CertFile: c.clientCert, KeyFile: c.clientKey})
	eventually(t, 20*time.Second, "delivered over TLS", func() bool { return pendingOf(t, s, "mqtt") == 0 })
	eventually(t, 10*time.Second, "subscriber got them", func() bool { return countRecords(sub.messages()) >= 200 })
	checkAllArrived(t, sub.messages(), 200)

	s2 := newStore(t, 1)
	run := start(t, s2, Options{URLs: []string{fmt.Sprintf("tls://127.0.0.1:%d", tlsPort)}, ClientID: "other", CAFile: other.ca, CertFile: c.clientCert, KeyFile: c.clientKey})
	eventually(t, 10*time.Second, "certificate error in state", func() bool {
		return strings.Contains(run.c.State().LastError, "certificate")
	})
	if pendingOf(t, s2, "mqtt") != 1 {
		t.Fatal("delivered to a broker with an unknown CA")
	}
}
