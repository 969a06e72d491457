package main

// #include "capi.h"
import "C"

import "github.com/libws/libws/ws"

// WebSockets over HTTP/2 and HTTP/3 (RFC 8441, RFC 9220): the opening is
// an extended CONNECT whose field lists the host's HTTP library carries.

//export wsgo_connect_client_new
func wsgo_connect_client_new(cfgH C.uintptr_t, url *C.char, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	u := goString(url)
	return newConn(cfgH, out, func(cfg *ws.Config) (*ws.Conn, error) { return ws.NewConnectClient(cfg, u) })
}

//export wsgo_feed_connect_request
func wsgo_feed_connect_request(h C.uintptr_t, proto *C.char, names, values **C.char, n C.size_t) C.int {
	return call(h, func(c *ws.Conn) error {
		return c.FeedConnectRequest(goString(proto), goPairs(names, values, n))
	})
}

//export wsgo_feed_connect_response
func wsgo_feed_connect_response(h C.uintptr_t, names, values **C.char, n C.size_t) C.int {
	return call(h, func(c *ws.Conn) error {
		return c.FeedConnectResponse(goPairs(names, values, n))
	})
}

var errNoConnectFields = &ws.Error{Code: ws.CodeState, Msg: "no field list to send: not an extended CONNECT, or its request is not answered yet"}

//export wsgo_connect_field_at
func wsgo_connect_field_at(h C.uintptr_t, index C.size_t, name, value **C.char) C.int {
	return fieldAt(h, index, name, value, func(c *ws.Conn) ([][2]string, error) {
		if f := c.ConnectFields(); f != nil {
			return f, nil
		}
		return nil, errNoConnectFields
	})
}
