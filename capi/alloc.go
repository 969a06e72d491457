package main

// #include <stdlib.h>
// #include "capi.h"
import "C"

import "unsafe"

// cAlloc gives connections C memory for everything they hand out (event
// payloads, output), so that C may hold the pointers: cgo forbids lending
// Go memory beyond a call. It fails with nil, never aborts: sizes come from
// peers and callers (alloc.c, not cgo's aborting C.malloc).
type cAlloc struct{}

func (cAlloc) Alloc(n int) []byte {
	if n <= 0 {
		return []byte{} // not nil: nil means failure
	}
	p := C.wsint_malloc(C.size_t(n))
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

// Realloc resizes b with realloc (ws.Reallocator): large receive buffers
// grow in place (glibc remaps them) instead of being copied with the old
// and new copies both resident. nil on failure, b still valid.
func (cAlloc) Realloc(b []byte, n int) []byte {
	if n <= 0 { // realloc(p, 0) would free p
		if b == nil {
			return []byte{}
		}
		return b[:0]
	}
	var old unsafe.Pointer // NULL for an empty b, which owns no C memory
	if cap(b) > 0 {
		old = unsafe.Pointer(unsafe.SliceData(b))
	}
	p := C.wsint_realloc(old, C.size_t(cap(b)), C.size_t(n))
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

func (cAlloc) Free(b []byte) {
	if cap(b) > 0 {
		C.free(unsafe.Pointer(unsafe.SliceData(b)))
	}
}

// cString copies s into C memory as a NUL-terminated string; nil when
// memory runs out (C.CString would abort).
func cString(s string) *C.char {
	return C.wsint_strndup((*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s)))
}

// goBytes views C memory as a byte slice for the duration of a call.
func goBytes(p unsafe.Pointer, n C.size_t) []byte {
	if p == nil || n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), int(n))
}

// goString copies a NUL-terminated C string ("" for NULL).
func goString(p *C.char) string {
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// goPairs copies n name/value header pairs from two C string arrays.
func goPairs(names, values **C.char, n C.size_t) [][2]string {
	if n == 0 {
		return nil
	}
	ns := unsafe.Slice(names, int(n))
	vs := unsafe.Slice(values, int(n))
	out := make([][2]string, n)
	for i := range out {
		out[i] = [2]string{goString(ns[i]), goString(vs[i])}
	}
	return out
}
