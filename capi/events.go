package main

// #include "capi.h"
import "C"

import (
	"unsafe"

	"github.com/libws/libws/ws"
)

const eventSize = C.size_t(unsafe.Sizeof(C.ws_event{}))

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
	stride := C.size_t((*C.ws_event)(evs).size)
	if stride < eventSize {
		return argError("ws_event.size must be set to sizeof(ws_event)")
	}
	if max > 1<<20 {
		max = 1 << 20
	}
	n := C.size_t(0)
	for ; n < max; n++ {
		e, ok := o.conn.NextEvent()
		if !ok {
			break
		}
		dst := (*C.ws_event)(unsafe.Add(evs, uintptr(n*stride)))
		fillEvent(dst, &e)
	}
	return C.int(n)
}
