package ws

import (
	"strings"
	"testing"
)

// Each handshake failure is classified, with the header field at fault,
// so that bindings need not parse messages.
func TestHandshakeFailureKinds(t *testing.T) {
	req := func(from, to string) string { return strings.Replace(goodRequest, from, to, 1) }
	servers := []struct {
		wire  string
		kind  Failure
		field string
	}{
		{"garbage\r\n\r\n", FailMalformed, ""},
		{req("GET", "PUT"), FailMethod, ""},
		{req("HTTP/1.1", "HTTP/1.0"), FailHTTPVersion, ""},
		{req("/chat?room=1", "chat"), FailTarget, ""},
		{req("Host: example.com\r\n", ""), FailMissingHeader, "Host"},
		{req("Host: example.com\r\n", "Host: a\r\nHost: b\r\n"), FailDuplicateHeader, "Host"},
		{req("Upgrade: websocket\r\n", ""), FailMissingHeader, "Upgrade"},
		{req("Upgrade: websocket", "Upgrade: h2c"), FailBadHeader, "Upgrade"},
		{req("Connection: keep-alive, Upgrade", "Connection: close"), FailBadHeader, "Connection"},
		{req("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"), FailVersion, "Sec-WebSocket-Version"},
		{req("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""), FailMissingHeader, "Sec-WebSocket-Key"},
		{req("dGhlIHNhbXBsZSBub25jZQ==", "short"), FailBadHeader, "Sec-WebSocket-Key"},
		{req("chat, superchat", "a b"), FailBadHeader, "Sec-WebSocket-Protocol"},
		{req("Host: example.com\r\n", "Host: example.com\r\nSec-WebSocket-Extensions: ;;\r\n"), FailBadHeader, "Sec-WebSocket-Extensions"},
	}
	for _, tt := range servers {
		c := newServer(t, Config{})
		feedSplit(t, c, []byte(tt.wire))
		if kind, field := c.HandshakeFailure(); kind != tt.kind || field != tt.field {
			t.Errorf("%q: failure %v %q, want %v %q", tt.wire[:20], kind, field, tt.kind, tt.field)
		}
	}
	c := newServer(t, Config{MaxHandshakeSize: 256})
	feedSplit(t, c, []byte(strings.Repeat("x", 300)))
	if kind, _ := c.HandshakeFailure(); kind != FailTooLarge {
		t.Errorf("limit: %v", kind)
	}
	c = newServer(t, Config{})
	c.Feed([]byte("GET / HTTP/1.1\r\n"))
	c.FeedEOF()
	if kind, _ := c.HandshakeFailure(); kind != FailClosed {
		t.Errorf("EOF: %v", kind)
	}
	c = newServer(t, Config{Deflate: &DeflateConfig{Required: true}})
	feedSplit(t, c, []byte(goodRequest))
	if kind, field := c.HandshakeFailure(); kind != FailRequired || field != "Sec-WebSocket-Extensions" {
		t.Errorf("required: %v %q", kind, field)
	}

	// Client side, against a fixed key.
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	ok := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	resp := func(from, to string) string { return strings.Replace(ok, from, to, 1) + "\r\n" }
	client := []struct {
		wire  string
		kind  Failure
		field string
	}{
		{"HTTP/1.1 403 Forbidden\r\n\r\n", FailStatus, ""},
		{"nonsense\r\n\r\n", FailMalformed, ""},
		{resp("Upgrade: websocket\r\n", ""), FailMissingHeader, "Upgrade"},
		{resp("Connection: Upgrade", "Connection: close"), FailBadHeader, "Connection"},
		{resp("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "wrong"), FailAccept, "Sec-WebSocket-Accept"},
		{resp("Connection: Upgrade\r\n", "Connection: Upgrade\r\nSec-WebSocket-Protocol: chat\r\n"), FailSubprotocol, "Sec-WebSocket-Protocol"},
		{resp("Connection: Upgrade\r\n", "Connection: Upgrade\r\nSec-WebSocket-Extensions: x-unknown\r\n"), FailExtension, "Sec-WebSocket-Extensions"},
	}
	for _, tt := range client {
		c, err := NewClient(&Config{Role: RoleClient, Key: key}, "ws://h/")
		if err != nil {
			t.Fatal(err)
		}
		if c.ClientKey() != key || !strings.Contains(string(c.Output()), "Sec-WebSocket-Key: "+key+"\r\n") {
			t.Fatal("fixed key not sent")
		}
		c.Consume(c.OutputLen())
		feedSplit(t, c, []byte(tt.wire))
		if kind, field := c.HandshakeFailure(); kind != tt.kind || field != tt.field {
			t.Errorf("%q: failure %v %q, want %v %q", tt.wire, kind, field, tt.kind, tt.field)
		}
	}
	if _, err := NewClient(&Config{Role: RoleClient, Key: "bad"}, "ws://h/"); err == nil {
		t.Error("a bad fixed key was accepted")
	}
	if kind, _ := server(t).HandshakeFailure(); kind != FailNone {
		t.Error("a healthy connection reports a failure")
	}
	if FailRequired.String() != "required" || Failure(99).String() != "unknown" {
		t.Error("Failure names")
	}
}
