package ws

import (
	"math/bits"
	"slices"
)

// lzHuffman builds a block's dynamic Huffman codes (RFC 1951 §3.2.7) and
// the code-length code that sends them. Only the symbols the block uses
// are visited, sorted and coded: a small message uses few.
type lzHuffman struct {
	lit, dist lzCode
	pre       lzCode
	nlit      int // HLIT + 257
	ndist     int // HDIST + 1
	npre      int // HCLEN + 4

	rle     []uint8 // the code-length symbols, with their extra bits' value after 16, 17, 18
	rleSym  uint8   // the run being gathered: its length and count
	rleRun  int
	pf      [numPrecodeSyms]int32 // the code-length symbols' counts
	extra   int                   // their extra bits
	litSyms []uint16              // the symbols with a codeword, ascending
	dstSyms []uint16
	preSyms []uint16
	keys    []uint32 // count<<16 | symbol, sorted
	sorted  []uint32
	bucket  [256]int32
	weights []int32
}

// build makes the codes for b's counts and returns the block's size in
// bits without the length and distance extra bits: the 3 header bits, the
// code descriptions and the coded symbols.
func (h *lzHuffman) build(b *lzBlock) int {
	h.litSyms = usedSyms(h.litSyms[:0], &b.used, 0, maxLitCodes)
	h.dstSyms = usedSyms(h.dstSyms[:0], &b.used, lzDistBit, maxDistCodes)
	size := 3 + h.lengths(b.lit[:], &h.litSyms, &h.lit, maxCodeLen) + h.lengths(b.dist[:], &h.dstSyms, &h.dist, maxCodeLen)
	h.nlit = max(257, int(h.litSyms[len(h.litSyms)-1])+1)
	h.ndist = int(h.dstSyms[len(h.dstSyms)-1]) + 1
	// §3.2.7: the code lengths, as one sequence, run-length coded.
	h.rle, h.rleRun, h.extra = h.rle[:0], 0, 0
	h.pf = [numPrecodeSyms]int32{}
	h.runs(h.litSyms, &h.lit, h.nlit)
	h.runs(h.dstSyms, &h.dist, h.ndist)
	h.flushRun()
	h.preSyms = h.preSyms[:0]
	for s, f := range h.pf {
		if f != 0 {
			h.preSyms = append(h.preSyms, uint16(s))
		}
	}
	size += h.lengths(h.pf[:], &h.preSyms, &h.pre, 7) + h.extra
	h.npre = numPrecodeSyms
	for h.npre > 4 && h.pre.len[precodeOrder[h.npre-1]] == 0 {
		h.npre--
	}
	return size + 5 + 5 + 4 + 3*h.npre
}

// usedSyms appends the symbols whose bits are set in used[lo:lo+n].
func usedSyms(dst []uint16, used *[lzUsedWords]uint64, lo, n int) []uint16 {
	for wi := lo >> 6; wi < lzUsedWords && wi<<6 < lo+n; wi++ {
		for w := used[wi]; w != 0; w &= w - 1 {
			bit := wi<<6 + bits.TrailingZeros64(w)
			if bit >= lo && bit < lo+n {
				dst = append(dst, uint16(bit-lo))
			}
		}
	}
	return dst
}

// runs adds the code lengths of symbols 0..n-1 to the sequence.
func (h *lzHuffman) runs(syms []uint16, c *lzCode, n int) {
	next := 0
	for _, s := range syms {
		h.addRun(0, int(s)-next)
		h.addRun(c.len[s], 1)
		next = int(s) + 1
	}
	h.addRun(0, n-next)
}

func (h *lzHuffman) addRun(l uint8, k int) {
	if k == 0 {
		return
	}
	if h.rleRun > 0 && l == h.rleSym {
		h.rleRun += k
		return
	}
	h.flushRun()
	h.rleSym, h.rleRun = l, k
}

// flushRun codes the gathered run with 16, 17 and 18 where they are
// shorter (§3.2.7).
func (h *lzHuffman) flushRun() {
	l, run := h.rleSym, h.rleRun
	h.rleRun = 0
	if l == 0 {
		for run >= 11 {
			k := min(run, 138)
			h.rle = append(h.rle, 18, uint8(k-11))
			h.pf[18]++
			h.extra += 7
			run -= k
		}
		if run >= 3 {
			h.rle = append(h.rle, 17, uint8(run-3))
			h.pf[17]++
			h.extra += 3
			run = 0
		}
	} else if run > 0 {
		h.rle = append(h.rle, l)
		h.pf[l]++
		run--
		for run >= 3 {
			k := min(run, 6)
			h.rle = append(h.rle, 16, uint8(k-3))
			h.pf[16]++
			h.extra += 2
			run -= k
		}
	}
	for ; run > 0; run-- {
		h.rle = append(h.rle, l)
		h.pf[l]++
	}
}

// header writes HLIT, HDIST, HCLEN and the code lengths (§3.2.7).
func (h *lzHuffman) header(w *lzBits) {
	h.lit.assign(h.litSyms)
	h.dist.assign(h.dstSyms)
	h.pre.assign(h.preSyms)
	w.bits(uint64(h.nlit-257)|uint64(h.ndist-1)<<5|uint64(h.npre-4)<<10, 14)
	for _, s := range precodeOrder[:h.npre] {
		w.bits(uint64(h.pre.len[s]), 3)
	}
	for i := 0; i < len(h.rle); i++ {
		s := h.rle[i]
		w.bits(uint64(h.pre.code[s]), uint(h.pre.len[s]))
		switch s {
		case 16:
			i++
			w.bits(uint64(h.rle[i]), 2)
		case 17:
			i++
			w.bits(uint64(h.rle[i]), 3)
		case 18:
			i++
			w.bits(uint64(h.rle[i]), 7)
		}
	}
}

