package ws

import (
	"bytes"
	stdflate "compress/flate"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
)

// inflateBytes runs inflateMessage into a fresh Go buffer.
func inflateBytes(z, hist []byte, limit int64, u *utf8State) ([]byte, error) {
	var out buffer
	err := inflateMessage(z, hist, &out, goAlloc{}, limit, u)
	return out.b[:out.n], err
}

// refInflate decodes with klauspost's reader (this package's decoder
// before inflate.go), reading at most limit+1 bytes.
func refInflate(z, hist []byte, limit int64) ([]byte, error) {
	r := flate.NewReaderDict(bytes.NewReader(z), hist)
	return io.ReadAll(io.LimitReader(r, limit+1))
}

// stdInflate decodes with the standard library's reader.
func stdInflate(z, hist []byte) ([]byte, error) {
	return io.ReadAll(stdflate.NewReaderDict(bytes.NewReader(z), hist))
}

// errMsg returns err's message, "" for nil.
func errMsg(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// --- streams made by hand ---

// bitWriter packs DEFLATE bit fields, least significant bit first (§3.1.1).
type bitWriter struct {
	b   []byte
	acc uint64
	n   uint
}

func (w *bitWriter) bits(v uint64, n uint) *bitWriter {
	for n > 32 { // keep acc from overflowing
		w.bits(v&(1<<32-1), 32)
		v >>= 32
		n -= 32
	}
	w.acc |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.b = append(w.b, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
	return w
}

// code writes a Huffman codeword, packed from its most significant bit.
func (w *bitWriter) code(c uint16, n uint8) *bitWriter {
	return w.bits(uint64(bits.Reverse16(c)>>(16-n)), uint(n))
}

func (w *bitWriter) align() *bitWriter {
	if w.n > 0 {
		w.bits(0, 8-w.n)
	}
	return w
}

// raw aligns and appends bytes (a stored block's LEN, NLEN and data).
func (w *bitWriter) raw(p ...byte) *bitWriter {
	w.align()
	w.b = append(w.b, p...)
	return w
}

func (w *bitWriter) done() []byte { return w.align().b }

func (w *bitWriter) header(final bool, typ uint64) *bitWriter {
	f := uint64(0)
	if final {
		f = 1
	}
	return w.bits(f|typ<<1, 3)
}

// stored writes a whole stored block.
func (w *bitWriter) stored(final bool, p []byte) *bitWriter {
	w.header(final, 0)
	n := len(p)
	return w.raw(byte(n), byte(n>>8), ^byte(n), ^byte(n>>8)).raw(p...)
}

// huffCode writes symbols with the canonical code of lens (§3.2.2).
type huffCode struct {
	lens  []uint8
	codes []uint16
}

func newHuffCode(lens []uint8) huffCode {
	var count, next [16]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	code := 0
	for l := 1; l < 16; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	codes := make([]uint16, len(lens))
	for s, l := range lens {
		if l != 0 {
			codes[s] = uint16(next[l])
			next[l]++
		}
	}
	return huffCode{lens, codes}
}

func (h huffCode) put(w *bitWriter, sym int) {
	if h.lens[sym] == 0 {
		panic(fmt.Sprintf("symbol %d has no code", sym))
	}
	w.code(h.codes[sym], h.lens[sym])
}

var (
	fixedLit = newHuffCode(func() []uint8 {
		l := make([]uint8, 288)
		for s := range l {
			l[s] = map[bool]uint8{true: 8, false: 9}[s < 144]
			if s >= 256 {
				l[s] = map[bool]uint8{true: 7, false: 8}[s < 280]
			}
		}
		return l
	}())
	fixedDist = newHuffCode(bytes.Repeat([]byte{5}, 32))
)

// token is a literal (length 0) or a match.
type token struct {
	lit              byte
	length, distance int
}

func lits(s string) []token {
	var t []token
	for i := 0; i < len(s); i++ {
		t = append(t, token{lit: s[i]})
	}
	return t
}

// putTokens writes tokens with the given codes, then the end of block.
func putTokens(w *bitWriter, lit, dist huffCode, toks []token) {
	for _, t := range toks {
		if t.length == 0 {
			lit.put(w, int(t.lit))
			continue
		}
		i := 28
		if t.length < 258 {
			for i = 0; i+1 < 28 && int(lengthBase[i+1]) <= t.length; i++ {
			}
		}
		lit.put(w, 257+i)
		w.bits(uint64(t.length-int(lengthBase[i])), uint(lengthExtra[i]))
		j := 0
		for j+1 < len(distBase) && int(distBase[j+1]) <= t.distance {
			j++
		}
		dist.put(w, j)
		w.bits(uint64(t.distance-int(distBase[j])), uint(distExtra[j]))
	}
	lit.put(w, 256)
}

// expand is the reference LZ77 decoder for tokens following hist.
func expand(hist []byte, toks []token) []byte {
	all := append([]byte(nil), hist...)
	for _, t := range toks {
		if t.length == 0 {
			all = append(all, t.lit)
			continue
		}
		for i := 0; i < t.length; i++ {
			all = append(all, all[len(all)-t.distance])
		}
	}
	return all[len(hist):]
}

// fixedStream is tokens as one final fixed-Huffman block.
func fixedStream(toks []token) []byte {
	w := &bitWriter{}
	w.header(true, 1)
	putTokens(w, fixedLit, fixedDist, toks)
	return w.done()
}

// dynamicHeader writes a dynamic block header sending litLens and distLens
// with a precode that gives each length 0..15 a 4-bit code.
func dynamicHeader(w *bitWriter, final bool, litLens, distLens []uint8) {
	w.header(final, 2)
	w.bits(uint64(len(litLens)-257), 5).bits(uint64(len(distLens)-1), 5).bits(19-4, 4)
	for _, s := range precodeOrder {
		w.bits(uint64(pre4[s]), 3)
	}
	pc := newHuffCode(pre4[:])
	for _, l := range concat(litLens, distLens) {
		pc.put(w, int(l))
	}
}

// dynamicStream is tokens as one final block with the given codes.
func dynamicStream(litLens, distLens []uint8, toks []token) []byte {
	w := &bitWriter{}
	dynamicHeader(w, true, litLens, distLens)
	putTokens(w, newHuffCode(litLens), newHuffCode(distLens), toks)
	return w.done()
}

// clSym is a code length code symbol with its extra bits.
type clSym struct {
	sym   int
	extra uint64
}

// rawDynamicHeader writes a final dynamic block's header field by field.
func rawDynamicHeader(w *bitWriter, hlit, hdist, hclen int, pre [19]uint8, syms []clSym) {
	w.header(true, 2)
	w.bits(uint64(hlit), 5).bits(uint64(hdist), 5).bits(uint64(hclen), 4)
	for _, s := range precodeOrder[:hclen+4] {
		w.bits(uint64(pre[s]), 3)
	}
	pc := newHuffCode(pre[:])
	for _, s := range syms {
		pc.put(w, s.sym)
		w.bits(s.extra, map[int]uint{16: 2, 17: 3, 18: 7}[s.sym])
	}
}

func lensSyms(lens []uint8) []clSym {
	var s []clSym
	for _, l := range lens {
		s = append(s, clSym{sym: int(l)})
	}
	return s
}

func repeat(l uint8, n int) []uint8 { return bytes.Repeat([]byte{l}, n) }

func concat(ps ...[]uint8) []uint8 {
	var out []uint8
	for _, p := range ps {
		out = append(out, p...)
	}
	return out
}

var (
	// pre4: a complete precode giving 0..15 4-bit codes.
	pre4 = [19]uint8{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4}
	// preAll: a complete precode for all 19 symbols (13/16 + 6/32 = 1).
	preAll = [19]uint8{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5}
	// eobOnly: a litlen code with one 1-bit codeword, the end of block,
	// which zlib accepts.
	eobOnly = concat(repeat(0, 256), []uint8{1})
)

// completeLens returns lengths of a complete code for n symbols: as many
// as possible one bit shorter than the rest.
func completeLens(n int) []uint8 {
	k := bits.Len(uint(n - 1))
	m := 1<<k - n // at k-1 bits
	l := repeat(uint8(k), n)
	for i := 0; i < m; i++ {
		l[i] = uint8(k - 1)
	}
	return l
}

// randomLens returns the lengths of a random complete code for n symbols
// with codewords of at most maxLen bits: leaves are split at random, and
// the lengths shuffled.
func randomLens(rng *rand.Rand, n, maxLen int) []uint8 {
	depths := []int{0}
	for len(depths) < n {
		i := rng.Intn(len(depths))
		if rng.Intn(3) == 0 { // favour deep trees
			for j := range depths {
				if depths[j] > depths[i] && depths[j] < maxLen {
					i = j
				}
			}
		}
		if depths[i] >= maxLen {
			continue
		}
		depths[i]++
		depths = append(depths, depths[i])
	}
	l := make([]uint8, n)
	for i, j := range rng.Perm(n) {
		l[j] = uint8(depths[i])
	}
	return l
}

// --- zlib as the oracle ---

// zlibResult is CPython's zlib's verdict on a raw DEFLATE stream: its
// output, or why it refused (an error, or "incomplete": no final block).
type zlibResult struct {
	ok  bool
	out []byte
	err string
}

// zlibInflate decodes each stream with zlib.decompressobj(-15, zdict=hist)
// in one Python process.
func zlibInflate(t testing.TB, streams, hists [][]byte) []zlibResult {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 (with zlib) is needed as the reference decoder: ", err)
	}
	script := `
import sys, zlib
for line in sys.stdin:
    z, h = (bytes.fromhex(x) for x in line.split(",")) if "," in line else (b"", b"")
    try:
        d = zlib.decompressobj(-15, zdict=h) if h else zlib.decompressobj(-15)
        out = d.decompress(z, 1 << 24)
        print(("ok:" + out.hex()) if d.eof else "err:incomplete")
    except zlib.error as e:
        print("err:" + str(e).replace("\n", " "))
`
	var in strings.Builder
	for i, z := range streams {
		fmt.Fprintf(&in, "%x,%x\n", z, hists[i])
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(in.String())
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(string(res), "\n"), "\n")
	if len(lines) != len(streams) {
		t.Fatalf("python returned %d results for %d streams", len(lines), len(streams))
	}
	out := make([]zlibResult, len(lines))
	for i, l := range lines {
		if h, ok := strings.CutPrefix(l, "ok:"); ok {
			b, _ := hex.DecodeString(h)
			out[i] = zlibResult{ok: true, out: b}
		} else {
			out[i] = zlibResult{err: strings.TrimPrefix(l, "err:")}
		}
	}
	return out
}

// --- block types ---

type inflateCase struct {
	name string
	z    []byte
	hist []byte
	want string
}

func inflateValidCases() []inflateCase {
	hello := []byte("Hello")
	var big bytes.Buffer
	for big.Len() < 65535 {
		fmt.Fprintf(&big, "%d,", big.Len())
	}
	big65535 := big.Bytes()[:65535]
	stream := func(f func(w *bitWriter)) []byte {
		w := &bitWriter{}
		f(w)
		return w.done()
	}
	litCode, distCode := completeLens(286), completeLens(30)
	return []inflateCase{
		{"stored", (&bitWriter{}).stored(true, hello).done(), nil, "Hello"},
		{"stored empty", (&bitWriter{}).stored(true, nil).done(), nil, ""},
		{"stored 65535 bytes", (&bitWriter{}).stored(true, big65535).done(), nil, string(big65535)},
		{"stored blocks", stream(func(w *bitWriter) {
			w.stored(false, []byte("He")).stored(false, nil).stored(false, []byte("ll")).stored(true, []byte("o"))
		}), nil, "Hello"},
		{"RFC 7692 7.2.3.1 with the tail", append([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, deflateTail...), nil, "Hello"},
		{"RFC 7692 7.2.3.2 second message", append([]byte{0xf2, 0x00, 0x11, 0x00, 0x00}, deflateTail...), []byte("Hello"), "Hello"},
		{"RFC 7692 7.2.3.4 BFINAL", []byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, nil, "Hello"},
		{"fixed", fixedStream(lits("Hello")), nil, "Hello"},
		{"fixed empty", fixedStream(nil), nil, ""},
		{"fixed run", fixedStream([]token{{lit: 'a'}, {length: 258, distance: 1}, {length: 3, distance: 1}}), nil, strings.Repeat("a", 262)},
		{"fixed overlapping copies", fixedStream(concat2(lits("abcdefg"),
			[]token{{length: 10, distance: 2}, {length: 11, distance: 3}, {length: 12, distance: 5}, {length: 13, distance: 7}, {length: 20, distance: 8}, {length: 40, distance: 9}, {length: 4, distance: 4}})), nil,
			string(expand(nil, concat2(lits("abcdefg"), []token{{length: 10, distance: 2}, {length: 11, distance: 3}, {length: 12, distance: 5}, {length: 13, distance: 7}, {length: 20, distance: 8}, {length: 40, distance: 9}, {length: 4, distance: 4}})))},
		{"match in the history", fixedStream([]token{{length: 4, distance: 6}, {lit: '!'}}), []byte("abcdef"), "abcd!"},
		{"match from the history into the output", fixedStream([]token{{lit: 'x'}, {length: 12, distance: 4}}), []byte("abcdef"), "xdefxdefxdefx"},
		{"match at the first history byte", fixedStream([]token{{length: 3, distance: 3}}), []byte("abc"), "abc"},
		{"dynamic", dynamicStream(litCode, distCode, concat2(lits("Hello, "), []token{{length: 5, distance: 7}, {length: 258, distance: 1}})), nil,
			string(expand(nil, concat2(lits("Hello, "), []token{{length: 5, distance: 7}, {length: 258, distance: 1}})))},
		{"dynamic end of block only (one 1-bit code)", stream(func(w *bitWriter) {
			dynamicHeader(w, true, eobOnly, []uint8{0})
			w.bits(0, 1)
		}), nil, ""},
		{"dynamic one distance code", stream(func(w *bitWriter) {
			l := completeLens(258)
			dynamicHeader(w, true, l, []uint8{1})
			putTokens(w, newHuffCode(l), newHuffCode([]uint8{1}), []token{{lit: 'z'}, {length: 3, distance: 1}})
		}), nil, "zzzz"},
		{"dynamic no distance code", stream(func(w *bitWriter) {
			dynamicHeader(w, true, completeLens(257), []uint8{0})
			putTokens(w, newHuffCode(completeLens(257)), huffCode{}, lits("literals"))
		}), nil, "literals"},
		{"code length repeats", stream(func(w *bitWriter) {
			// completeLens(286) is 226 lengths of 8 and 60 of 9; the
			// distance code 8 lengths of 3 and 22 zeros.
			syms := []clSym{{sym: 8}, {16, 3}, {16, 3}, {16, 3}} // 19 eights
			for n := 19; n < 226; n += 6 {
				syms = append(syms, clSym{16, uint64(min(6, 226-n) - 3)})
			}
			syms = append(syms, lensSyms(repeat(9, 60))...)
			syms = append(syms, lensSyms(repeat(3, 8))...)
			syms = append(syms, clSym{18, 0}, clSym{17, 7}, clSym{sym: 0}) // 11 + 10 + 1 zeros
			rawDynamicHeader(w, 286-257, 30-1, 15, preAll, syms)
			putTokens(w, newHuffCode(completeLens(286)), newHuffCode(concat(repeat(3, 8), repeat(0, 22))), concat2(lits("abc"), []token{{length: 42, distance: 3}}))
		}), nil, strings.Repeat("abc", 15)},
		{"mixed blocks", stream(func(w *bitWriter) {
			w.stored(false, []byte("stored "))
			w.header(false, 1)
			putTokens(w, fixedLit, fixedDist, concat2(lits("fixed "), []token{{length: 7, distance: 13}}))
			dynamicHeader(w, false, litCode, distCode)
			putTokens(w, newHuffCode(litCode), newHuffCode(distCode), lits(" dynamic"))
			w.stored(true, nil)
		}), nil, "stored fixed stored  dynamic"},
		{"data after the final block", append((&bitWriter{}).stored(true, hello).done(), 0xff, 0xff, 0x07), nil, "Hello"},
		{"block type 3 after the final block", stream(func(w *bitWriter) {
			w.header(true, 1)
			putTokens(w, fixedLit, fixedDist, lits("Hi"))
			w.header(true, 3)
		}), nil, "Hi"},
		{"sync flush, tail", append(stream(func(w *bitWriter) {
			w.header(false, 1)
			putTokens(w, fixedLit, fixedDist, lits("Hi"))
			w.header(false, 0)
		}), deflateTail...), nil, "Hi"},
	}
}

func concat2(a, b []token) []token { return append(append([]token(nil), a...), b...) }

func inflateErrorCases() []inflateCase {
	litCode, distCode := completeLens(286), completeLens(30)
	stream := func(f func(w *bitWriter)) []byte {
		w := &bitWriter{}
		f(w)
		return w.done()
	}
	dyn := dynamicStream(litCode, distCode, lits("abcdefgh"))
	return []inflateCase{
		{"empty input", nil, nil, errTruncated},
		{"block type 3", []byte{0x07}, nil, errBlockType},
		{"block type 3, not final", []byte{0x06, 0, 0, 0}, nil, errBlockType},
		{"block type 3 after a block", stream(func(w *bitWriter) { w.header(false, 1); fixedLit.put(w, 256); w.header(true, 3) }), nil, errBlockType},
		{"no final block", []byte{0x00, 0x00, 0x00, 0xff, 0xff}, nil, errTruncated},
		{"stored LEN/NLEN", []byte{0x01, 0x05, 0x00, 0xfa, 0xfe, 'H', 'e', 'l', 'l', 'o'}, nil, errStoredLen},
		{"stored header cut", []byte{0x01, 0x05, 0x00, 0xfa}, nil, errTruncated},
		{"stored data cut", []byte{0x01, 0x05, 0x00, 0xfa, 0xff, 'H', 'e'}, nil, errTruncated},
		{"stored after bits that ran out", stream(func(w *bitWriter) {
			w.header(false, 1)
			fixedLit.put(w, 'a')
			fixedLit.put(w, 256)
			w.header(false, 0) // LEN, NLEN and a final block missing
		}), nil, errTruncated},
		{"fixed data cut", stream(func(w *bitWriter) {
			w.header(true, 1)
			for _, c := range []byte("Hello, world") {
				fixedLit.put(w, int(c))
			}
		}), nil, errTruncated},
		{"fixed match cut", fixedStream([]token{{lit: 'a'}, {length: 258, distance: 1}})[:3], nil, errTruncated},
		{"fixed distance cut", fixedStream([]token{{lit: 'a'}, {length: 258, distance: 20000}})[:3], nil, errTruncated},
		{"fixed literal/length 286", stream(func(w *bitWriter) {
			w.header(true, 1)
			fixedLit.put(w, 'a')
			fixedLit.put(w, 286)
			fixedLit.put(w, 256)
		}), nil, errLitCode},
		{"fixed literal/length 287", stream(func(w *bitWriter) { w.header(true, 1); fixedLit.put(w, 287); w.bits(0, 32) }), nil, errLitCode},
		{"fixed literal/length 287 at the end", stream(func(w *bitWriter) { w.header(true, 1); fixedLit.put(w, 287) }), nil, errLitCode},
		{"fixed distance 30", stream(func(w *bitWriter) {
			w.header(true, 1)
			fixedLit.put(w, 'a')
			fixedLit.put(w, 257)
			fixedDist.put(w, 30)
			fixedLit.put(w, 256)
		}), nil, errDistCode},
		{"fixed distance 31", stream(func(w *bitWriter) {
			w.header(true, 1)
			fixedLit.put(w, 'a')
			fixedLit.put(w, 257)
			fixedDist.put(w, 31)
			fixedLit.put(w, 256)
			w.bits(0, 160)
		}), nil, errDistCode},
		{"distance too far", fixedStream([]token{{lit: 'a'}, {length: 3, distance: 2}}), nil, errDistTooFar},
		{"distance too far in the fast loop", fixedStream(concat2(lits(strings.Repeat("ab", 20)), []token{{length: 3, distance: 41}, {lit: 'x'}, {lit: 'x'}, {lit: 'x'}, {lit: 'x'}, {lit: 'x'}, {lit: 'x'}, {lit: 'x'}})), nil, errDistTooFar},
		{"distance too far at the start", fixedStream([]token{{length: 3, distance: 1}}), nil, errDistTooFar},
		{"distance beyond the history", fixedStream([]token{{lit: 'a'}, {length: 3, distance: 5}}), []byte("abc"), errDistTooFar},
		{"distance 32768 without data", fixedStream(concat2(lits(strings.Repeat("x", 300)), []token{{length: 258, distance: 32768}})), nil, errDistTooFar},
		{"too many literal/length codes", stream(func(w *bitWriter) { rawDynamicHeader(w, 30, 0, 15, pre4, nil) }), nil, errTooManyLit},
		{"too many distance codes", stream(func(w *bitWriter) { rawDynamicHeader(w, 0, 30, 15, pre4, nil) }), nil, errTooManyDist},
		{"precode over-subscribed", stream(func(w *bitWriter) {
			rawDynamicHeader(w, 0, 0, 15, [19]uint8{1, 1, 1}, nil)
			w.bits(0, 64)
		}), nil, errOversubscribed},
		{"precode incomplete", stream(func(w *bitWriter) {
			rawDynamicHeader(w, 0, 0, 15, [19]uint8{0: 2, 5: 2, 8: 2}, nil)
			w.bits(0, 64)
		}), nil, errIncomplete},
		{"precode with one code", stream(func(w *bitWriter) {
			rawDynamicHeader(w, 0, 0, 15, [19]uint8{8: 1}, nil)
			w.bits(0, 64)
		}), nil, errIncomplete},
		{"precode empty", stream(func(w *bitWriter) { rawDynamicHeader(w, 0, 0, 15, [19]uint8{}, nil); w.bits(0, 64) }), nil, errIncomplete},
		{"precode cut", stream(func(w *bitWriter) { w.header(true, 2); w.bits(0, 14) }), nil, errTruncated},
		{"repeat with no previous length", stream(func(w *bitWriter) { rawDynamicHeader(w, 0, 0, 15, preAll, []clSym{{16, 0}}) }), nil, errRepeatFirst},
		{"zeros past the end", stream(func(w *bitWriter) {
			rawDynamicHeader(w, 0, 0, 15, preAll, append(lensSyms(repeat(9, 200)), clSym{18, 127}))
		}), nil, errRepeatPastEnd},
		{"repeat past the end", stream(func(w *bitWriter) {
			rawDynamicHeader(w, 0, 0, 15, preAll, append(lensSyms(repeat(9, 256)), clSym{16, 3}))
		}), nil, errRepeatPastEnd},
		{"short zeros past the end", stream(func(w *bitWriter) {
			rawDynamicHeader(w, 0, 0, 15, preAll, append(lensSyms(repeat(9, 256)), clSym{17, 0}))
		}), nil, errRepeatPastEnd},
		{"code lengths cut", stream(func(w *bitWriter) { rawDynamicHeader(w, 0, 0, 15, preAll, lensSyms(repeat(9, 100))) }), nil, errTruncated},
		{"no end of block", stream(func(w *bitWriter) {
			dynamicHeader(w, true, concat(repeat(8, 256), []uint8{0}), []uint8{1})
			w.bits(0, 32)
		}), nil, errNoEndOfBlock},
		{"literal/length over-subscribed", stream(func(w *bitWriter) { dynamicHeader(w, true, repeat(8, 257), []uint8{1}); w.bits(0, 32) }), nil, "literal/length code: " + errOversubscribed},
		{"literal/length incomplete", stream(func(w *bitWriter) { dynamicHeader(w, true, repeat(9, 257), []uint8{1}); w.bits(0, 32) }), nil, "literal/length code: " + errIncomplete},
		{"literal/length one 2-bit code", stream(func(w *bitWriter) {
			dynamicHeader(w, true, concat(repeat(0, 256), []uint8{2}), []uint8{1})
			w.bits(0, 32)
		}), nil, "literal/length code: " + errIncomplete},
		{"distance over-subscribed", stream(func(w *bitWriter) { dynamicHeader(w, true, litCode, []uint8{1, 1, 1}); w.bits(0, 32) }), nil, "distance code: " + errOversubscribed},
		{"distance incomplete", stream(func(w *bitWriter) { dynamicHeader(w, true, litCode, []uint8{1, 2}); w.bits(0, 32) }), nil, "distance code: " + errIncomplete},
		{"distance one 2-bit code", stream(func(w *bitWriter) { dynamicHeader(w, true, litCode, []uint8{0, 2}); w.bits(0, 32) }), nil, "distance code: " + errIncomplete},
		{"literal/length single code, other bit", stream(func(w *bitWriter) {
			dynamicHeader(w, true, eobOnly, []uint8{0})
			w.bits(1, 1)
			w.bits(0, 32)
		}), nil, errLitCode},
		{"distance code empty but used", stream(func(w *bitWriter) {
			l := completeLens(258)
			dynamicHeader(w, true, l, []uint8{0})
			c := newHuffCode(l)
			c.put(w, 'a')
			c.put(w, 257)
			w.bits(0, 16)
			c.put(w, 256)
		}), nil, errDistCode},
		{"distance single code, other bit", stream(func(w *bitWriter) {
			l := completeLens(258)
			dynamicHeader(w, true, l, []uint8{1})
			c := newHuffCode(l)
			c.put(w, 'a')
			c.put(w, 257)
			w.bits(1, 1)
			c.put(w, 256)
		}), nil, errDistCode},
		{"dynamic distance too far", dynamicStream(litCode, distCode, []token{{lit: 'a'}, {length: 10, distance: 24577 + 100}}), nil, errDistTooFar},
		{"dynamic data cut", dyn[:len(dyn)-2], nil, errTruncated},
		{"dynamic header cut", dyn[:60], nil, errTruncated},
	}
}

// TestInflateBlocks decodes each block type and feature, and checks that
// zlib agrees.
func TestInflateBlocks(t *testing.T) {
	cases := inflateValidCases()
	for _, tt := range cases {
		got, err := inflateBytes(tt.z, tt.hist, 1<<20, nil)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, shorten(got), err, shorten([]byte(tt.want)))
		}
	}
	zlibAgrees(t, cases, true)
}

