package ws

import (
	"reflect"
	"testing"
)

// FuzzParseRequest: no input panics; any request that parses is one a
// server can accept and a HeadReader reads back whole.
func FuzzParseRequest(f *testing.F) {
	f.Add([]byte("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: a, b\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"))
	f.Add([]byte("GET ws://h/ HTTP/1.1\nHost: h\nUpgrade: websocket\nConnection: upgrade\n" +
		"Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\nSec-WebSocket-Version: 13\n\n"))
	f.Add([]byte("GET / HTTP/1.1\r\nA:\r\n b\r\n\r\n"))
	f.Add([]byte("\r\n\r\n"))
	server := &ServerHandshake{Subprotocols: []string{"a"}, Deflate: &DeflateConfig{ClientMaxWindowBits: 10}}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParseRequest(data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		if _, _, err := server.Accept(req, nil); err != nil {
			t.Fatalf("Accept of a parsed request: %v", err)
		}
		var hr HeadReader
		head, n, err := hr.Feed(data)
		if err == nil && (head == nil || n != len(data)) {
			t.Fatalf("HeadReader: head %q, n %d of %d", head, n, len(data))
		}
	})
}

// FuzzParseResponse: no input panics, in parsing or in checking.
func FuzzParseResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10, x-foo\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 403 Forbidden\n\n"))
	f.Add([]byte("HTTP/1.1 101\r\n\r\n"))
	client := &ClientHandshake{URL: "ws://h/", Key: testKey, Subprotocols: []string{"chat"},
		Deflate: &DeflateConfig{ServerMaxWindowBits: 12, Offers: []DeflateParams{{}}}, ExtensionOffers: []string{"x-foo"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := ParseResponse(data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		ag, err := client.Check(resp)
		if err == nil && ag.Deflate != nil && (!validWindowBits(ag.Deflate.ServerMaxWindowBits, false) || !validWindowBits(ag.Deflate.ClientMaxWindowBits, false)) {
			t.Fatalf("agreed %+v", *ag.Deflate)
		}
	})
}

// FuzzParseExtensions: no input panics; what parses formats back to the
// same extensions; a server's answer to any offer satisfies a client.
func FuzzParseExtensions(f *testing.F) {
	f.Add("permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate")
	f.Add(`x; a="b\"c", , y ; z = 1`)
	f.Add("permessage-deflate; server_no_context_takeover; client_no_context_takeover; client_max_window_bits=9")
	f.Fuzz(func(t *testing.T, s string) {
		exts, err := ParseExtensions(s)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		back, err := ParseExtensions(FormatExtensions(exts))
		if err != nil || !reflect.DeepEqual(back, exts) {
			t.Fatalf("round trip of %q: %q, %v", s, FormatExtensions(exts), err)
		}
		resp, sAgreed, ok := NegotiateDeflate(&DeflateConfig{ServerMaxWindowBits: 11}, exts)
		if !ok {
			return
		}
		cAgreed, err := AcceptDeflateResponse(&DeflateConfig{}, resp)
		if err != nil || cAgreed != sAgreed {
			t.Fatalf("offer %q, response %q: client %+v %v, server %+v", s, resp.String(), cAgreed, err, sAgreed)
		}
	})
}
