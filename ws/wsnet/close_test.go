package wsnet_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

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