// TestInflateErrors: each malformed stream fails with its reason, as a
// 1007 that is not a UTF-8 error, and zlib rejects it too.
func TestInflateErrors(t *testing.T) {
	cases := inflateErrorCases()
	for _, tt := range cases {
		_, err := inflateBytes(tt.z, tt.hist, 1<<20, nil)
		var e *Error
		if !errors.As(err, &e) || !strings.HasSuffix(e.Msg, tt.want) || e.CloseCode != CloseInvalidPayload || e.Code != CodeProtocol {
			t.Errorf("%s: error %v, want %q (1007)", tt.name, err, tt.want)
		}
	}
	zlibAgrees(t, cases, false)
}

// zlibAgrees checks zlib's verdict on the cases: all accepted with the
// same output, or all refused.
func zlibAgrees(t *testing.T, cases []inflateCase, valid bool) {
	t.Helper()
	var zs, hs [][]byte
	for _, c := range cases {
		zs, hs = append(zs, c.z), append(hs, c.hist)
	}
	for i, r := range zlibInflate(t, zs, hs) {
		switch {
		case valid && (!r.ok || string(r.out) != cases[i].want):
			t.Errorf("%s: zlib disagrees: %q %s", cases[i].name, shorten(r.out), r.err)
		case !valid && r.ok:
			t.Errorf("%s: zlib accepts it: %q", cases[i].name, shorten(r.out))
		}
	}
}

