package ws

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// utf8Case is an input, the index of its first invalid byte (-1 if none)
// and, when there is none, whether it ends on a character boundary.
type utf8Case struct {
	name     string
	in       string // hex, spaces ignored; or text when prefixed with "t:"
	fail     int
	complete bool
}

func (c utf8Case) bytes(t testing.TB) []byte {
	if s, ok := strings.CutPrefix(c.in, "t:"); ok {
		return []byte(s)
	}
	b, err := hex.DecodeString(strings.ReplaceAll(c.in, " ", ""))
	if err != nil {
		t.Fatalf("%s: bad hex: %v", c.name, err)
	}
	return b
}

// utf8Cases cover each rule of RFC 3629 §4 and the Autobahn 6.x groups.
var utf8Cases = []utf8Case{
	{"empty", "", -1, true},
	{"ascii", "t:Hello, world", -1, true},
	{"nul and del", "00 7f", -1, true},

	// Autobahn 6.2, 6.3: "κόσμε" and a corrupted copy.
	{"kosme", "ce ba e1 bd b9 cf 83 ce bc ce b5", -1, true},
	{"kosme then surrogate", "ceba e1bdb9 cf83 cebc ceb5 eda080 656469746564", 12, false},
	{"kosme then above max", "ceba e1bdb9 cf83 cebc ceb5 f4908080 656469746564", 12, false},

	// Boundaries of each length (Autobahn 6.5-6.7).
	{"U+0080", "c2 80", -1, true},
	{"U+07FF", "df bf", -1, true},
	{"U+0800", "e0 a0 80", -1, true},
	{"U+D7FF", "ed 9f bf", -1, true},
	{"U+E000", "ee 80 80", -1, true},
	{"U+FFFD", "ef bf bd", -1, true},
	{"U+10000", "f0 90 80 80", -1, true},
	{"U+10FFFF", "f4 8f bf bf", -1, true},

	// Noncharacters are valid (Autobahn 6.13, 6.14).
	{"U+FFFE", "ef bf be", -1, true},
	{"U+FFFF", "ef bf bf", -1, true},
	{"U+FDD0", "ef b7 90", -1, true},
	{"U+1FFFF", "f0 9f bf bf", -1, true},
	{"U+10FFFE", "f4 8f bf be", -1, true},

	// Overlong forms (Autobahn 6.9, 6.10): C0, C1 never start a character;
	// E0 and F0 need a second byte that makes the value long enough.
	{"overlong C0", "c0", 0, false},
	{"overlong NUL 2", "c0 80", 0, false},
	{"max overlong 2", "c1 bf", 0, false},
	{"overlong NUL 3", "e0 80 80", 1, false},
	{"max overlong 3", "e0 9f bf", 1, false},
	{"overlong NUL 4", "f0 80 80 80", 1, false},
	{"max overlong 4", "f0 8f bf bf", 1, false},
	{"overlong NUL 5", "f8 80 80 80 80", 0, false},
	{"overlong NUL 6", "fc 80 80 80 80 80", 0, false},
	{"overlong after text", "t:abc\xc0\xaf", 3, false},

	// Surrogates U+D800..U+DFFF (Autobahn 6.11, 6.12).
	{"U+D800", "ed a0 80", 1, false},
	{"U+DB7F", "ed ad bf", 1, false},
	{"U+DFFF", "ed bf bf", 1, false},
	{"surrogate pair", "ed a0 80 ed b0 80", 1, false},
	{"surrogate lead only", "ed a0", 1, false},

	// Above U+10FFFF.
	{"U+110000", "f4 90 80 80", 1, false},
	{"F4 90", "f4 90", 1, false},
	{"F4 BF", "f4 bf bf bf", 1, false},
	{"F5", "f5 80 80 80", 0, false},
	{"F7", "f7 bf bf bf", 0, false},
	{"5-byte form", "f8 88 80 80 80", 0, false},
	{"6-byte form", "fc 84 80 80 80 80", 0, false},
	{"FE", "fe", 0, false},
	{"FF", "ff", 0, false},
	{"FE FE FF FF", "fe fe ff ff", 0, false},

	// Continuation bytes where a character must start (Autobahn 6.16-6.17).
	{"lone 80", "80", 0, false},
	{"lone BF", "bf", 0, false},
	{"continuation after ascii", "61 80", 1, false},
	{"extra continuation", "c2 80 80", 2, false},
	{"continuation after 3-byte", "e2 82 ac bf", 3, false},

	// Lead byte followed by something that is not a continuation byte.
	{"2-byte lead then ascii", "c2 41", 1, false},
	{"3-byte lead then ascii", "e1 41", 1, false},
	{"3-byte lead, 1 cont, ascii", "e1 80 41", 2, false},
	{"4-byte lead, 2 cont, ascii", "f1 80 80 41", 3, false},
	{"lead then lead", "c2 c2 80", 1, false},
	{"3-byte lead then lead", "e1 80 e1 80 80", 2, false},
	{"last of 2-byte then space", "df 20", 1, false},
	{"last of 3-byte then space", "ef bf 20", 2, false},
	{"last of 4-byte then space", "f3 bf bf 20", 3, false},

	// Truncated at the end of the input: not invalid yet, not complete.
	{"truncated 2 of 2", "c2", -1, false},
	{"truncated E0", "e0", -1, false},
	{"truncated E0 A0", "e0 a0", -1, false},
	{"truncated ED 9F", "ed 9f", -1, false},
	{"truncated F0 90 80", "f0 90 80", -1, false},
	{"truncated F4 8F BF", "f4 8f bf", -1, false},
	{"text then truncated", "t:hello \xe2\x82", -1, false},
	{"emoji then truncated", "t:😀\xf0\x9f\x98", -1, false},

	// Longer inputs: the failure is found past the word-at-a-time paths.
	{"long ascii then bad", "t:" + strings.Repeat("a", 70) + "\xff", 70, false},
	{"long mixed then bad", "t:" + strings.Repeat("aé日😀", 9) + "\xed\xa0\x80", 91, false},
	{"long ascii then truncated", "t:" + strings.Repeat("a", 41) + "\xf0\x9f", -1, false},
}

