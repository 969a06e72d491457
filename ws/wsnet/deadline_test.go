package wsnet_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

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
