// Package wsnet tests libws's blocking net.Conn layer, ws/wsnet, against
// two real, independent Go WebSocket implementations over 127.0.0.1 TCP
// (httptest servers):
//
//   - a wsnet server (wsnet.Upgrade) with gorilla/websocket and
//     coder/websocket clients;
//   - a wsnet client (wsnet.Dial) with gorilla/websocket and
//     coder/websocket servers;
//
// each without and with permessage-deflate (gorilla's EnableCompression,
// coder's CompressionContextTakeover and CompressionNoContextTakeover).
// Every pairing runs the same table of scenarios: text, binary and 1 MiB
// messages echoed both ways, pings both ways (wsnet.Conn.Ping waiting for
// its pong), a close with a code and reason started by either side, a
// message fragmented by wsnet's Writer, a message over wsnet's
// MaxMessageSize (1009), and invalid UTF-8 sent by the peer, which wsnet
// must fail with 1007.
//
// This is a separate module only so that gorilla/websocket and
// coder/websocket never become dependencies of libws itself.
package wsnet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

const ioTimeout = 10 * time.Second

var (
	text    = []byte("hello from wsnet — héllo wörld ✓ 中文 😀, long enough to be compressed by everyone")
	binary  = seq(300)
	bigText = []byte(strings.Repeat("wsnet, gorilla and coder interoperate; ", 1<<20/39+1)[:1<<20]) // compresses well
	bigBin  = randomBytes(1 << 20)
	badUTF8 = []byte("bad \xff\xfe utf-8")
)

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{17}).Read(b)
	return b
}

// peer is the independent implementation's end of a connection, seen
// through the few operations the scenarios need. Its methods may be called
// from any one goroutine at a time, except ping, which runs alongside read.
type peer interface {
	write(op ws.Opcode, p []byte) error
	// read returns the next data message, or a closeErr when a close
	// frame arrived.
	read() (ws.Opcode, []byte, error)
	// ping sends a ping and waits for its pong (a read must be running).
	ping() error
	// close sends a close frame with code and reason and waits for the
	// reply; it returns the reply's code.
	close(code int, reason string) (int, error)
	closeNow()
}

// closeErr is a close frame as a peer received it.
type closeErr struct {
	code   int
	reason string
}

func (e *closeErr) Error() string { return fmt.Sprintf("peer received close %d %q", e.code, e.reason) }

// mode is a permessage-deflate setting of a pairing; compress says whether
// it must be negotiated.
type mode struct {
	name     string
	compress bool
}

// implementation is one independent library, as a client and as a server.
type implementation struct {
	name  string
	modes []mode
	// dial connects a client of the implementation to url.
	dial func(t *testing.T, url string, m mode) peer
	// handler returns an http.Handler that accepts one connection of the
	// implementation and sends it on the channel.
	handler func(t *testing.T, m mode, conns chan<- peer) http.Handler
}

var implementations = []implementation{gorillaImpl, coderImpl}

// countingConn counts the bytes that cross the wsnet end's socket, to
// check that compression really happens.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.n}, nil
}

func wsnetConfig(m mode) *wsnet.Config {
	cfg := &ws.Config{MaxMessageSize: 4 << 20}
	if m.compress {
		cfg.Deflate = &ws.DeflateConfig{}
	}
	return &wsnet.Config{WS: cfg, CloseTimeout: ioTimeout, HandshakeTimeout: ioTimeout}
}

// pair is one connection between wsnet and a peer.
type pair struct {
	w     *wsnet.Conn
	p     peer
	wire  *atomic.Int64 // bytes through wsnet's socket
	mode  mode
	impl  string
	wsSrv bool
}

// wsnetServer connects a client of impl to a wsnet server.
func wsnetServer(t *testing.T, impl implementation, m mode) pair {
	wire := new(atomic.Int64)
	conns := make(chan *wsnet.Conn, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := wsnet.Upgrade(w, r, wsnetConfig(m))
		if err != nil {
			t.Errorf("wsnet.Upgrade: %v", err)
			return
		}
		conns <- c
	}))
	srv.Listener = countingListener{srv.Listener, wire}
	srv.Start()
	t.Cleanup(srv.Close)
	p := impl.dial(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/", m)
	t.Cleanup(p.closeNow)
	select {
	case c := <-conns:
		t.Cleanup(func() { c.CloseNow() })
		return pair{c, p, wire, m, impl.name, true}
	case <-time.After(ioTimeout):
		t.Fatal("no connection reached the wsnet server")
	}
	panic("unreachable")
}

