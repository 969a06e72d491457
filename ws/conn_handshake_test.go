package ws

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

const goodRequest = "GET /chat?room=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n"

func newServer(t *testing.T, cfg Config) *Conn {
	t.Helper()
	cfg.Role = RoleServer
	c, err := NewServer(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServerHandshakeThenFramesInOneBuffer(t *testing.T) {
	wire := cat([]byte(goodRequest), cframe(true, OpText, "early"), cframe(true, OpPing, "x"))
	for _, split := range []int{0, 1, 7} {
		c := newServer(t, Config{Subprotocols: []string{"superchat"}})
		var got []ev
		if split == 0 {
			got = feedSplit(t, c, wire)
		} else {
			got = feedSplit(t, c, wire, split)
		}
		equalEvents(t, got, []ev{{Type: EventRequest}, {Type: EventOpen}, text("early"), ping("x")})
		resp := string(c.Output())
		if !strings.HasPrefix(resp, "HTTP/1.1 101 Switching Protocols\r\n") ||
			!strings.Contains(resp, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") ||
			!strings.Contains(resp, "Sec-WebSocket-Protocol: superchat\r\n") {
			t.Fatalf("response:\n%s", resp)
		}
		if c.Subprotocol() != "superchat" || c.Request().Target != "/chat?room=1" {
			t.Fatalf("subprotocol %q target %q", c.Subprotocol(), c.Request().Target)
		}
	}
}

func TestServerRejectsBadRequests(t *testing.T) {
	tests := []struct {
		name, req string
		status    int
	}{
		{"wrong version", strings.Replace(goodRequest, "Version: 13", "Version: 8", 1), 426},
		{"bad key", strings.Replace(goodRequest, "dGhlIHNhbXBsZSBub25jZQ==", "short", 1), 400},
		{"not GET", strings.Replace(goodRequest, "GET", "POST", 1), 400},
		{"garbage", "hello\r\n\r\n", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newServer(t, Config{})
			got := feedSplit(t, c, []byte(tt.req))
			if len(got) != 1 || got[0].Type != EventRejected || int(got[0].Code) != tt.status || got[0].Data == "" {
				t.Fatalf("events %v", got)
			}
			resp := string(c.Output())
			if !strings.HasPrefix(resp, "HTTP/1.1 "+strconv.Itoa(tt.status)+" ") {
				t.Fatalf("response:\n%s", resp)
			}
			if tt.status == 426 && !strings.Contains(resp, "Sec-WebSocket-Version: 13\r\n") {
				t.Fatal("426 without Sec-WebSocket-Version: 13 (§4.2.2)")
			}
			if c.State() != StateClosed || c.Hint() != HintClose || c.Err() == nil {
				t.Fatalf("state %v hint %v err %v", c.State(), c.Hint(), c.Err())
			}
			if _, err := c.Feed(cframe(true, OpText, "x")); err != nil || len(drain(c)) != 0 {
				t.Fatal("frames accepted after a rejection")
			}
		})
	}
}

func TestServerHeadTooLarge(t *testing.T) {
	c := newServer(t, Config{MaxHandshakeSize: 256})
	big := strings.Replace(goodRequest, "Host: example.com", "Host: example.com\r\nX-Pad: "+strings.Repeat("p", 300), 1)
	got := feedSplit(t, c, []byte(big))
	if len(got) != 1 || got[0].Type != EventRejected || got[0].Code != 431 {
		t.Fatalf("events %v", got)
	}
}

func TestServerManualAccept(t *testing.T) {
	c := newServer(t, Config{ManualAccept: true, Subprotocols: []string{"chat"}})
	got := feedSplit(t, c, cat([]byte(goodRequest), cframe(true, OpText, "pipelined")))
	equalEvents(t, got, []ev{{Type: EventRequest}})
	if c.OutputLen() != 0 || c.State() != StateConnecting {
		t.Fatal("answered before Accept")
	}
	wantCode(t, c.SendText([]byte("x")), CodeState)
	wantCode(t, c.Accept(&AcceptOptions{Subprotocol: "nonsense"}), CodeArg)
	if err := c.Accept(&AcceptOptions{Subprotocol: "superchat", Header: [][2]string{{"X-Served-By", "libws"}}}); err != nil {
		t.Fatal(err)
	}
	equalEvents(t, drain(c), []ev{{Type: EventOpen}, text("pipelined")})
	resp := string(c.Output())
	if !strings.Contains(resp, "Sec-WebSocket-Protocol: superchat\r\n") || !strings.Contains(resp, "X-Served-By: libws\r\n") {
		t.Fatalf("response:\n%s", resp)
	}
	wantCode(t, c.Accept(nil), CodeState)

	c = newServer(t, Config{ManualAccept: true})
	feedSplit(t, c, []byte(goodRequest))
	wantCode(t, c.Reject(200, "no", nil), CodeArg)
	if err := c.Reject(403, "go away", [][2]string{{"X-Why", "test"}}); err != nil {
		t.Fatal(err)
	}
	resp = string(c.Output())
	if !strings.HasPrefix(resp, "HTTP/1.1 403 ") || !strings.HasSuffix(resp, "\r\n\r\ngo away") || !strings.Contains(resp, "X-Why: test\r\n") {
		t.Fatalf("rejection:\n%s", resp)
	}
	if c.State() != StateClosed || c.Hint() != HintClose {
		t.Fatal("not closed after Reject")
	}
}

func TestServerFromParsedHeaders(t *testing.T) {
	c := newServer(t, Config{})
	err := c.FeedRequest("GET", "/x", "HTTP/1.1", [][2]string{
		{"host", "h"}, {"upgrade", "WebSocket"}, {"connection", "upgrade"},
		{"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="}, {"sec-websocket-version", "13"},
	})
	if err != nil {
		t.Fatal(err)
	}
	equalEvents(t, drain(c), []ev{{Type: EventRequest}, {Type: EventOpen}})
	wantCode(t, c.FeedRequest("GET", "/", "HTTP/1.1", nil), CodeState)
	got := feedSplit(t, c, cframe(true, OpBinary, "after"))
	equalEvents(t, got, []ev{binary_("after")})
}

// serverAnswer builds the 101 a server would send to c's request.
func serverAnswer(t *testing.T, c *Conn, scfg Config) []byte {
	t.Helper()
	s := newServer(t, scfg)
	s.Feed(c.Output())
	c.Consume(c.OutputLen())
	return append([]byte{}, s.Output()...)
}

func TestClientHandshake(t *testing.T) {
	for _, split := range []int{0, 1} {
		c, err := NewClient(&Config{Role: RoleClient, Subprotocols: []string{"a", "b"}, Deflate: &DeflateConfig{}}, "ws://example.com:8080/p?q")
		if err != nil {
			t.Fatal(err)
		}
		resp := serverAnswer(t, c, Config{Subprotocols: []string{"b"}, Deflate: &DeflateConfig{}})
		wire := cat(resp, sframe(true, OpText, "right after the head"))
		var got []ev
		if split == 0 {
			got = feedSplit(t, c, wire)
		} else {
			got = feedSplit(t, c, wire, split)
		}
		equalEvents(t, got, []ev{{Type: EventOpen}, text("right after the head")})
		if c.Subprotocol() != "b" || c.Deflate() == nil || c.Extensions() != "permessage-deflate" || c.Response().Status != 101 {
			t.Fatalf("agreement: %q %+v %q", c.Subprotocol(), c.Deflate(), c.Extensions())
		}
	}
}

func TestClientRejected(t *testing.T) {
	tests := []struct {
		name   string
		resp   string
		status CloseCode
	}{
		{"404", "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 404},
		{"bad accept", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: nope\r\n\r\n", 0},
		{"garbage", "SSH-2.0-OpenSSH\r\n\r\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := NewClient(&Config{Role: RoleClient}, "ws://h/")
			c.Consume(c.OutputLen())
			got := feedSplit(t, c, []byte(tt.resp))
			if len(got) != 1 || got[0].Type != EventRejected || got[0].Code != tt.status || got[0].Data == "" {
				t.Fatalf("events %v", got)
			}
			if c.State() != StateClosed || c.Hint() != HintClose || c.OutputLen() != 0 {
				t.Fatalf("state %v hint %v output %d", c.State(), c.Hint(), c.OutputLen())
			}
		})
	}
}

func TestClientFromParsedHeaders(t *testing.T) {
	c, _ := NewClient(&Config{Role: RoleClient}, "ws://h/")
	req := string(c.Output())
	key := req[strings.Index(req, "Sec-WebSocket-Key: ")+19:]
	key = key[:strings.Index(key, "\r\n")]
	c.Consume(c.OutputLen())
	err := c.FeedResponse(101, "Switching Protocols", [][2]string{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Accept", AcceptKey(key)}})
	if err != nil {
		t.Fatal(err)
	}
	equalEvents(t, drain(c), []ev{{Type: EventOpen}})
	wantCode(t, c.FeedResponse(101, "", nil), CodeState)
}

func TestEOFDuringHandshake(t *testing.T) {
	c := newServer(t, Config{})
	c.Feed([]byte("GET / HTTP/1.1\r\n"))
	c.FeedEOF()
	got := drain(c)
	if len(got) != 1 || got[0].Type != EventRejected {
		t.Fatalf("events %v", got)
	}
}

func TestConfigErrors(t *testing.T) {
	bad := []*Config{
		nil,
		{},
		{Role: 3},
		{Role: RoleServer, AllowRSV: 8},
		{Role: RoleServer, AllowOpcodes: 1 << OpText},
		{Role: RoleServer, Deflate: &DeflateConfig{ServerMaxWindowBits: 7}},
		{Role: RoleServer, Deflate: &DeflateConfig{ClientMaxWindowBits: 16}},
		{Role: RoleServer, Deflate: &DeflateConfig{Level: 10}},
		{Role: RoleServer, Deflate: &DeflateConfig{Offers: []DeflateParams{{ServerMaxWindowBits: 1}}}},
		{Role: RoleServer, Deflate: &DeflateConfig{}, AllowRSV: RSV1},
	}
	for i, cfg := range bad {
		if _, err := NewConn(cfg, nil); err == nil {
			t.Errorf("config %d accepted", i)
		} else {
			wantCode(t, err, CodeArg)
		}
	}
	if _, err := NewClient(&Config{Role: RoleServer}, "ws://h/"); err == nil {
		t.Error("NewClient with a server role accepted")
	}
	if _, err := NewServer(&Config{Role: RoleClient}); err == nil {
		t.Error("NewServer with a client role accepted")
	}
	if _, err := NewClient(&Config{Role: RoleClient}, "http://h/"); err == nil {
		t.Error("http URL accepted")
	}
	if _, err := NewConn(&Config{Role: RoleClient}, &Agreement{Deflate: &DeflateParams{ServerMaxWindowBits: 3, ClientMaxWindowBits: 15}}); err == nil {
		t.Error("bad agreed window accepted")
	}
}

func TestNegotiatedThroughConn(t *testing.T) {
	cc, sc := handshakePair(t,
		&Config{Deflate: &DeflateConfig{ClientNoContextTakeover: true, ServerMaxWindowBits: 10}},
		&Config{Deflate: &DeflateConfig{}})
	want := &DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}
	if *cc.Deflate() != *want || *sc.Deflate() != *want {
		t.Fatalf("client %+v server %+v, want %+v", cc.Deflate(), sc.Deflate(), want)
	}
	msg := bytes.Repeat([]byte("negotiated "), 100)
	sc.SendBinary(msg)
	got := exchange(t, sc, cc)
	if len(got) != 1 || got[0].Data != string(msg) || !got[0].Compressed {
		t.Fatalf("events %v", got)
	}
}

// An open server connection drops its request's Header map to save memory;
// Request rebuilds it, PeekRequest and Value answer without it.
func TestOpenServerKeepsRequestFields(t *testing.T) {
	c := newServer(t, Config{})
	feedSplit(t, c, []byte(goodRequest)) // opens at once
	if c.State() != StateOpen {
		t.Fatalf("state %v", c.State())
	}
	if c.PeekRequest().Header != nil {
		t.Fatal("the Header map is still held by an open connection")
	}
	tests := []struct {
		name  string
		index int
		want  string
		ok    bool
	}{
		{"host", 0, "example.com", true},
		{"CONNECTION", 0, "keep-alive, Upgrade", true},
		{"sec-websocket-protocol", 0, "chat, superchat", true},
		{"sec-websocket-protocol", 1, "", false},
		{"X-Missing", 0, "", false},
	}
	for _, tt := range tests {
		if got, ok := c.PeekRequest().Value(tt.name, tt.index); got != tt.want || ok != tt.ok {
			t.Errorf("Value(%q, %d) = %q, %v; want %q, %v", tt.name, tt.index, got, ok, tt.want, tt.ok)
		}
	}
	if got := c.Request().Header.Get("Sec-WebSocket-Key"); got != "dGhlIHNhbXBsZSBub25jZQ==" {
		t.Fatalf("rebuilt Header: key %q", got)
	}
	if c.PeekRequest().Header == nil {
		t.Fatal("Request did not keep the rebuilt map")
	}
}

// What follows a request waiting for Accept is kept within the receive
// budget, however it is fed; the rest stays with the host and arrives
// after Accept. FeedAll (no budget) keeps up to a frame's worth.
func TestManualAcceptHoldsWithinBudget(t *testing.T) {
	var frames []byte
	for i := 0; i < 40; i++ {
		frames = append(frames, frame(true, 0, OpBinary, true, make([]byte, 100<<10))...)
	}
	in := cat([]byte(goodRequest), frames)
	for _, chunk := range []int{len(in), 64 << 10, 1000} {
		c := newServer(t, Config{ManualAccept: true, MaxQueued: 1 << 20})
		var rest []byte
		for off := 0; off < len(in); {
			end := min(off+chunk, len(in))
			n, err := c.Feed(in[off:end])
			if err != nil {
				t.Fatal(err)
			}
			off += n
			if n < end-(off-n) {
				rest = in[off:]
				break
			}
		}
		if held := len(c.hs.held); held > 1<<20 || len(rest) == 0 {
			t.Fatalf("chunk %d: %d bytes held, %d left with the host", chunk, held, len(rest))
		}
		if err := c.Accept(nil); err != nil {
			t.Fatal(err)
		}
		got := drain(c) // Accept fed what was held
		got = append(got, feedTaking(t, c, rest)...)
		var n int
		for _, e := range got {
			if e.Type == EventBinary {
				n++
			}
		}
		if n != 40 {
			t.Fatalf("chunk %d: %d of 40 messages after Accept (%d events)", chunk, n, len(got))
		}
	}
	c := newServer(t, Config{ManualAccept: true, MaxFrameSize: 1 << 20})
	if n, _ := c.FeedAll(in); n != len(in) {
		t.Fatalf("FeedAll consumed %d of %d", n, len(in))
	}
	if got := drain(c); len(got) != 2 || got[1].Type != EventRejected || got[1].Code != 400 {
		t.Fatalf("FeedAll past a frame's worth before Accept: %v", got)
	}
}
