package ws

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// maskNaive is the RFC 6455 §5.3 definition, one byte at a time.
func maskNaive(dst, src []byte, key [4]byte, pos int) int {
	for i := range src {
		dst[i] = src[i] ^ key[(pos+i)&3]
	}
	return (pos + len(src)) & 3
}

type maskImpl struct {
	name string
	min  int // shortest input the implementation accepts
	fn   func(dst, src []byte, k uint32) (ascii bool)
}

// maskImpls lists every implementation of the loop for long buffers that
// this platform has, so each is checked on its own and not only the one
// maskCopy picks. mask_amd64_test.go adds the assembly ones.
var maskImpls = []maskImpl{
	{"words", 8, maskWords},
	{"long", maskSmall + 1, maskLong},
}

var maskTestKeys = [][4]byte{
	{0, 0, 0, 0},
	{0x37, 0xfa, 0x21, 0x3d},
	{0xff, 0xff, 0xff, 0xff},
	{0x01, 0x02, 0x04, 0x80},
}

func maskRandBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// checkMask runs f copying (into a buffer off bytes past a fresh
// allocation, with guard bytes after it) and in place (on a copy of src at
// that offset), and compares with maskNaive. The offset moves dst across
// every vector alignment.
func checkMask(t *testing.T, name string, src []byte, key [4]byte, pos, off int, f func(dst, src []byte, key [4]byte, pos int) int) {
	t.Helper()
	want := make([]byte, len(src))
	wantPos := maskNaive(want, src, key, pos)
	orig := bytes.Clone(src)
	guard := bytes.Repeat([]byte{0xAA}, 8)

	buf := bytes.Repeat([]byte{0xAA}, off+len(src)+8)
	dst := buf[off:]
	if p := f(dst, src, key, pos); p != wantPos {
		t.Fatalf("%s copy len=%d pos=%d off=%d key=%x: returned %d, want %d", name, len(src), pos, off, key, p, wantPos)
	}
	if !bytes.Equal(dst[:len(src)], want) {
		t.Fatalf("%s copy len=%d pos=%d off=%d key=%x: wrong output", name, len(src), pos, off, key)
	}
	if bytes.Count(buf[:off], guard[:1]) != off || !bytes.Equal(dst[len(src):], guard) {
		t.Fatalf("%s copy len=%d pos=%d off=%d: wrote outside dst", name, len(src), pos, off)
	}
	if !bytes.Equal(src, orig) {
		t.Fatalf("%s copy len=%d pos=%d off=%d: modified src", name, len(src), pos, off)
	}

	in := append(make([]byte, off), src...)[off:]
	if p := f(in, in, key, pos); p != wantPos {
		t.Fatalf("%s in place len=%d pos=%d off=%d: returned %d, want %d", name, len(src), pos, off, p, wantPos)
	}
	if !bytes.Equal(in, want) {
		t.Fatalf("%s in place len=%d pos=%d off=%d key=%x: wrong output", name, len(src), pos, off, key)
	}
}

// implAsMask adapts a maskImpls entry to the maskCopy signature.
func implAsMask(fn func(dst, src []byte, k uint32) bool) func(dst, src []byte, key [4]byte, pos int) int {
	return func(dst, src []byte, key [4]byte, pos int) int {
		pos &= 3
		k := uint32(key[pos]) | uint32(key[(pos+1)&3])<<8 | uint32(key[(pos+2)&3])<<16 | uint32(key[(pos+3)&3])<<24
		fn(dst, src, k)
		return (pos + len(src)) & 3
	}
}

func TestMaskEquivalence(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	inPlace := func(dst, src []byte, key [4]byte, pos int) int {
		copy(dst, src)
		return MaskBytes(key, pos, dst[:len(src)])
	}
	for n := 0; n <= 300; n++ {
		src := maskRandBytes(r, n)
		for ki, key := range maskTestKeys {
			for pos := range 4 {
				// Cover all 32 dst alignments across the keys and positions.
				off := (ki*4 + pos) * 2
				off += n & 1
				checkMask(t, "maskCopy", src, key, pos, off, maskCopy)
				checkMask(t, "MaskCopy", src, key, pos, off, MaskCopy)
				checkMask(t, "MaskBytes", src, key, pos, off, inPlace)
				for _, m := range maskImpls {
					if n >= m.min {
						checkMask(t, m.name, src, key, pos, off, implAsMask(m.fn))
					}
				}
			}
		}
	}
}

// TestMaskPosWraps checks that pos is taken modulo 4.
func TestMaskPosWraps(t *testing.T) {
	src := []byte("0123456789abcdefghijklmnopqrstuvwxyz0123456789")
	key := [4]byte{1, 2, 3, 4}
	for pos := range 12 {
		a, b := make([]byte, len(src)), make([]byte, len(src))
		pa, pb := maskCopy(a, src, key, pos), maskNaive(b, src, key, pos&3)
		if pa != pb || !bytes.Equal(a, b) {
			t.Fatalf("pos=%d differs from pos=%d", pos, pos&3)
		}
	}
}