func shorten(b []byte) []byte {
	if len(b) > 80 {
		return append(b[:40:40], append([]byte("..."), b[len(b)-40:]...)...)
	}
	return b
}

// TestInflateTokens: random LZ77 streams (every length, short and long
// distances, matches into the history, overlapping copies), coded with the
// fixed code and with random complete codes of up to 15 bits (so that
// subtables are used), decode as the reference expansion says, and as
// klauspost decodes them.
func TestInflateTokens(t *testing.T) {
	rng := rand.New(rand.NewSource(1951))
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	for round := 0; round < rounds; round++ {
		hist := make([]byte, []int{0, 0, 1, 7, 300, 32768, rng.Intn(32769)}[round%7])
		rng.Read(hist)
		for i := range hist { // compressible, so that matches are plausible
			hist[i] &= 7
		}
		var toks []token
		avail := len(hist)
		for n := rng.Intn(3000); n > 0; n-- {
			if avail == 0 || rng.Intn(3) == 0 {
				toks = append(toks, token{lit: byte(rng.Intn(256))})
				avail++
				continue
			}
			var l int
			switch rng.Intn(4) {
			case 0:
				l = 3 + rng.Intn(8)
			case 1:
				l = 258
			default:
				l = 3 + rng.Intn(256)
			}
			var d int
			switch rng.Intn(4) {
			case 0:
				d = 1 + rng.Intn(9)
			case 1:
				d = avail - rng.Intn(min(avail, 4)) // the farthest possible
			default:
				d = 1 + rng.Intn(min(avail, 32768))
			}
			d = max(1, min(d, avail, 32768))
			toks = append(toks, token{length: l, distance: d})
			avail += l
		}
		want := expand(hist, toks)
		var z []byte
		kind := "fixed"
		if round%2 == 0 {
			z = fixedStream(toks)
		} else {
			kind = "dynamic"
			z = dynamicStream(randomLens(rng, 286, 15), randomLens(rng, 30, 15), toks)
		}
		got, err := inflateBytes(z, hist, 1<<24, nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("round %d (%s, %d tokens, history %d): %v, output equal: %v", round, kind, len(toks), len(hist), err, bytes.Equal(got, want))
		}
		ref, err := refInflate(z, hist, 1<<24)
		if err != nil || !bytes.Equal(ref, want) {
			t.Fatalf("round %d: klauspost: %v", round, err)
		}
	}
}

