package ws

import (
	"errors"
	"math/rand"
	"strings"
	"testing"
)

func TestConnectRequest(t *testing.T) {
	for _, tc := range []struct {
		h    ClientHandshake
		want [][2]string
	}{
		{ClientHandshake{URL: "wss://server.example.com/chat"}, [][2]string{
			{":method", "CONNECT"}, {":protocol", "websocket"}, {":scheme", "https"},
			{":authority", "server.example.com"}, {":path", "/chat"}, {"sec-websocket-version", "13"}}},
		// RFC 8441 §5.1's example, from a ws:// URI with a port and a query.
		{ClientHandshake{URL: "ws://server.example.com:8080?x=1", Origin: "http://www.example.com", Subprotocols: []string{"chat", "superchat"},
			Deflate: &DeflateConfig{}, Header: [][2]string{{"User-Agent", "t"}}, Key: "ignored"}, [][2]string{
			{":method", "CONNECT"}, {":protocol", "websocket"}, {":scheme", "http"},
			{":authority", "server.example.com:8080"}, {":path", "/?x=1"}, {"sec-websocket-version", "13"},
			{"origin", "http://www.example.com"}, {"sec-websocket-protocol", "chat, superchat"},
			{"sec-websocket-extensions", "permessage-deflate; client_max_window_bits"}, {"user-agent", "t"}}},
	} {
		got, err := tc.h.ConnectRequest()
		if err != nil {
			t.Fatal(err)
		}
		if !equalLists(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.h.URL, got, tc.want)
		}
		// §5: no Connection, Upgrade or Sec-WebSocket-Key.
		for _, f := range got {
			if f[0] == "connection" || f[0] == "upgrade" || f[0] == "sec-websocket-key" || f[0] == "host" {
				t.Errorf("%s: the request has %q", tc.h.URL, f[0])
			}
		}
	}
	for name, h := range map[string]ClientHandshake{
		"http URL":      {URL: "https://x/"},
		"keep-alive":    {URL: "ws://x/", Header: [][2]string{{"Keep-Alive", "1"}}},
		"te":            {URL: "ws://x/", Header: [][2]string{{"TE", "trailers"}}},
		"host":          {URL: "ws://x/", Header: [][2]string{{"Host", "y"}}},
		"pseudo":        {URL: "ws://x/", Header: [][2]string{{":path", "/y"}}},
		"value spaces":  {URL: "ws://x/", Header: [][2]string{{"x-a", "b\t"}}},
		"bad protocol":  {URL: "ws://x/", Subprotocols: []string{"a b"}},
		"origin header": {URL: "ws://x/", Header: [][2]string{{"Origin", "y"}}},
	} {
		if _, err := h.ConnectRequest(); err == nil || err.(*Error).Code != CodeArg {
			t.Errorf("%s: %v, want a CodeArg error", name, err)
		}
	}
}

func TestCheckConnect(t *testing.T) {
	h := &ClientHandshake{URL: "wss://x/", Subprotocols: []string{"chat"}, Deflate: &DeflateConfig{}}
	ag, err := h.CheckConnect([][2]string{{":status", "200"}, {"sec-websocket-protocol", "chat"}, {"sec-websocket-extensions", "permessage-deflate; server_no_context_takeover"}})
	if err != nil {
		t.Fatal(err)
	}
	if ag.Subprotocol != "chat" || ag.Deflate == nil || !ag.Deflate.ServerNoContextTakeover {
		t.Errorf("agreement %+v", ag)
	}
	for _, tc := range []struct {
		name    string
		fields  [][2]string
		status  int
		failure Failure
		msg     string
	}{
		// RFC 8441 §5: 200 and nothing else.
		{"101", [][2]string{{":status", "101"}}, 101, FailStatus, "not 200"},
		{"204", [][2]string{{":status", "204"}}, 204, FailStatus, "not 200"},
		{"400", [][2]string{{":status", "400"}, {"sec-websocket-version", "13"}}, 400, FailStatus, "not 200"},
		{"no :status", [][2]string{{"sec-websocket-protocol", "chat"}}, 0, FailMalformed, "no :status"},
		{":status twice", [][2]string{{":status", "200"}, {":status", "200"}}, 0, FailMalformed, "twice"},
		{"bad :status", [][2]string{{":status", "2000"}}, 0, FailMalformed, "three-digit"},
		{"request pseudo", [][2]string{{":status", "200"}, {":path", "/"}}, 0, FailMalformed, "not allowed"},
		{"upper case", [][2]string{{":status", "200"}, {"Sec-WebSocket-Protocol", "chat"}}, 0, FailMalformed, "lower-case"},
		{"connection", [][2]string{{":status", "200"}, {"connection", "close"}}, 0, FailMalformed, "connection-specific"},
		{"unoffered subprotocol", [][2]string{{":status", "200"}, {"sec-websocket-protocol", "other"}}, 0, FailSubprotocol, "not offered"},
		{"two subprotocols", [][2]string{{":status", "200"}, {"sec-websocket-protocol", "chat, chat"}}, 0, FailBadHeader, "one subprotocol"},
		{"unoffered extension", [][2]string{{":status", "200"}, {"sec-websocket-extensions", "x-foo"}}, 0, FailExtension, "not offered"},
		{"bad deflate", [][2]string{{":status", "200"}, {"sec-websocket-extensions", "permessage-deflate; server_max_window_bits=7"}}, 0, FailExtension, ""},
	} {
		_, err := h.CheckConnect(tc.fields)
		var e *Error
		if !errors.As(err, &e) || e.Status != tc.status || e.Failure != tc.failure || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("%s: %v (status %d, failure %v), want status %d, failure %v, message with %q", tc.name, err, statusOf(e), failureOf(e), tc.status, tc.failure, tc.msg)
		}
	}
}

