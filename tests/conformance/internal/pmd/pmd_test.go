package pmd

import (
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

func corpus(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	words := strings.Fields("the quick brown fox jumps over the lazy dog WebSocket frame deflate window context takeover")
	var b bytes.Buffer
	for b.Len() < n {
		if r.IntN(10) == 0 {
			b.WriteByte(byte(r.IntN(256)))
		}
		b.WriteString(words[r.IntN(len(words))])
		b.WriteByte(' ')
	}
	return b.Bytes()[:n]
}

// inflateStd decodes a message stream with compress/flate, as a reference.
func inflateStd(t *testing.T, msgs [][]byte, takeover bool) [][]byte {
	t.Helper()
	var out [][]byte
	var hist []byte
	for _, m := range msgs {
		in := append(append([]byte(nil), m...), syncTail...)
		var fr io.ReadCloser
		if takeover {
			fr = flate.NewReaderDict(bytes.NewReader(in), hist)
		} else {
			fr = flate.NewReader(bytes.NewReader(in))
		}
		got, err := io.ReadAll(fr)
		if err != nil && err != io.ErrUnexpectedEOF {
			t.Fatalf("compress/flate: %v", err)
		}
		out = append(out, got)
		hist = append(hist, got...)
		if len(hist) > 32768 {
			hist = hist[len(hist)-32768:]
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	for _, bits := range []int{8, 9, 12, 14, 15} {
		for _, takeover := range []bool{false, true} {
			d := &Deflater{WindowBits: bits, ContextTakeover: takeover}
			z := &Inflater{WindowBits: bits, ContextTakeover: takeover}
			var msgs, comp [][]byte
			for i, n := range []int{0, 1, 16, 300, 5000, 70000, 200000} {
				m := corpus(n, uint64(i))
				c := d.Compress(m)
				got, err := z.Inflate(c)
				if err != nil {
					t.Fatalf("bits %d takeover %v size %d: %v", bits, takeover, n, err)
				}
				if !bytes.Equal(got, m) {
					t.Fatalf("bits %d takeover %v size %d: round trip differs", bits, takeover, n)
				}
				msgs = append(msgs, m)
				comp = append(comp, c)
			}
			// The standard decoder agrees.
			for i, got := range inflateStd(t, comp, takeover) {
				if !bytes.Equal(got, msgs[i]) {
					t.Fatalf("bits %d takeover %v: compress/flate decodes message %d differently", bits, takeover, i)
				}
			}
		}
	}
}

func TestStdStreamDecodes(t *testing.T) {
	// compress/flate's dynamic blocks, stored blocks (level 0) and
	// Huffman-only output all decode.
	for _, level := range []int{0, 1, 6, 9, flate.HuffmanOnly} {
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, level)
		z := &Inflater{WindowBits: 15, ContextTakeover: true}
		for i := range 5 {
			m := corpus(40000+i*1000, uint64(i))
			buf.Reset()
			fw.Write(m)
			fw.Flush()
			c := buf.Bytes()
			got, err := z.Inflate(c[:len(c)-4])
			if err != nil || !bytes.Equal(got, m) {
				t.Fatalf("level %d message %d: %v", level, i, err)
			}
		}
	}
}

func TestWindowEnforced(t *testing.T) {
	// A 15-bit compressor referring 1000 bytes back is refused by a 9-bit
	// (512-byte) decoder.
	m := append(corpus(1000, 7), corpus(1000, 7)...)
	c := (&Deflater{WindowBits: 15}).Compress(m)
	if _, err := (&Inflater{WindowBits: 9}).Inflate(c); err == nil || !strings.Contains(err.Error(), "window") {
		t.Fatalf("want a window error, got %v", err)
	}
	if _, err := (&Inflater{WindowBits: 15}).Inflate(c); err != nil {
		t.Fatal(err)
	}
}

func TestContextTakeoverEnforced(t *testing.T) {
	d := &Deflater{WindowBits: 15, ContextTakeover: true}
	m := corpus(3000, 3)
	c1, c2 := d.Compress(m), d.Compress(m)
	z := &Inflater{WindowBits: 15}
	if _, err := z.Inflate(c1); err != nil {
		t.Fatal(err)
	}
	if _, err := z.Inflate(c2); err == nil || !strings.Contains(err.Error(), "context takeover") {
		t.Fatalf("want a context takeover error, got %v", err)
	}
}

func TestCorrupt(t *testing.T) {
	z := &Inflater{WindowBits: 15}
	for _, c := range [][]byte{{0xff}, {0x07}, {0x02, 0xff, 0xff, 0xff}} {
		if _, err := z.Inflate(c); err == nil {
			t.Fatalf("% x: no error", c)
		}
	}
	// The RFC 7692 §7.2.3.1 example: "Hello" compressed.
	got, err := z.Inflate([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})
	if err != nil || string(got) != "Hello" {
		t.Fatalf("%q %v", got, err)
	}
}

func TestNegotiation(t *testing.T) {
	offers := []Offer{AutobahnOffer(true, 8), AutobahnOffer(true, 0), AutobahnOffer(false, 0)}
	if s := offers[0].String(); s != "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=8" {
		t.Fatal(s)
	}
	p, i, err := Agree(offers, Response{ServerNoContextTakeover: true})
	if err != nil || i != 1 || p.ServerMaxWindowBits != 15 || !p.ClientNoContextTakeover {
		t.Fatal(p, i, err)
	}
	if _, _, err := Agree(offers[:1], Response{ServerNoContextTakeover: true, ServerMaxWindowBits: 9}); err == nil {
		t.Fatal("a larger server window than offered must not fit")
	}
}
