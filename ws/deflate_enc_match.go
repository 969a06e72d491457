package ws

import (
	"encoding/binary"
	"math/bits"
)

// match finds the matches in buf[from:], the part just appended, with
// zlib's lazy evaluation (deflate_slow): a match is kept only if the match
// at the next byte is not longer, and no search is made past a match of
// the level's lazy length. Every position enters the long chains, and
// those where a search starts the short ones.
func (e *lzEncoder) match(from int) {
	buf := e.buf
	end := len(buf)
	b := &e.blk
	if b.n == 0 {
		b.from = e.base + int32(from)
	}
	lazy := e.p.lazy
	pos := from
	prevLen, prevDist := lzMinMatch-1, 0
	avail := false // a literal at pos-1 waits for the lazy decision
	for pos < end {
		curLen, curDist := lzMinMatch-1, 0
		if pos+lzHashLen <= end {
			abs := e.base + int32(pos)
			cand, cand2 := e.insertOne(abs), int32(0)
			if pos+lzLongLen <= end {
				cand2 = e.insertOne2(abs)
			}
			if prevLen < lazy {
				curLen, curDist = e.longest(pos, cand, cand2, prevLen)
				if curLen == lzMinMatch && curDist > lzTooFar {
					curLen = lzMinMatch - 1
				}
			}
		}
		if prevLen >= lzMinMatch && curLen <= prevLen {
			// The match at pos-1 wins; its bytes after pos enter the long
			// chains only: inserting them into the short chains costs more
			// (W7: 1 us in 5 per message) than the short matches found there
			// save (0.7% of the output).
			b.match(prevLen, prevDist)
			pos += prevLen - 1
			abs := e.base + int32(pos)
			e.hashed = max(e.hashed, abs)
			e.insert(abs)
			avail = false
			prevLen = lzMinMatch - 1
		} else {
			if avail {
				b.literal(buf[pos-1])
			}
			avail = true
			prevLen, prevDist = curLen, curDist
			pos++
		}
		if b.full() {
			e.endBlock()
		}
	}
	if avail {
		b.literal(buf[end-1])
	}
}

// lzHash hashes the lzHashLen bytes at the start of b.
func lzHash(b []byte) uint32 { return lzHash4(binary.LittleEndian.Uint32(b)) }

func lzHash4(x uint32) uint32 {
	return uint32(uint64(x) << 32 * 0x9E3779B97F4A7C15 >> (64 - lzHashBits))
}

// lzHash8 hashes the lzLongLen bytes of the long chains.
func lzHash8(x uint64) uint32 { return uint32(x * 0x9E3779B97F4A7C15 >> (64 - lzHashBits)) }

// insertOne puts position abs (e.hashed) into its hash chain and returns
// the previous head of that chain.
func (e *lzEncoder) insertOne(abs int32) int32 {
	h := lzHash(e.buf[abs-e.base:])
	cand := e.head[h]
	e.prev[abs&lzWinMask] = uint16(min(abs-cand, 0xffff))
	e.head[h] = abs
	e.hashed = abs + 1
	return cand
}

// insertOne2 is insertOne for the long chains.
func (e *lzEncoder) insertOne2(abs int32) int32 {
	b := e.buf[abs-e.base:]
	h := lzHash8(binary.LittleEndian.Uint64(b))
	cand := e.head2[h]
	e.prev2[abs&lzWinMask] = uint16(min(abs-cand, 0xffff))
	e.head2[h] = abs
	e.hashed2 = abs + 1
	return cand
}