// wsnetClient connects a wsnet client to a server of impl.
func wsnetClient(t *testing.T, impl implementation, m mode) pair {
	wire := new(atomic.Int64)
	conns := make(chan peer, 1)
	srv := httptest.NewServer(impl.handler(t, m, conns))
	t.Cleanup(srv.Close)
	cfg := wsnetConfig(m)
	cfg.NetDial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, wire}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	c, err := wsnet.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/", cfg)
	if err != nil {
		t.Fatalf("wsnet.Dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	select {
	case p := <-conns:
		t.Cleanup(p.closeNow)
		return pair{c, p, wire, m, impl.name, false}
	case <-time.After(ioTimeout):
		t.Fatal("the server did not accept")
	}
	panic("unreachable")
}

// async runs f on a goroutine; the returned channel yields its error.
func async(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

func wait(t *testing.T, what string, ch <-chan error) {
	t.Helper()
	select {
	case err := <-ch:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(ioTimeout):
		t.Fatalf("%s: timed out", what)
	}
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	t.Cleanup(cancel)
	return ctx
}

func show(p []byte) string {
	if len(p) > 40 {
		return fmt.Sprintf("%d bytes %q...", len(p), p[:40])
	}
	return fmt.Sprintf("%q", p)
}

// wsnetExpectClose reads from the wsnet end and expects a *wsnet.CloseError.
func wsnetExpectClose(c *wsnet.Conn, ctx context.Context, code ws.CloseCode, reason string, local bool) error {
	op, msg, err := c.ReadMessage(ctx)
	var ce *wsnet.CloseError
	if !errors.As(err, &ce) {
		return fmt.Errorf("wsnet read %v %s, %v; want a *wsnet.CloseError", op, show(msg), err)
	}
	if ce.Code != code || ce.Reason != reason || ce.Local != local {
		return fmt.Errorf("wsnet got %+v, want code %d reason %q local %v", ce, code, reason, local)
	}
	return nil
}

// peerExpectClose reads from the peer and expects a close frame.
func peerExpectClose(p peer, code int, reason string) error {
	op, msg, err := p.read()
	var ce *closeErr
	if !errors.As(err, &ce) {
		return fmt.Errorf("peer read %v %s, %v; want a close frame", op, show(msg), err)
	}
	if ce.code != code || ce.reason != reason {
		return fmt.Errorf("peer got close %d %q, want %d %q", ce.code, ce.reason, code, reason)
	}
	return nil
}

var messages = []struct {
	name string
	op   ws.Opcode
	p    []byte
}{
	{"text", ws.OpText, text},
	{"binary", ws.OpBinary, binary},
	{"empty", ws.OpBinary, []byte{}},
	{"1MiB-text", ws.OpText, bigText},
	{"1MiB-binary", ws.OpBinary, bigBin},
}

// scenarios run on every pairing.
var scenarios = []struct {
	name string
	run  func(t *testing.T, pr pair)
}{
	{"extensions", func(t *testing.T, pr pair) {
		ext := pr.w.Extensions()
		if got := strings.HasPrefix(ext, "permessage-deflate"); got != pr.mode.compress {
			t.Fatalf("wsnet negotiated %q; compression wanted: %v", ext, pr.mode.compress)
		}
		t.Logf("extensions: %q", ext)
	}},
	{"wsnet-to-peer", func(t *testing.T, pr pair) {
		// wsnet sends, the peer echoes, wsnet checks what came back.
		ctx := ctxTimeout(t)
		echo := async(func() error {
			for range messages {
				op, p, err := pr.p.read()
				if err != nil {
					return err
				}
				if err := pr.p.write(op, p); err != nil {
					return err
				}
			}
			return nil
		})
		for _, m := range messages {
			if err := pr.w.WriteMessage(ctx, m.op, m.p); err != nil {
				t.Fatalf("wsnet write %s: %v", m.name, err)
			}
			op, p, err := pr.w.ReadMessage(ctx)
			if err != nil {
				t.Fatalf("wsnet read %s: %v", m.name, err)
			}
			if op != m.op || !bytes.Equal(p, m.p) {
				t.Fatalf("%s came back as %v %s, want %v %s", m.name, op, show(p), m.op, show(m.p))
			}
		}
		wait(t, "peer echo", echo)
		checkWire(t, pr)
	}},
	{"peer-to-wsnet", func(t *testing.T, pr pair) {
		// The peer sends, wsnet echoes, the peer checks.
		ctx := ctxTimeout(t)
		echo := async(func() error {
			for range messages {
				op, p, err := pr.w.ReadMessage(ctx)
				if err != nil {
					return err
				}
				if err := pr.w.WriteMessage(ctx, op, p); err != nil {
					return err
				}
			}
			return nil
		})
		for _, m := range messages {
			if err := pr.p.write(m.op, m.p); err != nil {
				t.Fatalf("peer write %s: %v", m.name, err)
			}
			op, p, err := pr.p.read()
			if err != nil {
				t.Fatalf("peer read %s: %v", m.name, err)
			}
			if op != m.op || !bytes.Equal(p, m.p) {
				t.Fatalf("%s came back as %v %s, want %v %s", m.name, op, show(p), m.op, show(m.p))
			}
		}
		wait(t, "wsnet echo", echo)
		checkWire(t, pr)
	}},
	{"ping-both-ways", func(t *testing.T, pr pair) {
		ctx := ctxTimeout(t)
		// Both ends keep reading, so that pongs are seen and pings answered;
		// both readers end with the close that finishes the scenario.
		wsRead := async(func() error {
			op, p, err := pr.w.ReadMessage(ctx)
			var ce *wsnet.CloseError
			if !errors.As(err, &ce) || ce.Code != ws.CloseNormal || ce.Local {
				return fmt.Errorf("wsnet read %v %s, %v; want the peer's close 1000", op, show(p), err)
			}
			return nil
		})
		peerRead := async(func() error { return peerExpectClose(pr.p, 1000, "pinged") })
		for i := 0; i < 3; i++ {
			if err := pr.w.Ping(ctx, []byte(fmt.Sprint("wsnet ping ", i))); err != nil {
				t.Fatalf("wsnet Ping %d: %v", i, err)
			}
			if err := pr.p.ping(); err != nil {
				t.Fatalf("peer ping %d: %v", i, err)
			}
		}
		// wsnet closes while its reader runs: the reader gets the reply.
		if err := pr.w.Close(ws.CloseNormal, "pinged"); err != nil {
			t.Fatalf("wsnet Close: %v", err)
		}
		wait(t, "wsnet reader", wsRead)
		wait(t, "peer reader", peerRead)
	}},
	{"close-by-wsnet", func(t *testing.T, pr pair) {
		peerRead := async(func() error { return peerExpectClose(pr.p, 4001, "bye from wsnet ✓") })
		start := time.Now()
		if err := pr.w.Close(4001, "bye from wsnet ✓"); err != nil {
			t.Fatalf("wsnet Close: %v", err)
		}
		if d := time.Since(start); d > ioTimeout/2 {
			t.Errorf("wsnet Close took %v: it waited for its timeout", d)
		}
		wait(t, "peer sees the close", peerRead)
		// Reads then return the peer's reply again, or net.ErrClosed.
		ctx := ctxTimeout(t)
		_, _, err := pr.w.ReadMessage(ctx)
		var ce *wsnet.CloseError
		if errors.As(err, &ce) {
			if ce.Code != 4001 || ce.Local {
				t.Fatalf("wsnet read after Close: %+v, want the peer's reply 4001", ce)
			}
		} else if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("wsnet read after Close: %v, want a *CloseError or net.ErrClosed", err)
		}
		if err := pr.w.WriteMessage(ctx, ws.OpText, text); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("wsnet write after Close: %v, want net.ErrClosed", err)
		}
	}},
	{"close-by-peer", func(t *testing.T, pr pair) {
		ctx := ctxTimeout(t)
		wsRead := async(func() error { return wsnetExpectClose(pr.w, ctx, 4002, "bye from the peer", false) })
		code, err := pr.p.close(4002, "bye from the peer")
		if err != nil {
			t.Fatalf("peer close: %v", err)
		}
		if code != 4002 {
			t.Errorf("wsnet replied with code %d, want 4002 echoed", code)
		}
		wait(t, "wsnet sees the close", wsRead)
		// The error sticks.
		if err := wsnetExpectClose(pr.w, ctx, 4002, "bye from the peer", false); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Fatalf("second read: %v", err)
		}
	}},
	{"fragmented-from-wsnet", func(t *testing.T, pr pair) {
		// wsnet's Writer sends one frame per Write, with a character split
		// between two of them; the peer gets the whole message.
		ctx := ctxTimeout(t)
		msg := []byte("fragments: € and 😀 split across frames")
		euro := bytes.IndexRune(msg, '€')
		pieces := [][]byte{msg[:euro+1], msg[euro+1 : euro+5], {}, msg[euro+5:]}
		peerRead := async(func() error {
			op, p, err := pr.p.read()
			if err != nil {
				return err
			}
			if op != ws.OpText || !bytes.Equal(p, msg) {
				return fmt.Errorf("peer got %v %s, want text %s", op, show(p), show(msg))
			}
			return nil
		})
		wr, err := pr.w.Writer(ctx, ws.OpText)
		if err != nil {
			t.Fatalf("wsnet Writer: %v", err)
		}
		for _, p := range pieces {
			if _, err := wr.Write(p); err != nil {
				t.Fatalf("wsnet fragment: %v", err)
			}
		}
		if err := wr.Close(); err != nil {
			t.Fatalf("wsnet final fragment: %v", err)
		}
		wait(t, "peer reads the fragmented message", peerRead)
	}},
	{"too-big-from-peer", func(t *testing.T, pr pair) {
		// Over wsnet's MaxMessageSize (4 MiB here), compressed or not:
		// wsnet fails the connection with 1009.
		ctx := ctxTimeout(t)
		big := bytes.Repeat([]byte("x"), 4<<20+1)
		peerSide := async(func() error {
			if err := pr.p.write(ws.OpBinary, big); err != nil {
				return nil // wsnet may close before the whole message is written
			}
			return peerExpectCloseCode(pr.p, 1009)
		})
		op, msg, err := pr.w.ReadMessage(ctx)
		var ce *wsnet.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.CloseCode(1009) || !ce.Local || !errors.Is(err, ws.ErrTooBig) {
			t.Fatalf("wsnet read %v %s, %v; want a local *wsnet.CloseError 1009 (ws.ErrTooBig)", op, show(msg), err)
		}
		wait(t, "peer sees 1009", peerSide)
	}},
	{"invalid-utf8-from-peer", func(t *testing.T, pr pair) {
		ctx := ctxTimeout(t)
		peerRead := async(func() error {
			if err := pr.p.write(ws.OpText, badUTF8); err != nil {
				return err
			}
			return peerExpectCloseCode(pr.p, 1007)
		})
		op, msg, err := pr.w.ReadMessage(ctx)
		var ce *wsnet.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.CloseCode(1007) || !ce.Local {
			t.Fatalf("wsnet read %v %s, %v; want a local *wsnet.CloseError 1007", op, show(msg), err)
		}
		var we *ws.Error
		if !errors.As(err, &we) {
			t.Errorf("wsnet error %v does not wrap a *ws.Error", err)
		}
		wait(t, "peer sees 1007", peerRead)
	}},
}

