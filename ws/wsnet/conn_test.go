package wsnet_test

import (
	"context"
	"net/http"
	"net/http/httptest"
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