func TestMaskRandomBig(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 40
	if testing.Short() {
		n = 8
	}
	for range n {
		size := r.IntN(1 << 20)
		// Random offsets make the buffers unaligned in every way.
		off := r.IntN(64)
		src := maskRandBytes(r, size+off)[off:]
		key := [4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}
		pos := r.IntN(4)
		off = r.IntN(64)
		checkMask(t, "maskCopy", src, key, pos, off, maskCopy)
		for _, m := range maskImpls {
			if size >= m.min {
				checkMask(t, m.name, src, key, pos, off, implAsMask(m.fn))
			}
		}
	}
}

// TestMaskSplit: masking in two pieces, chaining the returned position, is
// the same as masking at once (how fragmented reads are unmasked).
func TestMaskSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for _, n := range []int{0, 1, 7, 33, 100, 257, 1000} {
		src := maskRandBytes(r, n)
		for pos := range 4 {
			want := make([]byte, n)
			wantPos := maskCopy(want, src, key, pos)
			for cut := 0; cut <= n; cut++ {
				got := make([]byte, n)
				p := maskCopy(got[:cut], src[:cut], key, pos)
				p = maskCopy(got[cut:], src[cut:], key, p)
				in := bytes.Clone(src)
				q := MaskBytes(key, pos, in[:cut])
				q = MaskBytes(key, q, in[cut:])
				if p != wantPos || q != wantPos || !bytes.Equal(got, want) || !bytes.Equal(in, want) {
					t.Fatalf("n=%d pos=%d cut=%d: split result differs", n, pos, cut)
				}
			}
		}
	}
}

// TestMaskRFCExample is the masked "Hello" of RFC 6455 §5.7.
func TestMaskRFCExample(t *testing.T) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	masked := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
	out := make([]byte, len(masked))
	if p := MaskCopy(out, masked, key, 0); p != 1 || string(out) != "Hello" {
		t.Fatalf("MaskCopy = %q, %d; want \"Hello\", 1", out, p)
	}
	b := []byte("Hello")
	if p := MaskBytes(key, 0, b); p != 1 || !bytes.Equal(b, masked) {
		t.Fatalf("MaskBytes(Hello) = % x, %d; want % x, 1", b, p, masked)
	}
}

func TestMaskNoAllocs(t *testing.T) {
	b := make([]byte, 4096)
	key := [4]byte{1, 2, 3, 4}
	if a := testing.AllocsPerRun(100, func() { maskCopy(b, b, key, 1) }); a != 0 {
		t.Fatalf("maskCopy allocates %v times", a)
	}
}

var maskBenchSizes = []int{16, 125, 1 << 10, 64 << 10, 1 << 20, 16 << 20}

func BenchmarkMaskCopy(b *testing.B) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for _, n := range maskBenchSizes {
		src := make([]byte, n)
		dst := make([]byte, n)
		for _, pos := range []int{0, 3} {
			b.Run(fmt.Sprintf("inplace/%d/pos%d", n, pos), func(b *testing.B) {
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					maskCopy(src, src, key, pos)
				}
			})
			b.Run(fmt.Sprintf("copy/%d/pos%d", n, pos), func(b *testing.B) {
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					maskCopy(dst, src, key, pos)
				}
			})
		}
	}
}

// TestMaskASCII: the long-buffer loops and unmaskASCII report whether their
// output is all ASCII, whichever byte (head, body, tail) is not.
func TestMaskASCII(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	k := uint32(key[0]) | uint32(key[1])<<8 | uint32(key[2])<<16 | uint32(key[3])<<24
	impls := append([]maskImpl{{"unmaskASCII", 0, unmaskASCII}}, maskImpls...)
	for _, n := range append([]int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 300, 1000, 1024, 1027}, 4096+r.IntN(4096)) {
		plain := make([]byte, n)
		for i := range plain {
			plain[i] = byte(r.IntN(0x80))
		}
		for _, hi := range append([]int{-1}, r.Perm(n)[:min(n, 40)]...) {
			p := bytes.Clone(plain)
			if hi >= 0 {
				p[hi] |= 0x80
			}
			src := make([]byte, n)
			maskNaive(src, p, key, 0)
			for _, m := range impls {
				if n < m.min {
					continue
				}
				for off := range 3 {
					dst := make([]byte, n+off)[off:]
					if got := m.fn(dst, src, k); got != (hi < 0) || !bytes.Equal(dst, p) {
						t.Fatalf("%s n=%d off=%d high byte at %d: ascii=%v, output ok=%v", m.name, n, off, hi, got, bytes.Equal(dst, p))
					}
				}
			}
			// The sending direction: the check is on what is read.
			for off := range 3 {
				dst := make([]byte, n+off)[off:]
				ascii, ok := maskCopyASCII(dst, p, k)
				if ok && (ascii != (hi < 0) || !bytes.Equal(dst, src)) {
					t.Fatalf("maskCopyASCII n=%d off=%d high byte at %d: ascii=%v, output ok=%v", n, off, hi, ascii, bytes.Equal(dst, src))
				}
			}
		}
	}
}