// --- differential tests with real compressors ---

// testInputs returns named inputs: text, binary, runs, random data.
func testInputs(t testing.TB) map[string][]byte {
	rng := rand.New(rand.NewSource(2))
	in := map[string][]byte{
		"json":   jsonLikeText(rng, 64<<10),
		"zeros":  make([]byte, 100<<10),
		"empty":  {},
		"one":    {'x'},
		"random": func() []byte { b := make([]byte, 40<<10); rng.Read(b); return b }(),
	}
	for p := 1; p <= 9; p++ {
		in[fmt.Sprintf("period%d", p)] = bytes.Repeat([]byte("abcdefghi")[:p], 7000/p)
	}
	var words bytes.Buffer
	for _, m := range sampleMessages(rng, 8) {
		words.Write(m)
	}
	in["words"] = words.Bytes()
	var mixed bytes.Buffer // runs, random stretches and text: every block type
	for mixed.Len() < 200<<10 {
		switch rng.Intn(3) {
		case 0:
			mixed.Write(bytes.Repeat([]byte{byte(rng.Intn(256))}, rng.Intn(2000)))
		case 1:
			b := make([]byte, rng.Intn(5000))
			rng.Read(b)
			mixed.Write(b)
		default:
			mixed.Write(jsonLikeText(rng, rng.Intn(5000)+1))
		}
	}
	in["mixed"] = mixed.Bytes()
	root := runtime.GOROOT()
	for _, f := range []string{"src/compress/testdata/e.txt", "src/compress/testdata/gettysburg.txt", "src/net/http/server.go", "src/unicode/tables.go"} {
		if b, err := os.ReadFile(filepath.Join(root, f)); err == nil {
			in[filepath.Base(f)] = b[:min(len(b), 160<<10)]
		}
	}
	if exe, err := os.ReadFile(os.Args[0]); err == nil { // this test binary
		in["binary"] = exe[len(exe)/2 : len(exe)/2+min(len(exe)/2, 160<<10)]
	}
	return in
}

