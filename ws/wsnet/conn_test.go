package wsnet_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

// serve starts an httptest server whose handler upgrades with cfg and runs
// handle on the connection; it returns the ws:// URL.
func serve(t testing.TB, cfg *wsnet.Config, handle func(c *wsnet.Conn)) string {
	t.Helper()
	// Hijacked connections outlive srv.Close: wait for their handlers.
	var wg sync.WaitGroup
	var mu sync.Mutex
	stopped := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if stopped {
			mu.Unlock()
			return
		}
		wg.Add(1)
		mu.Unlock()
		defer wg.Done()
		c, err := wsnet.Upgrade(w, r, cfg)
		if err != nil {
			t.Errorf("Upgrade: %v", err)
			return
		}
		defer c.CloseNow()
		handle(c)
	}))
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		stopped = true
		mu.Unlock()
		wg.Wait()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// echoConn sends back every message until the connection ends.
func echoConn(c *wsnet.Conn) {
	ctx := context.Background()
	for {
		op, msg, err := c.ReadMessage(ctx)
		if err != nil {
			return
		}
		if err := c.WriteMessage(ctx, op, msg); err != nil {
			return
		}
	}
}

func dial(t *testing.T, url string, cfg *wsnet.Config) *wsnet.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := wsnet.Dial(ctx, url, cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func deflateConfig(on bool) *wsnet.Config {
	if !on {
		return nil
	}
	return &wsnet.Config{WS: &ws.Config{Deflate: &ws.DeflateConfig{}}}
}

func TestRoundTrip(t *testing.T) {
	text := []byte(strings.Repeat("héllo wörld ", 100))
	random := make([]byte, 3<<20)
	for i := range random {
		random[i] = byte(i*7919 + i>>8)
	}
	msgs := []struct {
		name string
		op   ws.Opcode
		p    []byte
	}{
		{"empty text", ws.OpText, []byte{}},
		{"short text", ws.OpText, []byte("hi")},
		{"text", ws.OpText, text},
		{"binary", ws.OpBinary, []byte{0, 1, 2, 0xff}},
		{"large binary", ws.OpBinary, random},
		{"large compressible", ws.OpBinary, bytes.Repeat([]byte("abcd"), 1<<20)},
	}
	for _, deflate := range []bool{false, true} {
		name := "plain"
		if deflate {
			name = "deflate"
		}
		t.Run(name, func(t *testing.T) {
			url := serve(t, deflateConfig(deflate), echoConn)
			c := dial(t, url, deflateConfig(deflate))
			if got := strings.HasPrefix(c.Extensions(), "permessage-deflate"); got != deflate {
				t.Fatalf("Extensions() = %q", c.Extensions())
			}
			ctx := testCtx(t)
			for _, m := range msgs {
				if err := c.WriteMessage(ctx, m.op, m.p); err != nil {
					t.Fatalf("%s: WriteMessage: %v", m.name, err)
				}
				op, got, err := c.ReadMessage(ctx)
				if err != nil {
					t.Fatalf("%s: ReadMessage: %v", m.name, err)
				}
				if op != m.op || !bytes.Equal(got, m.p) {
					t.Fatalf("%s: got %v %d bytes, want %v %d bytes", m.name, op, len(got), m.op, len(m.p))
				}
			}
			if err := c.Close(ws.CloseNormal, ""); err != nil {
				t.Fatalf("Close: %v", err)
			}
		})
	}
}

func TestSubprotocol(t *testing.T) {
	got := make(chan string, 1)
	url := serve(t, &wsnet.Config{WS: &ws.Config{Subprotocols: []string{"b", "c"}}}, func(c *wsnet.Conn) {
		got <- c.Subprotocol()
	})
	c := dial(t, url, &wsnet.Config{WS: &ws.Config{Subprotocols: []string{"a", "b"}}})
	if c.Subprotocol() != "b" || <-got != "b" {
		t.Fatalf("Subprotocol() = %q", c.Subprotocol())
	}
}

func TestReject(t *testing.T) {
	upgradeErr := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := wsnet.Upgrade(w, r, nil)
		upgradeErr <- err
	}))
	defer srv.Close()
	tests := []struct {
		name    string
		header  map[string]string
		status  int
		body    string
		version string
	}{
		{"plain GET", nil, 400, "Upgrade header field must include", ""},
		{"no key", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}, 400, "Sec-WebSocket-Key", ""},
		{"version 8", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "8",
			"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, 426, "Sec-WebSocket-Version", "13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.body) {
				t.Fatalf("got %d %q, want %d containing %q", resp.StatusCode, body, tt.status, tt.body)
			}
			if v := resp.Header.Get("Sec-WebSocket-Version"); v != tt.version {
				t.Fatalf("Sec-WebSocket-Version = %q, want %q", v, tt.version)
			}
			var we *ws.Error
			if err := <-upgradeErr; !errors.As(err, &we) || we.Status != tt.status {
				t.Fatalf("Upgrade error = %v", err)
			}
		})
	}
}