// utf8FeedPieces feeds pieces in order and returns the absolute fail index
// (-1 if none) and the final state.
func utf8FeedPieces(pieces ...[]byte) (int, utf8State) {
	var s utf8State
	off := 0
	for _, p := range pieces {
		if i := s.feed(p); i >= 0 {
			return off + i, s
		}
		off += len(p)
	}
	return -1, s
}

// utf8Completable reports whether p is valid UTF-8 or a valid prefix of it:
// appending at most three bytes, each the low end of one of the ranges a
// continuation byte can be restricted to, must give valid UTF-8.
func utf8Completable(p []byte) bool {
	if utf8.Valid(p) {
		return true
	}
	var try func(q []byte, depth int) bool
	try = func(q []byte, depth int) bool {
		if depth == 0 {
			return false
		}
		for _, c := range []byte{0x80, 0x90, 0xA0} {
			r := append(q, c)
			if utf8.Valid(r) || try(r, depth-1) {
				return true
			}
		}
		return false
	}
	return try(bytes.Clone(p), 3)
}

// utf8Oracle gives the expected fail index of b from unicode/utf8 alone: the
// first i such that b[:i+1] cannot be completed, or -1 if b can.
func utf8Oracle(b []byte) int {
	if utf8Completable(b) {
		return -1
	}
	// Completable prefixes are closed under shortening, so binary-search the
	// longest one, b[:lo]; b[i] with i = lo is the first bad byte.
	lo, hi := 0, len(b)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if utf8Completable(b[:mid]) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// utf8PendingOracle is the number of bytes of b after its last character
// boundary; b must be completable.
func utf8PendingOracle(b []byte) int {
	for k := 0; k <= 3 && k <= len(b); k++ {
		if utf8.Valid(b[:len(b)-k]) {
			return k
		}
	}
	return -1
}

// checkUTF8 checks one input against want (fail index, completeness) whole,
// one byte at a time, and split at every point, with pending() at each
// split.
func checkUTF8(t *testing.T, name string, b []byte, fail int, complete bool) {
	t.Helper()
	check := func(how string, got int, s utf8State) {
		t.Helper()
		if got != fail {
			t.Fatalf("%s (% x) %s: fail at %d, want %d", name, b, how, got, fail)
		}
		if fail < 0 && s.complete() != complete {
			t.Fatalf("%s (% x) %s: complete() = %v, want %v", name, b, how, s.complete(), complete)
		}
	}
	got, s := utf8FeedPieces(b)
	check("whole", got, s)
	if v := ValidUTF8(b); v != (fail < 0 && complete) {
		t.Fatalf("%s (% x): ValidUTF8 = %v", name, b, v)
	}

	bytewise := make([][]byte, len(b))
	for i := range b {
		bytewise[i] = b[i : i+1]
	}
	got, s = utf8FeedPieces(bytewise...)
	check("byte by byte", got, s)

	for k := 0; k <= len(b); k++ {
		got, s = utf8FeedPieces(b[:k], b[k:])
		check("split", got, s)
		if fail < 0 || k <= fail {
			var p utf8State
			p.feed(b[:k])
			if want := utf8PendingOracle(b[:k]); p.pending() != want || p.complete() != (want == 0) {
				t.Fatalf("%s (% x) after %d bytes: pending() = %d, complete() = %v; want %d",
					name, b, k, p.pending(), p.complete(), want)
			}
		}
	}
}

func TestUTF8Table(t *testing.T) {
	for _, c := range utf8Cases {
		b := c.bytes(t)
		// The table and unicode/utf8 must agree, so the oracle is checked too.
		if o := utf8Oracle(b); o != c.fail {
			t.Fatalf("%s: table says fail at %d, oracle %d", c.name, c.fail, o)
		}
		if c.fail < 0 && utf8.Valid(b) != c.complete {
			t.Fatalf("%s: table says complete=%v, utf8.Valid disagrees", c.name, c.complete)
		}
		checkUTF8(t, c.name, b, c.fail, c.complete)
	}
}

// TestUTF8EveryLead checks each possible lead byte followed by every possible
// second byte, against the oracle.
func TestUTF8EveryLead(t *testing.T) {
	for c0 := range 256 {
		for c1 := range 256 {
			b := []byte{byte(c0), byte(c1), 0x80, 0x80}
			for n := 1; n <= 4; n++ {
				fail := utf8Oracle(b[:n])
				var s utf8State
				if got := s.feed(b[:n]); got != fail {
					t.Fatalf("% x: fail at %d, want %d", b[:n], got, fail)
				}
				if fail < 0 && s.complete() != utf8.Valid(b[:n]) {
					t.Fatalf("% x: complete() = %v", b[:n], s.complete())
				}
			}
		}
	}
}

// TestUTF8OneBadByte puts a stray continuation byte, or a valid two-byte
// character, at every position of ASCII text of every short length: each
// word of the short-message and word-at-a-time paths must see it.
func TestUTF8OneBadByte(t *testing.T) {
	for n := 1; n <= 80; n++ {
		for k := 0; k < n; k++ {
			b := bytes.Repeat([]byte{'a'}, n)
			b[k] = 0x80
			checkUTF8(t, "stray 80", b, k, false)
			if k+1 < n {
				b[k], b[k+1] = 0xC3, 0xA9 // é
				checkUTF8(t, "é", b, -1, true)
			}
		}
	}
}

// nearValidUTF8 builds random text that is mostly valid: characters of every
// length, with now and then a broken or boundary sequence.
func nearValidUTF8(r *rand.Rand, maxLen int) []byte {
	bad := [][]byte{
		{0x80}, {0xbf}, {0xc0}, {0xc1}, {0xc2}, {0xe0, 0x80}, {0xe0, 0x9f}, {0xed, 0xa0},
		{0xed, 0x9f}, {0xf0, 0x8f}, {0xf0, 0x90}, {0xf4, 0x90}, {0xf4, 0x8f}, {0xf5}, {0xff},
		{0xe1}, {0xf1, 0x80}, {0xef, 0xbf},
	}
	var b []byte
	n := r.IntN(maxLen + 1)
	for len(b) < n {
		switch k := r.IntN(20); {
		case k == 0:
			b = append(b, bad[r.IntN(len(bad))]...)
		case k == 1 && len(b) > 0:
			b[r.IntN(len(b))] = byte(r.Uint32()) // corrupt one byte
		case k < 8:
			b = append(b, byte(r.IntN(0x80)))
		default:
			// Code points from every length class, favouring boundaries.
			limits := []rune{0x7f, 0x7ff, 0xffff, 0x10ffff}
			hi := limits[r.IntN(len(limits))]
			var c rune
			if r.IntN(4) == 0 {
				c = hi - rune(r.IntN(2))
			} else {
				c = rune(r.IntN(int(hi) + 1))
			}
			b = utf8.AppendRune(b, c) // surrogates become U+FFFD
		}
	}
	if r.IntN(4) == 0 {
		b = b[:r.IntN(len(b)+1)] // may end inside a character
	}
	return b
}

func TestUTF8Random(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		b := nearValidUTF8(r, 48)
		fail := utf8Oracle(b)
		got, s := utf8FeedPieces(b)
		if got != fail {
			t.Fatalf("% x: fail at %d, want %d", b, got, fail)
		}
		if ValidUTF8(b) != utf8.Valid(b) {
			t.Fatalf("% x: ValidUTF8 = %v", b, !utf8.Valid(b))
		}
		if fail < 0 && s.complete() != utf8.Valid(b) {
			t.Fatalf("% x: complete() = %v", b, s.complete())
		}
		// Three random pieces.
		i := r.IntN(len(b) + 1)
		j := i + r.IntN(len(b)-i+1)
		if g, _ := utf8FeedPieces(b[:i], b[i:j], b[j:]); g != fail {
			t.Fatalf("% x split %d,%d: fail at %d, want %d", b, i, j, g, fail)
		}
	}
}

