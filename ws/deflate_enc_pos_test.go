package ws

import (
	"bytes"
	"math/rand"
	"testing"
)

// The encoder's positions are int32 and restart below lzMaxPos, clearing
// the hash heads, so chains from before the restart can never be taken for
// matches after it. Reaching 2^30 by compressing would take a gigabyte, so
// these tests start the encoder just below it.

// lzEncoderAt is a new encoder whose next stream starts at position pos.
func lzEncoderAt(level, bits int, pos int32) *lzEncoder {
	e := newLZEncoder(level, bits)
	e.base = pos
	e.start, e.hashed, e.hashed2 = pos, pos, pos
	return e
}

// A long takeover stream crosses lzMaxPos in slide: every message still
// decodes with each inflater, given the whole history, and the positions
// did restart.
func TestLZEncoderPositionsRestartInSlide(t *testing.T) {
	for _, bits := range []int{9, 15} {
		rng := rand.New(rand.NewSource(int64(bits)))
		var msgs [][]byte
		for total := 0; total < 3*(lzChunk+maxWindow); {
			m := jsonLikeText(rng, 40+rng.Intn(6000))
			msgs = append(msgs, m)
			total += len(m)
		}
		e := lzEncoderAt(6, bits, lzMaxPos-int32(2*lzChunk))
		payloads := lzStreamWith(t, e, msgs)
		if e.base >= lzMaxPos-int32(2*lzChunk) {
			t.Fatalf("bits %d: positions did not restart (base %d)", bits, e.base)
		}
		checkInflaters(t, bits, true, msgs, payloads)
	}
}

// A stream primed with a dictionary (an encoder another connection used
// last, RFC 7692 §7.2.3.3) restarts in ResetDict when the window and a
// chunk would pass lzMaxPos: the stale heads are cleared, the dictionary
// still primes the matches, and what follows decodes against it.
func TestLZEncoderPositionsRestartInResetDict(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	dict := jsonLikeText(rng, maxWindow)
	e := lzEncoderAt(6, 15, lzMaxPos-int32(lzChunk))
	// Stale heads from the old positions: after the restart they would
	// point past every new position.
	for i := range e.head {
		e.head[i], e.head2[i] = lzMaxPos-1, lzMaxPos-1
	}
	var out sliceWriter
	e.ResetDict(&out, dict)
	if e.base != 1 {
		t.Fatalf("ResetDict near lzMaxPos: base %d, want a restart at 1", e.base)
	}
	msg := append(append([]byte(nil), dict[1000:3000]...), dict[9000:9500]...)
	if _, err := e.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(out.b) > len(msg)/10 {
		t.Errorf("%d bytes of history repeated took %d bytes: the dictionary did not prime the matches", len(msg), len(out.b))
	}
	u, _ := NewDecompressor(15, true, -1)
	if _, err := u.Decompress(nil, mustStore(t, dict)); err != nil {
		t.Fatal(err)
	}
	got, err := u.Decompress(nil, bytes.TrimSuffix(out.b, deflateTail[:4]))
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("message after the restart: %v", err)
	}
}

// lzStreamWith compresses msgs with e as one takeover stream, each message
// written whole and flushed, and returns the payloads without their tails.
func lzStreamWith(t *testing.T, e *lzEncoder, msgs [][]byte) [][]byte {
	t.Helper()
	var out sliceWriter
	e.ResetDict(&out, nil)
	var payloads [][]byte
	for _, m := range msgs {
		out.b = out.b[:0]
		if _, err := e.Write(m); err != nil {
			t.Fatal(err)
		}
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, bytes.TrimSuffix(append([]byte(nil), out.b...), deflateTail[:4]))
	}
	return payloads
}

// mustStore is p as stored blocks (RFC 1951 §3.2.4) and the header byte
// of the sync flush's empty stored block, whose 00 00 ff ff the sender
// removes (RFC 7692 §7.2.1): a payload that puts p into a decoder's history.
func mustStore(t *testing.T, p []byte) []byte {
	t.Helper()
	var b []byte
	for len(p) > 0 {
		k := min(len(p), 0xffff)
		b = append(b, 0, byte(k), byte(k>>8), ^byte(k), ^byte(k>>8))
		b = append(b, p[:k]...)
		p = p[k:]
	}
	return append(b, 0)
}