func TestDialRejected(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "go away", http.StatusForbidden)
	}))
	defer srv.Close()
	_, err := wsnet.Dial(testCtx(t), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	var we *ws.Error
	if !errors.As(err, &we) || we.Status != 403 || !errors.Is(err, ws.ErrHandshake) {
		t.Fatalf("Dial error = %v", err)
	}
}

func TestDialTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			t.Error("not TLS")
		}
		c, err := wsnet.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		echoConn(c)
	}))
	defer srv.Close()
	tc := srv.Client().Transport.(*http.Transport).TLSClientConfig
	c := dial(t, "wss"+strings.TrimPrefix(srv.URL, "https")+"/tls", &wsnet.Config{TLSConfig: tc})
	ctx := testCtx(t)
	if err := c.WriteMessage(ctx, ws.OpText, []byte("secret")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(ctx); err != nil || string(msg) != "secret" {
		t.Fatalf("ReadMessage = %q, %v", msg, err)
	}
	if err := c.Close(ws.CloseNormal, ""); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestPing(t *testing.T) {
	url := serve(t, nil, echoConn)
	c := dial(t, url, nil)
	ctx := testCtx(t)

	// Without a reader the pong is never seen.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err := c.Ping(short, []byte("lost"))
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ping without a reader = %v", err)
	}

	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(ctx)
		readErr <- err
	}()
	for i := 0; i < 3; i++ {
		if err := c.Ping(ctx, []byte{byte(i)}); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	}
	if err := c.Ping(ctx, make([]byte, 126)); !errors.Is(err, ws.ErrArg) {
		t.Fatalf("Ping with 126 bytes = %v", err)
	}
	if err := c.Close(ws.CloseNormal, ""); err != nil {
		t.Fatalf("Close: %v", err)
	}
	var ce *wsnet.CloseError
	if err := <-readErr; !errors.As(err, &ce) || ce.Code != ws.CloseNormal {
		t.Fatalf("ReadMessage after Close = %v", err)
	}
}

