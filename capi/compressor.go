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
	remake := func() (*ws.Compressor, error) { return ws.NewCompressor(int(level), int(bits), takeover != 0) }
	z, err := remake()
	if err != nil {
		return status(err)
	}
	*out = register(&object{kind: kindCompressor, comp: z, remake: remake})
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

// lend points *data/*n at b, output in the object's C memory.
func lend(b []byte, data **C.uint8_t, n *C.size_t) {
	*n = C.size_t(len(b))
	*data = nil
	if len(b) > 0 {
		*data = (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(b)))
	}
}

// compressPiece bounds the Go memory of a ws_compress call: the flate
// writer's output is Go memory, where running out is fatal, so a long
// input is compressed a piece at a time (each ending with a sync flush,
// which decoders skip) straight into the C output.
const compressPiece = 256 << 10

// deflateRoom bounds the output of k bytes with room to spare: stored
// blocks add 5 bytes per 64 KiB, the flush 5 or 6.
func deflateRoom(k int) int { return k + k/64 + 64 }

//export wsgo_compress
func wsgo_compress(h C.uintptr_t, p unsafe.Pointer, n C.size_t, final C.int, data **C.uint8_t, outLen *C.size_t) (rc C.int) {
	o, rc := enter(h, kindCompressor)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	in := goBytes(p, n)
	o.zout.reset(deflateRoom(len(in)))
	for first := true; first || len(in) > 0; first = false {
		k := min(len(in), compressPiece)
		if !o.zout.room(deflateRoom(k)) {
			return o.abandon()
		}
		z, err := o.comp.Compress(o.zout.tail(), in[:k], final != 0 && k == len(in))
		if err != nil {
			return status(err)
		}
		if !o.zout.took(z) {
			return o.abandon()
		}
		in = in[k:]
	}
	lend(o.zout.bytes(), data, outLen)
	return C.WS_OK
}

// abandon ends a message that ran out of memory part way, with a fresh
// compressor: the old one's history holds input the peer will never see,
// while output made without history decodes whatever the peer's is.
func (o *object) abandon() C.int {
	o.comp.Close()
	if z, err := o.remake(); err == nil {
		o.comp = z
	}
	o.zout.reset(0)
	return fail(ws.CodeNoMem, "ws_compress: out of memory for the output; the message is abandoned")
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
	lend(o.out.Bytes(), data, outLen)
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
	o.zout.release()
}

//export wsgo_compressor_free
func wsgo_compressor_free(h C.uintptr_t) { freeCoder(h, kindCompressor) }

//export wsgo_decompressor_free
func wsgo_decompressor_free(h C.uintptr_t) { freeCoder(h, kindDecompressor) }
