package ws_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/libws/libws/ws"
)

// show prints an HTTP head with its CRLFs as plain newlines.
func show(b []byte) { fmt.Print(strings.ReplaceAll(string(b), "\r\n", "\n")) }

func ExampleClientHandshake() {
	h := &ws.ClientHandshake{
		URL:          "ws://example.com:8080/chat",
		Subprotocols: []string{"chat"},
		Deflate:      &ws.DeflateConfig{},
		Key:          "dGhlIHNhbXBsZSBub25jZQ==", // normally left empty: Request makes a random one
	}
	req, err := h.Request()
	if err != nil {
		panic(err)
	}
	show(req) // send these bytes

	// Feed what the server sends into a HeadReader; the bytes after the
	// head are already WebSocket frames.
	wire := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12\r\n\r\n\x81\x02hi")
	var hr ws.HeadReader
	head, n, err := hr.Feed(wire)
	if err != nil || head == nil {
		panic("incomplete or too large")
	}
	resp, err := ws.ParseResponse(head)
	if err != nil {
		panic(err)
	}
	ag, err := h.Check(resp)
	if err != nil {
		panic(err)
	}
	fmt.Printf("subprotocol %s, deflate %+v, %d bytes of frames left\n", ag.Subprotocol, *ag.Deflate, len(wire[n:]))
	// Output:
	// GET /chat HTTP/1.1
	// Host: example.com:8080
	// Upgrade: websocket
	// Connection: Upgrade
	// Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
	// Sec-WebSocket-Version: 13
	// Sec-WebSocket-Protocol: chat
	// Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits
	//
	// subprotocol chat, deflate {ServerNoContextTakeover:false ClientNoContextTakeover:false ServerMaxWindowBits:12 ClientMaxWindowBits:15}, 4 bytes of frames left
}

func ExampleServerHandshake() {
	server := &ws.ServerHandshake{
		Subprotocols: []string{"superchat", "chat"},
		Deflate:      &ws.DeflateConfig{ServerNoContextTakeover: true},
	}
	wire := []byte("GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n" +
		"Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
	var hr ws.HeadReader
	head, _, err := hr.Feed(wire)
	if err != nil {
		show(ws.Reject(431, err.Error(), nil))
		return
	}
	req, err := ws.ParseRequest(head)
	var e *ws.Error
	if errors.As(err, &e) {
		show(ws.Reject(e.Status, e.Msg, nil)) // 400 or 426
		return
	}
	if req.Origin != "http://example.com" {
		show(ws.Reject(403, "unknown origin", nil))
		return
	}
	resp, ag, err := server.Accept(req, nil)
	if err != nil {
		panic(err)
	}
	show(resp)
	fmt.Printf("%s on %s, deflate %+v\n", ag.Subprotocol, req.Target, *ag.Deflate)
	// Output:
	// HTTP/1.1 101 Switching Protocols
	// Upgrade: websocket
	// Connection: Upgrade
	// Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
	// Sec-WebSocket-Protocol: chat
	// Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover
	//
	// chat on /chat, deflate {ServerNoContextTakeover:true ClientNoContextTakeover:false ServerMaxWindowBits:15 ClientMaxWindowBits:15}
}

func ExampleReject() {
	_, err := ws.ParseRequest([]byte("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"))
	var e *ws.Error
	if errors.As(err, &e) {
		show(ws.Reject(e.Status, "unsupported version\n", nil))
	}
	// Output:
	// HTTP/1.1 426 Upgrade Required
	// Content-Type: text/plain; charset=utf-8
	// Content-Length: 20
	// Connection: close
	// Sec-WebSocket-Version: 13
	//
	// unsupported version
}

func ExampleParseExtensions() {
	exts, err := ws.ParseExtensions("permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate")
	if err != nil {
		panic(err)
	}
	for _, e := range exts {
		fmt.Println(e.Name, e.Params)
	}
	resp, agreed, ok := ws.NegotiateDeflate(&ws.DeflateConfig{}, exts)
	fmt.Println(resp, agreed, ok)
	// Output:
	// permessage-deflate [{client_max_window_bits  false} {server_max_window_bits 10 true}]
	// permessage-deflate []
	// permessage-deflate; server_max_window_bits=10 {false false 10 15} true
}
