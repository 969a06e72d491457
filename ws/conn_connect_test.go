package ws

import (
	"errors"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

// connectPair opens a client and a server Conn over an extended CONNECT, as
// an HTTP/2 host would: the client's fields to the server, the server's
// back. The handshake events are drained.
func connectPair(t *testing.T, ccfg, scfg *Config) (*Conn, *Conn) {
	t.Helper()
	cl, err := NewConnectClient(ccfg, "wss://example.com/chat")
	if err != nil {
		t.Fatal(err)
	}
	sv := mustServer(t, scfg)
	if err := sv.FeedConnectRequest(ProtoHTTP2, cl.ConnectFields()); err != nil {
		t.Fatal(err)
	}
	if got := drain(sv); len(got) != 2 || got[0].Type != EventRequest || got[1].Type != EventOpen {
		t.Fatalf("server events %v", got)
	}
	if sv.OutputLen() != 0 {
		t.Fatalf("the server queued %q as DATA with its 200", sv.Output())
	}
	if err := cl.FeedConnectResponse(sv.ConnectFields()); err != nil {
		t.Fatal(err)
	}
	if got := drain(cl); len(got) != 1 || got[0].Type != EventOpen {
		t.Fatalf("client events %v", got)
	}
	return cl, sv
}

func mustServer(t *testing.T, cfg *Config) *Conn {
	t.Helper()
	sv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// RFC 8441 §5: after the 200, the stream's DATA carries RFC 6455 frames,
// masked from the client; fed in any pieces they give the same messages.
func TestConnConnectFrames(t *testing.T) {
	d := &DeflateConfig{}
	cl, sv := connectPair(t, &Config{Role: RoleClient, Subprotocols: []string{"chat"}, Deflate: d}, &Config{Role: RoleServer, Subprotocols: []string{"chat"}, Deflate: d})
	if cl.Subprotocol() != "chat" || cl.Deflate() == nil || sv.Deflate() == nil {
		t.Fatalf("agreed: subprotocol %q, deflate %v / %v", cl.Subprotocol(), cl.Deflate(), sv.Deflate())
	}
	if r := sv.Request(); r.Proto != ProtoHTTP2 || r.Method != "CONNECT" || r.Target != "/chat" {
		t.Errorf("server's request %+v", r)
	}
	if r := cl.Response(); r.Status != 200 {
		t.Errorf("client's response %+v", r)
	}
	rng := rand.New(rand.NewSource(1))
	for i, m := range []string{"a", strings.Repeat("stream data ", 200), "ünïcode"} {
		_ = cl.SendText([]byte(m))
		wire := append([]byte(nil), cl.Output()...)
		_ = cl.Consume(len(wire))
		var got []ev
		if i%2 == 0 {
			got = feedSplit(t, sv, wire, 1)
		} else {
			got = feedRandom(t, sv, wire, rng)
		}
		if len(got) != 1 || got[0].Data != m {
			t.Fatalf("message %d: %v", i, got)
		}
		_ = sv.SendText([]byte(m))
		if back := exchange(t, sv, cl); len(back) != 1 || back[0].Data != m {
			t.Fatalf("echo %d: %v", i, back)
		}
	}
	// The closing handshake, then the hint: end the stream.
	_ = cl.Close(CloseNormal, nil)
	for i := 0; i < 3; i++ {
		pump(t, cl, sv)
		drain(cl)
		drain(sv)
	}
	if sv.Hint() == HintNone || cl.Hint() == HintNone {
		t.Errorf("hints after the closing handshake: server %v, client %v", sv.Hint(), cl.Hint())
	}
}

// A stream reset is FeedEOF: an open connection closes as abnormal (1006).
func TestConnConnectReset(t *testing.T) {
	cl, sv := connectPair(t, &Config{Role: RoleClient}, &Config{Role: RoleServer})
	_ = cl.SendText([]byte("part"))
	wire := cl.Output()
	_, _ = sv.Feed(wire[:3])
	_ = sv.FeedEOF()
	got := drain(sv)
	if len(got) != 1 || got[0].Type != EventClose || got[0].Code != CloseAbnormal {
		t.Fatalf("events after a reset: %v", got)
	}
}

func TestConnConnectManualAccept(t *testing.T) {
	cl, _ := NewConnectClient(&Config{Role: RoleClient}, "ws://example.com/")
	sv := mustServer(t, &Config{Role: RoleServer, ManualAccept: true})
	_ = sv.FeedConnectRequest(ProtoHTTP3, cl.ConnectFields())
	if got := drain(sv); len(got) != 1 || got[0].Type != EventRequest || sv.ConnectFields() != nil {
		t.Fatalf("before Accept: events %v, fields %q", got, sv.ConnectFields())
	}
	// A client may send DATA before it has the 200 (RFC 8441 §5 does not
	// forbid it, as RFC 6455 does not): it is held until Accept.
	early := cframe(true, OpText, "early")
	if n, err := sv.Feed(early); err != nil || n != len(early) {
		t.Fatalf("Feed before Accept: %d, %v", n, err)
	}
	if err := sv.Accept(&AcceptOptions{Header: [][2]string{{"X-Id", "7"}}}); err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{":status", "200"}, {"x-id", "7"}}
	if !equalLists(sv.ConnectFields(), want) {
		t.Errorf("fields %q, want %q", sv.ConnectFields(), want)
	}
	if got := drain(sv); len(got) != 2 || got[0].Type != EventOpen || got[1].Data != "early" {
		t.Errorf("after Accept: %v", got)
	}
	if sv.Request().Proto != ProtoHTTP3 {
		t.Errorf("proto %q", sv.Request().Proto)
	}
}

// A refused request: the response fields carry the status, the message
// is the DATA, and the hint says to end the stream.
func TestConnConnectRefused(t *testing.T) {
	bad := edit(":protocol", "webtransport")
	sv := mustServer(t, &Config{Role: RoleServer})
	if err := sv.FeedConnectRequest(ProtoHTTP2, bad); err != nil {
		t.Fatal(err)
	}
	f := sv.ConnectFields()
	if len(f) < 3 || f[0] != [2]string{":status", "501"} || f[2][0] != "content-length" {
		t.Fatalf("fields %q", f)
	}
	if body := string(sv.Output()); !strings.Contains(body, "webtransport") || f[2][1] != strconv.Itoa(len(body)) {
		t.Errorf("body %q with %q", body, f[2])
	}
	if got := drain(sv); len(got) != 1 || got[0].Type != EventRejected || got[0].Code != 501 || sv.Hint() != HintClose {
		t.Errorf("events %v, hint %v", got, sv.Hint())
	}
	if fl, field := sv.HandshakeFailure(); fl != FailBadHeader || field != ":protocol" {
		t.Errorf("failure %v %q", fl, field)
	}

	// Manual reject of a valid request.
	sv = mustServer(t, &Config{Role: RoleServer, ManualAccept: true})
	_ = sv.FeedConnectRequest(ProtoHTTP2, connectReq())
	drain(sv)
	if err := sv.Reject(403, "go away", [][2]string{{"X-Why", "test"}}); err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{":status", "403"}, {"content-type", "text/plain; charset=utf-8"}, {"content-length", "7"}, {"x-why", "test"}}
	if !equalLists(sv.ConnectFields(), want) || string(sv.Output()) != "go away" {
		t.Errorf("fields %q, body %q", sv.ConnectFields(), sv.Output())
	}
}

