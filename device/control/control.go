// Package control is the local control socket between stampd and stampctl:
// one JSON request and one JSON response per connection over a unix socket.
// The socket is created with mode 0660 so only root and the service's group
// may talk to the daemon.
//
// A client sends its request line within the read timeout and keeps the
// connection open until the answer: closing it (or shutting down its
// writing side) ends the command, so an enrolment does not outlive its
// client. At most Options.MaxConns connections are served at once.
package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Request is one command.
type Request struct {
	Cmd  string          `json:"cmd"`
	Args json.RawMessage `json:"args,omitempty"`
}

// Response answers a Request.
type Response struct {
	OK    bool            `json:"ok"`
	Error string          `json:"error,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// Handler answers a command. The returned value is encoded as JSON.
type Handler func(ctx context.Context, cmd string, args json.RawMessage) (any, error)

// ErrUnknownCommand is returned by handlers for a command they do not know.
var ErrUnknownCommand = errors.New("unknown command")

// MaxRequest bounds a request's size in bytes. Bulk commands (badge
// import) send pages well below it.
const MaxRequest = 128 << 10

// DefaultMaxConns bounds the connections served at once.
const DefaultMaxConns = 64

// Options bound what clients of the socket may hold. Zero values mean the
// defaults.
type Options struct {
	// MaxConns is how many connections are served at once; more are
	// answered "busy" and closed at once. Default DefaultMaxConns.
	MaxConns int
	// ReadTimeout is how long a client has to send its request line.
	// Default 10s.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing the answer. Default 10s.
	WriteTimeout time.Duration
}

func (o *Options) defaults() {
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 10 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
}

// Server serves the control socket.
type Server struct {
	ln   net.Listener
	h    Handler
	log  *slog.Logger
	opts Options
}

// Listen creates the socket at path (mode 0660), replacing a stale socket
// that nobody listens on. It refuses to replace a live one.
func Listen(path string, h Handler, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("control: control.socket %s: create its directory: %w", path, err)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control: listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control: chmod %s: %w", path, err)
	}
	s := &Server{ln: ln, h: h, log: log}
	s.opts.defaults()
	return s, nil
}

// removeStale removes a socket left behind by a daemon that died. Only a
// socket nobody listens on is removed: anything else at path (a regular
// file such as the queue, a directory, a symlink) is a configuration error
// and stays untouched.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("control: control.socket %s: %w", path, err)
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("control: control.socket %s exists and is not a socket (%s); refusing to replace it: fix control.socket", path, describeMode(fi.Mode()))
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("control: %s: another stampd is listening", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("control: remove stale socket %s: %w", path, err)
	}
	return nil
}

func describeMode(m os.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "mode " + m.String()
}

// Serve answers connections until ctx is done, then closes the socket.
// Running out of file descriptors (or another temporary accept error) is
// waited out with a capped backoff, as net/http does: a flood of
// connections never ends the daemon. At most Options.MaxConns connections
// are served at once; the others are answered "busy" and closed at once.
func (s *Server) Serve(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		s.ln.Close()
	}()
	slots := make(chan struct{}, s.opts.MaxConns)
	// Workers stay for the next connection (at most MaxConns of them): a
	// command then runs on a stack that has already grown to what commands
	// need. A goroutine per connection grew a fresh stack for each one,
	// ≈ 50 µs of a tap's 345 µs beyond its commit and a bare socket's
	// round trip.
	work := make(chan net.Conn)
	defer close(work)
	workers := 0
	var delay time.Duration
	failed, refused := 0, 0
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !temporary(err) {
				return fmt.Errorf("control: accept: %w", err)
			}
			if failed == 0 {
				s.log.Warn("control: accept failing; retrying with backoff", "err", err)
			}
			failed++
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(delay):
			}
			continue
		}
		if failed > 0 {
			s.log.Warn("control: accepting again", "failed_accepts", failed)
			failed, delay = 0, 0
		}
		select {
		case slots <- struct{}{}:
			if refused > 0 {
				s.log.Warn("control: connections refused as busy", "count", refused)
				refused = 0
			}
			select {
			case work <- conn: // an idle worker takes it
			default:
				if workers < s.opts.MaxConns {
					workers++
					go s.work(ctx, work, slots)
				}
				// With a free slot, a worker is free or about to be:
				// one that freed its slot is on its way back.
				work <- conn
			}
		default:
			refused++
			s.reply(conn, Response{Error: fmt.Sprintf("busy: %d control connections open; try again", s.opts.MaxConns)}, busyReplyTimeout)
			conn.Close()
		}
	}
}

// work serves the connections it is handed until conns is closed; each
// frees its slot when it is done.
func (s *Server) work(ctx context.Context, conns <-chan net.Conn, slots <-chan struct{}) {
	for conn := range conns {
		s.serveConn(ctx, conn)
		<-slots
	}
}

// temporary reports whether an accept error passes by itself: out of file
// descriptors or memory, or a connection aborted before it was accepted.
func temporary(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR, syscall.EAGAIN, syscall.EPROTO} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// serveConn reads one request within the read timeout, runs the handler
// with a context that ends when the client hangs up, and writes the answer.
// The answer goes out as soon as the handler returns: the watcher of the
// hang-up (if it started) ends when the connection is closed, after the
// answer, and is not waited for.
func (s *Server) serveConn(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(s.opts.ReadTimeout))
	line, err := readRequest(conn)
	if err != nil {
		s.reply(conn, Response{Error: err.Error()}, s.opts.WriteTimeout)
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The client sends nothing after its request: a read that returns
	// means it went away (or broke the protocol), so the command ends.
	// Most commands answer within a millisecond; the watcher starts only
	// for one still running after watchAfter, so a quick command costs no
	// second goroutine.
	_ = conn.SetReadDeadline(time.Time{})
	watch := time.AfterFunc(watchAfter, func() {
		var b [1]byte
		_, _ = conn.Read(b[:])
		cancel()
	})
	resp := s.answer(ctx, line)
	watch.Stop()
	s.reply(conn, resp, s.opts.WriteTimeout)
}

// busyReplyTimeout bounds writing the "busy" answer, which the accept
// loop does itself. A write to a fresh connection does not block; the
// bound only stops a pathological one. It is counted from before the
// write: at 100 ms, a loaded machine (the race detector beside other
// work) sometimes passed it before the write began, and the refused
// client got a reset instead of the answer.
const busyReplyTimeout = time.Second

// watchAfter is how long a command runs before its connection is watched
// for the client hanging up.
const watchAfter = 20 * time.Millisecond

func (s *Server) reply(conn net.Conn, resp Response, timeout time.Duration) {
	_ = conn.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(encodeResponse(resp)); err != nil {
		s.log.Debug("control: write answer", "err", err)
	}
}

// encodeResponse is resp as one line. The data, encoded once by answer,
// is copied as it is instead of being checked and compacted again.
func encodeResponse(resp Response) []byte {
	if !resp.OK {
		data, _ := json.Marshal(resp)
		return append(data, '\n')
	}
	out := make([]byte, 0, len(resp.Data)+len(`{"ok":true,"data":}`)+1)
	out = append(out, `{"ok":true`...)
	if len(resp.Data) > 0 {
		out = append(out, `,"data":`...)
		out = append(out, resp.Data...)
	}
	return append(out, "}\n"...)
}

// readRequest reads one request line of at most MaxRequest bytes.
func readRequest(r io.Reader) ([]byte, error) {
	line, err := bufio.NewReaderSize(io.LimitReader(r, MaxRequest), 512).ReadBytes('\n')
	switch {
	case err == nil:
		return line, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, errors.New("bad request: timeout: no complete request line in time")
	case errors.Is(err, io.EOF) && len(line) >= MaxRequest:
		return nil, fmt.Errorf("bad request: too large (over %d bytes)", MaxRequest)
	case errors.Is(err, io.EOF) && len(line) > 0:
		return line, nil
	}
	return nil, fmt.Errorf("bad request: %v", err)
}

func (s *Server) answer(ctx context.Context, line []byte) Response {
	req, err := DecodeRequest(line)
	if err != nil {
		return Response{Error: err.Error()}
	}
	v, err := s.h(ctx, req.Cmd, req.Args)
	if err != nil {
		return Response{Error: err.Error()}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return Response{Error: fmt.Sprintf("encode answer: %v", err)}
	}
	return Response{OK: true, Data: data}
}

// DecodeRequest parses one request line.
func DecodeRequest(line []byte) (Request, error) {
	var req Request
	if err := json.Unmarshal(line, &req); err != nil {
		return req, fmt.Errorf("bad request: %v", err)
	}
	if req.Cmd == "" {
		return req, errors.New("bad request: no cmd")
	}
	return req, nil
}

// ErrNotRunning means nothing listens on the socket.
var ErrNotRunning = errors.New("stampd is not running")

// dialError says why connecting to the socket at path failed, and what to
// do about it.
func dialError(path string, err error) error {
	var ne *net.OpError
	if errors.As(err, &ne) && (errors.Is(err, os.ErrNotExist) || isRefused(err)) {
		return fmt.Errorf("%w (no control socket at %s; is the service started? `systemctl status stampd`)", ErrNotRunning, path)
	}
	if errors.Is(err, os.ErrPermission) {
		return deniedError(path)
	}
	return fmt.Errorf("control: connect to %s: %w", path, err)
}

// Call sends one command to the socket at path and decodes the answer's
// data into out (if not nil).
func Call(ctx context.Context, path, cmd string, args, out any) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return dialError(path, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	req := Request{Cmd: cmd}
	if args != nil {
		if req.Args, err = json.Marshal(args); err != nil {
			return fmt.Errorf("control: encode %s: %w", cmd, err)
		}
	}
	data, _ := json.Marshal(req)
	if _, err := conn.Write(append(data, '\n')); err != nil {
		// A server that refused the connection (busy) answered and
		// closed it before reading the request: its answer says why.
		var resp Response
		if json.NewDecoder(conn).Decode(&resp) == nil && !resp.OK {
			return errors.New(resp.Error)
		}
		return fmt.Errorf("control: send %s: %w", cmd, err)
	}
	var resp Response
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		return fmt.Errorf("control: read answer to %s: %w", cmd, err)
	}
	if !resp.OK {
		return errors.New(resp.Error)
	}
	if out != nil && len(resp.Data) > 0 {
		if err := json.Unmarshal(resp.Data, out); err != nil {
			return fmt.Errorf("control: decode answer to %s: %w", cmd, err)
		}
	}
	return nil
}
