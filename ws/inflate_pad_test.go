package ws

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"
)

// padCases: streams whose last bytes the fast loop reaches with capacity
// past the input: the valid and malformed cases, small takeover messages
// ending with deflateTail (inflateWhole's input), and each of them cut
// short at its last 24 bytes (so a symbol runs past the end).
func padCases(t *testing.T) []inflateCase {
	cases := append(inflateValidCases(), inflateErrorCases()...)
	rng := rand.New(rand.NewSource(14))
	hist := jsonLikeText(rng, 8<<10)
	for i := 0; i < 12; i++ {
		raw := jsonLikeText(rng, 40+rng.Intn(400))
		z := kpCompress(raw, hist, 6, 0, []int{len(raw)}, false)
		z = append(bytes.TrimSuffix(z, deflateTail[:4]), deflateTail...)
		cases = append(cases, inflateCase{name: fmt.Sprintf("message %d", i), z: z, hist: hist})
	}
	// Fast iterations that need all of their 78 bits: two literals, a
	// length with 5 extra bits and a distance with 13, each codeword 15
	// bits long (complete codes: 13 codewords of 1..13 bits, and four of
	// 15).
	litLens, distLens := make([]uint8, 286), make([]uint8, 30)
	for l := 1; l <= 12; l++ {
		litLens['a'+l] = uint8(l)
		distLens[l] = uint8(l)
	}
	litLens[256], distLens[0] = 13, 13
	for _, sym := range []int{'A', 'B', 284, 285} {
		litLens[sym] = 15
	}
	for _, sym := range []int{26, 27, 28, 29} {
		distLens[sym] = 15
	}
	far := jsonLikeText(rng, 32<<10)
	for i := 0; i < 8; i++ {
		var toks []token
		for k := 0; k < 3+i; k++ {
			toks = append(toks, token{lit: 'A'}, token{lit: 'B'}, token{length: 227 + rng.Intn(30), distance: 24577 + rng.Intn(8192)})
		}
		cases = append(cases, inflateCase{name: fmt.Sprintf("78-bit iterations %d", i), z: dynamicStream(litLens, distLens, toks), hist: far})
	}
	for _, c := range cases[:len(cases):len(cases)] {
		for cut := 1; cut <= 24 && cut < len(c.z); cut++ {
			cases = append(cases, inflateCase{name: fmt.Sprintf("%s less %d bytes", c.name, cut), z: c.z[:len(c.z)-cut], hist: c.hist})
		}
	}
	return cases
}

// TestInflateInputCapacity: the fast loop may load from the capacity past
// the end of its input (never consuming it). Whatever lies there, and
// however much of it there is, the output, the error and how far decoding
// got are those of an input with no room after it, whole and cut into two
// parts at every position.
func TestInflateInputCapacity(t *testing.T) {
	run := func(parts [][]byte, hist []byte) (string, string) {
		var st inflateStream
		var out buffer
		var err error
		for i, p := range parts {
			o := inflateOut{out: &out, a: goAlloc{}, hist: hist, limit: 1 << 20}
			var used int
			used, _, err = st.inflate(p, i < len(parts)-1, o)
			if err != nil {
				break
			}
			if used != len(p) && i < len(parts)-1 {
				t.Fatalf("used %d of %d", used, len(p))
			}
		}
		st.reset()
		e := ""
		if err != nil {
			e = err.Error()
		}
		return string(out.b[:out.n]), e
	}
	// place copies p into a buffer with pad bytes of fill after it.
	place := func(p []byte, pad int, fill byte) []byte {
		b := bytes.Repeat([]byte{fill}, len(p)+pad)
		copy(b, p)
		return b[:len(p)]
	}
	for _, c := range padCases(t) {
		z := c.z[:len(c.z):len(c.z)]
		wantOut, wantErr := run([][]byte{z}, c.hist)
		for _, pad := range []int{1, 7, 8, 15, fastPad, fastPad + 1, 64} {
			for _, fill := range []byte{0x00, 0xff, 0xa5} {
				got, err := run([][]byte{place(z, pad, fill)}, c.hist)
				if got != wantOut || err != wantErr {
					t.Fatalf("%s, %d bytes of %#x after it: %d bytes, %q; want %d bytes, %q", c.name, pad, fill, len(got), err, len(wantOut), wantErr)
				}
			}
		}
		if len(z) > 600 {
			continue
		}
		for k := 0; k <= len(z); k++ {
			a, b := z[:k:k], z[k:]
			want1, want2 := run([][]byte{a, b}, c.hist)
			got1, got2 := run([][]byte{place(a, fastPad, 0xff), place(b, fastPad, 0x00)}, c.hist)
			if got1 != want1 || got2 != want2 {
				t.Fatalf("%s cut at %d, padded: %d bytes, %q; want %d bytes, %q", c.name, k, len(got1), got2, len(want1), want2)
			}
		}
	}
}
