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