// compressed is one input in compressed form with the history it needs.
type compressed struct {
	name     string
	z, hist  []byte
	raw      []byte
	sameAsKP bool // klauspost decodes it too (it always should)
}

// kpCompress compresses raw with klauspost at level (or, with window > 0,
// the windowed encoder), flushing at the given cut points, and ends with a
// sync flush and deflateTail (as a message) or with Close (a final block).
func kpCompress(raw, dict []byte, level, window int, cuts []int, close bool) []byte {
	var b bytes.Buffer
	var w *flate.Writer
	switch {
	case window > 0:
		w, _ = flate.NewWriterWindow(&b, window)
	default:
		w, _ = flate.NewWriterDict(&b, level, dict)
	}
	prev := 0
	for _, c := range cuts {
		w.Write(raw[prev:c])
		w.Flush()
		prev = c
	}
	w.Write(raw[prev:])
	if close {
		w.Close()
		return b.Bytes()
	}
	w.Flush()
	return append(bytes.TrimSuffix(b.Bytes(), deflateTail[:4]), deflateTail...)
}

func stdCompress(raw, dict []byte, level int, cuts []int) []byte {
	var b bytes.Buffer
	w, _ := stdflate.NewWriterDict(&b, level, dict)
	prev := 0
	for _, c := range cuts {
		w.Write(raw[prev:c])
		w.Flush()
		prev = c
	}
	w.Write(raw[prev:])
	w.Close()
	return b.Bytes()
}

