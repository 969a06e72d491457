package ws

import (
	"bytes"
	"fmt"
	"testing"
)

// TestInflateHistoryCopy: matches that start in the history, copied in
// words that may read past their part of it: every length class, reaching
// 1..40 bytes and far back, running on into the message's output (with
// distances below 8 too), with the history's capacity ending right after
// it or a few bytes later, and the message's output at its start or
// further on.
func TestInflateHistoryCopy(t *testing.T) {
	base := make([]byte, 600)
	for i := range base {
		base[i] = byte('a' + i*7%26)
	}
	for _, histLen := range []int{5, 40, 600} {
		for _, room := range []int{0, 1, 7, 8, 31, 32, 33, 40, 64, 300} {
			hb := make([]byte, histLen+room)
			copy(hb, base)
			for i := histLen; i < len(hb); i++ {
				hb[i] = 0xee // never to be copied
			}
			hist := hb[:histLen]
			for _, pre := range []int{0, 3, 50} {
				for _, length := range []int{3, 7, 8, 9, 16, 31, 32, 33, 40, 64, 100, 258} {
					for _, back := range []int{1, 2, 5, 7, 8, 9, 31, 32, 33, 40, 100, 599} {
						if back > histLen {
							continue
						}
						toks := lits(string(bytes.Repeat([]byte{'Q'}, pre)))
						// Literals after the match, so that the fast loop
						// decodes it.
						toks = append(toks, token{length: length, distance: pre + back}, token{lit: 'Z'}, token{length: 3, distance: 1})
						toks = append(toks, lits("the fast loop stops short of the input's end")...)
						z := fixedStream(toks)
						want := expand(hist, toks)
						got, err := inflateBytes(z, hist, 1<<20, nil)
						if err != nil || !bytes.Equal(got, want) {
							t.Fatalf("%s: %q, %v; want %q", fmt.Sprintf("history %d (+%d room), %d literals, match %d at %d back", histLen, room, pre, length, back), got, err, want)
						}
					}
				}
			}
		}
	}
}
