package ws

import (
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"
)

// A flate writer costs hundreds of kilobytes, far more than a server can
// afford per connection. Connections therefore borrow writers from
// process-wide pools (and the inflater its decode tables, inflate.go) and
// keep only the LZ77 history window they need for context takeover
// (RFC 7692 §7.2.3.3).
//
// Writers are "sticky": a connection that gets back the writer it used
// last, untouched by anyone else, continues its stream without priming a
// new writer with the history, which makes context takeover as cheap as a
// private writer while memory stays bounded by the pool.

// flateWriter is what deflater needs of a DEFLATE encoder: klauspost's
// flate.Writer or lzEncoder (deflate_enc.go).
type flateWriter interface {
	ResetDict(w io.Writer, dict []byte)
	Write(p []byte) (int, error)
	Flush() error
}

// encoder is a pooled flate writer with the buffer it writes into.
type encoder struct {
	w     flateWriter
	out   sliceWriter
	pool  *encoderPool
	owner *deflater // last user
	gen   uint64    // bumped whenever the owner changes
	idx   int       // position in pool.free, or -1 while in use
}

// sliceWriter collects an encoder's output: in b, or, while tx is set, at
// the end of a connection's output buffer, where the frame is built in
// place: no copy, and the memory is the connection's allocator's, so that
// a large send that cannot be had fails with CodeNoMem instead of
// exhausting the Go heap.
type sliceWriter struct {
	b  []byte
	tx *buffer
	a  Allocator
}

func (s *sliceWriter) Write(p []byte) (int, error) {
	if s.tx == nil {
		s.b = append(s.b, p...)
		return len(p), nil
	}
	dst := s.tx.reserve(s.a, len(p))
	if dst == nil {
		return 0, errSendNoMem()
	}
	copy(dst, p)
	s.tx.n += len(p)
	return len(p), nil
}

type encoderPool struct {
	mu    sync.Mutex
	level int
	bits  int
	lz    bool       // lzEncoders, else klauspost's writers
	free  []*encoder // idle, the least recently used first
	made  int        // encoders alive (idle or in use)
	prime int        // takeover encoders primed with a history (for tests)
}

var encoderPools struct {
	sync.Mutex
	m map[[3]int]*encoderPool
}

// maxFreeEncoders bounds the idle writers kept per (level, window) pair.
func maxFreeEncoders() int { return 4 + 2*runtime.GOMAXPROCS(0) }

func getEncoderPool(level, bits int, lz bool) *encoderPool {
	encoderPools.Lock()
	defer encoderPools.Unlock()
	if encoderPools.m == nil {
		encoderPools.m = make(map[[3]int]*encoderPool)
	}
	k := [3]int{level, bits, 0}
	if lz {
		k[2] = 1
	}
	p := encoderPools.m[k]
	if p == nil {
		p = &encoderPool{level: level, bits: bits, lz: lz}
		encoderPools.m[k] = p
	}
	return p
}

// get returns an encoder for d. fresh is false when it is d's own encoder
// with its state intact (the stream continues), true when it must be reset.
//
// A takeover connection that gets another's encoder must prime it with
// its 32 KiB history (~100 us, BenchmarkDeflateReprime), and the other
// must prime again when it comes back: so encoders are kept with their
// owners where possible. An idle encoder last used without takeover
// (nothing to keep) is taken first; else, while the pool has fewer than
// maxFreeEncoders, a new one; only beyond that the least recently used. (Taking the most recent idle one made two connections sending in
// turn from one thread swap encoders and re-prime on every message.)
func (p *encoderPool) get(d *deflater) (e *encoder, fresh bool) {
	p.mu.Lock()
	if last := d.enc; last != nil && last.pool == p && last.owner == d && last.gen == d.gen && last.idx >= 0 {
		p.remove(last)
		p.mu.Unlock()
		return last, false
	}
	if n := len(p.free); n > 0 {
		i := -1
		for j := n - 1; j >= 0; j-- {
			if o := p.free[j].owner; o == nil || !o.takeover {
				i = j
				break
			}
		}
		if i < 0 && p.made >= maxFreeEncoders() {
			i = 0
		}
		if i >= 0 {
			e = p.free[i]
			p.remove(e)
		}
	}
	if e == nil {
		p.made++
	}
	if d.takeover {
		p.prime++
	}
	if e != nil {
		// Under the lock: the connection that had e last reads its owner
		// and gen here to see whether its stream survived.
		e.owner = d
		e.gen++
	}
	p.mu.Unlock()
	if e == nil {
		e = p.newEncoder()
		e.owner = d
		e.gen++
	}
	d.enc, d.gen = e, e.gen
	return e, true
}

func (p *encoderPool) newEncoder() *encoder {
	e := &encoder{pool: p, idx: -1}
	if p.lz {
		e.w = newLZEncoder(p.level, p.bits)
		return e
	}
	var err error
	if p.bits < 15 {
		// §7.1.2: the sender must not use a window larger than agreed;
		// klauspost's windowed encoder bounds match distances to 2^bits.
		var w *flate.Writer
		w, err = flate.NewWriterWindow(&e.out, 1<<p.bits)
		e.w = w
	} else {
		var w *flate.Writer
		w, err = flate.NewWriter(&e.out, p.level)
		e.w = w
	}
	if err != nil {
		panic("ws: flate writer: " + err.Error()) // levels and windows are validated earlier
	}
	return e
}

// remove takes e out of the idle list, keeping the others in order of use.
func (p *encoderPool) remove(e *encoder) {
	i := e.idx
	copy(p.free[i:], p.free[i+1:])
	p.free = p.free[:len(p.free)-1]
	for ; i < len(p.free); i++ {
		p.free[i].idx = i
	}
	e.idx = -1
}

// put returns e to the pool. Beyond the pool's size it is dropped.
func (p *encoderPool) put(e *encoder) {
	if cap(e.out.b) > 1<<20 {
		e.out.b = nil // do not pin a large buffer from one big message
	}
	p.mu.Lock()
	if len(p.free) < maxFreeEncoders() {
		e.idx = len(p.free)
		p.free = append(p.free, e)
	} else {
		e.owner = nil
		p.made--
	}
	p.mu.Unlock()
}

// deflateTail ends a message's deflate data (RFC 7692 §7.2.2: append
// 00 00 ff ff) and then adds an empty final stored block, so that the
// message's stream ends with a final block (inflateMessage requires one).
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}