// lengths sets the lengths of c to a length-limited Huffman code for the
// counts of *syms, the symbols used, and returns the bits of the symbols
// coded with it. A code gets at least two codewords, as zlib makes them
// (some decoders refuse a lone one): *syms may grow by symbols of count 0.
// The codewords are assigned later, by assign, if the code is sent.
func (h *lzHuffman) lengths(freq []int32, syms *[]uint16, c *lzCode, limit int) int {
	clear(c.len[:len(freq)])
	switch s := *syms; {
	case len(s) == 0:
		*syms = append(s, 0, 1)
	case len(s) == 1 && s[0] == 0:
		*syms = append(s, 1)
	case len(s) == 1:
		*syms = append(s[:0], 0, s[0])
	}
	h.sortByCount(freq, *syms)
	n := len(h.keys)
	h.weights = h.weights[:0]
	for _, k := range h.keys {
		h.weights = append(h.weights, int32(k>>16))
	}
	minimumRedundancy(h.weights)
	// Count the codewords per length, fold those over the limit and restore
	// the Kraft sum (miniz's tdefl_huffman_enforce_max_code_size).
	var count [33]int
	for _, d := range h.weights {
		count[min(int(d), 32)]++
	}
	for l := limit + 1; l <= 32; l++ {
		count[limit] += count[l]
		count[l] = 0
	}
	total := 0
	for l := limit; l > 0; l-- {
		total += count[l] << (limit - l)
	}
	for total > 1<<limit {
		count[limit]--
		for l := limit - 1; l > 0; l-- {
			if count[l] != 0 {
				count[l]--
				count[l+1] += 2
				break
			}
		}
		total--
	}
	// The most frequent symbols (at the end) get the shortest codewords.
	size := 0
	j := n
	for l := 1; l <= limit; l++ {
		for k := count[l]; k > 0; k-- {
			j--
			s := h.keys[j] & 0xffff
			c.len[s] = uint8(l)
			size += int(h.keys[j]>>16) * l
		}
	}
	return size
}

// sortByCount sets h.keys to count<<16 | symbol for syms (ascending), sorted
// by count and then symbol: by counting when the counts are small, as a
// small message's are.
func (h *lzHuffman) sortByCount(freq []int32, syms []uint16) {
	h.keys = h.keys[:0]
	top := int32(0)
	for _, s := range syms {
		top = max(top, freq[s])
		h.keys = append(h.keys, uint32(freq[s])<<16|uint32(s))
	}
	if top+2 > int32(len(h.bucket)) {
		slices.Sort(h.keys)
		return
	}
	b := h.bucket[:top+2]
	clear(b)
	for _, s := range syms {
		b[freq[s]+1]++
	}
	for i := 1; i < len(b); i++ {
		b[i] += b[i-1]
	}
	h.sorted = append(h.sorted[:0], h.keys...)
	for _, k := range h.sorted {
		f := k >> 16
		h.keys[b[f]] = k
		b[f]++
	}
}

// assign sets the canonical codewords (§3.2.2) of syms, the symbols with
// a length, ascending, bit-reversed for sending from the least
// significant end.
func (c *lzCode) assign(syms []uint16) {
	var count [maxCodeLen + 1]uint16
	for _, s := range syms {
		count[c.len[s]]++
	}
	var next [maxCodeLen + 1]uint16
	code := uint16(0)
	for l := 1; l <= maxCodeLen; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	for _, s := range syms {
		l := c.len[s]
		c.code[s] = bits.Reverse16(next[l]) >> (16 - l)
		next[l]++
	}
}

// minimumRedundancy replaces the weights, sorted ascending, by the lengths
// of an optimal prefix code, in place (Moffat and Katajainen, "In-place
// calculation of minimum-redundancy codes", 1995).
func minimumRedundancy(a []int32) {
	n := len(a)
	if n == 0 {
		return
	}
	if n == 1 {
		a[0] = 1
		return
	}
	a[0] += a[1]
	root, leaf := 0, 2
	for next := 1; next < n-1; next++ {
		if leaf >= n || a[root] < a[leaf] {
			a[next] = a[root]
			a[root] = int32(next)
			root++
		} else {
			a[next] = a[leaf]
			leaf++
		}
		if leaf >= n || (root < next && a[root] < a[leaf]) {
			a[next] += a[root]
			a[root] = int32(next)
			root++
		} else {
			a[next] += a[leaf]
			leaf++
		}
	}
	a[n-2] = 0
	for next := n - 3; next >= 0; next-- {
		a[next] = a[a[next]] + 1
	}
	avail, used, depth := 1, 0, 0
	root, next := n-2, n-1
	for avail > 0 {
		for root >= 0 && int(a[root]) == depth {
			used++
			root--
		}
		for avail > used {
			a[next] = int32(depth)
			next--
			avail--
		}
		avail = 2 * used
		depth++
		used = 0
	}
}