func TestClose(t *testing.T) {
	tests := []struct {
		name   string
		server bool // the server closes first
		code   ws.CloseCode
		reason string
		want   ws.CloseCode
	}{
		{"client", false, 4001, "client bye", 4001},
		{"server", true, 4002, "server bye", 4002},
		{"client no code", false, 0, "", ws.CloseNoStatus},
		{"server going away", true, ws.CloseGoingAway, "restart", ws.CloseGoingAway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srvErr := make(chan error, 1)
			url := serve(t, nil, func(c *wsnet.Conn) {
				if tt.server {
					srvErr <- c.Close(tt.code, tt.reason)
					return
				}
				_, _, err := c.ReadMessage(context.Background())
				srvErr <- err
			})
			c := dial(t, url, nil)
			ctx := testCtx(t)
			var closer error
			var got error
			if tt.server {
				_, _, got = c.ReadMessage(ctx)
				closer = <-srvErr
			} else {
				closer = c.Close(tt.code, tt.reason)
				got = <-srvErr
			}
			if closer != nil {
				t.Fatalf("Close: %v", closer)
			}
			var ce *wsnet.CloseError
			if !errors.As(got, &ce) || ce.Code != tt.want || ce.Reason != tt.reason || ce.Local {
				t.Fatalf("the other side read %v", got)
			}
			// Everything after the close fails cleanly.
			if _, _, err := c.ReadMessage(ctx); err == nil {
				t.Fatal("ReadMessage after close succeeded")
			}
			if err := c.WriteMessage(ctx, ws.OpText, []byte("late")); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("WriteMessage after close = %v", err)
			}
			if err := c.Close(ws.CloseNormal, ""); err == nil && !tt.server {
				t.Fatal("second Close succeeded")
			}
		})
	}
}

func TestCloseTimeout(t *testing.T) {
	// A server that never reads never answers the close.
	hold := make(chan struct{})
	defer close(hold)
	url := serve(t, nil, func(c *wsnet.Conn) { <-hold })
	c := dial(t, url, &wsnet.Config{CloseTimeout: 100 * time.Millisecond})
	start := time.Now()
	err := c.Close(ws.CloseNormal, "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	if err := c.WriteMessage(context.Background(), ws.OpText, nil); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("WriteMessage after Close = %v", err)
	}
}

func TestCloseNowUnblocksRead(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	url := serve(t, nil, func(c *wsnet.Conn) { <-hold })
	c := dial(t, url, nil)
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(context.Background())
		readErr <- err
	}()
	time.Sleep(20 * time.Millisecond)
	c.CloseNow()
	if err := <-readErr; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("ReadMessage = %v", err)
	}
}

func TestReadDeadlineAndContext(t *testing.T) {
	send := make(chan string)
	url := serve(t, nil, func(c *wsnet.Conn) {
		for m := range send {
			c.WriteMessage(context.Background(), ws.OpText, []byte(m))
		}
	})
	c := dial(t, url, nil)
	ctx := testCtx(t)

	c.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	if _, _, err := c.ReadMessage(ctx); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadMessage past the deadline = %v", err)
	}
	c.SetReadDeadline(time.Time{})

	cctx, cancel := context.WithCancel(ctx)
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(cctx)
		readErr <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-readErr:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ReadMessage after cancel = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("ReadMessage did not return after its context was cancelled")
	}

	// The connection is still usable.
	send <- "still here"
	close(send)
	if _, msg, err := c.ReadMessage(ctx); err != nil || string(msg) != "still here" {
		t.Fatalf("ReadMessage after timeouts = %q, %v", msg, err)
	}
}

func TestWriteDeadline(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	url := serve(t, &wsnet.Config{WS: &ws.Config{MaxMessageSize: -1, MaxFrameSize: -1}}, func(c *wsnet.Conn) { <-hold })
	c := dial(t, url, nil)
	c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	big := make([]byte, 48<<20) // more than the socket buffers hold
	err := c.WriteMessage(context.Background(), ws.OpBinary, big)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("WriteMessage past the deadline = %v", err)
	}
	if err := c.WriteMessage(context.Background(), ws.OpText, nil); err == nil {
		t.Fatal("WriteMessage after a failed write succeeded")
	}
}