// TestUTF8Long runs the table's inputs embedded in long text, so the failure
// or truncation is reached through the ASCII and multi-byte fast paths.
func TestUTF8Long(t *testing.T) {
	prefixes := []struct{ name, text string }{
		{"ascii", strings.Repeat("x", 100)},
		{"2-byte run", strings.Repeat("é", 37)},
		{"3-byte run", strings.Repeat("日本", 11)},
		{"3-byte run and ascii", strings.Repeat("日本", 11) + "a"},
		{"4-byte run", strings.Repeat("😀", 5)},
	}
	for _, c := range utf8Cases {
		for _, p := range prefixes {
			b := append([]byte(p.text), c.bytes(t)...)
			fail := c.fail
			if fail >= 0 {
				fail += len(p.text)
			}
			checkUTF8(t, c.name+" after "+p.name, b, fail, c.complete)
		}
	}
}

func FuzzUTF8(f *testing.F) {
	for _, c := range utf8Cases {
		f.Add(c.bytes(f), uint(len(c.in)/2))
	}
	f.Fuzz(func(t *testing.T, b []byte, cut uint) {
		var s utf8State
		fail := s.feed(b)
		if ValidUTF8(b) != utf8.Valid(b) {
			t.Fatalf("ValidUTF8 = %v, utf8.Valid = %v", ValidUTF8(b), utf8.Valid(b))
		}
		if (fail < 0 && s.complete()) != utf8.Valid(b) {
			t.Fatalf("fail = %d, complete = %v, utf8.Valid = %v", fail, s.complete(), utf8.Valid(b))
		}
		if len(b) <= 1<<10 {
			if want := utf8Oracle(b); fail != want {
				t.Fatalf("fail at %d, want %d", fail, want)
			}
		}
		k := int(cut % uint(len(b)+1))
		if g, s2 := utf8FeedPieces(b[:k], b[k:]); g != fail || fail < 0 && s2.complete() != s.complete() {
			t.Fatalf("split at %d: fail %d complete %v; whole: fail %d complete %v", k, g, s2.complete(), fail, s.complete())
		}
		if fail < 0 || k <= fail {
			var p utf8State
			p.feed(b[:k])
			if want := utf8PendingOracle(b[:k]); p.pending() != want {
				t.Fatalf("pending() after %d bytes = %d, want %d", k, p.pending(), want)
			}
		}
	})
}

