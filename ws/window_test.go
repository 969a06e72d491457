package ws

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestWindow: after any sequence of appends the window is the last max
// bytes of everything appended, and its buffer never exceeds max + slack.
func TestWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, max := range []int{256, 512, 1 << 15} {
		for _, sizes := range [][]int{
			{0, 1, 2, 3},
			{max - 1, 1, 1, max - 1},
			{max, 0, max + 1, 5},
			{10, 20, 30, 40, 50, 60, 70, 80, 90, 100},
		} {
			var w window
			var all []byte
			for round := 0; round < 50; round++ {
				n := sizes[round%len(sizes)]
				if round >= len(sizes) {
					n = r.IntN(max/8 + 1)
				}
				p := make([]byte, n)
				for i := range p {
					p[i] = byte(r.Uint32())
				}
				w.append(p, max)
				all = append(all, p...)
				want := all[len(all)-min(len(all), max):]
				if !bytes.Equal(w.bytes(), want) {
					t.Fatalf("max %d, round %d (+%d): window of %d bytes, want the last %d", max, round, n, len(w.bytes()), len(want))
				}
				if w.memory() > max+windowSlack(max) {
					t.Fatalf("max %d: buffer %d > %d", max, w.memory(), max+windowSlack(max))
				}
			}
			w.reset()
			if len(w.bytes()) != 0 {
				t.Fatal("reset left bytes")
			}
		}
	}
}
