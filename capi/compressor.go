package main

// #include "capi.h"
import "C"

import (
	"unsafe"

	"github.com/libws/libws/ws"
)

//export wsgo_compressor_new
func wsgo_compressor_new(level, bits, takeover C.int, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	z, err := ws.NewCompressor(int(level), int(bits), takeover != 0)
	if err != nil {
		return status(err)
	}
	*out = register(&object{kind: kindCompressor, comp: z})
	return C.WS_OK
}

//export wsgo_decompressor_new
func wsgo_decompressor_new(bits, takeover C.int, max C.int64_t, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	z, err := ws.NewDecompressor(int(bits), takeover != 0, int64(max))
	if err != nil {
		return status(err)
	}
	*out = register(&object{kind: kindDecompressor, decomp: z})
	return C.WS_OK
}

// lend points *data/*n at the object's output buffer.
func (o *object) lend(data **C.uint8_t, n *C.size_t) {
	b := o.out.Bytes()
	*n = C.size_t(len(b))
	*data = nil
	if len(b) > 0 {
		*data = (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b)))
	}
}

//export wsgo_compress
func wsgo_compress(h C.uintptr_t, p unsafe.Pointer, n C.size_t, final C.int, data **C.uint8_t, outLen *C.size_t) (rc C.int) {
	o, rc := enter(h, kindCompressor)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	z, err := o.comp.Compress(nil, goBytes(p, n), final != 0)
	if err != nil {
		return status(err)
	}
	if !o.out.Set(cAlloc{}, z) {
		return fail(ws.CodeNoMem, "ws: out of memory")
	}
	o.lend(data, outLen)
	return C.WS_OK
}

//export wsgo_decompress
func wsgo_decompress(h C.uintptr_t, p unsafe.Pointer, n C.size_t, data **C.uint8_t, outLen *C.size_t) (rc C.int) {
	o, rc := enter(h, kindDecompressor)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	if err := o.decomp.DecompressTo(&o.out, cAlloc{}, goBytes(p, n)); err != nil {
		return status(err)
	}
	o.lend(data, outLen)
	return C.WS_OK
}

// freeCoder releases a compressor or decompressor.
func freeCoder(h C.uintptr_t, k kind) {
	o := lookup(h, k)
	if o == nil {
		return
	}
	for !o.busy.CompareAndSwap(0, 1) {
		if lookup(h, k) != o {
			return
		}
		yield()
	}
	unregister(h)
	if o.comp != nil {
		o.comp.Close()
	}
	o.out.Release(cAlloc{})
}

//export wsgo_compressor_free
func wsgo_compressor_free(h C.uintptr_t) { freeCoder(h, kindCompressor) }

//export wsgo_decompressor_free
func wsgo_decompressor_free(h C.uintptr_t) { freeCoder(h, kindDecompressor) }
