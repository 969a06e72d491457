package main

import "unsafe"

// cbuf is a growable region of C memory that results are appended to in
// place, for output C borrows whose size a caller decides: growing fails
// with false, never aborts, and never costs Go memory (where running out
// is fatal to the process).
type cbuf struct {
	b []byte // the allocation (cAlloc)
	n int    // bytes in use
}

// cbufRetain is the largest buffer kept for a small result.
const cbufRetain = 1 << 20

// reset empties x for a result of about hint bytes, releasing a large
// allocation that a small result would leave mostly unused.
func (x *cbuf) reset(hint int) {
	x.n = 0
	if len(x.b) > cbufRetain && hint < len(x.b)/4 {
		x.release()
	}
}

// room makes sure k more bytes fit; false, with x unchanged, when memory
// runs out. It doubles, then takes just what is needed if that fails.
func (x *cbuf) room(k int) bool {
	want := x.n + k
	if want <= len(x.b) {
		return true
	}
	c := max(2*len(x.b), 256, want)
	nb := (cAlloc{}).Realloc(x.b, c)
	if nb == nil && c > want {
		nb = (cAlloc{}).Realloc(x.b, want)
	}
	if nb == nil {
		return false
	}
	x.b = nb
	return true
}

// tail returns the bytes in use with the free room as capacity: appending
// up to that room writes into x (see took).
func (x *cbuf) tail() []byte { return x.b[:x.n:len(x.b)] }

// took records r, the result of appending to tail(): in place if it fitted,
// else (an append that outgrew the room) copied in. false when memory runs
// out for that copy.
func (x *cbuf) took(r []byte) bool {
	if len(r) > 0 && len(x.b) > 0 && unsafe.SliceData(r) == unsafe.SliceData(x.b) {
		x.n = len(r)
		return true
	}
	extra := r[x.n:]
	if !x.room(len(extra)) {
		return false
	}
	x.n += copy(x.b[x.n:], extra)
	return true
}

func (x *cbuf) bytes() []byte { return x.b[:x.n] }

func (x *cbuf) release() {
	(cAlloc{}).Free(x.b)
	*x = cbuf{}
}
