package ws

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"math/rand"
	"testing"
)

// fuzzHistory is the history a fuzzed stream may refer to: text with runs,
// as a connection's previous messages would be.
var fuzzHistory = func() []byte {
	rng := rand.New(rand.NewSource(7692))
	b := jsonLikeText(rng, 32<<10)
	copy(b[1000:], bytes.Repeat([]byte{'z'}, 300))
	return b
}()

// FuzzInflateDifferential: on any bytes (with some of a fixed history as
// context), our decoder and klauspost's agree on success and on the
// output. Where they disagree, zlib decides and we must match it:
// klauspost is more lenient in places (it accepts a precode with a single
// codeword, and a litlen code without an end-of-block symbol, failing only
// later), although no input has been found where that changes the
// outcome. The output limit holds, validating text in chunks fails exactly
// where validating the whole output does, and data already in the buffer
// is left alone.
func FuzzInflateDifferential(f *testing.F) {
	for _, c := range inflateValidCases() {
		f.Add(c.z, uint16(len(c.hist)), uint8(0))
	}
	for _, c := range inflateErrorCases() {
		f.Add(c.z, uint16(len(c.hist)), uint8(1))
	}
	rng := rand.New(rand.NewSource(1))
	text := jsonLikeText(rng, 3000)
	for level := -2; level <= 9; level++ {
		f.Add(kpCompress(text, nil, level, 0, []int{1000}, level%2 == 0), uint16(0), uint8(level+2))
		f.Add(kpCompress(text, fuzzHistory, level, 0, nil, false), uint16(len(fuzzHistory)), uint8(level+20))
	}
	f.Fuzz(func(t *testing.T, z []byte, histLen uint16, pre uint8) {
		const limit = 1 << 20
		hist := fuzzHistory[:int(histLen)%(len(fuzzHistory)+1)]
		junk := bytes.Repeat([]byte{0xee}, int(pre))
		out := buffer{b: append([]byte(nil), junk...), n: len(junk)}
		err := inflateMessage(z, hist, &out, goAlloc{}, limit, nil)
		got := out.b[len(junk):out.n]
		if !bytes.Equal(out.b[:len(junk)], junk) {
			t.Fatal("earlier data in the buffer changed")
		}
		if len(got) > limit || len(out.b) > 2*(len(junk)+limit+fastOutMargin) {
			t.Fatalf("%d bytes out, buffer %d, for a limit of %d", len(got), len(out.b), limit)
		}
		var e *Error
		if err != nil && (!errors.As(err, &e) || (e.CloseCode != CloseInvalidPayload && e.CloseCode != CloseMessageTooBig)) {
			t.Fatalf("unexpected error %v", err)
		}
		ref, refErr := refInflate(z, hist, limit)
		ok, refOK := err == nil, refErr == nil && len(ref) <= limit
		switch {
		case ok && refOK:
			if !bytes.Equal(got, ref) {
				t.Fatalf("output differs from klauspost's: %d bytes, want %d", len(got), len(ref))
			}
		case ok != refOK:
			// Ask zlib.
			r := zlibInflate(t, [][]byte{z}, [][]byte{hist})[0]
			zok := r.ok && len(r.out) <= limit
			if ok != zok || (ok && !bytes.Equal(got, r.out)) {
				t.Fatalf("klauspost: %d bytes, %v; zlib: %d bytes, %s; we: %d bytes, %v", len(ref), refErr, len(r.out), r.err, len(got), err)
			}
		}
		if !ok && errors.Is(err, ErrTooBig) && refOK {
			t.Fatalf("too big for us, %d bytes for klauspost", len(ref))
		}
		// Validating text gives the same result, or fails at the first
		// invalid byte.
		if ok {
			var u utf8State
			out.n = len(junk)
			verr := inflateMessage(z, hist, &out, goAlloc{}, limit, &u)
			valid := utf8ValidPrefix(got)
			if (verr == nil) != (valid == len(got)) || (verr != nil && out.n-len(junk) != valid) {
				t.Fatalf("text validation: %v at %d, first invalid byte at %d of %d", verr, out.n-len(junk), valid, len(got))
			}
		}
	})
}

// utf8ValidPrefix returns the length of the longest prefix of p that can be
// continued to valid UTF-8 (len(p) if p is valid or ends inside a
// character).
func utf8ValidPrefix(p []byte) int {
	var s utf8State
	if i := s.feed(p); i >= 0 {
		return i
	}
	return len(p)
}

// FuzzInflateTokens: valid streams built from the fuzzer's bytes (tokens,
// block boundaries and random codes of up to 15 bits) decode to what the
// tokens say, including matches into the history.
func FuzzInflateTokens(f *testing.F) {
	f.Add([]byte("\x00Hello, Hello, Hello"), uint16(0))
	f.Add([]byte{1, 1, 'a', 0, 255, 0, 0, 2, 7, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint16(100))
	f.Add(bytes.Repeat([]byte{2, 0, 250, 3, 0}, 40), uint16(32768))
	f.Fuzz(func(t *testing.T, data []byte, histLen uint16) {
		if len(data) == 0 {
			return
		}
		n := int(histLen) % (len(fuzzHistory) + 1)
		hist := fuzzHistory[:n:n]
		h := fnv.New64a()
		h.Write(data)
		rng := rand.New(rand.NewSource(int64(h.Sum64())))
		w := &bitWriter{}
		var all []token
		avail := len(hist)
		mode := data[0] % 3
		data = data[1:]
		for len(data) > 0 {
			// One block of up to 64 tokens.
			var toks []token
			for n := 0; n < 64 && len(data) >= 4; n++ {
				b := data[:4]
				data = data[4:]
				if b[0]&1 == 0 || avail == 0 {
					toks = append(toks, token{lit: b[1]})
					avail++
					continue
				}
				l := 3 + int(b[1])
				if b[0]&2 != 0 {
					l = 258
				}
				d := 1 + int(binary.LittleEndian.Uint16(b[2:]))%min(avail, 32768)
				toks = append(toks, token{length: min(l, 258), distance: d})
				avail += min(l, 258)
			}
			if len(data) < 4 {
				data = nil
			}
			final := len(data) == 0
			switch mode {
			case 0:
				w.header(final, 1)
				putTokens(w, fixedLit, fixedDist, toks)
			case 1:
				ll, dl := randomLens(rng, 286, 15), randomLens(rng, 30, 15)
				dynamicHeader(w, final, ll, dl)
				putTokens(w, newHuffCode(ll), newHuffCode(dl), toks)
			default:
				prev := append(append([]byte(nil), hist...), expand(hist, all)...)
				w.stored(final, expand(prev, toks))
			}
			all = append(all, toks...)
			mode = (mode + uint8(rng.Intn(3))) % 3
		}
		if len(all) == 0 {
			return
		}
		want := expand(hist, all)
		got, err := inflateBytes(w.done(), hist, 1<<24, nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%v: %d bytes, want %d", err, len(got), len(want))
		}
	})
}
