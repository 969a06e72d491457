package ws

import (
	"strconv"
	"testing"
)

// TestGoldenEventsOverConnect is the conformance argument for WebSockets
// over HTTP/2 and HTTP/3 (RFC 8441 §5, RFC 9220 §3): once an extended
// CONNECT has opened a Conn, the stream's DATA goes through the very frame
// layer TCP bytes do. Every corpus stream, fed in every split of
// TestGoldenEvents to a connection opened by FeedConnectRequest (server)
// or FeedConnectResponse (client), with the extension parameters
// negotiated in the field lists, gives the recorded events and replies:
// fed whole, a byte at a time (up to 256 KiB) and in random pieces (TestGoldenEvents runs
// the other splits and budgets on the same frame layer).
func TestGoldenEventsOverConnect(t *testing.T) {
	want := readGolden(t)
	ran := 0
	for _, gc := range goldenCorpus(t) {
		gc := gc
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			w, ok := want[gc.name]
			if !ok {
				t.Fatalf("no record in %s", goldenPath)
			}
			for _, sp := range goldenSplits(len(gc.wire), 0) {
				if sp.name != "whole" && sp.name != "random1" && (sp.name != "1" || len(gc.wire) > goldenTinySplitMax) {
					continue
				}
				got := goldenRunWith(t, gc, sp, 0, connectOpened)
				if i, g, x := firstDiff(got, w); i >= 0 {
					t.Fatalf("split %s: line %d:\n got: %s\nwant: %s", sp.name, i, g, x)
				}
			}
		})
		ran++
	}
	if ran < 100 {
		t.Fatalf("only %d corpus streams ran", ran)
	}
}

// connectOpened opens a connection of cfg's role with an extended CONNECT
// whose field lists negotiate the agreement a.
func connectOpened(t *testing.T, cfg *Config, a *Agreement) *Conn {
	t.Helper()
	ext := ""
	if a != nil && a.Deflate != nil {
		ext = formatDeflate(a.Deflate)
		d := &DeflateConfig{}
		if cfg.Role == RoleServer {
			d.ServerMaxWindowBits = a.Deflate.ServerMaxWindowBits
		}
		cfg.Deflate = d
	}
	var c *Conn
	if cfg.Role == RoleServer {
		c = mustServer(t, cfg)
		req := [][2]string{{":method", "CONNECT"}, {":protocol", "websocket"}, {":scheme", "https"},
			{":path", "/"}, {":authority", "example.com"}, {"sec-websocket-version", "13"}}
		if ext != "" {
			req = append(req, [2]string{"sec-websocket-extensions", ext})
		}
		if err := c.FeedConnectRequest(ProtoHTTP2, req); err != nil {
			t.Fatal(err)
		}
	} else {
		var err error
		if c, err = NewConnectClient(cfg, "wss://example.com/"); err != nil {
			t.Fatal(err)
		}
		resp := [][2]string{{":status", "200"}}
		if ext != "" {
			resp = append(resp, [2]string{"sec-websocket-extensions", ext})
		}
		if err := c.FeedConnectResponse(resp); err != nil {
			t.Fatal(err)
		}
	}
	if ev := drain(c); len(ev) == 0 || ev[len(ev)-1].Type != EventOpen {
		t.Fatalf("the extended CONNECT did not open: %v", ev)
	}
	if a != nil && a.Deflate != nil && (c.Deflate() == nil || *c.Deflate() != *a.Deflate) {
		t.Fatalf("negotiated %+v, want %+v", c.Deflate(), a.Deflate)
	}
	return c
}

// formatDeflate is the permessage-deflate element stating p in full.
func formatDeflate(p *DeflateParams) string {
	s := "permessage-deflate; server_max_window_bits=" + strconv.Itoa(p.ServerMaxWindowBits) +
		"; client_max_window_bits=" + strconv.Itoa(p.ClientMaxWindowBits)
	if p.ServerNoContextTakeover {
		s += "; server_no_context_takeover"
	}
	if p.ClientNoContextTakeover {
		s += "; client_no_context_takeover"
	}
	return s
}
