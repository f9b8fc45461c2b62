package mqtttest

import (
	"log/slog"
	"net"
	"sync"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// port is the broker's TCP port, held open from Start to the end of the
// test, so that no other process can take it while the broker is stopped
// and Restart serves on it without listening again. While the broker is
// stopped, every connection is reset as soon as it is accepted: a client's
// connect fails at once, as it does against a closed port.
type port struct {
	ln   net.Listener
	done chan struct{} // closed when accept returns

	mu  sync.Mutex
	run *portListener // the running broker's listener; nil while stopped
}

func listenPort() (*port, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &port{ln: ln, done: make(chan struct{})}
	go p.accept()
	return p, nil
}

func (p *port) addr() string { return p.ln.Addr().String() }

// close closes the port for good.
func (p *port) close() {
	p.ln.Close()
	<-p.done
}

func (p *port) accept() {
	defer close(p.done)
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		run := p.run
		p.mu.Unlock()
		if run == nil || !run.hand(conn) {
			refuse(conn)
		}
	}
}

// refuse resets conn: with a linger of 0, Close sends RST instead of FIN.
func refuse(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// open returns the listener of a new broker run; from now on the port's
// connections go to it (they wait for mochi to call Serve).
func (p *port) open() *portListener {
	l := &portListener{p: p, ready: make(chan struct{}), stopped: make(chan struct{}), conns: map[net.Conn]bool{}}
	p.mu.Lock()
	p.run = l
	p.mu.Unlock()
	return l
}

// portListener is one broker run's listener (a mochi listeners.Listener):
// Serve hands the port's connections to mochi; Close stops that, has mochi
// drop its clients and closes every connection it handed over that is
// still open, so none outlives the run.
type portListener struct {
	p       *port
	ready   chan struct{} // closed by Serve, establish set
	stopped chan struct{} // closed by Close

	mu        sync.Mutex
	establish listeners.EstablishFn
	serving   bool
	closed    bool
	conns     map[net.Conn]bool // handed to mochi, still open
}

func (l *portListener) ID() string              { return "tcp" }
func (l *portListener) Address() string         { return l.p.addr() }
func (l *portListener) Protocol() string        { return "tcp" }
func (l *portListener) Init(*slog.Logger) error { return nil }

// Serve hands connections to establish until Close.
func (l *portListener) Serve(establish listeners.EstablishFn) {
	l.mu.Lock()
	if l.closed || l.serving {
		l.mu.Unlock()
		return
	}
	l.establish, l.serving = establish, true
	close(l.ready)
	l.mu.Unlock()
	<-l.stopped
}

// hand passes conn to mochi once it serves, or reports that the run is
// over.
func (l *portListener) hand(conn net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.conns[conn] = true
	go func() {
		select {
		case <-l.ready:
			select {
			case <-l.stopped:
			default:
				// The error is the client's (a bad connect, a dropped
				// connection); tests see its effect in the messages.
				_ = l.establish(l.ID(), conn)
			}
		case <-l.stopped:
		}
		conn.Close()
		l.mu.Lock()
		delete(l.conns, conn)
		l.mu.Unlock()
	}()
	return true
}

// Close ends the run: mochi calls it first when it closes.
func (l *portListener) Close(closeClients listeners.CloseFn) {
	l.p.mu.Lock()
	if l.p.run == l {
		l.p.run = nil
	}
	l.p.mu.Unlock()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	close(l.stopped)
	l.mu.Unlock()
	closeClients(l.ID())
	l.mu.Lock()
	for conn := range l.conns {
		conn.Close()
	}
	l.mu.Unlock()
}
