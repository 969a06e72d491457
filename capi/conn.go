package main

// #include "capi.h"
import "C"

import (
	"sync/atomic"
	"unsafe"

	"github.com/libws/libws/ws"
)

// newConn registers a connection made from the config behind cfgH.
func newConn(cfgH C.uintptr_t, out *C.uintptr_t, make func(cfg *ws.Config) (*ws.Conn, error)) (rc C.int) {
	co, rc := enter(cfgH, kindConfig)
	if rc != 0 {
		return rc
	}
	cfg := co.cfg.build()
	co.leave(&rc)
	if rc != 0 {
		return rc
	}
	c, err := make(cfg)
	if err != nil {
		return status(err)
	}
	o := &object{kind: kindConn, conn: c}
	h := register(o)
	if h == 0 {
		c.Free()
		return fail(ws.CodeNoMem, "out of memory registering the connection")
	}
	o.publish() // a client's request is waiting already
	*out = h
	return C.WS_OK
}

//export wsgo_client_new
func wsgo_client_new(cfgH C.uintptr_t, url *C.char, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	u := goString(url)
	return newConn(cfgH, out, func(cfg *ws.Config) (*ws.Conn, error) { return ws.NewClient(cfg, u) })
}

//export wsgo_server_new
func wsgo_server_new(cfgH C.uintptr_t, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	return newConn(cfgH, out, ws.NewServer)
}

//export wsgo_conn_new_open
func wsgo_conn_new_open(cfgH C.uintptr_t, sub, exts *C.char, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	a, err := ws.ParseAgreement(goString(sub), goString(exts))
	if err != nil {
		return status(err)
	}
	return newConn(cfgH, out, func(cfg *ws.Config) (*ws.Conn, error) { return ws.NewConn(cfg, a) })
}

//export wsgo_conn_free
func wsgo_conn_free(h C.uintptr_t) {
	o := lookup(h, kindConn)
	if o == nil {
		return
	}
	// Wait for a call in progress on another thread (a host bug, but not a
	// reason to free memory under its feet); the object then stays busy for
	// ever, so no later call can enter.
	for !o.busy.CompareAndSwap(0, 1) {
		if lookup(h, kindConn) != o {
			return
		}
		yield()
	}
	// output.c's calls now see no connection (busy stays 1 until the
	// slot's next connection).
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&o.cs.gen)), 0)
	unregister(h)
	func() {
		defer func() { recover() }()
		o.conn.Free()
	}()
	o.freeStrings()
}

// conn enters the connection behind h.
func conn(h C.uintptr_t) (*object, C.int) { return enter(h, kindConn) }

//export wsgo_feed
func wsgo_feed(h C.uintptr_t, p unsafe.Pointer, n C.size_t) C.int {
	left := 0
	if rc := call(h, func(c *ws.Conn) error {
		used, err := c.Feed(goBytes(p, n))
		left = int(n) - used
		return err
	}); rc != 0 {
		return rc
	}
	return C.int(left) // n ≤ INT_MAX (checked in ws_feed)
}

//export wsgo_feed_eof
func wsgo_feed_eof(h C.uintptr_t) C.int {
	return call(h, (*ws.Conn).FeedEOF)
}

//export wsgo_need
func wsgo_need(h C.uintptr_t) C.int64_t {
	var n int64
	if rc := call(h, func(c *ws.Conn) error { n = c.Need(); return nil }); rc != 0 {
		return C.int64_t(rc)
	}
	return C.int64_t(n)
}

//export wsgo_feed_request
func wsgo_feed_request(h C.uintptr_t, method, target, proto *C.char, names, values **C.char, n C.size_t) C.int {
	return call(h, func(c *ws.Conn) error {
		return c.FeedRequest(goString(method), goString(target), goString(proto), goPairs(names, values, n))
	})
}

//export wsgo_feed_response
func wsgo_feed_response(h C.uintptr_t, code C.int, reason *C.char, names, values **C.char, n C.size_t) C.int {
	return call(h, func(c *ws.Conn) error {
		return c.FeedResponse(int(code), goString(reason), goPairs(names, values, n))
	})
}

// call runs f on the connection behind h and converts its error.
func call(h C.uintptr_t, f func(c *ws.Conn) error) (rc C.int) {
	o, rc := conn(h)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	return status(f(o.conn))
}

// intCall runs f on the connection and returns its non-negative result.
func intCall(h C.uintptr_t, f func(c *ws.Conn) int) C.int {
	var n int
	if rc := call(h, func(c *ws.Conn) error { n = f(c); return nil }); rc != 0 {
		return rc
	}
	return C.int(n)
}

