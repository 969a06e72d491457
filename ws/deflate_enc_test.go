package ws

import (
	"bytes"
	stdflate "compress/flate"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
)

// lzStream compresses msgs with one lzEncoder as a connection would (a
// fresh stream per message without takeover), each message written in
// parts of at most part bytes (0: whole), and returns the payloads with
// the tail of each message removed (RFC 7692 §7.2.1).
func lzStream(t testing.TB, level, bits int, takeover bool, msgs [][]byte, part int) [][]byte {
	e := newLZEncoder(level, bits)
	var out sliceWriter
	e.ResetDict(&out, nil)
	var payloads [][]byte
	for _, m := range msgs {
		if !takeover {
			e.ResetDict(&out, nil)
		}
		var pl []byte
		rest := m
		for first := true; first || len(rest) > 0; first = false {
			k := len(rest)
			if part > 0 {
				k = min(k, part)
			}
			out.b = out.b[:0]
			if _, err := e.Write(rest[:k]); err != nil {
				t.Fatal(err)
			}
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
			if !bytes.HasSuffix(out.b, deflateTail[:4]) {
				t.Fatalf("flush output %x does not end with 00 00 ff ff", out.b)
			}
			pl = append(pl, out.b...)
		}
		payloads = append(payloads, bytes.TrimSuffix(pl, deflateTail[:4]))
	}
	return payloads
}

// checkInflaters decodes every payload with the standard library's,
// klauspost's and libws's own inflaters, each given the right history.
func checkInflaters(t testing.TB, bits int, takeover bool, msgs, payloads [][]byte) {
	t.Helper()
	u, _ := NewDecompressor(bits, takeover, -1)
	var hist []byte
	for i, p := range payloads {
		got, err := u.Decompress(nil, p)
		if err != nil || !bytes.Equal(got, msgs[i]) {
			t.Fatalf("libws inflater, message %d (%d bytes): %v", i, len(msgs[i]), err)
		}
		var dict []byte
		if takeover {
			dict = hist[max(0, len(hist)-maxWindow):]
		}
		whole := append(append([]byte(nil), p...), deflateTail...)
		if got, err := io.ReadAll(stdflate.NewReaderDict(bytes.NewReader(whole), dict)); err != nil || !bytes.Equal(got, msgs[i]) {
			t.Fatalf("compress/flate, message %d: %v", i, err)
		}
		if got, err := io.ReadAll(flate.NewReaderDict(bytes.NewReader(whole), dict)); err != nil || !bytes.Equal(got, msgs[i]) {
			t.Fatalf("klauspost flate, message %d: %v", i, err)
		}
		hist = append(hist, msgs[i]...)
		if len(hist) > 4*maxWindow {
			hist = append([]byte(nil), hist[len(hist)-maxWindow:]...)
		}
	}
}

func TestLZEncoderEdgeCases(t *testing.T) {
	rng := rand.New(rand.NewSource(14))
	noise := make([]byte, 150<<10)
	rng.Read(noise)
	text := jsonLikeText(rng, 200<<10)
	cases := map[string][][]byte{
		"empty":          {{}, {}, []byte("x"), {}},
		"one byte":       {[]byte("a"), []byte("a"), []byte("b")},
		"hello":          {[]byte("HelloHello"), []byte("HelloHello")},
		"incompressible": {noise[:1000], noise[:100<<10], noise[5:9]},
		"long runs":      {make([]byte, 300<<10), bytes.Repeat([]byte("ab"), 40000), bytes.Repeat([]byte{0xff}, 259)},
		"text":           {text[:40], text[40:400], text[400:20000], text[20000:150000], text[150000:150300]},
		"repeat far":     {text[:70000], text[:70000]},
	}
	for bits := 8; bits <= 15; bits++ {
		w := 1 << bits
		cases[fmt.Sprint("window size ", bits)] = [][]byte{text[:w], text[:w], text[1 : w+1], noise[:w], text[:w-1]}
	}
	for name, msgs := range cases {
		for _, bits := range []int{8, 9, 12, 15} {
			for _, level := range []int{4, 6, 9} {
				for _, takeover := range []bool{true, false} {
					for _, part := range []int{0, 1000, 7} {
						if part == 7 && (level != 6 || bits != 15) {
							continue
						}
						t.Run(fmt.Sprintf("%s/bits=%d/level=%d/takeover=%v/part=%d", name, bits, level, takeover, part), func(t *testing.T) {
							checkInflaters(t, bits, takeover, msgs, lzStream(t, level, bits, takeover, msgs, part))
						})
					}
				}
			}
		}
	}
}

