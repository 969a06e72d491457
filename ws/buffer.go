package ws

import "math"

// buffer is a growable byte region whose memory comes from an Allocator, so
// that the C API can hand out pointers into it. b is the whole allocation;
// n bytes of it are in use.
type buffer struct {
	b    []byte
	n    int
	peak int   // most bytes in use since the last trim check
	slow uint8 // consecutive checks that found the buffer oversized
}

// goAlloc is the default Allocator: ordinary Go memory.
type goAlloc struct{}

func (goAlloc) Alloc(n int) []byte { return make([]byte, n) }
func (goAlloc) Free([]byte)        {}

// retainMax is the largest buffer always kept once it is empty. A bigger
// one is kept while the connection keeps filling it, and returned to the
// allocator after trimAfter empty checks that found it mostly unused, so a
// stream of large messages does not allocate per message and one large
// message does not pin memory for ever. Shrink releases everything at once.
const (
	retainMax = 64 << 10
	trimAfter = 8
)

// reserve makes room for need more bytes and returns the region to write
// them to, b[n:n+need]; nil if memory could not be allocated.
func (x *buffer) reserve(a Allocator, need int) []byte {
	return x.reserveMax(a, need, math.MaxInt)
}

// reserveMax is reserve for a buffer that will never need more than capMax
// bytes: it doubles, as reserve does, but not past capMax, so that a
// message at its limit does not cost twice the limit.
func (x *buffer) reserveMax(a Allocator, need, capMax int) []byte {
	if need < 0 {
		return nil
	}
	if len(x.b)-x.n >= need {
		x.peak = max(x.peak, x.n+need)
		return x.b[x.n : x.n+need]
	}
	want := x.n + need
	if want < 0 { // overflow
		return nil
	}
	c := 2 * len(x.b)
	if _, ok := a.(Reallocator); ok && len(x.b) >= 1<<20 {
		// Resizing in place costs no copy: grow by 1/16, so that a
		// buffer holds little more than its contents.
		c = len(x.b) + len(x.b)/16
	}
	if c < 0 || c > capMax {
		c = capMax
	}
	if c < want {
		c = want
	}
	if c < 256 {
		c = 256
	}
	if !x.grow(a, c) && (c == want || !x.grow(a, want)) {
		return nil
	}
	x.peak = max(x.peak, x.n+need)
	return x.b[x.n : x.n+need]
}

// grow replaces the allocation by one of c bytes, keeping the n in use:
// resized in place where the allocator can (Reallocator), so that large
// buffers are not copied and the old and new ones are not both touched.
func (x *buffer) grow(a Allocator, c int) bool {
	if r, ok := a.(Reallocator); ok && x.b != nil {
		nb := r.Realloc(x.b, c)
		if nb == nil {
			return false
		}
		x.b = nb
		return true
	}
	nb := a.Alloc(c)
	if nb == nil {
		return false
	}
	copy(nb, x.b[:x.n])
	if x.b != nil {
		a.Free(x.b)
	}
	x.b = nb
	return true
}

// drop removes the first k bytes in use, moving the rest to the front.
func (x *buffer) drop(k int) {
	if k <= 0 {
		return
	}
	copy(x.b, x.b[k:x.n])
	x.n -= k
}

// trim frees an empty buffer that grew beyond retainMax and has stayed
// mostly unused for a while.
func (x *buffer) trim(a Allocator) {
	if x.n != 0 || len(x.b) <= retainMax {
		return
	}
	if x.peak >= len(x.b)/4 {
		x.slow = 0
	} else if x.slow++; x.slow >= trimAfter {
		x.release(a)
	}
	x.peak = 0
}

// release returns the memory to the allocator.
func (x *buffer) release(a Allocator) {
	if x.b != nil {
		a.Free(x.b)
	}
	x.b, x.n, x.peak, x.slow = nil, 0, 0, 0
}