//export wsgo_state
func wsgo_state(h C.uintptr_t) C.int {
	return intCall(h, func(c *ws.Conn) int { return int(c.State()) })
}

//export wsgo_hint
func wsgo_hint(h C.uintptr_t) C.int {
	return intCall(h, func(c *ws.Conn) int { return int(c.Hint()) })
}

//export wsgo_unanswered_pings
func wsgo_unanswered_pings(h C.uintptr_t) C.int {
	return intCall(h, func(c *ws.Conn) int { return c.UnansweredPings() })
}

//export wsgo_pending_events
func wsgo_pending_events(h C.uintptr_t) C.int {
	return intCall(h, func(c *ws.Conn) int { return c.Pending() })
}

//export wsgo_response_status
func wsgo_response_status(h C.uintptr_t) C.int {
	return intCall(h, func(c *ws.Conn) int {
		if r := c.Response(); r != nil {
			return r.Status
		}
		return 0
	})
}

//export wsgo_memory
func wsgo_memory(h C.uintptr_t) C.int64_t {
	var n int
	if rc := call(h, func(c *ws.Conn) error { n = c.Memory(); return nil }); rc != 0 {
		return C.int64_t(rc)
	}
	return C.int64_t(n)
}

//export wsgo_shrink
func wsgo_shrink(h C.uintptr_t) C.int {
	return call(h, func(c *ws.Conn) error { c.Shrink(); return nil })
}

//export wsgo_heartbeat
func wsgo_heartbeat(h C.uintptr_t) C.int {
	return call(h, (*ws.Conn).Heartbeat)
}

//export wsgo_heartbeat_with
func wsgo_heartbeat_with(h C.uintptr_t, p unsafe.Pointer, n C.size_t) C.int {
	return call(h, func(c *ws.Conn) error { return c.HeartbeatWith(goBytes(p, n)) })
}

//export wsgo_conn_failure
func wsgo_conn_failure(h C.uintptr_t) (s *C.char) {
	o, rc := conn(h)
	if rc != 0 {
		return nil
	}
	defer o.leave(&rc)
	msg := ""
	if err := o.conn.Err(); err != nil {
		msg = err.Error()
		if e, ok := err.(*ws.Error); ok {
			msg = cMessage(e)
		}
	}
	return o.cstr(msg)
}

// strCall lends the string f returns to C through *out.
func strCall(h C.uintptr_t, out **C.char, f func(c *ws.Conn) (string, error)) (rc C.int) {
	o, rc := conn(h)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	s, err := f(o.conn)
	if err != nil {
		return status(err)
	}
	if *out = o.cstr(s); *out == nil {
		return errNoMem()
	}
	return C.WS_OK
}

//export wsgo_subprotocol
func wsgo_subprotocol(h C.uintptr_t, out **C.char) C.int {
	return strCall(h, out, func(c *ws.Conn) (string, error) { return c.Subprotocol(), nil })
}

//export wsgo_extensions
func wsgo_extensions(h C.uintptr_t, out **C.char) C.int {
	return strCall(h, out, func(c *ws.Conn) (string, error) { return c.Extensions(), nil })
}

//export wsgo_deflate_params
func wsgo_deflate_params(h C.uintptr_t, sNoCtx, cNoCtx, sBits, cBits *C.int) (rc C.int) {
	o, rc := conn(h)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	d := o.conn.Deflate()
	if d == nil {
		return 0
	}
	set := func(p *C.int, v int) {
		if p != nil {
			*p = C.int(v)
		}
	}
	b := map[bool]int{false: 0, true: 1}
	set(sNoCtx, b[d.ServerNoContextTakeover])
	set(cNoCtx, b[d.ClientNoContextTakeover])
	set(sBits, d.ServerMaxWindowBits)
	set(cBits, d.ClientMaxWindowBits)
	return 1
}

//export wsgo_handshake_failure
func wsgo_handshake_failure(h C.uintptr_t, field **C.char) C.int {
	var kind ws.Failure
	rc := strCall(h, field, func(c *ws.Conn) (string, error) {
		k, f := c.HandshakeFailure()
		kind = k
		return f, nil
	})
	if rc != 0 {
		return rc
	}
	return C.int(kind)
}

//export wsgo_client_key
func wsgo_client_key(h C.uintptr_t, out **C.char) C.int {
	return strCall(h, out, func(c *ws.Conn) (string, error) {
		if c.Role() != ws.RoleClient {
			return "", &ws.Error{Code: ws.CodeState, Msg: "only a client connection has a key"}
		}
		return c.ClientKey(), nil
	})
}
