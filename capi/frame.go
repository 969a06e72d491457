package main

// #include "capi.h"
import "C"

import (
	"sync"
	"unsafe"

	"github.com/libws/libws/ws"
)

// staticStrings holds C strings handed out as "static": made once, never
// freed. nil when memory runs out (the wrappers then give a fixed string).
var staticStrings struct {
	sync.Mutex
	m map[string]*C.char
}

func staticString(s string) *C.char {
	staticStrings.Lock()
	defer staticStrings.Unlock()
	if p, ok := staticStrings.m[s]; ok {
		return p
	}
	if staticStrings.m == nil {
		staticStrings.m = make(map[string]*C.char)
	}
	p := cString(s)
	if p != nil {
		staticStrings.m[s] = p
	}
	return p
}

//export wsgo_strerror
func wsgo_strerror(code C.int) (s *C.char) {
	defer func() {
		if recover() != nil {
			s = nil
		}
	}()
	if !ws.Code(code).Known() {
		return staticString("unknown error") // one string, however many codes are asked about
	}
	return staticString(ws.Code(code).String())
}

//export wsgo_close_code_name
func wsgo_close_code_name(code C.int) (s *C.char) {
	defer func() {
		if recover() != nil {
			s = nil
		}
	}()
	if code < 0 || code > 0xFFFF {
		return staticString("")
	}
	return staticString(ws.CloseCode(code).Name())
}

//export wsgo_close_code_valid
func wsgo_close_code_valid(code C.int) C.int {
	if code >= 0 && code <= 0xFFFF && ws.CloseCode(code).Valid() {
		return 1
	}
	return 0
}

//export wsgo_frame_parse_header
func wsgo_frame_parse_header(p unsafe.Pointer, n C.size_t, h *C.ws_frame_header, need *C.size_t) (rc C.int) {
	defer guard(&rc)
	b := goBytes(p, n)
	hd, hl, err := ws.ParseHeader(b)
	if err != nil {
		return status(err)
	}
	if hl == 0 {
		if need != nil {
			*need = C.size_t(ws.HeaderNeed(b))
		}
		return 0
	}
	h.fin = 0
	if hd.Fin {
		h.fin = 1
	}
	h.rsv = C.uint8_t(hd.RSV)
	h.opcode = C.uint8_t(hd.Opcode)
	h.masked = 0
	if hd.Masked {
		h.masked = 1
	}
	for i := range hd.Mask {
		h.mask[i] = C.uint8_t(hd.Mask[i])
	}
	h.length = C.uint64_t(hd.Length)
	return C.int(hl)
}

//export wsgo_frame_encode_header
func wsgo_frame_encode_header(h *C.ws_frame_header, out unsafe.Pointer, capacity C.size_t) (rc C.int) {
	defer guard(&rc)
	if h.fin > 1 || h.masked > 1 || h.rsv > 7 || h.opcode > 15 || h.length>>63 != 0 {
		return argError("frame header field out of range (fin/masked 0 or 1, rsv 0..7, opcode 0..15, length < 2^63)")
	}
	hd := ws.Header{Fin: h.fin == 1, RSV: uint8(h.rsv), Opcode: ws.Opcode(h.opcode), Masked: h.masked == 1, Length: int64(h.length)}
	for i := range hd.Mask {
		hd.Mask[i] = byte(h.mask[i])
	}
	if err := hd.Check(); err != nil {
		return status(err)
	}
	var buf [ws.MaxHeaderLen]byte
	enc := ws.AppendHeader(buf[:0], &hd)
	if C.size_t(len(enc)) > capacity {
		return argError("output buffer too small for the header (14 bytes always suffice)")
	}
	copy(goBytes(out, capacity), enc)
	return C.int(len(enc))
}

//export wsgo_mask
func wsgo_mask(key *C.uint8_t, pos C.int, src, dst unsafe.Pointer, n C.size_t) (rc C.int) {
	defer guard(&rc)
	var k [4]byte
	copy(k[:], unsafe.Slice((*byte)(unsafe.Pointer(key)), 4))
	return C.int(ws.MaskCopy(goBytes(dst, n), goBytes(src, n), k, int(pos&3)))
}

//export wsgo_random_mask
func wsgo_random_mask(key *C.uint8_t) (rc C.int) {
	defer guard(&rc)
	k := ws.NewMaskKey()
	copy(unsafe.Slice((*byte)(unsafe.Pointer(key)), 4), k[:])
	return C.WS_OK
}

//export wsgo_random_bytes
func wsgo_random_bytes(buf unsafe.Pointer, n C.size_t) (rc C.int) {
	defer guard(&rc)
	ws.RandomBytes(goBytes(buf, n))
	return C.WS_OK
}

//export wsgo_accept_key
func wsgo_accept_key(key *C.char, out *C.char) (rc C.int) {
	defer guard(&rc)
	a := ws.AcceptKey(goString(key))
	dst := unsafe.Slice((*byte)(unsafe.Pointer(out)), 29)
	copy(dst, a)
	dst[len(a)] = 0
	return C.WS_OK
}

//export wsgo_utf8_valid
func wsgo_utf8_valid(p unsafe.Pointer, n C.size_t) (rc C.int) {
	defer guard(&rc)
	if ws.ValidUTF8(goBytes(p, n)) {
		return 1
	}
	return 0
}