func peerExpectCloseCode(p peer, code int) error {
	op, msg, err := p.read()
	var ce *closeErr
	if !errors.As(err, &ce) || ce.code != code {
		return fmt.Errorf("peer read %v %s, %v; want close %d", op, show(msg), err, code)
	}
	return nil
}

// checkWire checks, after a scenario that echoed both 1 MiB messages, that
// compression shrank the repetitive one both ways (and left the random
// one alone), or that nothing was compressed.
func checkWire(t *testing.T, pr pair) {
	t.Helper()
	n := pr.wire.Load()
	payload := int64(0)
	for _, m := range messages {
		payload += 2 * int64(len(m.p))
	}
	t.Logf("%d bytes on the wire for %d bytes of payload", n, payload)
	if pr.mode.compress {
		// bigText (2 MiB both ways) shrinks to a few KiB; bigBin does not.
		if n > payload-2*int64(len(bigText))+256<<10 {
			t.Errorf("%d bytes on the wire for %d of payload: not compressed both ways", n, payload)
		}
	} else if n < payload {
		t.Errorf("%d bytes on the wire for %d of payload without compression", n, payload)
	}
}

func TestWsnetServer(t *testing.T) {
	for _, impl := range implementations {
		for _, m := range impl.modes {
			for _, sc := range scenarios {
				t.Run(impl.name+"-client/"+m.name+"/"+sc.name, func(t *testing.T) {
					t.Parallel()
					sc.run(t, wsnetServer(t, impl, m))
				})
			}
		}
	}
}

func TestWsnetClient(t *testing.T) {
	for _, impl := range implementations {
		for _, m := range impl.modes {
			for _, sc := range scenarios {
				t.Run(impl.name+"-server/"+m.name+"/"+sc.name, func(t *testing.T) {
					t.Parallel()
					sc.run(t, wsnetClient(t, impl, m))
				})
			}
		}
	}
}
