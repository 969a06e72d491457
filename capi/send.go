package main

// #include "capi.h"
import "C"

import (
	"unsafe"

	"github.com/libws/libws/ws"
)

//export wsgo_send
func wsgo_send(h C.uintptr_t, op C.int, p unsafe.Pointer, n C.size_t, flags C.uint) (rc C.int) {
	if op < 0 || op > 15 || flags > 3 {
		return argError("bad opcode or flags")
	}
	// call's work written out: the closure's indirect call is measurable
	// on the smallest sends.
	o, rc := conn(h)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	return status(o.conn.SendMessage(ws.Opcode(op), goBytes(p, n), ws.SendFlags(flags)))
}

//export wsgo_begin_message
func wsgo_begin_message(h C.uintptr_t, op C.int, flags C.uint) C.int {
	if op < 0 || op > 15 || flags > 3 {
		return argError("bad opcode or flags")
	}
	return call(h, func(c *ws.Conn) error { return c.BeginMessage(ws.Opcode(op), ws.SendFlags(flags)) })
}

//export wsgo_send_fragment
func wsgo_send_fragment(h C.uintptr_t, p unsafe.Pointer, n C.size_t, final C.int) C.int {
	return call(h, func(c *ws.Conn) error { return c.SendFragment(goBytes(p, n), final != 0) })
}

//export wsgo_send_frame
func wsgo_send_frame(h C.uintptr_t, op C.int, rsv C.uint, fin C.int, p unsafe.Pointer, n C.size_t) C.int {
	if op < 0 || op > 15 || rsv > 7 {
		return argError("opcode must be 0..15 and rsv a set of WS_RSV* bits")
	}
	return call(h, func(c *ws.Conn) error { return c.SendFrame(ws.Opcode(op), uint8(rsv), fin != 0, goBytes(p, n)) })
}

//export wsgo_ping
func wsgo_ping(h C.uintptr_t, p unsafe.Pointer, n C.size_t) C.int {
	return call(h, func(c *ws.Conn) error { return c.Ping(goBytes(p, n)) })
}

//export wsgo_pong
func wsgo_pong(h C.uintptr_t, p unsafe.Pointer, n C.size_t) C.int {
	return call(h, func(c *ws.Conn) error { return c.Pong(goBytes(p, n)) })
}

//export wsgo_close
func wsgo_close(h C.uintptr_t, code C.int, p unsafe.Pointer, n C.size_t) C.int {
	if code < 0 || code > 0xFFFF {
		return argError("close code out of range")
	}
	return call(h, func(c *ws.Conn) error { return c.Close(ws.CloseCode(code), goBytes(p, n)) })
}