func statusOf(e *Error) int {
	if e == nil {
		return -1
	}
	return e.Status
}

func failureOf(e *Error) Failure {
	if e == nil {
		return FailNone
	}
	return e.Failure
}

// A whole opening over extended CONNECT, then RFC 6455 frames carried as
// the stream's DATA (RFC 8441 §5): masked from the client, fed a byte at a
// time and in random pieces, with permessage-deflate and context takeover.
func TestConnectRoundTrip(t *testing.T) {
	ch := &ClientHandshake{URL: "wss://example.com/chat", Subprotocols: []string{"chat"}, Deflate: &DeflateConfig{}}
	reqList, err := ch.ConnectRequest()
	if err != nil {
		t.Fatal(err)
	}
	req, err := RequestFromConnect(ProtoHTTP2, reqList)
	if err != nil {
		t.Fatal(err)
	}
	sh := &ServerHandshake{Subprotocols: []string{"chat"}, Deflate: &DeflateConfig{}}
	respList, sag, err := sh.AcceptConnect(req, nil)
	if err != nil {
		t.Fatal(err)
	}
	cag, err := ch.CheckConnect(respList)
	if err != nil {
		t.Fatal(err)
	}
	if cag.Subprotocol != "chat" || cag.Deflate == nil || sag.Deflate == nil {
		t.Fatalf("agreements: client %+v, server %+v", cag, sag)
	}
	cl := mustConn(t, &Config{Role: RoleClient}, cag)
	sv := mustConn(t, &Config{Role: RoleServer}, sag)
	rng := rand.New(rand.NewSource(8441))
	msgs := []string{"Hello", "Hello", strings.Repeat("héllo wörld ", 300), ""}
	for i, m := range msgs {
		if err := cl.SendText([]byte(m)); err != nil {
			t.Fatal(err)
		}
		wire := append([]byte(nil), cl.Output()...)
		_ = cl.Consume(len(wire))
		if wire[1]&0x80 == 0 {
			t.Fatalf("message %d: a client frame over a stream is not masked (RFC 8441 §5, RFC 6455 §5.3)", i)
		}
		var got []ev
		if i%2 == 0 {
			got = feedSplit(t, sv, wire, 1)
		} else {
			got = feedRandom(t, sv, wire, rng)
		}
		if len(got) != 1 || got[0].Data != m || len(m) > 1000 && !got[0].Compressed {
			t.Fatalf("message %d: %v", i, got)
		}
	}
	// The closing handshake; then the transport hint says to end the stream.
	if err := sv.Close(CloseNormal, []byte("bye")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		pump(t, sv, cl)
		drain(cl)
		drain(sv)
	}
	if sv.State() != StateClosed || cl.State() != StateClosed {
		t.Fatalf("states after close: server %v, client %v", sv.State(), cl.State())
	}
	if sv.Hint() == HintNone {
		t.Errorf("server hint after the closing handshake: %v, want one that ends the stream", sv.Hint())
	}
}
