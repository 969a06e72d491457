package ws_test

import (
	"fmt"

	"github.com/libws/libws/ws"
)

// A WebSocket over HTTP/2 (RFC 8441): the host's HTTP/2 library decodes
// the stream's HEADERS into a list; libws validates it and gives the
// response list, and the stream's DATA then carries RFC 6455 frames.
func ExampleRequestFromConnect() {
	// What an HTTP/2 library decoded from a client's HEADERS frame.
	fields := [][2]string{
		{":method", "CONNECT"}, {":protocol", "websocket"}, {":scheme", "https"},
		{":path", "/chat"}, {":authority", "example.com"},
		{"sec-websocket-version", "13"}, {"sec-websocket-protocol", "chat"},
	}
	req, err := ws.RequestFromConnect(ws.ProtoHTTP2, fields)
	if err != nil {
		e := err.(*ws.Error)
		fmt.Println(ws.RejectConnect(e.Status, e.Msg, nil)) // send it, the message as DATA, and end the stream
		return
	}
	h := &ws.ServerHandshake{Subprotocols: []string{"chat"}}
	resp, agreed, _ := h.AcceptConnect(req, nil)
	fmt.Println(resp) // send as HEADERS, without END_STREAM

	c, _ := ws.NewConn(&ws.Config{Role: ws.RoleServer}, agreed)
	fmt.Println(c.State(), c.Subprotocol()) // feed it the stream's DATA
	// Output:
	// [[:status 200] [sec-websocket-protocol chat]]
	// open chat
}