// insert puts the positions from e.hashed up to (not including) abs into
// the chains, as far as there are bytes to hash. Most of its calls put a
// match's bytes into the long chains: a tight loop, with the tables in
// locals (through e, each store would make the compiler reload them).
func (e *lzEncoder) insert(abs int32) {
	base, buf := e.base, e.buf
	end := base + int32(len(buf))
	if p, stop := e.hashed, min(abs, end-lzHashLen+1); p < stop {
		head, prev := e.head, e.prev
		win := buf[p-base : stop-base+lzHashLen-1]
		for i := 0; i+lzHashLen <= len(win); i++ {
			h := lzHash4(binary.LittleEndian.Uint32(win[i : i+lzHashLen]))
			prev[p&lzWinMask] = uint16(min(p-head[h], 0xffff))
			head[h] = p
			p++
		}
		e.hashed = stop
	}
	if p, stop := e.hashed2, min(abs, end-lzLongLen+1); p < stop {
		head, prev := e.head2, e.prev2
		win := buf[p-base : stop-base+lzLongLen-1]
		for i := 0; i+lzLongLen <= len(win); i++ {
			h := lzHash8(binary.LittleEndian.Uint64(win[i : i+lzLongLen]))
			prev[p&lzWinMask] = uint16(min(p-head[h], 0xffff))
			head[h] = p
			p++
		}
		e.hashed2 = stop
	}
}

// longest looks for the longest match at pos that is longer than prevLen:
// first on the long chain from cand2 (matches of lzLongLen bytes or more,
// far back), then, only if none was found there, on the short chain from
// cand (the nearest shorter ones). As zlib's longest_match, it takes fewer
// steps once a good match is in hand and stops at a nice one. Distances
// stay below the window (RFC 7692 §7.1.2: 2^bits; a position a full window
// back may share its chain slot with the newest) and within the stream.
func (e *lzEncoder) longest(pos int, cand, cand2 int32, prevLen int) (int, int) {
	buf := e.buf
	maxLen := min(lzMaxMatch, len(buf)-pos)
	best, bestDist := prevLen, 0
	if best >= maxLen {
		return lzMinMatch - 1, 0
	}
	limit := max(e.start, e.base+int32(pos)-int32(e.window)+1)
	nice := min(e.p.nice, maxLen)
	chain, chain2 := e.p.chain, e.p.chain2
	if prevLen >= e.p.good {
		chain, chain2 = chain>>2, chain2>>2
	}
	cur := buf[pos : pos+maxLen]
	base := e.base
	// A longer match agrees on bytes 0..best: candidates are checked on
	// the four ending at best (three when best is 2), want, before
	// matchLen. best < nice <= len(cur) while the search goes on, and
	// match calls longest with pos+lzHashLen <= len(buf).
	o, m := best-3, ^uint32(0)
	if best < 3 {
		o, m = 0, 0xffffff
	}
	want := binary.LittleEndian.Uint32(buf[pos+o:]) & m
	// The next candidate is loaded before the compare: a mispredicted
	// branch on it then does not delay the chain's next (dependent) step.
	for prev := e.prev2; cand2 >= limit && chain2 > 0; chain2-- {
		c := int(cand2 - base)
		cand2 -= int32(prev[cand2&lzWinMask])
		if binary.LittleEndian.Uint32(buf[c+o:])&m == want {
			if l := matchLen(buf[c:], cur); l > best {
				best, bestDist = l, pos-c
				if l >= nice {
					return best, bestDist
				}
				o, m = best-3, ^uint32(0)
				want = binary.LittleEndian.Uint32(buf[pos+o:])
			}
		}
	}
	if best >= lzLongLen {
		return best, bestDist
	}
	for prev := e.prev; cand >= limit && chain > 0; chain-- {
		c := int(cand - base)
		cand -= int32(prev[cand&lzWinMask])
		if binary.LittleEndian.Uint32(buf[c+o:])&m == want {
			if l := matchLen(buf[c:], cur); l > best {
				best, bestDist = l, pos-c
				if l >= nice {
					break
				}
				o, m = best-3, ^uint32(0)
				want = binary.LittleEndian.Uint32(buf[pos+o:])
			}
		}
	}
	if bestDist == 0 {
		return lzMinMatch - 1, 0
	}
	return best, bestDist
}

// matchLen returns how many leading bytes of a and b agree; a is at least
// as long as b.
func matchLen(a, b []byte) int {
	n := 0
	for n+8 <= len(b) {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)>>3
		}
		n += 8
	}
	for n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
