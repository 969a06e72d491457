package ws

import (
	"encoding/binary"
	"io"
)

// lzEncoder is libws's own DEFLATE encoder (RFC 1951) for permessage-deflate
// with context takeover, where messages are small and every one ends with a
// sync flush (RFC 7692 §7.2.1). It matches like zlib's lazy levels (hash
// chains over the window and the message) and then, per block, sends
// whichever of a stored, a fixed-Huffman or a dynamic-Huffman block is
// smallest, building the dynamic code from the few symbols a small message
// uses. It implements the three methods deflater needs of a flate writer.
//
// Positions are absolute (they only grow, across messages and resets), so
// that starting a new stream or sliding the buffer never clears the hash
// tables: entries older than the stream's start or the window are ignored.
type lzEncoder struct {
	w      io.Writer
	p      lzParams
	window int // 2^bits: no distance reaches further (RFC 7692 §7.1.2)

	buf    []byte // buf[i] is at absolute position base+i
	base   int32
	start  int32 // absolute position where the current stream's data begins
	hashed int32 // absolute position of the first byte not yet in the chains
	head   *[lzHashSize]int32
	prev   *[lzMaxWindow]uint16 // distance to the previous position in the chain (0xffff: none near)

	// The long chains, of lzLongLen-byte prefixes: their few steps reach
	// far back among good candidates, where the short chains' many steps
	// stay near (each step is a dependent load: chains are slow to walk).
	hashed2 int32
	head2   *[lzHashSize]int32
	prev2   *[lzMaxWindow]uint16

	blk lzBlock
	bw  lzBits
	err error // the writer's, from a drain: the stream is broken until ResetDict
}

// lzDrainAt is how much whole-byte output is held before it goes to the
// writer, so that a long message's output is not kept in Go memory (the
// writer appends to the connection's output buffer: C memory behind the C
// API, where running out is an error, not the end of the process).
const lzDrainAt = 64 << 10

// lzParams tune the matching, as zlib's configuration_table (deflate.c):
// chains are cut to a quarter once a match of good bytes is in hand, no
// lazy search follows a match of lazy bytes, and a match of nice bytes
// ends the search. chain and chain2 are the steps on the short and the
// long chains (see lzEncoder.longest).
type lzParams struct {
	good, lazy, nice, chain int
	chain2                  int
}

// lzLevels are tuned on W7 (../shared/bench/WORKLOADS.md: small JSON
// messages with context takeover), where level 6 gives 1.014x the output
// of zlib's level 6 at 2.3-2.4x its rate through the C API (bench/run.sh
// W7c; levels 7, 8, 9: 1.001x, 0.983x, 0.980x the output). Levels below 4
// use klauspost's fast encoder.
var lzLevels = [10]lzParams{
	4: {8, 8, 32, 4, 16},
	5: {8, 16, 64, 4, 24},
	6: {16, 16, 128, 4, 32},
	7: {32, 32, 128, 8, 64},
	8: {32, 128, 258, 16, 256},
	9: {32, 258, 258, 64, 1024},
}

const (
	lzHashBits  = 15
	lzHashSize  = 1 << lzHashBits
	lzMaxWindow = maxWindow // §3.2.5: distances reach at most 32768 back
	lzWinMask   = lzMaxWindow - 1
	lzChunk     = 64 << 10 // input matched per pass; the buffer holds window + chunk
	lzMinMatch  = 3
	lzHashLen   = 4 // bytes hashed for the short chains (lzHash4)
	lzLongLen   = 8
	lzMaxMatch  = 258
	lzTooFar    = 4096    // zlib: a 3-byte match further back is not worth it
	lzMaxPos    = 1 << 30 // positions restart (head cleared) beyond this
)

// usesLZEncoder reports whether connections with these settings use
// lzEncoder: with context takeover at levels 4..9. Without takeover each
// message is a stream of its own, usually a larger one, where the fast
// encoder of klauspost/compress is both quicker and as small (W6c).
func usesLZEncoder(level int, takeover bool) bool { return takeover && level >= 4 }

func newLZEncoder(level, bits int) *lzEncoder {
	e := &lzEncoder{p: lzLevels[level], window: 1 << bits, base: 1}
	e.head, e.head2 = new([lzHashSize]int32), new([lzHashSize]int32)
	e.prev, e.prev2 = new([lzMaxWindow]uint16), new([lzMaxWindow]uint16)
	e.buf = make([]byte, 0, e.window+lzChunk)
	e.start, e.hashed, e.hashed2 = e.base, e.base, e.base
	e.bw.out = make([]byte, 0, 1024)
	return e
}