// zlib (level 6, one stream, sync flush, tail removed) gives 10 then 4
// bytes for "HelloHello" twice; a stored block would be 16.
func TestLZEncoderTinyMessages(t *testing.T) {
	for _, takeover := range []bool{true, false} {
		z, _ := NewCompressor(6, 15, takeover)
		var sizes []int
		for i := 0; i < 2; i++ {
			p, err := z.Compress(nil, []byte("HelloHello"), true)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, len(p))
		}
		want := []int{10, 4}
		if !takeover {
			want = []int{10, 10}
		}
		for i := range sizes {
			if sizes[i] > want[i] {
				t.Errorf("takeover %v: HelloHello sizes %v, zlib gives %v", takeover, sizes, want)
			}
		}
		p, _ := z.Compress(nil, nil, true)
		if len(p) != 1 || p[0] != 0 {
			t.Errorf("takeover %v: empty message %x, want 00 (RFC 7692 §7.2.3.6)", takeover, p)
		}
	}
}

// A stored block is sent when it is the smallest, and only then.
func TestLZEncoderStoredBlock(t *testing.T) {
	noise := make([]byte, 1000)
	rand.New(rand.NewSource(1)).Read(noise)
	p := lzStream(t, 6, 15, true, [][]byte{noise, []byte(strings.Repeat("abc", 100))}, 0)
	// 3 header bits padded to a byte, LEN, NLEN, the bytes, then the empty
	// stored block's 3 bits in a byte (its LEN and NLEN are the tail).
	if len(p[0]) != len(noise)+6 || p[0][0]&7 != 0 {
		t.Errorf("incompressible: %d bytes, block type %d, want a stored block of %d", len(p[0]), p[0][0]>>1&3, len(noise)+6)
	}
	if len(p[1]) > 12 || p[1][0]>>1&3 == 0 {
		t.Errorf("repetitive: %d bytes, block type %d", len(p[1]), p[1][0]>>1&3)
	}
}

// A failed write (no memory for the output) restarts the stream at the
// block boundary the peer has, primed with the history: what follows
// still decodes, with and without takeover.
func TestLZEncoderRestart(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for _, takeover := range []bool{true, false} {
		d := newDeflater(6, 15, takeover, 0)
		u, _ := NewDecompressor(15, takeover, -1)
		for i := 0; i < 60; i++ {
			msg := jsonLikeText(rng, 40+rng.Intn(2000))
			d.begin()
			a := failingAlloc{fail: i%3 == 1}
			var tx buffer
			n, err := d.writeTo(&tx, &a, msg, true)
			if i%3 == 1 {
				if err == nil {
					t.Fatalf("message %d: no error from a failing allocator", i)
				}
				d.end()
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := u.Decompress(nil, tx.b[tx.n-n:tx.n])
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("takeover %v, message %d after a failure: %v", takeover, i, err)
			}
			d.end()
		}
	}
}

// failingAlloc refuses every allocation when fail is set.
type failingAlloc struct{ fail bool }

func (f *failingAlloc) Alloc(n int) []byte {
	if f.fail {
		return nil
	}
	return make([]byte, n)
}
func (f *failingAlloc) Free([]byte) {}

func FuzzLZEncoder(f *testing.F) {
	f.Add([]byte("HelloHello"), uint8(15), uint8(6), uint16(3), true)
	f.Add(bytes.Repeat([]byte("{\"id\":1,\"name\":\"a\"},"), 50), uint8(8), uint8(9), uint16(40), false)
	f.Fuzz(func(t *testing.T, data []byte, bits, level uint8, split uint16, takeover bool) {
		b := 8 + int(bits)%8
		l := 4 + int(level)%6
		var msgs [][]byte
		step := 1 + int(split)%512
		for len(data) > 0 {
			k := min(step, len(data))
			msgs = append(msgs, data[:k])
			data = data[k:]
			step = step*7%511 + 1
		}
		msgs = append(msgs, nil)
		checkInflaters(t, b, takeover, msgs, lzStream(t, l, b, takeover, msgs, int(split)%97))
	})
}
