package ws

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
)

// deflateStream compresses msgs as one permessage-deflate sender would:
// one writer for all with context takeover, a fresh one per message
// without; each message's sync-flush tail removed (RFC 7692 §7.2.1).
func deflateStream(t testing.TB, msgs [][]byte, level, bits int, takeover bool) [][]byte {
	t.Helper()
	var b bytes.Buffer
	var w *flate.Writer
	var out [][]byte
	for _, m := range msgs {
		if w == nil || !takeover {
			var err error
			if level >= 0 { // a window of 32 KiB
				w, err = flate.NewWriter(&b, level)
			} else {
				w, err = flate.NewWriterWindow(&b, 1<<bits)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		b.Reset()
		w.Write(m)
		w.Flush()
		out = append(out, append([]byte(nil), bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})...))
	}
	return out
}

// compressedWire frames compressed messages as a client would, each in
// fragments of at most frag bytes (0: one frame).
func compressedWire(zs [][]byte, ops []Opcode, frag int) []byte {
	var w []byte
	for i, z := range zs {
		op := ops[i]
		parts := [][]byte{z}
		if frag > 0 && len(z) > frag {
			parts = nil
			for p := z; len(p) > 0; p = p[min(frag, len(p)):] {
				parts = append(parts, p[:min(frag, len(p))])
			}
		}
		for j, p := range parts {
			rsv, o := uint8(0), OpContinuation
			if j == 0 {
				rsv, o = RSV1, op
			}
			w = append(w, frame(j == len(parts)-1, rsv, o, true, p)...)
			if j == 0 && len(parts) > 1 {
				w = append(w, frame(true, 0, OpPing, true, []byte("p"))...)
			}
		}
	}
	return w
}

func inflateCorpus(rng *rand.Rand) [][]byte {
	msgs := sampleMessages(rng, 16)
	rnd := make([]byte, 70000)
	rng.Read(rnd)
	msgs = append(msgs, rnd, bytes.Repeat([]byte("abc"), 100000), []byte(strings.Repeat("κόσμε ", 3000)))
	return msgs
}

// TestInflateAnySplit: compressed messages give the same events however
// the input is cut and whatever the receive budget — the decoder pauses
// and resumes at any byte.
func TestInflateAnySplit(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	msgs := inflateCorpus(rng)
	for _, tc := range []struct {
		level, bits int
		takeover    bool
		frag        int
	}{
		{6, 15, true, 0}, {9, 15, false, 1000}, {0, 15, true, 300}, {-1, 9, true, 0}, {-1, 10, true, 77}, {-1, 12, false, 0}, {1, 15, true, 5},
	} {
		name := fmt.Sprintf("level%d/bits%d/takeover=%v/frag%d", tc.level, tc.bits, tc.takeover, tc.frag)
		t.Run(name, func(t *testing.T) {
			zs := deflateStream(t, msgs, tc.level, tc.bits, tc.takeover)
			var ops []Opcode
			for _, m := range msgs {
				ops = append(ops, map[bool]Opcode{true: OpText, false: OpBinary}[utf8.Valid(m)])
			}
			wire := compressedWire(zs, ops, tc.frag)
			p := DeflateParams{ClientNoContextTakeover: !tc.takeover, ClientMaxWindowBits: tc.bits, ServerMaxWindowBits: 15}
			newc := func(q int64) *Conn {
				return mustConn(t, &Config{Role: RoleServer, MaxQueued: q}, &Agreement{Deflate: &p})
			}
			want := feedSplit(t, newc(-1), wire)
			n := 0
			for _, e := range want {
				if e.Type == EventText || e.Type == EventBinary {
					if e.Data != string(msgs[n]) {
						t.Fatalf("message %d inflated wrong (%d bytes, want %d)", n, len(e.Data), len(msgs[n]))
					}
					n++
				}
			}
			if n != len(msgs) {
				t.Fatalf("%d messages, want %d: %v", n, len(msgs), want[len(want)-1])
			}
			for _, q := range []int64{0, 1, 5000} {
				for _, sizes := range [][]int{nil, {1}, {2}, {3, 7}, {13}, {4096}} {
					if len(sizes) > 0 && sizes[0] < 3 && q != 0 {
						continue // the 1- and 2-byte runs once, with the default budget
					}
					equalEvents(t, feedSplit(t, newc(q), wire, sizes...), want)
				}
				equalEvents(t, feedRandom(t, newc(q), wire, rand.New(rand.NewSource(q))), want)
			}
		})
	}
}

// TestInflateStreaming: with streaming, a compressed message arrives in
// chunks as it inflates, each Feed queueing about the receive budget, so
// that a message with no size limit costs bounded memory.
func TestInflateStreaming(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	zs := deflateStream(t, [][]byte{big, []byte("after")}, 6, 15, true)
	wire := compressedWire(zs, []Opcode{OpBinary, OpBinary}, 0)
	c := mustConn(t, &Config{Role: RoleServer, Streaming: true, MaxMessageSize: -1, MaxQueued: 256 << 10}, &Agreement{Deflate: &full})
	var got []byte
	chunks, peak := 0, 0
	for b := wire; len(b) > 0; {
		k, err := c.Feed(b)
		if err != nil {
			t.Fatal(err)
		}
		b = b[k:]
		peak = max(peak, c.Memory())
		for e, ok := c.NextEvent(); ok; e, ok = c.NextEvent() {
			if e.Type != EventBinary || !e.Compressed {
				t.Fatalf("event %v", copyEvent(e))
			}
			got = append(got, e.Data...)
			chunks++
			if e.Last {
				if !bytes.Equal(got, big) {
					t.Fatalf("streamed message differs (%d bytes)", len(got))
				}
				got = got[:0]
				big = []byte("after")
			}
		}
	}
	if chunks < 16<<20/(512<<10) {
		t.Fatalf("%d chunks for 16 MiB with a 256 KiB budget", chunks)
	}
	if peak > 2<<20 {
		t.Fatalf("connection held %d bytes streaming with a 256 KiB budget", peak)
	}
}

// TestInflateBombMemory: a bomb is refused with 1009 having cost the
// message limit plus a little, not twice the limit, and with its
// compressed frame fed in one piece.
func TestInflateBombMemory(t *testing.T) {
	z := compressRaw(t, make([]byte, 64<<20))
	wire := frame(true, RSV1, OpBinary, true, z)
	const limit = 8 << 20
	c := mustConn(t, &Config{Role: RoleServer, MaxMessageSize: limit}, &Agreement{Deflate: &full})
	k, _ := c.Feed(wire)
	if k != len(wire) {
		t.Fatalf("consumed %d of %d", k, len(wire))
	}
	if m := c.Memory(); m > limit+128<<10 {
		t.Fatalf("Memory() %d after a bomb with a %d limit", m, limit)
	}
	if got := drain(c); len(got) != 1 || got[0].Code != CloseMessageTooBig {
		t.Fatalf("events %v", got)
	}
}
