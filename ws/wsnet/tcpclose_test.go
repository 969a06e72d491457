package wsnet_test

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

// Who closes TCP after the closing handshake (RFC 6455 §7.1.1): the server
// at once; the client waits for the server to, at most CloseTimeout. The
// peer in these tests is raw TCP, so that the test sees exactly when the
// other end closes.

// rawPeer is the test's end of a connection: raw TCP with frame helpers.
type rawPeer struct {
	t    *testing.T
	c    net.Conn
	br   *bufio.Reader
	mask bool // a client masks its frames
}

func (p *rawPeer) writeFrame(op byte, payload []byte) {
	p.t.Helper()
	f := []byte{0x80 | op, byte(len(payload))} // payloads here are under 126 bytes
	body := append([]byte(nil), payload...)
	if p.mask {
		key := [4]byte{1, 2, 3, 4}
		f[1] |= 0x80
		f = append(f, key[:]...)
		for i := range body {
			body[i] ^= key[i&3]
		}
	}
	if _, err := p.c.Write(append(f, body...)); err != nil {
		p.t.Fatalf("raw write: %v", err)
	}
}

func (p *rawPeer) writeClose(code ws.CloseCode, reason string) {
	p.t.Helper()
	p.writeFrame(0x8, append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...))
}

// readFrame reads one frame (unmasked, as a server sends, or masked).
func (p *rawPeer) readFrame() (op byte, payload []byte) {
	p.t.Helper()
	p.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var h [2]byte
	if _, err := io.ReadFull(p.br, h[:]); err != nil {
		p.t.Fatalf("raw read: %v", err)
	}
	n := int(h[1] & 0x7f)
	if n >= 126 {
		p.t.Fatalf("raw read: unexpected length %d", n)
	}
	var key [4]byte
	if h[1]&0x80 != 0 {
		if _, err := io.ReadFull(p.br, key[:]); err != nil {
			p.t.Fatalf("raw read: %v", err)
		}
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(p.br, payload); err != nil {
		p.t.Fatalf("raw read: %v", err)
	}
	for i := range payload {
		payload[i] ^= key[i&3]
	}
	return h[0] & 0x0f, payload
}

func (p *rawPeer) readClose() ws.CloseCode {
	p.t.Helper()
	op, b := p.readFrame()
	if op != 0x8 || len(b) < 2 {
		p.t.Fatalf("raw read: opcode %d payload %q, want a close frame with a code", op, b)
	}
	return ws.CloseCode(binary.BigEndian.Uint16(b))
}

// expectEOF waits up to within for the other end to close TCP.
func (p *rawPeer) expectEOF(within time.Duration) {
	p.t.Helper()
	p.c.SetReadDeadline(time.Now().Add(within))
	var b [64]byte
	n, err := p.br.Read(b[:])
	if n > 0 || err == nil {
		p.t.Fatalf("raw read after the close frames: %d bytes, %v; want EOF", n, err)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		p.t.Fatalf("the other end did not close TCP within %v: %v", within, err)
	}
}

// expectOpen checks that the other end keeps TCP open for d.
func (p *rawPeer) expectOpen(d time.Duration) {
	p.t.Helper()
	p.c.SetReadDeadline(time.Now().Add(d))
	var b [64]byte
	n, err := p.br.Read(b[:])
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		p.t.Fatalf("the other end closed TCP (or sent %d bytes) too early: %v", n, err)
	}
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// rawClient connects to the wsnet server at wsURL (ws://host:port/...) and runs the
// opening handshake by hand.
func rawClient(t *testing.T, wsURL string) *rawPeer {
	t.Helper()
	addr := wsURL[len("ws://"):]
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	p := &rawPeer{t: t, c: c, br: bufio.NewReader(c), mask: true}
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	return p
}

// rawServer accepts one connection, answers its opening handshake by hand
// and delivers it on the channel. The listener's URL is returned.
func rawServer(t *testing.T) (string, <-chan *rawPeer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan *rawPeer, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		t.Cleanup(func() { c.Close() })
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			c.Close()
			return
		}
		h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		fmt.Fprintf(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Accept: %s\r\n\r\n", base64.StdEncoding.EncodeToString(h[:]))
		ch <- &rawPeer{t: t, c: c, br: br}
	}()
	return "ws://" + ln.Addr().String() + "/", ch
}

// closeWatch is a net.Conn that reports when wsnet closes it.
type closeWatch struct {
	net.Conn
	closed chan struct{}
}

func (c *closeWatch) Close() error {
	select {
	case <-c.closed:
	default:
		close(c.closed)
	}
	return c.Conn.Close()
}

