package main

// #include <stdlib.h>
// #include "capi.h"
import "C"

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/libws/libws/ws"
)

// Handles are opaque to C: a slot index and a generation packed into a
// pointer-sized integer, never a Go pointer. A freed or foreign handle is
// recognised by the table (slot empty, or generation mismatch) and reported
// as WS_E_BAD_HANDLE; nothing is dereferenced before that check.

type kind uint8

const (
	kindConn kind = iota + 1
	kindConfig
	kindCompressor
	kindDecompressor
)

// object is one live C-visible object.
type object struct {
	kind kind
	gen  uint32
	// busy is 1 while a call is inside the object; a concurrent call gets
	// WS_E_BUSY. A freed object stays busy for ever. It points at busyOwn,
	// or for a connection at its C struct's mark, which output.c's calls
	// take too.
	busy     *atomic.Int32
	busyOwn  atomic.Int32
	cs       *C.struct_wsint_conn // a connection's output as C sees it
	poisoned bool                 // a panic happened inside; every later call fails
	conn     *ws.Conn
	cfg      *config
	comp     *ws.Compressor
	decomp   *ws.Decompressor
	remake   func() (*ws.Compressor, error) // a fresh compressor like comp
	out      ws.Buffer                      // decompressor output, in C memory
	zout     cbuf                           // compressor output
	cstrs    map[string]*C.char             // strings lent to C, freed with the object
}

var table struct {
	mu    sync.Mutex
	slots atomic.Pointer[[]atomic.Pointer[object]]
	gens  []uint32 // last generation used per slot
	free  []uint32
}

func init() {
	s := make([]atomic.Pointer[object], 0)
	table.slots.Store(&s)
}

// register puts o in the table and returns its handle; 0 when the C
// struct of a connection cannot be had (out of memory).
func register(o *object) C.uintptr_t {
	table.mu.Lock()
	defer table.mu.Unlock()
	o.busy = &o.busyOwn
	var slot uint32
	if n := len(table.free); n > 0 {
		slot = table.free[n-1]
		table.free = table.free[:n-1]
	} else {
		old := *table.slots.Load()
		slot = uint32(len(old))
		var grown []atomic.Pointer[object]
		if cap(old) > len(old) {
			// Readers holding the old slice never look past its length, so
			// the spare room of its array can be handed out in place.
			grown = old[:len(old)+1]
		} else {
			grown = make([]atomic.Pointer[object], len(old)+1, max(64, 2*cap(old)))
			for i := range old {
				grown[i].Store(old[i].Load())
			}
		}
		table.slots.Store(&grown)
		table.gens = append(table.gens, 0)
	}
	table.gens[slot]++
	if table.gens[slot] == 0 {
		table.gens[slot] = 1
	}
	o.gen = table.gens[slot] & genMask
	if o.gen == 0 {
		table.gens[slot]++
		o.gen = table.gens[slot] & genMask
	}
	if o.kind == kindConn {
		cs := C.wsint_conn_slot(C.uint32_t(slot))
		if cs == nil {
			table.free = append(table.free, slot)
			return 0
		}
		// The struct is busy (new, or its last connection freed) until
		// its generation names this connection.
		cs.out, cs.out_len, cs.taken, cs.poisoned = nil, 0, 0, 0
		atomic.StoreUint32((*uint32)(unsafe.Pointer(&cs.gen)), o.gen)
		o.cs, o.busy = cs, (*atomic.Int32)(unsafe.Pointer(&cs.busy))
		o.busy.Store(0)
	}
	(*table.slots.Load())[slot].Store(o)
	return C.uintptr_t(uintptr(o.gen)<<slotBits | uintptr(slot+1))
}

