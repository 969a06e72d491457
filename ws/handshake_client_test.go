package ws

import (
	"reflect"
	"strings"
	"testing"
)

const testKey = "dGhlIHNhbXBsZSBub25jZQ=="

func TestHandshakeClientRequestBytes(t *testing.T) {
	tests := []struct {
		name string
		h    ClientHandshake
		want string
	}{
		{"minimal", ClientHandshake{URL: "ws://example.com/chat", Key: testKey},
			"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"},
		{"default ws port dropped, empty path", ClientHandshake{URL: "ws://example.com:80", Key: testKey},
			"GET / HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"},
		{"everything", ClientHandshake{
			URL:             "wss://example.com:8443/chat/room%2F1?a=1&b",
			Key:             testKey,
			Origin:          "https://example.com",
			Subprotocols:    []string{"v2.chat", "chat"},
			Deflate:         &DeflateConfig{ServerMaxWindowBits: 10, Offers: []DeflateParams{{}}},
			ExtensionOffers: []string{"x-foo; a=1, x-bar", ` x-baz; b="2" `},
			Header:          [][2]string{{"User-Agent", "libws-test"}, {"Cookie", "a=b"}},
		},
			"GET /chat/room%2F1?a=1&b HTTP/1.1\r\nHost: example.com:8443\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
				"Origin: https://example.com\r\nSec-WebSocket-Protocol: v2.chat, chat\r\n" +
				"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10; client_max_window_bits, permessage-deflate; client_max_window_bits, x-foo; a=1, x-bar, x-baz; b=2\r\n" +
				"User-Agent: libws-test\r\nCookie: a=b\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.h.Request()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Request() =\n%q\nwant\n%q", got, tt.want)
			}
			// Our own request must pass our own server's checks.
			if _, err := ParseRequest(got); err != nil {
				t.Errorf("ParseRequest rejects our request: %v", err)
			}
		})
	}
}

func TestHandshakeClientHost(t *testing.T) {
	tests := []struct{ url, host, target string }{
		{"ws://example.com/", "example.com", "/"},
		{"ws://example.com:80/", "example.com", "/"},
		{"ws://example.com:443/", "example.com:443", "/"},
		{"ws://example.com:8080/", "example.com:8080", "/"},
		{"wss://example.com:443/", "example.com", "/"},
		{"wss://example.com:80/", "example.com:80", "/"},
		{"wss://example.com:08443/", "example.com:08443", "/"},
		{"WS://Example.COM/", "Example.COM", "/"},
		{"ws://[::1]/", "[::1]", "/"},
		{"ws://[::1]:80/", "[::1]", "/"},
		{"ws://[::1]:9000/x", "[::1]:9000", "/x"},
		{"wss://[2001:db8::1]:443", "[2001:db8::1]", "/"},
		{"ws://127.0.0.1:1/", "127.0.0.1:1", "/"},
		{"ws://h?x=1", "h", "/?x=1"},
		{"ws://h/?", "h", "/?"},
		{"ws://h/a b", "h", "/a%20b"},
		{"ws://h/ä", "h", "/%C3%A4"},
	}
	for _, tt := range tests {
		u, err := parseWSURL(tt.url)
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		if u.host != tt.host || u.target != tt.target {
			t.Errorf("%s: host %q target %q, want %q %q", tt.url, u.host, u.target, tt.host, tt.target)
		}
	}
}

