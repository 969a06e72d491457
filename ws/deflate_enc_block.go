package ws

import "encoding/binary"

// lzBlock gathers one block's tokens and symbol counts, and sends it as a
// stored, fixed or dynamic block, whichever is smallest (RFC 1951 §3.2.3).
type lzBlock struct {
	tokens []uint32 // a literal byte, or lzMatchFlag | (length-3)<<16 | (distance-1)
	lit    [maxLitCodes]int32
	dist   [maxDistCodes]int32
	extra  int                 // extra bits of the lengths and distances
	fixed  int                 // bits of the tokens in the fixed code (§3.2.6), with extra bits
	used   [lzUsedWords]uint64 // the litlen symbols (bits 0..285) and distances (lzDistBit+) used
	n      int                 // tokens
	bytes  int                 // input bytes they stand for
	from   int32               // absolute position of the block's first byte

	h lzHuffman
}

const (
	lzUsedWords = 5
	lzDistBit   = 288 // the distance codes' bits in lzBlock.used
	lzMatchFlag = 1 << 31
	lzMaxTokens = 16 << 10 // as zlib's lit_bufsize at memLevel 8; also keeps counts below 2^16
	lzEOB       = 256

	// lzDynamicSlack: a block whose dynamic code could beat the fixed by
	// no more than this many bits is sent fixed, unbuilt. dynamicAtLeast
	// falls short of the dynamic size by 50 to 80 bits on W7's blocks,
	// mostly in the precode's part; with the slack 85 blocks in 4096 are
	// built instead of 753, and no output changed on W7, W6 in 1 KiB
	// messages or JSON of 100-1000 B, with or without takeover (at 64 bits
	// 5 bytes did). A block costs at most 4 bytes more for it.
	lzDynamicSlack = 32
)

// lzLenCode maps length-3 to its symbol's index (symbol 257+index, §3.2.5);
// lzDistCode maps distance-1 below 256, and 256+(distance-1)>>7 above, to
// its distance code, as zlib's _dist_code.
var (
	lzLenCode   [256]uint8
	lzDistCode  [512]uint8
	lzFixedLit  lzCode
	lzFixedDist lzCode
)

// lzCode is a Huffman code for sending: the bit-reversed codeword and the
// length of each symbol.
type lzCode struct {
	code [maxLitCodes + 2]uint16
	len  [maxLitCodes + 2]uint8
}

func init() {
	for c, base := range lengthBase[:28] {
		for l := int(base); l < int(base)+1<<lengthExtra[c]; l++ {
			lzLenCode[l-3] = uint8(c)
		}
	}
	lzLenCode[255] = 28
	for c, base := range distBase {
		for d := int(base); d < int(base)+1<<distExtra[c]; d++ {
			if d <= 256 {
				lzDistCode[d-1] = uint8(c)
			} else {
				lzDistCode[256+(d-1)>>7] = uint8(c)
			}
		}
	}
	// §3.2.6: the fixed codes.
	for s := 0; s < 288; s++ {
		switch {
		case s < 144:
			lzFixedLit.len[s] = 8
		case s < 256:
			lzFixedLit.len[s] = 9
		case s < 280:
			lzFixedLit.len[s] = 7
		default:
			lzFixedLit.len[s] = 8
		}
	}
	all := make([]uint16, 288)
	for s := range all {
		all[s] = uint16(s)
	}
	lzFixedLit.assign(all)
	for s := 0; s < 30; s++ {
		lzFixedDist.len[s] = 5
	}
	lzFixedDist.assign(all[:30])
}

func distCode(d1 uint32) uint32 {
	if d1 < 256 {
		return uint32(lzDistCode[d1])
	}
	return uint32(lzDistCode[256+d1>>7])
}

func (b *lzBlock) reset() {
	b.from += int32(b.bytes)
	b.tokens = b.tokens[:0]
	b.lit = [maxLitCodes]int32{}
	b.dist = [maxDistCodes]int32{}
	b.used = [lzUsedWords]uint64{}
	b.extra, b.fixed, b.n, b.bytes = 0, 0, 0, 0
}

func (b *lzBlock) full() bool { return b.n >= lzMaxTokens }

func (b *lzBlock) literal(c byte) {
	b.tokens = append(b.tokens, uint32(c))
	b.lit[c]++
	b.used[c>>6] |= 1 << (c & 63)
	b.fixed += int(lzFixedLit.len[c])
	b.n++
	b.bytes++
}

func (b *lzBlock) match(length, dist int) {
	l3, d1 := uint32(length-lzMinMatch), uint32(dist-1)
	lc, dc := lzLenCode[l3], distCode(d1)
	b.tokens = append(b.tokens, lzMatchFlag|l3<<16|d1)
	s := 257 + uint(lc)
	b.lit[s]++
	b.dist[dc]++
	b.used[s>>6] |= 1 << (s & 63)
	b.used[(lzDistBit+dc)>>6] |= 1 << ((lzDistBit + dc) & 63)
	x := int(lengthExtra[lc]) + int(distExtra[dc])
	b.extra += x
	b.fixed += int(lzFixedLit.len[s]) + 5 + x
	b.n++
	b.bytes += length
}

