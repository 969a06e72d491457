package ws

import (
	"math/bits"
	"sync"
)

// Huffman decode tables for the inflater (RFC 1951 §3.2.2, §3.2.5-3.2.7).
//
// A table is indexed by the next bits of the input, least significant
// first, which is how DEFLATE packs codewords. The primary table has
// 2^tableBits entries: a codeword of length l ≤ tableBits fills every entry
// whose low l bits are its bit-reversed value. Longer codewords share a
// primary entry per tableBits-bit prefix, which points to a subtable indexed
// by the bits that follow.
//
// One uint32 entry says everything about a symbol, so that a single lookup
// yields a literal, or a length or distance with its extra bits:
//
//	bits  0-4   bits to consume: codeword length + extra bits
//	            (relative to the primary bits in a subtable)
//	bits  8-12  codeword length, which is where the extra bits start;
//	            in a subtable pointer, the subtable's index bits
//	bit  13     end of block (with bit 15)
//	bit  14     subtable pointer (with bit 15)
//	bit  15     exceptional: end of block, subtable pointer or invalid code
//	bits 16-30  value: literal byte, length or distance base, subtable start
//	bit  31     literal, so that a sign test finds the commonest case
//
// The extra bits' value is (bitbuf & (1<<total - 1)) >> codewordLength.
const (
	entTotal     = 0x1f
	entLenShift  = 8
	entEnd       = 1 << 13
	entSubtable  = 1 << 14
	entException = 1 << 15
	entValShift  = 16
	entLiteral   = 1 << 31
	entInvalid   = entException
)

const (
	litTableBits  = 11
	distTableBits = 8
	preTableBits  = 7

	// A primary table plus the most subtable entries any complete code
	// needs (zlib's "enough": 2342 for 288 symbols with an 11-bit primary
	// table and 15-bit codewords, 402 for 32 symbols and 8 bits), rounded
	// up to a power of two so that a masked index needs no bounds check.
	litTableSize  = 4096
	distTableSize = 512
	preTableSize  = 1 << preTableBits

	litTableMask  = litTableSize - 1
	distTableMask = distTableSize - 1

	numLitSyms     = 288 // symbols of the fixed litlen code; 286 and 287 are invalid
	numDistSyms    = 32  // symbols of the fixed distance code; 30 and 31 are invalid
	maxLitCodes    = 286 // HLIT + 257 may not exceed this (nor HDIST + 1 30)
	maxDistCodes   = 30
	numPrecodeSyms = 19
	maxCodeLen     = 15
)

// Templates: the entry for each symbol without its codeword length, and
// with the number of extra bits in the "bits to consume" field.
var (
	litTemplates     [numLitSyms]uint32
	distTemplates    [numDistSyms]uint32
	precodeTemplates [numPrecodeSyms]uint32
)

// §3.2.5: lengths 3..258 for symbols 257..285, distances 1..32768 for 0..29.
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// §3.2.7: the order in which code length code lengths are sent.
var precodeOrder = [numPrecodeSyms]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

func init() {
	for s := range litTemplates {
		switch {
		case s < 256:
			litTemplates[s] = entLiteral | uint32(s)<<entValShift
		case s == 256:
			litTemplates[s] = entException | entEnd
		case s < 257+len(lengthBase):
			litTemplates[s] = uint32(lengthBase[s-257])<<entValShift | uint32(lengthExtra[s-257])
		default:
			litTemplates[s] = entInvalid
		}
	}
	for s := range distTemplates {
		if s < len(distBase) {
			distTemplates[s] = uint32(distBase[s])<<entValShift | uint32(distExtra[s])
		} else {
			distTemplates[s] = entInvalid
		}
	}
	for s := range precodeTemplates {
		precodeTemplates[s] = uint32(s) << entValShift
	}
}

// Which incomplete codes a table accepts, following zlib: a precode must be
// complete; a litlen or distance code may have a single codeword of length
// 1 (the other 1-bit value is then an invalid code); a distance code may
// be empty (for a block of literals only).
const (
	codePrecode = iota
	codeLitlen
	codeDist
)

// Messages for codes that cannot be built.
const (
	errOversubscribed = "over-subscribed Huffman code"
	errIncomplete     = "incomplete Huffman code"
)

