package wsnet_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

// echo is an http.Handler that sends every message back.
func echo(w http.ResponseWriter, r *http.Request) {
	c, err := wsnet.Upgrade(w, r, &wsnet.Config{WS: &ws.Config{Deflate: &ws.DeflateConfig{}}})
	if err != nil {
		return // Upgrade answered the request already
	}
	defer c.CloseNow()
	ctx := context.Background()
	for {
		op, msg, err := c.ReadMessage(ctx)
		if err != nil {
			return // *wsnet.CloseError once the client closes
		}
		if err := c.WriteMessage(ctx, op, msg); err != nil {
			return
		}
	}
}

// An echo server in an http.Handler, and what a client sees of it.
func Example_echoServer() {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()

	ctx := context.Background()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/echo"
	c, err := wsnet.Dial(ctx, url, &wsnet.Config{WS: &ws.Config{Deflate: &ws.DeflateConfig{}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("extensions:", c.Extensions())
	for _, m := range []string{"hello", strings.Repeat("compressible ", 100)} {
		c.WriteMessage(ctx, ws.OpText, []byte(m))
		op, msg, _ := c.ReadMessage(ctx)
		fmt.Println(op, len(msg), string(msg) == m)
	}
	fmt.Println("close:", c.Close(ws.CloseNormal, "done"))

	// A plain HTTP request is refused with 400.
	resp, _ := http.Get(srv.URL)
	fmt.Println(resp.Status)
	resp.Body.Close()

	// Output:
	// extensions: permessage-deflate
	// text 5 true
	// text 1300 true
	// close: <nil>
	// 400 Bad Request
}

// A client that pings while another goroutine reads; the server closes
// with a code and reason of its own.
func Example_client() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := wsnet.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		c.WriteMessage(ctx, ws.OpText, []byte("welcome"))
		c.ReadMessage(ctx) // wait for the client's message
		c.Close(4000, "see you")
	}))
	defer srv.Close()

	ctx := context.Background()
	c, err := wsnet.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseNow()

	_, msg, _ := c.ReadMessage(ctx)
	fmt.Printf("server says %q\n", msg)

	// Ping needs a reader to see the pong: read in another goroutine.
	closed := make(chan error)
	go func() {
		_, _, err := c.ReadMessage(ctx) // answers the server's close
		closed <- err
	}()
	fmt.Println("ping:", c.Ping(ctx, []byte("are you there?")))
	c.WriteMessage(ctx, ws.OpText, []byte("hi"))

	var ce *wsnet.CloseError
	if err := <-closed; errors.As(err, &ce) {
		fmt.Println("closed by server:", ce.Code, ce.Reason)
	}

	// Output:
	// server says "welcome"
	// ping: <nil>
	// closed by server: 4000 see you
}