func randomCuts(rng *rand.Rand, n, k int) []int {
	var cuts []int
	for i := 0; i < k && n > 0; i++ {
		cuts = append(cuts, rng.Intn(n+1))
	}
	for i := 1; i < len(cuts); i++ { // sorted
		for j := i; j > 0 && cuts[j] < cuts[j-1]; j-- {
			cuts[j], cuts[j-1] = cuts[j-1], cuts[j]
		}
	}
	return cuts
}

// TestInflateDifferential: every input compressed by klauspost and by the
// standard library at every level, with every klauspost window size, with
// dictionaries, in one block or many, decodes to the input with our
// decoder, klauspost's and the standard library's.
func TestInflateDifferential(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	inputs := testInputs(t)
	var cases []compressed
	for name, raw := range inputs {
		dict := inputs["json"][:1+rng.Intn(32<<10)]
		if testing.Short() && len(raw) > 20<<10 {
			raw = raw[:20<<10]
		}
		for level := -2; level <= 9; level++ {
			if level == -1 {
				continue
			}
			cuts := randomCuts(rng, len(raw), level+2)
			cases = append(cases,
				compressed{name: fmt.Sprintf("%s klauspost level %d", name, level), z: kpCompress(raw, nil, level, 0, nil, level%2 == 0), raw: raw},
				compressed{name: fmt.Sprintf("%s klauspost level %d, %d flushes", name, level, len(cuts)), z: kpCompress(raw, nil, level, 0, cuts, level%2 != 0), raw: raw},
				compressed{name: fmt.Sprintf("%s klauspost level %d, dictionary", name, level), z: kpCompress(raw, dict, level, 0, cuts[:len(cuts)/2], true), hist: dict, raw: raw},
				compressed{name: fmt.Sprintf("%s stdlib level %d", name, level), z: stdCompress(raw, nil, level, nil), raw: raw},
				compressed{name: fmt.Sprintf("%s stdlib level %d, dictionary, %d flushes", name, level, len(cuts)), z: stdCompress(raw, dict, level, cuts), hist: dict, raw: raw},
			)
		}
		for bits := 5; bits <= 15; bits++ {
			cases = append(cases, compressed{name: fmt.Sprintf("%s klauspost window %d", name, 1<<bits), z: kpCompress(raw, nil, 0, 1<<bits, randomCuts(rng, len(raw), bits%3), bits%2 == 0), raw: raw})
		}
	}
	for _, c := range cases {
		checkDecoders(t, c)
	}
}