func TestHandshakeClientRequestErrors(t *testing.T) {
	ok := ClientHandshake{URL: "ws://example.com/", Key: testKey}
	tests := []struct {
		name string
		mod  func(h *ClientHandshake)
		msg  string
	}{
		{"no URL", func(h *ClientHandshake) { h.URL = "" }, "ws://"},
		{"http scheme", func(h *ClientHandshake) { h.URL = "http://example.com/" }, "ws://"},
		{"fragment", func(h *ClientHandshake) { h.URL = "ws://example.com/#x" }, "fragment"},
		{"empty fragment", func(h *ClientHandshake) { h.URL = "ws://example.com/#" }, "fragment"},
		{"no host", func(h *ClientHandshake) { h.URL = "ws:///chat" }, "host"},
		{"port only", func(h *ClientHandshake) { h.URL = "ws://:80/" }, "host"},
		{"opaque", func(h *ClientHandshake) { h.URL = "ws:example.com" }, "host"},
		{"port 0", func(h *ClientHandshake) { h.URL = "ws://example.com:0/" }, "port"},
		{"port too big", func(h *ClientHandshake) { h.URL = "ws://example.com:65536/" }, "port"},
		{"empty port", func(h *ClientHandshake) { h.URL = "ws://example.com:/" }, "port"},
		{"bad port", func(h *ClientHandshake) { h.URL = "ws://example.com:x/" }, "parsed"},
		{"unbracketed IPv6", func(h *ClientHandshake) { h.URL = "ws://::1/" }, "brackets"},
		{"userinfo", func(h *ClientHandshake) { h.URL = "ws://user:pw@example.com/" }, "user"},
		{"bad escape", func(h *ClientHandshake) { h.URL = "ws://example.com/%zz" }, "parsed"},
		{"non-ASCII host", func(h *ClientHandshake) { h.URL = "ws://bücher.example/" }, "punycode"},
		{"space in query", func(h *ClientHandshake) { h.URL = "ws://example.com/?a b" }, "percent-encoded"},
		{"bad subprotocol", func(h *ClientHandshake) { h.Subprotocols = []string{"a b"} }, "not a token"},
		{"empty subprotocol", func(h *ClientHandshake) { h.Subprotocols = []string{""} }, "not a token"},
		{"repeated subprotocol", func(h *ClientHandshake) { h.Subprotocols = []string{"a", "b", "a"} }, "twice"},
		{"bad Origin", func(h *ClientHandshake) { h.Origin = "http://x\r\nEvil: 1" }, "control character"},
		{"bad deflate", func(h *ClientHandshake) { h.Deflate = &DeflateConfig{ClientMaxWindowBits: 16} }, "window bits"},
		{"bad deflate offer", func(h *ClientHandshake) {
			h.Deflate = &DeflateConfig{Offers: []DeflateParams{{ServerMaxWindowBits: 7}}}
		}, "window bits"},
		{"bad extension offer", func(h *ClientHandshake) { h.ExtensionOffers = []string{"x-foo", "x-bar;"} }, "ExtensionOffers[1]"},
		{"deflate twice", func(h *ClientHandshake) {
			h.Deflate = &DeflateConfig{}
			h.ExtensionOffers = []string{"permessage-deflate"}
		}, "Deflate only"},
		{"header Host", func(h *ClientHandshake) { h.Header = [][2]string{{"host", "x"}} }, "sets it"},
		{"header Upgrade", func(h *ClientHandshake) { h.Header = [][2]string{{"Upgrade", "x"}} }, "sets it"},
		{"header Connection", func(h *ClientHandshake) { h.Header = [][2]string{{"CONNECTION", "close"}} }, "sets it"},
		{"header Sec-WebSocket-Protocol", func(h *ClientHandshake) { h.Header = [][2]string{{"Sec-WebSocket-Protocol", "x"}} }, "sets it"},
		{"header Sec-WebSocket-Anything", func(h *ClientHandshake) { h.Header = [][2]string{{"sec-websocket-foo", "x"}} }, "sets it"},
		{"header Origin", func(h *ClientHandshake) { h.Header = [][2]string{{"Origin", "x"}} }, "ClientHandshake.Origin"},
		{"header Content-Length", func(h *ClientHandshake) { h.Header = [][2]string{{"Content-Length", "0"}} }, "frames"},
		{"header Transfer-Encoding", func(h *ClientHandshake) { h.Header = [][2]string{{"Transfer-Encoding", "chunked"}} }, "frames"},
		{"header bad name", func(h *ClientHandshake) { h.Header = [][2]string{{"X Foo", "x"}} }, "not a token"},
		{"header bad value", func(h *ClientHandshake) { h.Header = [][2]string{{"X-Foo", "a\nb"}} }, "control character"},
		{"bad key", func(h *ClientHandshake) { h.Key = "abc" }, "base64 of 16 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := ok
			tt.mod(&h)
			b, err := h.Request()
			if b != nil {
				t.Errorf("Request returned bytes with an error")
			}
			e := wantError(t, err, CodeArg, 0)
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", e.Msg, tt.msg)
			}
		})
	}
}

func TestHandshakeClientRandomKey(t *testing.T) {
	h := ClientHandshake{URL: "ws://example.com/"}
	b, err := h.Request()
	if err != nil {
		t.Fatal(err)
	}
	if !validKey(h.Key) || !strings.Contains(string(b), "Sec-WebSocket-Key: "+h.Key+"\r\n") {
		t.Errorf("key %q not valid or not sent in %q", h.Key, b)
	}
	first := h.Key
	h2 := ClientHandshake{URL: "ws://example.com/"}
	if _, err := h2.Request(); err != nil || h2.Key == first {
		t.Errorf("two requests share key %q (%v)", first, err)
	}
	// A second Request on the same handshake keeps the stored key.
	if _, err := h.Request(); err != nil || h.Key != first {
		t.Errorf("key changed to %q (%v)", h.Key, err)
	}
}

