package ws

import (
	"fmt"
	"math/rand"
	"testing"
)

// dynamicAtLeast never exceeds the dynamic block's size, so skipping the
// build when it reaches the fixed size changes no block: random blocks of
// few or many symbols, skewed or even counts, with and without matches.
func TestLZDynamicAtLeast(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	var b lzBlock
	tight := 0
	for i := 0; i < 20000; i++ {
		b.reset()
		nsym := 1 + rng.Intn(1+rng.Intn(256))
		first := rng.Intn(257 - nsym)
		ntok := 1 + rng.Intn(1+rng.Intn(lzBoundTokens+40))
		matches := rng.Intn(3) // none, some, most
		for k := 0; k < ntok; k++ {
			if matches > 0 && rng.Intn(4) < matches*matches {
				length := lzMinMatch + rng.Intn(1+rng.Intn(lzMaxMatch-lzMinMatch+1))
				dist := 1 + rng.Intn(1+rng.Intn(1<<(1+rng.Intn(15))))
				b.match(length, dist)
				continue
			}
			s := rng.Intn(nsym)
			if rng.Intn(2) == 0 {
				s = rng.Intn(1 + s) // skewed towards the first
			}
			b.literal(byte(first + s))
		}
		b.lit[lzEOB]++
		b.used[lzEOB>>6] |= 1 << (lzEOB & 63)
		lb := b.dynamicAtLeast()
		dyn := b.h.build(&b)
		if lb > dyn {
			t.Fatalf("block %d (%d tokens, %d literal symbols): bound %d > dynamic %d bits", i, b.n, nsym, lb, dyn)
		}
		if lb > 0 && dyn-lb < 64 {
			tight++
		}
	}
	if tight < 1000 {
		t.Errorf("only %d bounds within 64 bits of the size", tight)
	}
}

// Small messages, whose blocks mostly skip the dynamic build, round-trip
// at every level the encoder serves and every window size.
func TestLZEncoderSmallMessages(t *testing.T) {
	rng := rand.New(rand.NewSource(22))
	var msgs [][]byte
	for i := 0; i < 200; i++ {
		msgs = append(msgs, jsonLikeText(rng, 1+rng.Intn(1+rng.Intn(600))))
	}
	for level := 4; level <= 9; level++ {
		for bits := 8; bits <= 15; bits++ {
			for _, takeover := range []bool{true, false} {
				t.Run(fmt.Sprintf("level=%d/bits=%d/takeover=%v", level, bits, takeover), func(t *testing.T) {
					checkInflaters(t, bits, takeover, msgs, lzStream(t, level, bits, takeover, msgs, 0))
				})
			}
		}
	}
}

// A block costs at most lzDynamicSlack bits more than the smallest of its
// stored, fixed and dynamic forms for the build skipped (random blocks of
// up to a few hundred tokens, as small messages make).
func TestLZBlockSlack(t *testing.T) {
	rng := rand.New(rand.NewSource(23))
	var b lzBlock
	for i := 0; i < 5000; i++ {
		b.reset()
		nsym := 1 + rng.Intn(1+rng.Intn(256))
		for k, n := 0, 1+rng.Intn(1+rng.Intn(600)); k < n; k++ {
			if rng.Intn(3) == 0 {
				b.match(lzMinMatch+rng.Intn(1+rng.Intn(64)), 1+rng.Intn(1+rng.Intn(32768)))
			} else {
				b.literal(byte(rng.Intn(1 + rng.Intn(nsym))))
			}
		}
		c := b // the counts with the end of block, for the exact sizes
		c.lit[lzEOB]++
		c.used[lzEOB>>6] |= 1 << (lzEOB & 63)
		c.h = lzHuffman{}
		var w lzBits
		w.n = uint(rng.Intn(8)) // a block starts anywhere in a byte
		start := int(w.n)
		pad := (8 - (start+3)%8) % 8
		best := min(3+b.fixed+int(lzFixedLit.len[lzEOB]), c.h.build(&c)+b.extra, 3+pad+32+8*b.bytes)
		b.write(&w, make([]byte, b.bytes))
		got := 8*len(w.out) + int(w.n) - start
		if got > best+lzDynamicSlack || got < best {
			t.Fatalf("block %d (%d tokens): %d bits, the smallest form %d", i, b.n, got, best)
		}
	}
}