func TestConcurrentUse(t *testing.T) {
	url := serve(t, nil, echoConn)
	c := dial(t, url, nil)
	ctx := testCtx(t)

	// A writer holds the data-write turn: a second writer gets an error.
	w, err := c.Writer(ctx, ws.OpText)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(ctx, ws.OpText, []byte("x")); !errors.Is(err, wsnet.ErrConcurrentWrite) {
		t.Fatalf("WriteMessage during Writer = %v", err)
	}
	if _, err := c.Writer(ctx, ws.OpText); !errors.Is(err, wsnet.ErrConcurrentWrite) {
		t.Fatalf("Writer during Writer = %v", err)
	}
	io.WriteString(w, "sent in ")
	io.WriteString(w, "pieces")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(ctx); err != nil || string(msg) != "sent in pieces" {
		t.Fatalf("ReadMessage = %q, %v", msg, err)
	}

	// One reader takes the echoes; a second reader is refused. Nothing
	// arrives yet, so the first stays in ReadMessage once it is there.
	readDone := make(chan int, 1)
	go func() {
		n := 0
		for {
			_, _, err := c.ReadMessage(ctx)
			if errors.Is(err, wsnet.ErrConcurrentRead) {
				time.Sleep(time.Millisecond) // the probe below has the turn
				continue
			}
			if err != nil {
				readDone <- n
				return
			}
			n++
		}
	}()
	for {
		short, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
		_, _, err := c.ReadMessage(short)
		cancel()
		if errors.Is(err, wsnet.ErrConcurrentRead) {
			break
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("second ReadMessage = %v", err)
		}
		// The reader goroutine was not in ReadMessage: let it get there.
		time.Sleep(5 * time.Millisecond)
	}

	// Many goroutines writing at once: each write succeeds or says why not.
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent, refused := 0, 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				err := c.WriteMessage(ctx, ws.OpBinary, make([]byte, 1000))
				mu.Lock()
				switch {
				case err == nil:
					sent++
				case errors.Is(err, wsnet.ErrConcurrentWrite):
					refused++
				default:
					t.Errorf("WriteMessage = %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if sent == 0 {
		t.Fatal("no write succeeded")
	}
	t.Logf("%d writes sent, %d refused", sent, refused)
	if err := c.Close(ws.CloseNormal, ""); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := <-readDone; n != sent {
		t.Fatalf("read %d echoes, sent %d", n, sent)
	}
}

func TestMessageTooBig(t *testing.T) {
	for _, deflate := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "deflate"}[deflate], func(t *testing.T) {
			srvCfg := &wsnet.Config{WS: &ws.Config{MaxMessageSize: 1024}}
			if deflate {
				srvCfg.WS.Deflate = &ws.DeflateConfig{}
			}
			srvErr := make(chan error, 1)
			url := serve(t, srvCfg, func(c *wsnet.Conn) {
				_, _, err := c.ReadMessage(context.Background())
				srvErr <- err
			})
			c := dial(t, url, deflateConfig(deflate))
			ctx := testCtx(t)
			// Zeros compress to a few bytes: the limit is on the inflated size.
			if err := c.WriteMessage(ctx, ws.OpBinary, make([]byte, 100<<10)); err != nil {
				t.Fatal(err)
			}
			var ce *wsnet.CloseError
			if err := <-srvErr; !errors.As(err, &ce) || ce.Code != ws.CloseMessageTooBig || !ce.Local || !errors.Is(err, ws.ErrTooBig) {
				t.Fatalf("server read %v", err)
			}
			if _, _, err := c.ReadMessage(ctx); !errors.As(err, &ce) || ce.Code != ws.CloseMessageTooBig || ce.Local {
				t.Fatalf("client read %v", err)
			}
		})
	}
}