// ResetDict starts a new stream written to w, primed with the last window
// of dict: what the peer's decoder holds (RFC 7692 §7.2.3.3 for takeover).
func (e *lzEncoder) ResetDict(w io.Writer, dict []byte) {
	e.w, e.err = w, nil
	e.blk.reset()
	e.bw.reset()
	if len(dict) > e.window {
		dict = dict[len(dict)-e.window:]
	}
	end := e.base + int32(len(e.buf))
	if end+int32(e.window+lzChunk) > lzMaxPos {
		clear(e.head[:]) // chains from before can no longer be told apart
		clear(e.head2[:])
		end = 1
	}
	e.base = end
	e.buf = append(e.buf[:0], dict...)
	e.start, e.hashed, e.hashed2 = e.base, e.base, e.base
	e.prime(len(dict))
}

// prime puts the first n bytes of the buffer, a dictionary, into both
// chains: a tight loop, since a connection primes a whole window whenever
// it gets an encoder another used last.
func (e *lzEncoder) prime(n int) {
	buf := e.buf[:n]
	head, prev, head2, prev2 := e.head, e.prev, e.head2, e.prev2
	abs := e.base
	for i := 0; i+8 <= len(buf); i, abs = i+1, abs+1 {
		x := binary.LittleEndian.Uint64(buf[i:])
		h, h2 := lzHash4(uint32(x)), lzHash8(x)
		prev[abs&lzWinMask] = uint16(min(abs-head[h], 0xffff))
		head[h] = abs
		prev2[abs&lzWinMask] = uint16(min(abs-head2[h2], 0xffff))
		head2[h2] = abs
	}
	e.hashed, e.hashed2 = abs, abs
	e.insert(e.base + int32(n))
}

// Write compresses p; the output is held until Flush.
func (e *lzEncoder) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(e.buf) == cap(e.buf) || (len(e.buf)+len(p) > cap(e.buf) && len(e.buf) > e.window) {
			e.slide()
		}
		k := min(len(p), cap(e.buf)-len(e.buf))
		from := len(e.buf)
		e.buf = append(e.buf, p[:k]...)
		p = p[k:]
		e.insert(e.base + int32(from)) // the last bytes of the part before
		e.match(from)
		if e.err != nil {
			return n - len(p), e.err
		}
	}
	return n, nil
}

// Flush ends the current block and adds an empty stored block, so that the
// output so far ends byte-aligned with 00 00 ff ff (RFC 7692 §7.2.1, a sync
// flush as RFC 1951 §3.2.4 stores it), and writes it out.
func (e *lzEncoder) Flush() error {
	e.endBlock()
	if e.err != nil {
		return e.err
	}
	e.bw.bits(0, 3) // BFINAL=0, BTYPE=00
	e.bw.align()
	e.bw.out = append(e.bw.out, 0, 0, 0xff, 0xff)
	out := e.bw.out
	e.bw.out = e.bw.out[:0]
	if cap(out) > 1<<20 {
		e.bw.out = nil // do not pin a large buffer from one big message
	}
	_, err := e.w.Write(out)
	return err
}

// slide drops all but the last window of the buffer to make room. Pending
// tokens refer to the buffer (a stored block copies their bytes), so the
// block is ended first.
func (e *lzEncoder) slide() {
	e.endBlock()
	keep := min(e.window, len(e.buf))
	drop := len(e.buf) - keep
	copy(e.buf, e.buf[drop:])
	e.buf = e.buf[:keep]
	e.base += int32(drop)
	if e.base+int32(cap(e.buf)) > lzMaxPos {
		// Restart the positions: a new stream primed with what is kept.
		dict := append([]byte(nil), e.buf...)
		w := e.w
		out := e.bw
		e.ResetDict(w, dict)
		e.bw = out
	}
}

// endBlock sends the tokens gathered so far as one block, if any.
func (e *lzEncoder) endBlock() {
	if e.blk.n == 0 {
		return
	}
	from := e.blk.from - e.base
	e.blk.write(&e.bw, e.buf[from:int(from)+e.blk.bytes])
	e.blk.reset()
	if len(e.bw.out) >= lzDrainAt && e.err == nil {
		// Whole bytes only: the bits of a partial byte stay in bw.acc.
		_, e.err = e.w.Write(e.bw.out)
		e.bw.out = e.bw.out[:0]
	}
}
