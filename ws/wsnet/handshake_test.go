package wsnet_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

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