func TestBytesAfterRequest(t *testing.T) {
	got := make(chan string, 1)
	url := serve(t, nil, func(c *wsnet.Conn) {
		_, msg, err := c.ReadMessage(context.Background())
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(msg)
	})
	nc, err := net.Dial("tcp", strings.TrimPrefix(url, "ws://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	payload := []byte("sent with the request")
	head := "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	b := append([]byte(head), ws.AppendHeader(nil, &ws.Header{Fin: true, Opcode: ws.OpText, Masked: true, Length: int64(len(payload))})...)
	b = append(b, payload...) // a zero mask key leaves the payload as is
	if _, err := nc.Write(b); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m != string(payload) {
			t.Fatalf("server read %q", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the frame sent with the request was lost")
	}
}

func TestStreamingReader(t *testing.T) {
	got := make(chan string, 1)
	url := serve(t, &wsnet.Config{WS: &ws.Config{Streaming: true, MaxQueued: 4096}}, func(c *wsnet.Conn) {
		ctx := context.Background()
		// The first message is left half read: the next Reader skips it.
		_, r, err := c.Reader(ctx)
		if err != nil {
			got <- err.Error()
			return
		}
		r.Read(make([]byte, 10))
		_, r, err = c.Reader(ctx)
		if err != nil {
			got <- err.Error()
			return
		}
		b, err := io.ReadAll(r)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(b)
	})
	c := dial(t, url, nil)
	ctx := testCtx(t)
	first := strings.Repeat("skipped ", 10000)
	if err := c.WriteMessage(ctx, ws.OpText, []byte(first)); err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("streamed ", 20000)
	w, _ := c.Writer(ctx, ws.OpText)
	for i := 0; i < len(want); i += 7000 {
		io.WriteString(w, want[i:min(i+7000, len(want))])
	}
	w.Close()
	if m := <-got; m != want {
		t.Fatalf("server read %d bytes, want %d", len(m), len(want))
	}
}

func TestKeepAlive(t *testing.T) {
	t.Run("answered", func(t *testing.T) {
		url := serve(t, nil, echoConn)
		// Pongs may take up to MaxPings intervals to come back.
		c := dial(t, url, &wsnet.Config{KeepAlive: 10 * time.Millisecond, WS: &ws.Config{MaxPings: 20}})
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		// Pongs keep it alive: the read ends with the context, not 1008.
		if _, _, err := c.ReadMessage(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ReadMessage = %v", err)
		}
	})
	t.Run("unanswered", func(t *testing.T) {
		hold := make(chan struct{})
		defer close(hold)
		url := serve(t, nil, func(c *wsnet.Conn) { <-hold }) // never reads, never pongs
		c := dial(t, url, &wsnet.Config{KeepAlive: 10 * time.Millisecond, WS: &ws.Config{MaxPings: 2}})
		var ce *wsnet.CloseError
		if _, _, err := c.ReadMessage(testCtx(t)); !errors.As(err, &ce) || ce.Code != ws.ClosePolicyViolation || !ce.Local {
			t.Fatalf("ReadMessage = %v", err)
		}
	})
}

func TestUpgradeWithoutHijack(t *testing.T) {
	valid := func(proto string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.Proto = proto
		r.Header.Set("Upgrade", "websocket")
		r.Header.Set("Connection", "Upgrade")
		r.Header.Set("Sec-WebSocket-Version", "13")
		r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		return r
	}
	tests := []struct {
		name   string
		r      *http.Request
		status int
	}{
		{"HTTP/2 is refused by ws", valid("HTTP/2.0"), 400},
		{"a writer that cannot hijack", valid("HTTP/1.1"), 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder() // not an http.Hijacker
			if _, err := wsnet.Upgrade(w, tt.r, nil); err == nil {
				t.Fatal("Upgrade succeeded")
			}
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
		})
	}
}

func TestCloseWhileReading(t *testing.T) {
	// The server keeps sending; the client reads in a loop and another
	// goroutine closes. The loop must end with the close, never with
	// ErrConcurrentRead, however Close and the reads interleave.
	url := serve(t, nil, func(c *wsnet.Conn) {
		ctx := context.Background()
		go func() {
			for {
				if _, _, err := c.ReadMessage(ctx); err != nil {
					return
				}
			}
		}()
		for c.WriteMessage(ctx, ws.OpText, []byte("tick")) == nil {
		}
	})
	for i := 0; i < 20; i++ {
		c := dial(t, url, nil)
		done := make(chan error, 1)
		go func() {
			for {
				if _, _, err := c.ReadMessage(context.Background()); err != nil {
					done <- err
					return
				}
			}
		}()
		time.Sleep(time.Millisecond)
		if err := c.Close(ws.CloseNormal, "bye"); err != nil {
			t.Fatalf("Close: %v", err)
		}
		var ce *wsnet.CloseError
		if err := <-done; !errors.As(err, &ce) && !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read loop ended with %v", err)
		}
	}
}

func TestBusyBothWays(t *testing.T) {
	// Both ends write large messages while reading in another goroutine,
	// and the server pings: pongs queued by the client's reader while its
	// writer holds the transport must still go out.
	const n, size = 20, 1 << 20
	srvErr := make(chan error, 1)
	url := serve(t, nil, func(c *wsnet.Conn) {
		ctx := context.Background()
		got := countReads(ctx, c)
		msg := make([]byte, size)
		for i := 0; i < n; i++ {
			if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
				srvErr <- err
				return
			}
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := c.Ping(pctx, []byte{byte(i)})
			cancel()
			if err != nil {
				srvErr <- err
				return
			}
		}
		c.Close(ws.CloseNormal, "")
		if k := <-got; k != n {
			srvErr <- errors.New("server read the wrong number of messages")
			return
		}
		srvErr <- nil
	})
	c := dial(t, url, nil)
	ctx := testCtx(t)
	readDone := countReads(ctx, c)
	msg := make([]byte, size)
	for i := 0; i < n; i++ {
		if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
			t.Fatalf("WriteMessage: %v", err)
		}
	}
	if k := <-readDone; k != n {
		t.Fatalf("client read %d messages, want %d", k, n)
	}
	if err := <-srvErr; err != nil {
		t.Fatalf("server: %v", err)
	}
}

