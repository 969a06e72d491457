package wsnet_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

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