func TestConnConnectClientRefused(t *testing.T) {
	for _, tc := range []struct {
		fields  [][2]string
		code    CloseCode
		failure Failure
	}{
		{[][2]string{{":status", "403"}}, 403, FailStatus},
		{[][2]string{{":status", "200"}, {"sec-websocket-protocol", "x"}}, 0, FailSubprotocol},
		{[][2]string{{"x", "1"}}, 0, FailMalformed},
	} {
		cl, _ := NewConnectClient(&Config{Role: RoleClient}, "ws://example.com/")
		if err := cl.FeedConnectResponse(tc.fields); err != nil {
			t.Fatal(err)
		}
		got := drain(cl)
		if fl, _ := cl.HandshakeFailure(); len(got) != 1 || got[0].Type != EventRejected || got[0].Code != tc.code || fl != tc.failure || cl.Hint() != HintClose {
			t.Errorf("%q: events %v, failure %v, hint %v", tc.fields, got, fl, cl.Hint())
		}
	}
}

func TestConnConnectMisuse(t *testing.T) {
	cl, _ := NewConnectClient(&Config{Role: RoleClient}, "ws://example.com/")
	if _, err := cl.Feed([]byte{0x81, 0}); !isCode(err, CodeState) {
		t.Errorf("DATA before the response's fields: %v, want CodeState", err)
	}
	if err := cl.FeedConnectRequest(ProtoHTTP2, connectReq()); !isCode(err, CodeState) {
		t.Errorf("a request to a client: %v", err)
	}
	sv := mustServer(t, &Config{Role: RoleServer})
	if err := sv.FeedConnectResponse([][2]string{{":status", "200"}}); !isCode(err, CodeState) {
		t.Errorf("a response to a server: %v", err)
	}
	if err := sv.FeedConnectRequest("HTTP/1.1", connectReq()); !isCode(err, CodeArg) {
		t.Errorf("proto HTTP/1.1: %v", err)
	}
	h1, _ := NewClient(&Config{Role: RoleClient}, "ws://example.com/")
	if err := h1.FeedConnectResponse([][2]string{{":status", "200"}}); !isCode(err, CodeState) {
		t.Errorf("fields to an HTTP/1.1 client: %v", err)
	}
	if _, err := NewConnectClient(&Config{Role: RoleServer}, "ws://x/"); !isCode(err, CodeArg) {
		t.Errorf("server config: %v", err)
	}
	if _, err := NewConnectClient(&Config{Role: RoleClient, Header: [][2]string{{"Keep-Alive", "1"}}}, "ws://x/"); !isCode(err, CodeArg) {
		t.Errorf("connection-specific header: %v", err)
	}
}

func isCode(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