func TestWriteWaitCancelled(t *testing.T) {
	// A Ping waiting for the transport, held by a blocked write, gives up
	// with its context and leaves the connection alone.
	hold := make(chan struct{})
	defer close(hold)
	url := serve(t, &wsnet.Config{WS: &ws.Config{MaxMessageSize: -1, MaxFrameSize: -1}}, func(c *wsnet.Conn) { <-hold })
	c := dial(t, url, nil)
	wctx, cancelWrite := context.WithCancel(context.Background())
	defer cancelWrite()
	writeErr := make(chan error, 1)
	go func() {
		writeErr <- c.WriteMessage(wctx, ws.OpBinary, make([]byte, 32<<20))
	}()
	time.Sleep(100 * time.Millisecond) // the write is blocked by now
	pctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := c.Ping(pctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ping = %v", err)
	}
	// The write itself is cut short by its context, which closes the
	// connection.
	cancelWrite()
	if err := <-writeErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteMessage = %v", err)
	}
	if err := c.WriteMessage(context.Background(), ws.OpText, nil); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("WriteMessage after a cut write = %v", err)
	}
}

func TestDialServerHangsUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			nc.Read(make([]byte, 4096))
			nc.Close() // no response at all
		}
	}()
	_, err = wsnet.Dial(testCtx(t), "ws://"+ln.Addr().String()+"/", nil)
	var we *ws.Error
	if !errors.As(err, &we) || we.Failure != ws.FailClosed {
		t.Fatalf("Dial = %v", err)
	}
}

func TestDialContextCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			defer nc.Close()
			time.Sleep(time.Second) // never answers
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := wsnet.Dial(ctx, "ws://"+ln.Addr().String()+"/", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial = %v", err)
	}
}

// countReads reads c's messages in a goroutine until a read fails, then
// sends how many it read.
func countReads(ctx context.Context, c *wsnet.Conn) <-chan int {
	n := make(chan int, 1)
	go func() {
		k := 0
		for {
			if _, _, err := c.ReadMessage(ctx); err != nil {
				n <- k
				return
			}
			k++
		}
	}()
	return n
}
