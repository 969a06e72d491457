package main

// #include "capi.h"
import "C"

import (
	"unsafe"

	"github.com/libws/libws/ws"
)

const eventSize = C.size_t(unsafe.Sizeof(C.ws_event{}))

// minEventSize covers size, type, opcode, rsv and flags: anything smaller
// cannot say what happened.
const minEventSize = 8

// fillEvent copies e into the C struct. Data points into connection-owned
// C memory (the connection's allocator is cAlloc).
func fillEvent(dst *C.ws_event, e *ws.Event) {
	dst._type = C.uint8_t(e.Type)
	dst.opcode = C.uint8_t(e.Opcode)
	dst.rsv = C.uint8_t(e.RSV)
	var f C.uint8_t
	if e.First {
		f |= C.WS_EVF_FIRST
	}
	if e.Last {
		f |= C.WS_EVF_LAST
	}
	if e.Compressed {
		f |= C.WS_EVF_COMPRESSED
	}
	dst.flags = f
	dst.code = C.uint16_t(e.Code)
	dst.initiator = C.uint8_t(e.Initiator)
	dst.reserved0 = 0
	dst.reserved1 = 0
	if len(e.Data) > 0 {
		dst.data = (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(e.Data)))
	} else {
		dst.data = nil
	}
	dst.len = C.size_t(len(e.Data))
}

//export wsgo_next_events
func wsgo_next_events(h C.uintptr_t, evs unsafe.Pointer, max C.size_t) (rc C.int) {
	o, rc := conn(h)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	return takeEvents(o.conn, evs, max)
}

//export wsgo_feed_next
func wsgo_feed_next(h C.uintptr_t, p unsafe.Pointer, n C.size_t, used *C.size_t, evs unsafe.Pointer, max C.size_t, all C.int) (rc C.int) {
	o, rc := conn(h)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	if max > 0 && C.size_t((*C.ws_event)(evs).size) < minEventSize {
		return argError("ws_event.size must be set to sizeof(ws_event)")
	}
	b := goBytes(p, n)
	var k int
	var err error
	if all != 0 {
		k, err = o.conn.FeedAll(b)
	} else {
		k, err = o.conn.Feed(b)
	}
	if rc := status(err); rc != 0 {
		return rc
	}
	*used = C.size_t(k)
	if max == 0 {
		return 0
	}
	return takeEvents(o.conn, evs, max)
}

//export wsgo_peek_event
func wsgo_peek_event(h C.uintptr_t) C.int {
	return intCall(h, func(c *ws.Conn) int {
		t, ok := c.PeekEvent()
		if !ok {
			return 0
		}
		return int(t)
	})
}

// recordsMatch says ws.EventRecord is laid out as this ws.h's ws_event,
// so that full-size arrays are filled by ws directly.
var recordsMatch = func() bool {
	var r ws.EventRecord
	var e C.ws_event
	return unsafe.Sizeof(r) == unsafe.Sizeof(e) &&
		unsafe.Offsetof(r.Type) == unsafe.Offsetof(e._type) &&
		unsafe.Offsetof(r.Opcode) == unsafe.Offsetof(e.opcode) &&
		unsafe.Offsetof(r.RSV) == unsafe.Offsetof(e.rsv) &&
		unsafe.Offsetof(r.Flags) == unsafe.Offsetof(e.flags) &&
		unsafe.Offsetof(r.Code) == unsafe.Offsetof(e.code) &&
		unsafe.Offsetof(r.Initiator) == unsafe.Offsetof(e.initiator) &&
		unsafe.Offsetof(r.Data) == unsafe.Offsetof(e.data) &&
		unsafe.Offsetof(r.Len) == unsafe.Offsetof(e.len) &&
		ws.EvFirst == C.WS_EVF_FIRST && ws.EvLast == C.WS_EVF_LAST && ws.EvCompressed == C.WS_EVF_COMPRESSED
}()

// takeEvents fills evs with up to max events (ws_next_events).
func takeEvents(c *ws.Conn, evs unsafe.Pointer, max C.size_t) C.int {
	stride := C.size_t((*C.ws_event)(evs).size)
	if stride < minEventSize {
		return argError("ws_event.size must be set to sizeof(ws_event)")
	}
	if max > 1<<20 {
		max = 1 << 20
	}
	if stride == eventSize && recordsMatch {
		return C.int(c.TakeEventRecords(unsafe.Slice((*ws.EventRecord)(evs), max)))
	}
	n := C.size_t(0)
	var e ws.Event
	for ; n < max; n++ {
		// A close event starts a batch of its own: taking it may queue the
		// close reply, and the host must get the chance to answer the
		// messages before it first.
		if t, _ := c.PeekEvent(); n > 0 && t == ws.EventClose {
			break
		}
		if !c.TakeEvent(&e) {
			break
		}
		dst := unsafe.Add(evs, uintptr(n*stride))
		if stride >= eventSize {
			fillEvent((*C.ws_event)(dst), &e)
			continue
		}
		// A caller built against a smaller (older) ws_event: write only
		// the fields that fit in its size.
		var full C.ws_event
		fillEvent(&full, &e)
		full.size = C.uint32_t(stride)
		copy(unsafe.Slice((*byte)(dst), stride), unsafe.Slice((*byte)(unsafe.Pointer(&full)), stride))
	}
	return C.int(n)
}
