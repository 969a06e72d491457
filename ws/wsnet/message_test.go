package wsnet_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libws/libws/ws"
	"github.com/libws/libws/ws/wsnet"
)

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

func TestLargeMessagesInChunksWithPings(t *testing.T) {
	// Messages larger than a write (64 KiB) go out in several writes while
	// the peer pings: the pongs queued between those writes follow the
	// message and every byte arrives in order.
	stop := make(chan struct{})
	pingErr := make(chan error, 1)
	pings := 0
	url := serve(t, nil, func(c *wsnet.Conn) {
		go func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					pings = i
					pingErr <- nil
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := c.Ping(ctx, []byte{byte(i)})
				cancel()
				if err != nil {
					pingErr <- err
					return
				}
			}
		}()
		echoConn(c)
	})
	c := dial(t, url, nil)
	ctx := testCtx(t)
	done := make(chan error, 1)
	msgs := make([][]byte, 8)
	for k := range msgs {
		msgs[k] = make([]byte, 200<<10+k*65537)
		for i := range msgs[k] {
			msgs[k][i] = byte(i*31 + k + i>>10)
		}
	}
	go func() {
		for _, m := range msgs {
			if err := c.WriteMessage(ctx, ws.OpBinary, m); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for k, m := range msgs {
		_, got, err := c.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("message %d: %v", k, err)
		}
		if !bytes.Equal(got, m) {
			t.Fatalf("message %d: %d bytes came back differing from the %d sent", k, len(got), len(m))
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("WriteMessage: %v", err)
	}
	close(stop)
	countReads(ctx, c) // the last ping's pong is written by a reader
	if err := <-pingErr; err != nil {
		t.Fatalf("server Ping: %v", err)
	}
	t.Logf("%d pings answered meanwhile", pings)
}
