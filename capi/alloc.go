package main

// #include <stdlib.h>
import "C"

import "unsafe"

// cAlloc gives connections C memory for everything they hand out (event
// payloads, output), so that C may hold the pointers: cgo forbids lending
// Go memory beyond a call.
type cAlloc struct{}

func (cAlloc) Alloc(n int) []byte {
	p := C.malloc(C.size_t(n))
	if p == nil {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

// Realloc resizes b with realloc (ws.Reallocator): large receive buffers
// grow in place (glibc remaps them) instead of being copied with the old
// and new copies both resident. nil on failure, b still valid.
func (cAlloc) Realloc(b []byte, n int) []byte {
	p := C.realloc(unsafe.Pointer(unsafe.SliceData(b)), C.size_t(n))
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
