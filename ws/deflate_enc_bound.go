package ws

import (
	"math"
	"math/bits"
)

// A small message's block is nearly always sent with the fixed code (W7:
// 4094 blocks in 4096): its few symbols cannot pay for a dynamic header.
// dynamicAtLeast tells so from the symbols used and their counts, without
// building the codes (build was a quarter of W7's time).

// lzBoundTokens: larger blocks are built, not bounded; there the build is
// cheap per byte and the dynamic code usually wins.
const lzBoundTokens = 512

// lzXLog2X[f] is f·log2(f), for the entropy bound.
var lzXLog2X [lzBoundTokens + 2]float64

// lzNpreAtLeast[L] is the least HCLEN+4 of a code whose shortest codeword
// is at most L bits: the precode must then send a length of 1..L, and the
// one of those latest in precodeOrder decides (§3.2.7).
var lzNpreAtLeast = [9]int{0, 18, 16, 14, 12, 10, 8, 6, 5}

func init() {
	for f := 2; f < len(lzXLog2X); f++ {
		lzXLog2X[f] = float64(f) * math.Log2(float64(f))
	}
}

// dynamicAtLeast returns at most what h.build(b) would return (b's
// counts include the end of block). It bounds each part from below: the
// symbols by their entropy (no prefix code beats it) and a bit each; the
// header by its 17 bits, 3 per precode length (at least lzNpreAtLeast: a
// complete code of n symbols has a codeword of at most log2(n) bits), and
// the code-length symbols runs and flushRun would emit by their entropy,
// where the zero runs' symbols and extra bits depend only on which symbols
// are used, and a run of k used symbols takes at least lzRunSyms(k). It
// returns 0 for a block above lzBoundTokens.
func (b *lzBlock) dynamicAtLeast() int {
	if b.n > lzBoundTokens {
		return 0
	}
	lit := b.used
	lit[lzDistBit>>6] &= 1<<(lzDistBit&63) - 1
	nLit := 0
	for _, w := range lit {
		nLit += bits.OnesCount64(w)
	}
	if nLit < 2 {
		return 0 // lengths adds symbols: not worth bounding
	}
	// The distance symbols lengths gives a codeword: those used, and for
	// a code of fewer than two, 0 and 1 or 0 and the one.
	dist := b.used[lzDistBit>>6] >> (lzDistBit & 63)
	switch nd := bits.OnesCount64(dist); {
	case nd == 0 || dist == 1:
		dist = 3
	case nd == 1:
		dist |= 1
	}
	nDist := bits.OnesCount64(dist)
	npre := max(lzNpreAtLeast[min(bits.Len(uint(nLit))-1, 8)], lzNpreAtLeast[min(bits.Len(uint(nDist))-1, 8)])

	// The code lengths as one sequence: litlen 0..nlit-1 (EOB is used, so
	// nlit is one past the last used), then distance 0..ndist-1. Each used
	// symbol ends the zero run before it, if any, which ends a run of used
	// ones (a tight loop: this runs for nearly every block of W7).
	next, run := 0, 0 // one past the last used position; the used ones in a row before it
	c0, c17, c18, other := int32(0), int32(0), int32(0), int32(0)
	extra := 0
	ent, nl, nd := 0.0, int32(0), int32(0)
	add := func(pos int) {
		if gap := pos - next; gap > 0 {
			other += lzRunSyms(run)
			run = 0
			for ; gap >= 11; gap -= min(gap, 138) {
				c18++
				extra += 7
			}
			if gap >= 3 {
				c17++
				extra += 3
			} else {
				c0 += int32(gap)
			}
		}
		run++
		next = pos + 1
	}
	xlog := &lzXLog2X
	for wi, w := range lit {
		for ; w != 0; w &= w - 1 {
			s := wi<<6 + bits.TrailingZeros64(w)
			add(s)
			f := b.lit[s]
			nl += f
			ent -= xlog[f]
		}
	}
	nlit := next
	for w := dist; w != 0; w &= w - 1 {
		s := bits.TrailingZeros64(w)
		add(nlit + s)
		f := b.dist[s]
		nd += f
		ent -= xlog[f]
	}
	other += lzRunSyms(run)
	nr := c0 + c17 + c18 + other
	pre := xlog[nr] - xlog[c0] - xlog[c17] - xlog[c18] - xlog[other]
	ent += xlog[nl] + xlog[nd]
	// Less a little for rounding errors.
	return 17 + 3*npre + extra + max(int(ent-1e-6*float64(nl+nd)), int(nl+nd)) + max(int(pre-1e-6*float64(nr)), int(nr))
}

// lzRunSyms is the fewest code-length symbols for k lengths in a row: one,
// then 16 for 3 to 6 repeats, and a symbol for each of 1 or 2 left. Lengths
// that differ only take more.
func lzRunSyms(k int) int32 {
	if k <= 3 {
		return int32(k)
	}
	return 1 + int32(k+4)/6
}