// dialWatched dials url with cfg and returns the connection and a channel
// closed when wsnet closes its transport.
func dialWatched(t *testing.T, wsURL string, cfg *wsnet.Config) (*wsnet.Conn, <-chan struct{}) {
	t.Helper()
	closed := make(chan struct{})
	cfg.NetDial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &closeWatch{Conn: c, closed: closed}, nil
	}
	cfg.Proxy = func(*http.Request) (*url.URL, error) { return nil, nil }
	return dial(t, wsURL, cfg), closed
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestServerClosesTCPAfterHandshake(t *testing.T) {
	t.Run("client closes first", func(t *testing.T) {
		hold := make(chan struct{})
		defer close(hold)
		got := make(chan error, 1)
		url := serve(t, nil, func(c *wsnet.Conn) {
			_, _, err := c.ReadMessage(context.Background())
			got <- err
			<-hold // the handler does not return: wsnet itself closes TCP
		})
		p := rawClient(t, url)
		p.writeClose(ws.CloseNormal, "bye")
		if code := p.readClose(); code != ws.CloseNormal {
			t.Fatalf("close reply code %d", code)
		}
		p.expectEOF(3 * time.Second) // the default CloseTimeout is 5 s
		var ce *wsnet.CloseError
		if err := <-got; !errors.As(err, &ce) || ce.Code != ws.CloseNormal {
			t.Fatalf("server read %v", err)
		}
	})
	t.Run("server closes first", func(t *testing.T) {
		hold := make(chan struct{})
		defer close(hold)
		got := make(chan error, 1)
		url := serve(t, nil, func(c *wsnet.Conn) {
			got <- c.Close(ws.CloseGoingAway, "restart")
			<-hold
		})
		p := rawClient(t, url)
		if code := p.readClose(); code != ws.CloseGoingAway {
			t.Fatalf("close code %d", code)
		}
		p.writeClose(ws.CloseGoingAway, "")
		p.expectEOF(3 * time.Second)
		if err := <-got; err != nil {
			t.Fatalf("server Close = %v", err)
		}
	})
}

func TestClientWaitsForServerToCloseTCP(t *testing.T) {
	t.Run("client closes first, server closes TCP", func(t *testing.T) {
		url, peers := rawServer(t)
		c, closed := dialWatched(t, url, &wsnet.Config{CloseTimeout: 10 * time.Second})
		p := <-peers
		done := make(chan error, 1)
		go func() { done <- c.Close(ws.CloseNormal, "bye") }()
		if code := p.readClose(); code != ws.CloseNormal {
			t.Fatalf("close code %d", code)
		}
		p.writeClose(ws.CloseNormal, "")
		p.expectOpen(300 * time.Millisecond) // the client waits for us
		select {
		case err := <-done:
			t.Fatalf("Close returned before the server closed TCP: %v", err)
		default:
		}
		p.c.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Close = %v", err)
			}
		case <-time.After(5 * time.Second): // well before CloseTimeout
			t.Fatal("Close did not return after the server closed TCP")
		}
		if !isClosed(closed) {
			t.Fatal("Close returned with the transport open")
		}
	})
	t.Run("client closes first, server keeps TCP open", func(t *testing.T) {
		url, peers := rawServer(t)
		timeout := 300 * time.Millisecond
		c, closed := dialWatched(t, url, &wsnet.Config{CloseTimeout: timeout})
		p := <-peers
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- c.Close(ws.CloseNormal, "bye") }()
		p.readClose()
		p.writeClose(ws.CloseNormal, "")
		p.expectEOF(5 * time.Second) // the client gave up waiting and closed
		if el := time.Since(start); el < timeout*2/3 {
			t.Fatalf("the client closed TCP after %v, before its close timeout %v", el, timeout)
		}
		if err := <-done; err != nil {
			t.Fatalf("Close = %v, want nil: the handshake completed", err)
		}
		if !isClosed(closed) {
			t.Fatal("transport not closed")
		}
	})
	t.Run("server closes first, then CloseNow", func(t *testing.T) {
		url, peers := rawServer(t)
		c, closed := dialWatched(t, url, &wsnet.Config{CloseTimeout: 10 * time.Second})
		p := <-peers
		p.writeClose(ws.CloseNormal, "bye")
		var ce *wsnet.CloseError
		if _, _, err := c.ReadMessage(testCtx(t)); !errors.As(err, &ce) || ce.Code != ws.CloseNormal {
			t.Fatalf("client read %v", err)
		}
		if code := p.readClose(); code != ws.CloseNormal {
			t.Fatalf("close reply code %d", code)
		}
		// The usual defer c.CloseNow() after the read loop ends: the
		// handshake is complete, so the client still waits for the server.
		c.CloseNow()
		p.expectOpen(300 * time.Millisecond)
		if isClosed(closed) {
			t.Fatal("the client closed TCP before the server did")
		}
		p.c.Close()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("the client did not close TCP after the server did")
		}
		if err := c.WriteMessage(testCtx(t), ws.OpText, []byte("late")); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("WriteMessage after close = %v", err)
		}
	})
	t.Run("server closes first, server keeps TCP open", func(t *testing.T) {
		url, peers := rawServer(t)
		timeout := 300 * time.Millisecond
		c, closed := dialWatched(t, url, &wsnet.Config{CloseTimeout: timeout})
		p := <-peers
		p.writeClose(ws.CloseNormal, "bye")
		if _, _, err := c.ReadMessage(testCtx(t)); err == nil {
			t.Fatal("client read succeeded")
		}
		start := time.Now()
		p.readClose()
		p.expectEOF(5 * time.Second) // nobody calls anything: the wait is bounded
		if el := time.Since(start); el < timeout/2 {
			t.Fatalf("the client closed TCP after %v, before its close timeout %v", el, timeout)
		}
		if !isClosed(closed) {
			t.Fatal("transport not closed")
		}
	})
	t.Run("CloseNow before the handshake completes closes at once", func(t *testing.T) {
		url, peers := rawServer(t)
		c, closed := dialWatched(t, url, &wsnet.Config{CloseTimeout: 10 * time.Second})
		p := <-peers
		c.CloseNow()
		if !isClosed(closed) {
			t.Fatal("CloseNow left the transport open")
		}
		p.expectEOF(3 * time.Second)
	})
}