// buildTable fills t with the decode table of the canonical Huffman code
// whose codeword lengths (0 for unused symbols) are lens (§3.2.2), with
// entries made from tmpl. It returns "" or why the code is invalid.
func buildTable(t []uint32, lens []uint8, tmpl []uint32, tableBits int, kind int) string {
	var count [maxCodeLen + 1]int
	for _, l := range lens {
		count[l&maxCodeLen]++
	}
	count[0] = 0
	// Kraft: left is the code space not yet used, in units of the
	// codewords of the current length.
	left, maxLen := 1, 0
	for l := 1; l <= maxCodeLen; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return errOversubscribed
		}
		if count[l] != 0 {
			maxLen = l
		}
	}
	if left != 0 {
		switch {
		case maxLen == 0 && kind == codeDist:
		case maxLen == 1 && kind != codePrecode:
		default:
			return errIncomplete
		}
	}

	// Symbols sorted by codeword length, then by value: the order in
	// which canonical codewords are assigned.
	var offs [maxCodeLen + 2]int
	for l := 1; l <= maxCodeLen; l++ {
		offs[l+1] = offs[l] + count[l]
	}
	var sorted [numLitSyms]uint16
	for s, l := range lens {
		if l != 0 {
			sorted[offs[l]] = uint16(s)
			offs[l]++
		}
	}

	// The primary table grows with the codeword length: before the
	// codewords of length l are added, the 2^(l-1) entries made so far are
	// copied after themselves, since bit l-1 of an index does not matter
	// to shorter codewords. Entries no codeword reaches (in the incomplete
	// codes allowed) stay invalid.
	t[0] = entInvalid
	code, i := 0, 0
	for l := 1; l <= tableBits; l++ {
		half := 1 << (l - 1)
		copy(t[half:2*half], t[:half])
		for k := 0; k < count[l]; k++ {
			t[bits.Reverse16(uint16(code))>>(16-l)] = tmpl[sorted[i]] + uint32(l)<<entLenShift + uint32(l)
			i++
			code++
		}
		code <<= 1
	}

	// Longer codewords go to subtables.
	primary := t[:1<<tableBits]
	mask := 1<<tableBits - 1
	next := 1 << tableBits // where the next subtable goes
	sub, subBits := -1, 0  // the current subtable's prefix and index bits
	subStart := 0
	for l := tableBits + 1; l <= maxLen; l++ {
		for k := 0; k < count[l]; k++ {
			sym := sorted[i]
			i++
			rev := int(bits.Reverse16(uint16(code)) >> (16 - l))
			code++
			if prefix := rev & mask; prefix != sub {
				// A new subtable, big enough for every codeword that
				// shares this prefix (they follow in canonical order).
				// Codewords of length l placed before this one have
				// other prefixes.
				subBits = l - tableBits
				room := 1<<subBits - (count[l] - k)
				for room > 0 && subBits+tableBits < maxLen {
					subBits++
					room = room<<1 - count[subBits+tableBits]
				}
				if subStart = next; next+1<<subBits > len(t) {
					return errOversubscribed // cannot happen for a complete code
				}
				next += 1 << subBits
				sub = prefix
				primary[prefix] = entException | entSubtable | uint32(subStart)<<entValShift | uint32(subBits)<<entLenShift
			}
			rl := l - tableBits
			e := tmpl[sym] + uint32(rl)<<entLenShift + uint32(rl)
			for j := rev >> tableBits; j < 1<<subBits; j += 1 << rl {
				t[subStart+j] = e
			}
		}
		code <<= 1
	}
	return ""
}

// fixedTables are the decode tables of the fixed Huffman codes (§3.2.6),
// built on first use.
var fixedTables = sync.OnceValue(func() *inflateTables {
	t := new(inflateTables)
	var lens [numLitSyms]uint8
	for s := range lens {
		switch {
		case s < 144:
			lens[s] = 8
		case s < 256:
			lens[s] = 9
		case s < 280:
			lens[s] = 7
		default:
			lens[s] = 8
		}
	}
	buildTable(t.lit[:], lens[:], litTemplates[:], litTableBits, codeLitlen)
	for s := 0; s < numDistSyms; s++ {
		lens[s] = 5
	}
	buildTable(t.dist[:], lens[:numDistSyms], distTemplates[:], distTableBits, codeDist)
	return t
})
