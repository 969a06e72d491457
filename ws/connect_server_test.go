package ws

import (
	"errors"
	"strings"
	"testing"
)

// connectReq is a valid extended CONNECT (RFC 8441 §5.1's example).
func connectReq() [][2]string {
	return [][2]string{
		{":method", "CONNECT"},
		{":protocol", "websocket"},
		{":scheme", "https"},
		{":path", "/chat"},
		{":authority", "server.example.com"},
		{"sec-websocket-protocol", "chat, superchat"},
		{"sec-websocket-version", "13"},
		{"origin", "http://www.example.com"},
	}
}

// edit returns connectReq with field name set to value ("" drops it;
// a name not there is appended).
func edit(name, value string) [][2]string {
	var out [][2]string
	found := false
	for _, f := range connectReq() {
		if f[0] == name {
			found = true
			if value == "" {
				continue
			}
			f[1] = value
		}
		out = append(out, f)
	}
	if !found {
		out = append(out, [2]string{name, value})
	}
	return out
}

func TestRequestFromConnect(t *testing.T) {
	r, err := RequestFromConnect(ProtoHTTP2, connectReq())
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != "CONNECT" || r.Target != "/chat" || r.Host != "server.example.com" || r.Scheme != "https" || r.Proto != "HTTP/2" || r.Key != "" {
		t.Errorf("request %+v", r)
	}
	if r.Origin != "http://www.example.com" || strings.Join(r.Subprotocols, ",") != "chat,superchat" {
		t.Errorf("offers: origin %q, subprotocols %q", r.Origin, r.Subprotocols)
	}
	if v, _ := r.Value("Sec-WebSocket-Version", 0); len(r.Fields) != 3 || v != "13" {
		t.Errorf("regular fields %q", r.Fields)
	}
	if _, err := RequestFromConnect(ProtoHTTP3, connectReq()); err != nil {
		t.Errorf("HTTP/3 (RFC 9220 §3): %v", err)
	}
}

// Every MUST of RFC 8441 §4-5 and the field rules of RFC 9113 §8.2-8.3
// that a WebSocket request can break.
func TestRequestFromConnectRefuses(t *testing.T) {
	front := func(f [2]string) [][2]string { return append([][2]string{f}, connectReq()...) }
	for _, tc := range []struct {
		name    string
		fields  [][2]string
		status  int
		failure Failure
		field   string
		msg     string
	}{
		{"GET", edit(":method", "GET"), 400, FailMethod, ":method", "extended CONNECT"},
		{"plain CONNECT (§4: :protocol)", edit(":protocol", ""), 400, FailMethod, ":protocol", "tunnels TCP"},
		{"other :protocol (RFC 9220 §3: 501)", edit(":protocol", "webtransport"), 501, FailBadHeader, ":protocol", "not supported"},
		{":protocol case (§5: MUST be websocket)", edit(":protocol", "WebSocket"), 501, FailBadHeader, ":protocol", "not supported"},
		{"no :scheme (§4)", edit(":scheme", ""), 400, FailMissingHeader, ":scheme", "no :scheme"},
		{"no :path (§4)", edit(":path", ""), 400, FailMissingHeader, ":path", "no :path"},
		{"no :authority (§5)", edit(":authority", ""), 400, FailMissingHeader, ":authority", "no :authority"},
		{":scheme ws (§5)", edit(":scheme", "wss"), 400, FailBadHeader, ":scheme", "\"https\" or \"http\""},
		{"relative :path", edit(":path", "chat"), 400, FailTarget, ":path", "path and query"},
		{"asterisk :path", edit(":path", "*"), 400, FailTarget, ":path", "path and query"},
		{"fragment", edit(":path", "/chat#x"), 400, FailTarget, ":path", "fragment"},
		{"userinfo", edit(":authority", "u@server.example.com"), 400, FailBadHeader, ":authority", "host[:port]"},
		{"bad authority", edit(":authority", "a b"), 400, FailBadHeader, ":authority", "host[:port]"},
		{"host differs (RFC 9113 §8.3.1)", edit("host", "other.example.com"), 400, FailBadHeader, "host", "differs"},
		{"no version", edit("sec-websocket-version", ""), 426, FailVersion, "sec-websocket-version", "exactly one"},
		{"version 8", edit("sec-websocket-version", "8"), 426, FailVersion, "sec-websocket-version", "\"13\""},
		{"two versions", append(connectReq(), [2]string{"sec-websocket-version", "13"}), 426, FailVersion, "sec-websocket-version", "exactly one"},
		{"connection (§5, RFC 9113 §8.2.2)", edit("connection", "Upgrade"), 400, FailMalformed, "connection", "connection-specific"},
		{"upgrade (§5)", edit("upgrade", "websocket"), 400, FailMalformed, "upgrade", "connection-specific"},
		{"keep-alive", edit("keep-alive", "5"), 400, FailMalformed, "keep-alive", "connection-specific"},
		{"proxy-connection", edit("proxy-connection", "x"), 400, FailMalformed, "proxy-connection", "connection-specific"},
		{"transfer-encoding", edit("transfer-encoding", "chunked"), 400, FailMalformed, "transfer-encoding", "connection-specific"},
		{"te other than trailers", edit("te", "gzip"), 400, FailMalformed, "te", "trailers"},
		{"upper-case name (RFC 9113 §8.2.1)", edit("Origin", "http://x"), 400, FailMalformed, "Origin", "lower-case"},
		{"value with LF", edit("origin", "http://x\nevil: 1"), 400, FailMalformed, "origin", "NUL, CR or LF"},
		{"value with NUL", edit("origin", "http://x\x00"), 400, FailMalformed, "origin", "NUL, CR or LF"},
		{"leading space", edit("origin", " http://x"), 400, FailMalformed, "origin", "whitespace"},
		{"pseudo after regular (RFC 9113 §8.3)", append(connectReq(), [2]string{":path", "/x"}), 400, FailMalformed, ":path", "follows a regular field"},
		{"pseudo twice", front([2]string{":path", "/x"}), 400, FailMalformed, ":path", "twice"},
		{"response pseudo in a request", front([2]string{":status", "200"}), 400, FailMalformed, ":status", "not allowed"},
		{"undefined pseudo", front([2]string{":foo", "1"}), 400, FailMalformed, ":foo", "not allowed"},
		{"bad subprotocol", edit("sec-websocket-protocol", "a b"), 400, FailBadHeader, "Sec-WebSocket-Protocol", "not a token"},
		{"two origins", append(connectReq(), [2]string{"origin", "http://y"}), 400, FailDuplicateHeader, "Origin", "at most one"},
		{"bad extensions", edit("sec-websocket-extensions", "permessage-deflate; x="), 400, FailBadHeader, "Sec-WebSocket-Extensions", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RequestFromConnect(ProtoHTTP2, tc.fields)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an *Error", err)
			}
			if e.Code != CodeHandshake || e.Status != tc.status || e.Failure != tc.failure || e.Field != tc.field || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("got code %v status %d failure %v field %q: %s\nwant status %d failure %v field %q, message with %q", e.Code, e.Status, e.Failure, e.Field, e.Msg, tc.status, tc.failure, tc.field, tc.msg)
			}
		})
	}
	// Accepted variants.
	for name, fields := range map[string][][2]string{
		"http scheme (ws://)":   edit(":scheme", "http"),
		"host equal":            edit("host", "Server.Example.com"),
		"te trailers":           edit("te", "trailers"),
		"key ignored (§5)":      edit("sec-websocket-key", "not checked"),
		"no origin":             edit("origin", ""),
		"path with query":       edit(":path", "/chat?room=1"),
		"authority with a port": edit(":authority", "server.example.com:8443"),
	} {
		if _, err := RequestFromConnect(ProtoHTTP2, fields); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := RequestFromConnect("HTTP/1.1", connectReq()); err == nil || err.(*Error).Code != CodeArg {
		t.Errorf("proto HTTP/1.1: %v, want a CodeArg error", err)
	}
}