// write sends the block, whose input bytes are data, choosing its type by
// its exact size in bits. A stored block wins only when strictly smaller.
// The dynamic code is built only when it might be smaller than the fixed
// by more than lzDynamicSlack bits.
func (b *lzBlock) write(w *lzBits, data []byte) {
	b.lit[lzEOB]++
	b.used[lzEOB>>6] |= 1 << (lzEOB & 63)
	fixed := 3 + b.fixed + int(lzFixedLit.len[lzEOB])
	h := &b.h
	dyn := 1 << 30 // h is not built: see lzDynamicSlack
	if b.dynamicAtLeast()+b.extra+lzDynamicSlack < fixed {
		dyn = h.build(b) + b.extra
	}
	best := min(fixed, dyn)
	if len(data) <= 0xffff {
		pad := (8 - (w.n+3)%8) % 8
		if stored := 3 + int(pad) + 32 + 8*len(data); stored < best {
			// §3.2.4: BFINAL=0, BTYPE=00, LEN and NLEN, the bytes.
			w.bits(0, 3)
			w.align()
			w.out = binary.LittleEndian.AppendUint16(w.out, uint16(len(data)))
			w.out = binary.LittleEndian.AppendUint16(w.out, ^uint16(len(data)))
			w.out = append(w.out, data...)
			return
		}
	}
	if fixed <= dyn {
		w.bits(1<<1, 3) // §3.2.6: BTYPE=01
		b.fixedOut(w)
		return
	}
	w.bits(2<<1, 3) // §3.2.7: BTYPE=10
	h.header(w)
	b.tokensOut(w, &h.lit, &h.dist)
}

// tokensOut writes the tokens and the end of block with the given codes.
func (b *lzBlock) tokensOut(w *lzBits, lit, dist *lzCode) {
	for _, t := range b.tokens {
		if t&lzMatchFlag == 0 {
			w.bits(uint64(lit.code[t]), uint(lit.len[t]))
			continue
		}
		l3, d1 := (t>>16)&0xff, t&0xffff
		lc, dc := lzLenCode[l3], distCode(d1)
		s := 257 + int(lc)
		w.bits(uint64(lit.code[s])|uint64(l3-uint32(lengthBase[lc]-3))<<lit.len[s], uint(lit.len[s]+lengthExtra[lc]))
		w.bits(uint64(dist.code[dc])|uint64(d1-uint32(distBase[dc]-1))<<dist.len[dc], uint(dist.len[dc]+distExtra[dc]))
	}
	w.bits(uint64(lit.code[lzEOB]), uint(lit.len[lzEOB]))
}

// fixedOut is tokensOut with the fixed codes, the usual case for a small
// message: a match's length and distance, with their extra bits, take at
// most 8+5+5+13 = 31 bits, so they go out in one call.
func (b *lzBlock) fixedOut(w *lzBits) {
	lit, dist := &lzFixedLit, &lzFixedDist
	for _, t := range b.tokens {
		if t&lzMatchFlag == 0 {
			w.bits(uint64(lit.code[t&0xff]), uint(lit.len[t&0xff]))
			continue
		}
		l3, d1 := (t>>16)&0xff, t&0xffff
		lc, dc := lzLenCode[l3], distCode(d1)
		s := 257 + int(lc)
		v := uint64(lit.code[s]) | uint64(l3-uint32(lengthBase[lc]-3))<<lit.len[s]
		n := uint(lit.len[s] + lengthExtra[lc])
		v |= (uint64(dist.code[dc]) | uint64(d1-uint32(distBase[dc]-1))<<5) << n
		w.bits(v, n+5+uint(distExtra[dc]))
	}
	w.bits(uint64(lit.code[lzEOB]), uint(lit.len[lzEOB]))
}

// lzBits packs bits from the least significant end (RFC 1951 §3.1.1).
type lzBits struct {
	acc uint64
	n   uint
	out []byte
}

func (w *lzBits) reset() { w.acc, w.n, w.out = 0, 0, w.out[:0] }

// bits appends the n low bits of v (n ≤ 32, no bits above them).
func (w *lzBits) bits(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	if w.n >= 32 {
		w.out = binary.LittleEndian.AppendUint32(w.out, uint32(w.acc))
		w.acc >>= 32
		w.n -= 32
	}
}

// align pads with zero bits to a byte boundary and writes what is held.
func (w *lzBits) align() {
	for w.n > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.n -= min(w.n, 8)
	}
	w.acc = 0
}