// checkDecoders decodes c with our decoder, klauspost's and the standard
// library's; all must give c.raw.
func checkDecoders(t *testing.T, c compressed) {
	t.Helper()
	got, err := inflateBytes(c.z, c.hist, 1<<30, nil)
	if err != nil || !bytes.Equal(got, c.raw) {
		t.Fatalf("%s: %v (output %d bytes, want %d)", c.name, err, len(got), len(c.raw))
	}
	if ref, err := refInflate(c.z, c.hist, 1<<30); err != nil || !bytes.Equal(ref, c.raw) {
		t.Fatalf("%s: klauspost: %v", c.name, err)
	}
	if ref, err := stdInflate(c.z, c.hist); err != nil || !bytes.Equal(ref, c.raw) {
		t.Fatalf("%s: stdlib: %v", c.name, err)
	}
}

// TestInflateZlibStreams: streams from zlib itself, as peers built on it
// send them: every level, window size, memory level and strategy, in one
// block or split by sync flushes, with and without a dictionary.
func TestInflateZlibStreams(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 (with zlib) is needed: ", err)
	}
	inputs := testInputs(t)
	dir := t.TempDir()
	var names []string
	for name, raw := range inputs {
		if len(raw) > 64<<10 {
			raw = raw[:64<<10]
		}
		inputs[name] = raw
		names = append(names, name)
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dict := inputs["json"][:20000]
	script := `
import os, sys, zlib
d, dictionary = sys.argv[1], bytes.fromhex(sys.argv[2])
strategies = [zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED, zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED]
i = 0
for name in sorted(os.listdir(d)):
    raw = open(os.path.join(d, name), "rb").read()
    for level in range(0, 10):
        for wbits in (9, 12, 15):
            i += 1
            mem = (1, 8, 9)[i % 3]
            strategy = strategies[i % len(strategies)]
            zd = dictionary if i % 4 == 0 else b""
            c = zlib.compressobj(level, zlib.DEFLATED, -wbits, mem, strategy, zdict=zd) if zd else zlib.compressobj(level, zlib.DEFLATED, -wbits, mem, strategy)
            out = b""
            step = (0, 1000, 7777)[i % 3]
            pos = 0
            while step and pos < len(raw):
                out += c.compress(raw[pos:pos+step]) + c.flush(zlib.Z_SYNC_FLUSH)
                pos += step
            out += c.compress(raw[pos:]) + c.flush(zlib.Z_FINISH)
            print(name, level, wbits, mem, strategy, int(bool(zd)), out.hex())
`
	cmd := exec.Command(py, "-c", script, dir, hex.EncodeToString(dict))
	res, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(res)), "\n") {
		f := strings.Fields(line)
		z, _ := hex.DecodeString(f[6])
		var hist []byte
		if f[5] == "1" {
			hist = dict
		}
		got, err := inflateBytes(z, hist, 1<<30, nil)
		if err != nil || !bytes.Equal(got, inputs[f[0]]) {
			t.Fatalf("zlib stream %s: %v (output %d bytes, want %d)", strings.Join(f[:6], " "), err, len(got), len(inputs[f[0]]))
		}
		n++
	}
	t.Logf("%d zlib streams of %d inputs", n, len(names))
}

// TestInflaterTakeover: messages with context takeover through the
// inflater, for every window size, where matches reach into the kept
// history and across its end.
func TestInflaterTakeover(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for bits := 8; bits <= 15; bits++ {
		f := newInflater(bits, true)
		var b bytes.Buffer
		w, _ := flate.NewWriterWindow(&b, 1<<max(bits, 9))
		out := buffer{b: make([]byte, 100)}
		for i := 0; i < 30; i++ {
			msg := jsonLikeText(rng, []int{10, 300, 5000, 40000}[i%4])
			b.Reset()
			w.Write(msg)
			w.Flush()
			body := append(bytes.TrimSuffix(b.Bytes(), deflateTail[:4]), deflateTail...)
			out.n = rng.Intn(100) // earlier data in the buffer is not history
			n, err := f.inflate(body, false, &out, goAlloc{}, 1<<20, nil)
			if err != nil || !bytes.Equal(out.b[out.n-n:out.n], msg) {
				t.Fatalf("window %d message %d: %v", bits, i, err)
			}
		}
	}
}

// --- limits, text, memory ---

func TestInflateLimit(t *testing.T) {
	zeros := kpCompress(make([]byte, 10<<20), nil, 9, 0, nil, true)
	const limit = 1 << 20
	var out buffer
	err := inflateMessage(zeros, nil, &out, goAlloc{}, limit, nil)
	if !errors.Is(err, ErrTooBig) || out.n > limit {
		t.Fatalf("bomb: %v, %d bytes out", err, out.n)
	}
	if len(out.b) > 2*(limit+fastOutMargin) {
		t.Fatalf("bomb: buffer grew to %d bytes for a limit of %d", len(out.b), limit)
	}
	for _, c := range []struct {
		name string
		raw  []byte
		z    []byte
	}{
		{"fixed", []byte("Hello, world"), fixedStream(lits("Hello, world"))},
		{"match", bytes.Repeat([]byte("a"), 300), fixedStream([]token{{lit: 'a'}, {length: 258, distance: 1}, {length: 41, distance: 1}})},
		{"stored", []byte("Hello, world"), (&bitWriter{}).stored(true, []byte("Hello, world")).done()},
		{"zeros", make([]byte, 100000), kpCompress(make([]byte, 100000), nil, 9, 0, nil, true)},
		{"json", jsonLikeText(rand.New(rand.NewSource(1)), 100000), kpCompress(jsonLikeText(rand.New(rand.NewSource(1)), 100000), nil, 6, 0, nil, false)},
	} {
		n := int64(len(c.raw))
		// Exactly at the limit is fine; one byte less is not.
		if got, err := inflateBytes(c.z, nil, n, nil); err != nil || !bytes.Equal(got, c.raw) {
			t.Errorf("%s at the limit: %v", c.name, err)
		}
		for _, limit := range []int64{n - 1, n / 2, 1} {
			var out buffer
			err := inflateMessage(c.z, nil, &out, goAlloc{}, limit, nil)
			if !errors.Is(err, ErrTooBig) || int64(out.n) > limit || !bytes.Equal(out.b[:out.n], c.raw[:out.n]) {
				t.Errorf("%s, limit %d: %v with %d bytes out", c.name, limit, err, out.n)
			}
			if len(out.b) > 2*int(limit)+2*fastOutMargin+8192 {
				t.Errorf("%s, limit %d: buffer of %d bytes", c.name, limit, len(out.b))
			}
		}
	}
	// Unlimited.
	for _, limit := range []int64{-1, math.MaxInt64} {
		if got, err := inflateBytes(zeros, nil, limit, nil); err != nil || len(got) != 10<<20 {
			t.Errorf("limit %d: %v, %d bytes", limit, err, len(got))
		}
	}
}