// goodResponse returns the fields of a valid 101 answer to testKey.
func goodResponse() [][2]string {
	return [][2]string{
		{"Upgrade", "websocket"},
		{"Connection", "Upgrade"},
		{"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
	}
}

func TestHandshakeClientCheck(t *testing.T) {
	client := ClientHandshake{
		URL: "ws://example.com/", Key: testKey,
		Subprotocols:    []string{"chat", "superchat"},
		Deflate:         &DeflateConfig{ServerMaxWindowBits: 10},
		ExtensionOffers: []string{"x-foo, x-bar"},
	}
	if _, err := client.Request(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		status int
		fields [][2]string
		code   Code // 0: success
		estat  int
		msg    string
		check  func(*Agreement) bool
	}{
		{"minimal", 101, goodResponse(), 0, 0, "", func(a *Agreement) bool { return a.Subprotocol == "" && a.Deflate == nil && a.Extensions == nil }},
		{"case-insensitive Upgrade and Connection list", 101, withField(withField(goodResponse(), "Upgrade", "WebSocket"), "Connection", "keep-alive, upgrade"), 0, 0, "", nil},
		{"subprotocol", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Protocol", "superchat"}), 0, 0, "", func(a *Agreement) bool { return a.Subprotocol == "superchat" }},
		{"extensions", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Extensions", "x-bar, permessage-deflate; server_max_window_bits=9"}, [2]string{"Sec-WebSocket-Extensions", "x-foo; y=1"}), 0, 0, "",
			func(a *Agreement) bool {
				return *a.Deflate == DeflateParams{ServerMaxWindowBits: 9, ClientMaxWindowBits: 15} &&
					FormatExtensions(a.Extensions) == "x-bar, permessage-deflate; server_max_window_bits=9, x-foo; y=1"
			}},

		{"403", 403, goodResponse(), CodeHandshake, 403, "403", nil},
		{"200", 200, nil, CodeHandshake, 200, "not 101", nil},
		{"no Upgrade", 101, withField(goodResponse(), "Upgrade"), CodeHandshake, 0, "Upgrade", nil},
		{"two Upgrades", 101, withField(goodResponse(), "Upgrade", "websocket", "websocket"), CodeHandshake, 0, "Upgrade", nil},
		{"Upgrade list", 101, withField(goodResponse(), "Upgrade", "websocket, h2c"), CodeHandshake, 0, "Upgrade", nil},
		{"Upgrade h2c", 101, withField(goodResponse(), "Upgrade", "h2c"), CodeHandshake, 0, "Upgrade", nil},
		{"no Connection", 101, withField(goodResponse(), "Connection"), CodeHandshake, 0, "Connection", nil},
		{"Connection close", 101, withField(goodResponse(), "Connection", "close"), CodeHandshake, 0, "Connection", nil},
		{"no Accept", 101, withField(goodResponse(), "Sec-WebSocket-Accept"), CodeHandshake, 0, "Sec-WebSocket-Accept", nil},
		{"wrong Accept", 101, withField(goodResponse(), "Sec-WebSocket-Accept", AcceptKey("AAAAAAAAAAAAAAAAAAAAAA==")), CodeHandshake, 0, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", nil},
		{"two Accepts", 101, withField(goodResponse(), "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), CodeHandshake, 0, "Sec-WebSocket-Accept", nil},
		{"subprotocol not offered", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Protocol", "other"}), CodeHandshake, 0, "not offered", nil},
		{"subprotocol case differs", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Protocol", "Chat"}), CodeHandshake, 0, "not offered", nil},
		{"two subprotocol fields", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Protocol", "chat"}, [2]string{"Sec-WebSocket-Protocol", "chat"}), CodeHandshake, 0, "one subprotocol", nil},
		{"subprotocol list", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Protocol", "chat, superchat"}), CodeHandshake, 0, "one subprotocol", nil},
		{"empty subprotocol", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Protocol", ""}), CodeHandshake, 0, "not offered", nil},
		{"malformed extensions", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Extensions", "x-foo;"}), CodeHandshake, 0, "Sec-WebSocket-Extensions", nil},
		{"extension not offered", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Extensions", "x-baz"}), CodeExtension, 0, "not offered", nil},
		{"extension twice", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Extensions", "x-foo, x-foo"}), CodeExtension, 0, "twice", nil},
		{"extension twice across fields", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Extensions", "x-foo"}, [2]string{"Sec-WebSocket-Extensions", "x-foo"}), CodeExtension, 0, "twice", nil},
		{"deflate twice", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=9, permessage-deflate; server_max_window_bits=9"}), CodeExtension, 0, "twice", nil},
		{"deflate window not granted", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Extensions", "permessage-deflate"}), CodeExtension, 0, "server_max_window_bits=10 was offered but not granted", nil},
		{"deflate bad parameter", 101, append(goodResponse(), [2]string{"Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=9; foo"}), CodeExtension, 0, "unknown parameter", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := ResponseFromHeaders(tt.status, "Reason", tt.fields)
			if err != nil {
				t.Fatal(err)
			}
			ag, err := client.Check(resp)
			if tt.code != 0 {
				if ag != nil {
					t.Errorf("agreement with an error")
				}
				e := wantError(t, err, tt.code, tt.estat)
				if !strings.Contains(e.Msg, tt.msg) {
					t.Errorf("message %q does not contain %q", e.Msg, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil && !tt.check(ag) {
				t.Errorf("agreement %+v", ag)
			}
		})
	}
}

func TestHandshakeClientCheckMisuse(t *testing.T) {
	resp, _ := ResponseFromHeaders(101, "", goodResponse())
	// A subprotocol answer when nothing was offered.
	h := ClientHandshake{URL: "ws://h/", Key: testKey}
	r2, _ := ResponseFromHeaders(101, "", append(goodResponse(), [2]string{"Sec-WebSocket-Protocol", "chat"}))
	_, err := h.Check(r2)
	if e := wantError(t, err, CodeHandshake, 0); !strings.Contains(e.Msg, "none was offered") {
		t.Errorf("message %q", e.Msg)
	}
	// permessage-deflate accepted although not configured.
	r3, _ := ResponseFromHeaders(101, "", append(goodResponse(), [2]string{"Sec-WebSocket-Extensions", "permessage-deflate"}))
	_, err = h.Check(r3)
	wantError(t, err, CodeExtension, 0)
	// Raw permessage-deflate offered as an application extension is the
	// host's to run: it is agreed but Deflate stays nil.
	h.ExtensionOffers = []string{"permessage-deflate"}
	ag, err := h.Check(r3)
	if err != nil || ag.Deflate != nil || len(ag.Extensions) != 1 {
		t.Errorf("Check = %+v, %v", ag, err)
	}
	_, err = h.Check(nil)
	wantError(t, err, CodeArg, 0)
	_, err = (&ClientHandshake{URL: "ws://h/"}).Check(resp)
	wantError(t, err, CodeArg, 0)
}

// TestHandshakeRoundTrip runs a client and a server against each other
// through the raw bytes, fed one byte at a time.
func TestHandshakeRoundTrip(t *testing.T) {
	client := ClientHandshake{
		URL:             "ws://example.com:9000/chat?room=1",
		Origin:          "http://example.com",
		Subprotocols:    []string{"v1", "v2"},
		Deflate:         &DeflateConfig{ClientNoContextTakeover: true, ServerMaxWindowBits: 12, Offers: []DeflateParams{{}}},
		ExtensionOffers: []string{"x-app; level=3"},
	}
	server := ServerHandshake{
		Subprotocols: []string{"v2", "v3"},
		Deflate:      &DeflateConfig{ServerNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 11},
	}
	reqBytes, err := client.Request()
	if err != nil {
		t.Fatal(err)
	}
	frame := []byte{0x81, 0x80, 1, 2, 3, 4}
	var hr HeadReader
	var head []byte
	wire := append(reqBytes, frame...)
	for i := 0; head == nil; i++ {
		h, n, err := hr.Feed(wire[i : i+1])
		if err != nil {
			t.Fatal(err)
		}
		if h != nil {
			head = h
			if n != 1 || !reflect.DeepEqual(wire[i+1:], frame) {
				t.Fatalf("leftover %q", wire[i+1:])
			}
		}
	}
	req, err := ParseRequest(head)
	if err != nil {
		t.Fatal(err)
	}
	if req.Target != "/chat?room=1" || req.Host != "example.com:9000" || req.Origin != "http://example.com" {
		t.Errorf("request %+v", req)
	}
	respBytes, sAgreed, err := server.Accept(req, &AcceptOptions{Extensions: []string{"x-app; level=2"}})
	if err != nil {
		t.Fatal(err)
	}
	hr.Reset()
	head, n, err := hr.Feed(respBytes)
	if err != nil || n != len(respBytes) {
		t.Fatalf("Feed(response) = %d, %v", n, err)
	}
	resp, err := ParseResponse(head)
	if err != nil {
		t.Fatal(err)
	}
	cAgreed, err := client.Check(resp)
	if err != nil {
		t.Fatalf("%v\n%s", err, respBytes)
	}
	if !reflect.DeepEqual(cAgreed, sAgreed) {
		t.Errorf("client agreed %+v, server %+v", cAgreed, sAgreed)
	}
	want := DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 11}
	if cAgreed.Subprotocol != "v2" || *cAgreed.Deflate != want || FormatExtensions(cAgreed.Extensions) !=
		"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11, x-app; level=2" {
		t.Errorf("agreement %+v %+v %s", cAgreed, *cAgreed.Deflate, FormatExtensions(cAgreed.Extensions))
	}
}