func TestAcceptConnect(t *testing.T) {
	fields := append(connectReq(), [2]string{"sec-websocket-extensions", "permessage-deflate; client_max_window_bits"})
	req, err := RequestFromConnect(ProtoHTTP2, fields)
	if err != nil {
		t.Fatal(err)
	}
	h := &ServerHandshake{Subprotocols: []string{"superchat"}, Deflate: &DeflateConfig{}, Header: [][2]string{{"X-Server", "libws"}}}
	list, ag, err := h.AcceptConnect(req, &AcceptOptions{Header: [][2]string{{"Set-Cookie", "a=1"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{":status", "200"}, {"sec-websocket-protocol", "superchat"}, {"sec-websocket-extensions", "permessage-deflate"}, {"x-server", "libws"}, {"set-cookie", "a=1"}}
	if !equalLists(list, want) {
		t.Errorf("response %q\nwant %q", list, want)
	}
	if ag.Subprotocol != "superchat" || ag.Deflate == nil {
		t.Errorf("agreement %+v", ag)
	}
	for name, opts := range map[string]*AcceptOptions{
		"connection-specific extra": {Header: [][2]string{{"Keep-Alive", "5"}}},
		"TE extra":                  {Header: [][2]string{{"te", "trailers"}}},
		"Upgrade extra":             {Header: [][2]string{{"Upgrade", "h2c"}}},
		"unoffered subprotocol":     {Subprotocol: "other"},
		"space around a value":      {Header: [][2]string{{"x-a", "b "}}},
	} {
		if _, _, err := h.AcceptConnect(req, opts); err == nil || err.(*Error).Code != CodeArg {
			t.Errorf("%s: %v, want a CodeArg error", name, err)
		}
	}
	h1, _ := ParseRequest([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	if _, _, err := h.AcceptConnect(h1, nil); err == nil {
		t.Error("AcceptConnect took an HTTP/1.1 request")
	}
	if _, _, err := h.AcceptConnect(nil, nil); err == nil {
		t.Error("AcceptConnect took nil")
	}
}

func TestRejectConnect(t *testing.T) {
	for _, tc := range []struct {
		status int
		header [][2]string
		want   [][2]string
	}{
		{400, nil, [][2]string{{":status", "400"}, {"content-type", "text/plain; charset=utf-8"}, {"content-length", "2"}}},
		// 426 needs Upgrade, which HTTP/2 forbids: 400 with the version.
		{426, [][2]string{{"Sec-WebSocket-Version", "8"}}, [][2]string{{":status", "400"}, {"content-type", "text/plain; charset=utf-8"}, {"content-length", "2"}, {"sec-websocket-version", "13"}}},
		{501, [][2]string{{"Content-Type", "application/problem+json"}, {"Connection", "close"}, {"X-A", "1"}, {":status", "200"}, {"content-length", "9"}, {"x-b", " 2"}},
			[][2]string{{":status", "501"}, {"content-type", "application/problem+json"}, {"content-length", "2"}, {"x-a", "1"}}},
		{200, nil, [][2]string{{":status", "500"}, {"content-type", "text/plain; charset=utf-8"}, {"content-length", "2"}}},
	} {
		if got := RejectConnect(tc.status, "no", tc.header); !equalLists(got, tc.want) {
			t.Errorf("RejectConnect(%d, %q):\n got %q\nwant %q", tc.status, tc.header, got, tc.want)
		}
	}
}

func equalLists(a, b [][2]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