func TestInflateUTF8(t *testing.T) {
	text := []byte(strings.Repeat("κόσμε, world. ", 40000)) // multi-byte characters cross every chunk boundary
	z := kpCompress(text, nil, 6, 0, nil, true)
	var u utf8State
	if got, err := inflateBytes(z, nil, 1<<30, &u); err != nil || !bytes.Equal(got, text) || !u.complete() {
		t.Fatalf("valid text: %v", err)
	}
	// A bad byte early fails without inflating the rest.
	bad := append([]byte("ok \xff"), text...)
	var out buffer
	u = utf8State{}
	err := inflateMessage(kpCompress(bad, nil, 6, 0, nil, true), nil, &out, goAlloc{}, 1<<30, &u)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeUTF8 || e.CloseCode != CloseInvalidPayload || !strings.HasSuffix(e.Msg, "at byte 3") || out.n != 3 {
		t.Fatalf("invalid text: %v, %d bytes out", err, out.n)
	}
	// A bad byte in a stored block, and at the end.
	for _, z := range [][]byte{
		(&bitWriter{}).stored(false, text[:20000]).stored(true, []byte("\xc0\xaf")).done(),
		fixedStream(lits(string(text[:100]) + "\xed\xa0\x80")),
	} {
		u = utf8State{}
		if _, err := inflateBytes(z, nil, 1<<30, &u); !errors.As(err, &e) || e.Code != CodeUTF8 {
			t.Errorf("invalid text: %v", err)
		}
	}
	// Text that ends inside a character is for the caller to refuse.
	u = utf8State{}
	if _, err := inflateBytes(fixedStream(lits("ab\xce")), nil, 100, &u); err != nil || u.complete() {
		t.Errorf("incomplete character: %v, complete %v", err, u.complete())
	}
}

// failAlloc fails after ok allocations.
type failAlloc struct{ ok int }

func (f *failAlloc) Alloc(n int) []byte {
	if f.ok == 0 {
		return nil
	}
	f.ok--
	return make([]byte, n)
}
func (f *failAlloc) Free([]byte) {}

func TestInflateNoMem(t *testing.T) {
	raw := jsonLikeText(rand.New(rand.NewSource(4)), 200000)
	for _, z := range [][]byte{kpCompress(raw, nil, 6, 0, nil, true), (&bitWriter{}).stored(true, raw[:60000]).done(), fixedStream(lits(string(raw[:9000])))} {
		// Fail each allocation in turn until none is left to fail.
		for ok := 0; ; ok++ {
			var out buffer
			err := inflateMessage(z, nil, &out, &failAlloc{ok: ok}, 1<<30, nil)
			if err == nil && ok > 0 {
				break
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeNoMem || e.CloseCode != CloseInternalError {
				t.Fatalf("allocation %d fails: %v", ok, err)
			}
		}
	}
}

// TestInflateAfterData: output appended after earlier data in the buffer
// leaves it alone and never reads it as history.
func TestInflateAfterData(t *testing.T) {
	out := buffer{b: bytes.Repeat([]byte("x"), 1000), n: 1000}
	if err := inflateMessage(fixedStream(lits("Hello")), nil, &out, goAlloc{}, 100, nil); err != nil || string(out.b[:out.n]) != strings.Repeat("x", 1000)+"Hello" {
		t.Fatalf("%v %q", err, out.b[990:out.n])
	}
	if err := inflateMessage(fixedStream([]token{{lit: 'a'}, {length: 3, distance: 2}}), nil, &out, goAlloc{}, 100, nil); !strings.HasSuffix(errMsg(err), "invalid compressed data: "+errDistTooFar) {
		t.Fatalf("distance into earlier data: %v", err)
	}
}

// TestInflateAllocs: no allocation per message once warm.
func TestInflateAllocs(t *testing.T) {
	msgs, _ := w6Messages(t)
	var bodies [][]byte
	for _, m := range msgs[:8] {
		bodies = append(bodies, append(append([]byte(nil), m...), deflateTail...))
	}
	bodies = append(bodies, fixedStream(lits("fixed")), (&bitWriter{}).stored(true, []byte("stored")).done())
	var out buffer
	var u utf8State
	f := newInflater(15, true)
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		out.n = 0
		u = utf8State{}
		if _, err := f.inflate(bodies[i%len(bodies)], false, &out, goAlloc{}, 1<<20, &u); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per message", allocs)
	}
}

// TestBuildTableSubtables: every complete code over 286 and 30 symbols
// with 15-bit codewords fits the tables (whose size assumes zlib's bound).
func TestBuildTableSubtables(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	var tb inflateTables
	for i := 0; i < 2000; i++ {
		for _, c := range []struct {
			n, bits, kind int
			t             []uint32
			tmpl          []uint32
		}{{286, litTableBits, codeLitlen, tb.lit[:], litTemplates[:]}, {30, distTableBits, codeDist, tb.dist[:], distTemplates[:]}} {
			lens := randomLens(rng, c.n, 15)
			if msg := buildTable(c.t, lens, c.tmpl, c.bits, c.kind); msg != "" {
				t.Fatalf("%v: %s", lens, msg)
			}
		}
	}
}
