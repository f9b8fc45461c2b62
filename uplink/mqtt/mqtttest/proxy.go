package mqtttest

import (
	"net"
	"sync"
)

// Proxy forwards loopback TCP connections to a target address. Cut closes
// every forwarded connection abruptly, as a network failure would: the
// broker sees no DISCONNECT and sends the client's Last Will.
type Proxy struct {
	target string
	l      net.Listener

	mu     sync.Mutex
	conns  []net.Conn
	paused bool
	thawed chan struct{} // closed while data flows; open while frozen
}

// Freeze holds every byte in flight in both directions (connections stay
// open) until Thaw or Cut: like a network that stopped answering.
func (p *Proxy) Freeze() {
	p.mu.Lock()
	p.thawed = make(chan struct{})
	p.mu.Unlock()
}

// Thaw lets held data flow again.
func (p *Proxy) Thaw() {
	p.mu.Lock()
	select {
	case <-p.thawed:
	default:
		close(p.thawed)
	}
	p.mu.Unlock()
}

func (p *Proxy) flowing() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.thawed
}

// Pause makes the proxy refuse new connections (accept and close at once)
// until Resume.
func (p *Proxy) Pause() { p.mu.Lock(); p.paused = true; p.mu.Unlock() }

// Resume forwards new connections again.
func (p *Proxy) Resume() { p.mu.Lock(); p.paused = false; p.mu.Unlock() }

// StartProxy forwards a free loopback port to target until the test ends.
func StartProxy(tb TB, target string) *Proxy {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("mqtttest: proxy listen: %v", err)
	}
	p := &Proxy{target: target, l: l, thawed: make(chan struct{})}
	close(p.thawed)
	go p.serve()
	tb.Cleanup(func() { l.Close(); p.Cut() })
	return p
}

// URL is the proxy's tcp:// URL.
func (p *Proxy) URL() string { return "tcp://" + p.l.Addr().String() }

func (p *Proxy) serve() {
	for {
		in, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		paused := p.paused
		p.mu.Unlock()
		if paused {
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		// Paused (and cut) while dialling: this connection must not
		// escape the cut.
		p.mu.Lock()
		if p.paused {
			p.mu.Unlock()
			in.Close()
			out.Close()
			continue
		}
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go p.pipe(in, out)
		go p.pipe(out, in)
	}
}

func (p *Proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			<-p.flowing()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Cut closes every open forwarded connection (and thaws a frozen proxy).
func (p *Proxy) Cut() {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	select {
	case <-p.thawed:
	default:
		close(p.thawed)
	}
	p.mu.Unlock()
	for _, c := range conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	}
}
