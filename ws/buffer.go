package ws

// buffer is a growable byte region whose memory comes from an Allocator, so
// that the C API can hand out pointers into it. b is the whole allocation;
// n bytes of it are in use.
type buffer struct {
	b []byte
	n int
}

// goAlloc is the default Allocator: ordinary Go memory.
type goAlloc struct{}

func (goAlloc) Alloc(n int) []byte { return make([]byte, n) }
func (goAlloc) Free([]byte)        {}

// retainMax is the largest buffer kept once it is empty; bigger ones are
// returned to the allocator so that idle connections stay small.
const retainMax = 64 << 10

// reserve makes room for need more bytes and returns the region to write
// them to, b[n:n+need]; nil if memory could not be allocated.
func (x *buffer) reserve(a Allocator, need int) []byte {
	if need < 0 {
		return nil
	}
	if len(x.b)-x.n >= need {
		return x.b[x.n : x.n+need]
	}
	want := x.n + need
	if want < 0 { // overflow
		return nil
	}
	c := 2 * len(x.b)
	if c < want {
		c = want
	}
	if c < 256 {
		c = 256
	}
	nb := a.Alloc(c)
	if nb == nil && c > want {
		nb = a.Alloc(want)
	}
	if nb == nil {
		return nil
	}
	copy(nb, x.b[:x.n])
	if x.b != nil {
		a.Free(x.b)
	}
	x.b = nb
	return x.b[x.n : x.n+need]
}

// drop removes the first k bytes in use, moving the rest to the front.
func (x *buffer) drop(k int) {
	if k <= 0 {
		return
	}
	copy(x.b, x.b[k:x.n])
	x.n -= k
}

// trim frees an empty buffer that grew beyond retainMax.
func (x *buffer) trim(a Allocator) {
	if x.n == 0 && len(x.b) > retainMax {
		x.release(a)
	}
}

// release returns the memory to the allocator.
func (x *buffer) release(a Allocator) {
	if x.b != nil {
		a.Free(x.b)
	}
	x.b, x.n = nil, 0
}
