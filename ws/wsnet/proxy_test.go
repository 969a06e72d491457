package wsnet_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

// connectProxy is a minimal HTTP CONNECT proxy that records what it was
// asked for and requires the given Proxy-Authorization value.
func connectProxy(t *testing.T, auth string) (addr string, seen <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 1)
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				br := bufio.NewReader(nc)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				ch <- req.Method + " " + req.Host
				if req.Method != http.MethodConnect || req.Header.Get("Proxy-Authorization") != auth {
					io.WriteString(nc, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
					return
				}
				up, err := net.Dial("tcp", req.Host)
				if err != nil {
					io.WriteString(nc, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
					return
				}
				defer up.Close()
				io.WriteString(nc, "HTTP/1.1 200 Connection established\r\n\r\n")
				go io.Copy(up, br)
				io.Copy(nc, up)
			}()
		}
	}()
	return ln.Addr().String(), ch
}

func TestDialProxy(t *testing.T) {
	url0 := serve(t, nil, echoConn)
	target := url0[len("ws://"):]
	// "Basic " + base64("user:pass")
	addr, seen := connectProxy(t, "Basic dXNlcjpwYXNz")

	t.Run("tunnel", func(t *testing.T) {
		pu := &url.URL{Scheme: "http", Host: addr, User: url.UserPassword("user", "pass")}
		c := dial(t, url0, &wsnet.Config{Proxy: http.ProxyURL(pu)})
		if got := <-seen; got != "CONNECT "+target {
			t.Fatalf("proxy saw %q", got)
		}
		ctx := testCtx(t)
		if err := c.WriteMessage(ctx, ws.OpText, []byte("via proxy")); err != nil {
			t.Fatal(err)
		}
		if _, msg, err := c.ReadMessage(ctx); err != nil || string(msg) != "via proxy" {
			t.Fatalf("ReadMessage = %q, %v", msg, err)
		}
		if err := c.Close(ws.CloseNormal, ""); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		pu := &url.URL{Scheme: "http", Host: addr}
		_, err := wsnet.Dial(context.Background(), url0, &wsnet.Config{Proxy: http.ProxyURL(pu)})
		<-seen
		if err == nil {
			t.Fatal("Dial through a proxy that refused succeeded")
		}
		t.Log(err)
	})
}