// A handle is (generation << slotBits) | (slot + 1): 32+32 bits on 64-bit
// systems; 12+20 on 32-bit ones, where a slot's generation wraps after 4095
// reuses.
const (
	ptrBits  = 8 * int(unsafe.Sizeof(uintptr(0)))
	slotBits = ptrBits/2 + 4*(1-ptrBits/64) // 32 or 20
	slotMask = 1<<slotBits - 1
	genMask  = uint32(1<<(ptrBits-slotBits) - 1)
)

// lookup returns the live object behind h, of the wanted kind.
func lookup(h C.uintptr_t, k kind) *object {
	slot := uint32(uintptr(h)&slotMask) - 1
	gen := uint32(uintptr(h) >> slotBits)
	slots := *table.slots.Load()
	if uint64(slot) >= uint64(len(slots)) {
		return nil
	}
	o := slots[slot].Load()
	if o == nil || o.gen != gen || o.kind != k {
		return nil
	}
	return o
}

// unregister removes the object behind h from the table.
func unregister(h C.uintptr_t) {
	table.mu.Lock()
	defer table.mu.Unlock()
	slot := uint32(uintptr(h)&slotMask) - 1
	(*table.slots.Load())[slot].Store(nil)
	table.free = append(table.free, slot)
}

// enter looks up h and marks the object busy. On failure it returns a
// status (and records the message for ws_last_error).
func enter(h C.uintptr_t, k kind) (*object, C.int) {
	o := lookup(h, k)
	if o == nil {
		what := map[kind]string{kindConn: "connection", kindConfig: "config", kindCompressor: "compressor", kindDecompressor: "decompressor"}[k]
		return nil, fail(ws.CodeBadHandle, "not a live libws "+what+" (freed, or never made by libws)")
	}
	if !o.busy.CompareAndSwap(0, 1) {
		if lookup(h, k) != o {
			return nil, fail(ws.CodeBadHandle, "the object was freed")
		}
		return nil, fail(ws.CodeBusy, "another thread is using this object right now")
	}
	if o.cs != nil {
		// A connection's mark is its slot's, which a later connection
		// reuses: the mark taken may be that one's.
		if atomic.LoadUint32((*uint32)(unsafe.Pointer(&o.cs.gen))) != o.gen {
			o.busy.Store(0)
			return nil, fail(ws.CodeBadHandle, "the object was freed")
		}
		if t := o.cs.taken; t != 0 && !o.poisoned {
			o.cs.taken = 0
			_ = o.conn.Consume(int(t)) // t <= the output published
		}
	}
	if o.poisoned {
		o.busy.Store(0)
		return nil, fail(ws.CodeInternal, "this object hit an internal error earlier and is unusable; free it")
	}
	return o, 0
}

// leave ends a call: it turns a panic into WS_E_INTERNAL, poisoning the
// object, and clears the busy mark. Use as `defer o.leave(&rc)`.
func (o *object) leave(rc *C.int) {
	if r := recover(); r != nil {
		o.poisoned = true
		*rc = internalError(r)
	}
	if o.cs != nil {
		o.publish()
	}
	o.busy.Store(0)
}

// publish tells output.c what output is waiting (ws_output there).
func (o *object) publish() {
	cs := o.cs
	if o.poisoned {
		cs.poisoned, cs.out, cs.out_len = 1, nil, 0
		return
	}
	out := o.conn.Output()
	cs.out, cs.out_len = nil, C.size_t(len(out))
	if len(out) > 0 {
		cs.out = (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(out)))
	}
}

// cstr lends s to C as a NUL-terminated string that lives as long as the
// object. Equal strings share one copy. nil when memory runs out.
func (o *object) cstr(s string) *C.char {
	if p, ok := o.cstrs[s]; ok {
		return p
	}
	p := cString(s)
	if p == nil {
		return nil
	}
	if o.cstrs == nil {
		o.cstrs = make(map[string]*C.char)
	}
	o.cstrs[s] = p
	return p
}

func (o *object) freeStrings() {
	for _, p := range o.cstrs {
		C.free(unsafe.Pointer(p))
	}
	o.cstrs = nil
}