// utf8BenchInputs are whole text messages: ASCII of several sizes, 64 KiB
// of mixed Latin, Greek, CJK and emoji, and 64 KiB of Greek and of CJK.
func utf8BenchInputs() []struct {
	name string
	b    []byte
} {
	ascii := []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 1500))
	mixed := []byte(strings.Repeat("Größe café naïve — κόσμε Ελληνικά 日本語のテキスト 中文 한국어 😀🎉👍 plain words, ", 700))
	return []struct {
		name string
		b    []byte
	}{
		{"ascii16", ascii[:16]},
		{"ascii1K", ascii[:1<<10]},
		{"ascii64K", ascii[:64<<10]},
		{"mixed64K", cutRunes(mixed, 64<<10)},
		{"greek64K", cutRunes([]byte(strings.Repeat("Καλημέρα κόσμε, τι κάνεις; ", 3000)), 64<<10)},
		{"cjk64K", cutRunes([]byte(strings.Repeat("日本語のテキストと中文字符，한국어 텍스트。", 2000)), 64<<10)},
	}
}

// cutRunes shortens valid UTF-8 to at most n bytes, on a character boundary.
func cutRunes(b []byte, n int) []byte {
	for n > 0 && n < len(b) && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:min(n, len(b))]
}

func BenchmarkUTF8(b *testing.B) {
	for _, in := range utf8BenchInputs() {
		if !utf8.Valid(in.b) {
			b.Fatalf("%s: input not valid", in.name)
		}
		b.Run(in.name+"/ws", func(b *testing.B) {
			b.SetBytes(int64(len(in.b)))
			b.ReportAllocs()
			for b.Loop() {
				if !ValidUTF8(in.b) {
					b.Fatal("invalid")
				}
			}
		})
		b.Run(in.name+"/ws-feed1K", func(b *testing.B) {
			b.SetBytes(int64(len(in.b)))
			b.ReportAllocs()
			for b.Loop() {
				var s utf8State
				for p := in.b; len(p) > 0; {
					k := min(len(p), 1<<10)
					if s.feed(p[:k]) >= 0 {
						b.Fatal("invalid")
					}
					p = p[k:]
				}
				if !s.complete() {
					b.Fatal("incomplete")
				}
			}
		})
		b.Run(in.name+"/stdlib", func(b *testing.B) {
			b.SetBytes(int64(len(in.b)))
			b.ReportAllocs()
			for b.Loop() {
				if !utf8.Valid(in.b) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

// TestASCIIPrefix: the vector scan stops before the first 16-byte block
// holding a non-ASCII byte, wherever that byte is, and feed still finds
// the exact offending byte after it.
func TestASCIIPrefix(t *testing.T) {
	if asciiScanMin > 1<<20 {
		t.Skip("no vector scan on this platform")
	}
	saved := asciiUseAVX2
	defer func() { asciiUseAVX2 = saved }()
	for _, avx := range []bool{false, saved} { // SSE2, and AVX2 if the CPU has it
		asciiUseAVX2 = avx
		checkASCIIPrefix(t)
	}
}

func checkASCIIPrefix(t *testing.T) {
	buf := bytes.Repeat([]byte("0123456789abcdef"), 40)
	for off := range 3 {
		for n := 0; n+off <= len(buf) && n <= 300; n++ {
			for bad := -1; bad < n; bad++ {
				b := bytes.Clone(buf[off : off+n])
				if bad >= 0 {
					b[bad] = 0xFF
				}
				want := n &^ 15
				if bad >= 0 {
					want = min(want, bad&^15)
				}
				got := 0
				if n > 0 {
					got = asciiPrefix(&b[0], n)
				}
				if got != want {
					t.Fatalf("avx2=%v off=%d n=%d bad=%d: asciiPrefix = %d, want %d", asciiUseAVX2, off, n, bad, got, want)
				}
				var s utf8State
				if i := s.feed(b); i != bad {
					t.Fatalf("off=%d n=%d bad=%d: feed = %d", off, n, bad, i)
				}
			}
		}
	}
}
