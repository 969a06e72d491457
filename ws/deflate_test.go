package ws

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/flate"
)

func deflateClient(t testing.TB, p DeflateParams) *Conn {
	return mustConn(t, &Config{Role: RoleClient}, &Agreement{Deflate: &p, Extensions: []Extension{{Name: "permessage-deflate"}}})
}

var full = DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}

// RFC 7692 §7.2.3: every example, as sent by a server, decodes to "Hello".
func TestDeflateRFCExamples(t *testing.T) {
	tests := []struct {
		name   string
		params DeflateParams
		wire   []byte
		want   []string
	}{
		{"7.2.3.1 one frame", full, []byte{0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, []string{"Hello"}},
		{"7.2.3.1 two fragments", full, []byte{0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00}, []string{"Hello"}},
		{"7.2.3.2 shared window", full, []byte{0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00}, []string{"Hello", "Hello"}},
		{"7.2.3.3 stored block", full, []byte{0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}, []string{"Hello"}},
		{"7.2.3.4 BFINAL set", full, []byte{0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, []string{"Hello"}},
		{"7.2.3.5 two blocks", full, []byte{0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00}, []string{"Hello"}},
		{"7.2.3.6 empty message", full, []byte{0xc1, 0x01, 0x00}, []string{""}},
		{"uncompressed message on a deflate connection", full, []byte{0x81, 0x05, 'H', 'e', 'l', 'l', 'o'}, []string{"Hello"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, split := range []int{0, 1} {
				c := deflateClient(t, tt.params)
				var got []ev
				if split == 0 {
					got = feedSplit(t, c, tt.wire)
				} else {
					got = feedSplit(t, c, tt.wire, split)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("events %v", got)
				}
				for i, e := range got {
					if e.Type != EventText || e.Data != tt.want[i] || !e.First || !e.Last {
						t.Fatalf("event %d: %v", i, e)
					}
					if e.Compressed != (tt.wire[0]&0x40 != 0) {
						t.Fatalf("Compressed flag %v", e.Compressed)
					}
				}
			}
		})
	}
}

// TestDeflateAllParameters round-trips messages through every combination
// of window sizes and context takeover, in both directions.
func TestDeflateAllParameters(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	msgs := sampleMessages(rng, 12)
	for sb := 8; sb <= 15; sb++ {
		for cb := 8; cb <= 15; cb++ {
			for ctx := 0; ctx < 4; ctx++ {
				p := DeflateParams{ServerMaxWindowBits: sb, ClientMaxWindowBits: cb, ServerNoContextTakeover: ctx&1 != 0, ClientNoContextTakeover: ctx&2 != 0}
				cc := mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{MinSize: -1}}, &Agreement{Deflate: &p})
				sc := mustConn(t, &Config{Role: RoleServer, Deflate: &DeflateConfig{MinSize: -1}}, &Agreement{Deflate: &p})
				for _, dir := range [][2]*Conn{{cc, sc}, {sc, cc}} {
					for _, m := range msgs {
						if err := dir[0].SendBinary(m); err != nil {
							t.Fatal(err)
						}
					}
					got := exchange(t, dir[0], dir[1])
					if len(got) != len(msgs) {
						t.Fatalf("%+v: %d events", p, len(got))
					}
					for i, e := range got {
						if e.Data != string(msgs[i]) || !e.Compressed {
							t.Fatalf("%+v: message %d wrong (compressed=%v)", p, i, e.Compressed)
						}
					}
				}
			}
		}
	}
}

// sampleMessages returns compressible messages with repeats at short and
// long distances, so that window limits matter.
func sampleMessages(rng *rand.Rand, n int) [][]byte {
	words := []string{"alpha ", "beta ", "gamma ", "delta ", "epsilon ", "κόσμε ", "{\"id\":", "}, "}
	var out [][]byte
	for i := 0; i < n; i++ {
		var b bytes.Buffer
		size := []int{0, 1, 30, 200, 1000, 5000, 40000, 70000}[i%8]
		for b.Len() < size {
			b.WriteString(words[rng.Intn(len(words))])
			if rng.Intn(10) == 0 {
				fmt.Fprintf(&b, "%d", rng.Intn(1e6))
			}
		}
		out = append(out, b.Bytes()[:size])
	}
	return out
}

// TestDeflateWindowStrict proves that what we compress with a window of
// 2^N bytes never refers further back, using zlib as a strict decoder
// (fed in small output steps, zlib checks every distance against its
// window). As a control, 15-bit output must be refused by a 8-bit decoder.
func TestDeflateWindowStrict(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 (with zlib) is needed as the strict reference decoder: ", err)
	}
	rng := rand.New(rand.NewSource(3))
	msgs := sampleMessages(rng, 16)
	// Repeats 300-1000 bytes apart: only a window > 256 can use them.
	var rep bytes.Buffer
	for rep.Len() < 20000 {
		rep.Write(msgs[4][:rng.Intn(700)+300])
	}
	msgs = append(msgs, rep.Bytes())
	check := func(bits int, takeover bool, decodeBits int) error {
		p := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: bits, ClientNoContextTakeover: !takeover}
		c := mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{MinSize: -1}}, &Agreement{Deflate: &p})
		// A second connection with the same settings takes the pooled writer
		// between our messages every other time, so that both the continued
		// and the re-primed (dictionary) paths are checked.
		thief := mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{MinSize: -1}}, &Agreement{Deflate: &p})
		var lines []string
		for i, m := range msgs {
			c.SendBinary(m)
			out := outFrames(t, c)
			lines = append(lines, hex.EncodeToString([]byte(out[0].Data)))
			if i%2 == 0 {
				thief.SendBinary(msgs[len(msgs)-1-i])
				thief.Consume(thief.OutputLen())
			}
		}
		script := `
import sys, zlib
bits, takeover = int(sys.argv[1]), sys.argv[2] == "1"
d = None
for line in sys.stdin:
    z = bytes.fromhex(line.strip()) + b"\x00\x00\xff\xff"
    if d is None or not takeover:
        d = zlib.decompressobj(-bits)
    out = b""
    while z:
        out += d.decompress(z, 64)
        z = d.unconsumed_tail
    while True:
        more = d.decompress(b"", 64)
        if not more:
            break
        out += more
    print("m:" + out.hex())
`
		takeArg := "0"
		if takeover {
			takeArg = "1"
		}
		cmd := exec.Command(py, "-c", script, fmt.Sprint(decodeBits), takeArg)
		cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
		res, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("zlib refused: %v: %s", err, res)
		}
		got := strings.Fields(string(res))
		if len(got) != len(msgs) {
			return fmt.Errorf("zlib returned %d messages", len(got))
		}
		for i, h := range got {
			if h != "m:"+hex.EncodeToString(msgs[i]) {
				return fmt.Errorf("message %d differs after zlib", i)
			}
		}
		return nil
	}
	for bits := 8; bits <= 15; bits++ {
		for _, takeover := range []bool{false, true} {
			if err := check(bits, takeover, bits); err != nil {
				t.Errorf("window %d takeover %v: %v", bits, takeover, err)
			}
		}
	}
	if err := check(15, true, 8); err == nil {
		t.Error("control failed: zlib with an 8-bit window accepted 15-bit output, so it is not checking distances")
	}
}

func TestDeflateContextTakeover(t *testing.T) {
	msg := []byte(strings.Repeat("context takeover shares the window. ", 20))
	sizes := func(noCtx bool) (int, int) {
		p := full
		p.ClientNoContextTakeover = noCtx
		c := mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
		c.SendText(msg)
		a := outFrames(t, c)[0]
		c.SendText(msg)
		b := outFrames(t, c)[0]
		if a.RSV != RSV1 || b.RSV != RSV1 {
			t.Fatal("compressed frame without RSV1")
		}
		return len(a.Data), len(b.Data)
	}
	a, b := sizes(false)
	if b >= a/2 {
		t.Errorf("with context takeover the repeat is %d bytes, first %d: window not shared", b, a)
	}
	a2, b2 := sizes(true)
	if a2 != b2 {
		t.Errorf("without context takeover sizes differ: %d then %d", a2, b2)
	}
}

// TestDeflateSharedEncoders interleaves connections so that pooled writers
// move between them; every stream must stay decodable.
func TestDeflateSharedEncoders(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	type pair struct{ c, s *Conn }
	var pairs []pair
	for i := 0; i < 5; i++ {
		p := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 10 + i%3}
		pairs = append(pairs, pair{
			mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p}),
			mustConn(t, &Config{Role: RoleServer, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p}),
		})
	}
	msgs := sampleMessages(rng, 40)
	for round := 0; round < 200; round++ {
		pr := pairs[rng.Intn(len(pairs))]
		m := msgs[rng.Intn(len(msgs))]
		if err := pr.c.SendBinary(m); err != nil {
			t.Fatal(err)
		}
		got := exchange(t, pr.c, pr.s)
		if len(got) != 1 || got[0].Data != string(m) {
			t.Fatalf("round %d: %v", round, got)
		}
	}
}

// TestDeflateSharedEncodersParallel: connections compressing on separate
// goroutines share the pool's encoders; under -race this caught the
// owner and generation of a reused encoder written outside the pool's
// lock while its previous connection read them (found by tests/wsnet).
func TestDeflateSharedEncodersParallel(t *testing.T) {
	msgs := sampleMessages(rand.New(rand.NewSource(12)), 20)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		p := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, ClientNoContextTakeover: g%2 == 0}
		c := mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
		s := mustConn(t, &Config{Role: RoleServer, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 150; i++ {
				m := msgs[(g+i)%len(msgs)]
				if err := c.SendBinary(m); err != nil {
					errs <- err
					return
				}
				s.Feed(c.Output())
				c.Consume(c.OutputLen())
				e, ok := s.NextEvent()
				if !ok || string(e.Data) != string(m) {
					errs <- fmt.Errorf("goroutine %d message %d: %v %v", g, i, e.Type, ok)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestDeflateEncodersStay: connections with context takeover that send in
// turn from one goroutine keep their own encoders, primed once each, not
// once per message (they swapped one encoder and re-primed it with 32 KiB
// of history every time: 190 us per 1 KiB ping-pong, now 5.4). Beyond the
// pool's size the least recently used is taken.
func TestDeflateEncodersStay(t *testing.T) {
	msg := bytes.Repeat([]byte(`{"id":1,"name":"user"},`), 40)
	for _, conns := range []int{2, maxFreeEncoders(), maxFreeEncoders() + 3} {
		// Window bits of a pool no other test uses: its counters are ours.
		p := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 13}
		pool := getEncoderPool(DefaultCompressLevel, 13, true)
		var cs []*Conn
		for i := 0; i < conns; i++ {
			cs = append(cs, mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p}))
		}
		pool.mu.Lock()
		before := pool.prime
		pool.mu.Unlock()
		const rounds = 20
		for r := 0; r < rounds; r++ {
			for _, c := range cs {
				if err := c.SendText(msg); err != nil {
					t.Fatal(err)
				}
				c.Consume(c.OutputLen())
			}
		}
		pool.mu.Lock()
		primes := pool.prime - before
		pool.mu.Unlock()
		if conns <= maxFreeEncoders() && primes != conns {
			t.Errorf("%d connections in turn: %d encoders primed, want %d (one each)", conns, primes, conns)
		}
		if conns > maxFreeEncoders() && primes < conns {
			t.Errorf("%d connections in turn: %d primed", conns, primes)
		}
	}
}

// BenchmarkDeflateTurns: two connections with context takeover answer
// each other with 1 KiB text (one op is a message each way).
func BenchmarkDeflateTurns(b *testing.B) {
	p := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	c := mustConn(b, &Config{Role: RoleClient, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
	s := mustConn(b, &Config{Role: RoleServer, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
	msg := bytes.Repeat([]byte(`{"id":1,"name":"user"},`), 45)[:1024]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, pr := range [2][2]*Conn{{c, s}, {s, c}} {
			if err := pr[0].SendText(msg); err != nil {
				b.Fatal(err)
			}
			pr[1].Feed(pr[0].Output())
			pr[0].Consume(pr[0].OutputLen())
			for _, ok := pr[1].NextEvent(); ok; _, ok = pr[1].NextEvent() {
			}
		}
	}
}

func TestDeflateSendFlags(t *testing.T) {
	c := mustConn(t, &Config{Role: RoleServer, Deflate: &DeflateConfig{MinSize: 10}}, &Agreement{Deflate: &full})
	c.SendText([]byte("short"))
	c.SendText([]byte("long enough to compress"))
	c.SendMessage(OpText, []byte("long but not compressed"), NoCompress)
	c.SendMessage(OpText, []byte("tiny"), Compress)
	out := outFrames(t, c)
	want := []uint8{0, RSV1, 0, RSV1}
	for i, f := range out {
		if f.RSV != want[i] {
			t.Errorf("frame %d RSV %d, want %d", i, f.RSV, want[i])
		}
	}
}

func TestDeflateStreamedSend(t *testing.T) {
	p := full
	cc := mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
	sc := mustConn(t, &Config{Role: RoleServer, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
	var want strings.Builder
	cc.BeginMessage(OpText, 0)
	for i := 0; i < 10; i++ {
		s := strings.Repeat(fmt.Sprintf("part %d ", i), 50)
		want.WriteString(s)
		cc.SendFragment([]byte(s), false)
		if i == 4 {
			cc.Ping([]byte("mid"))
		}
	}
	cc.SendFragment(nil, true)
	frames := outFramesKeep(t, cc)
	for i, f := range frames {
		if wantRSV := map[bool]uint8{true: RSV1, false: 0}[i == 0]; f.RSV != wantRSV {
			t.Fatalf("frame %d RSV %d: RSV1 belongs on the first frame only (RFC 7692 §6.1)", i, f.RSV)
		}
	}
	got := exchange(t, cc, sc)
	if len(got) != 2 || got[0].Type != EventPing || got[1].Data != want.String() || !got[1].Compressed {
		t.Fatalf("events %v", got)
	}
}

// outFramesKeep is outFrames without consuming the output.
func outFramesKeep(t testing.TB, c *Conn) []wireFrame {
	saved := append([]byte{}, c.Output()...)
	fs := outFrames(t, c)
	c.queueRaw(saved)
	return fs
}

func compressRaw(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, 9)
	w.Write(data)
	w.Flush()
	return bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})
}

func TestDeflateBomb(t *testing.T) {
	z := compressRaw(t, make([]byte, 50<<20)) // 50 MiB of zeros in ~50 KiB
	c := mustConn(t, &Config{Role: RoleClient, MaxMessageSize: 1 << 20}, &Agreement{Deflate: &full})
	got := feedSplit(t, c, frame(true, RSV1, OpBinary, false, z))
	if len(got) != 1 || got[0].Code != CloseMessageTooBig || got[0].Init != ClosedByFailure {
		t.Fatalf("events %v, want a 1009 failure", got)
	}
	if len(c.rx.b) > 3<<20 {
		t.Fatalf("inflating allocated %d bytes for a 1 MiB limit", len(c.rx.b))
	}
	// Exactly at the limit is fine.
	c = mustConn(t, &Config{Role: RoleClient, MaxMessageSize: 1 << 20}, &Agreement{Deflate: &full})
	got = feedSplit(t, c, frame(true, RSV1, OpBinary, false, compressRaw(t, make([]byte, 1<<20))))
	if len(got) != 1 || len(got[0].Data) != 1<<20 {
		t.Fatalf("message at the limit refused: %v", got[0].Code)
	}
}

func TestDeflateCorruptAndInvalidText(t *testing.T) {
	c := deflateClient(t, full)
	got := feedSplit(t, c, frame(true, RSV1, OpBinary, false, []byte{0xff, 0xff, 0xff}))
	if len(got) != 1 || got[0].Code != CloseInvalidPayload {
		t.Fatalf("corrupt data: %v", got)
	}
	c = deflateClient(t, full)
	got = feedSplit(t, c, frame(true, RSV1, OpText, false, compressRaw(t, []byte("ok \xed\xa0\x80 surrogate"))))
	if len(got) != 1 || got[0].Code != CloseInvalidPayload {
		t.Fatalf("invalid UTF-8 inside compressed text: %v", got)
	}
}

// TestDeflateMemory reports what a connection holds with and without
// context takeover once traffic has passed and it is idle.
func TestDeflateMemory(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	msgs := sampleMessages(rng, 16)
	for _, noCtx := range []bool{false, true} {
		p := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, ServerNoContextTakeover: noCtx, ClientNoContextTakeover: noCtx}
		cc := mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
		sc := mustConn(t, &Config{Role: RoleServer, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
		for _, m := range msgs {
			cc.SendBinary(m)
			sc.SendBinary(m)
			exchange(t, cc, sc)
			exchange(t, sc, cc)
		}
		sc.Feed(nil)
		sc.Shrink()
		mem := sc.Memory()
		t.Logf("idle server connection, context takeover %v: %d bytes", !noCtx, mem)
		limit := 80 << 10
		if noCtx {
			limit = 4 << 10
		}
		if mem > limit {
			t.Errorf("context takeover %v: %d bytes held, want ≤ %d", !noCtx, mem, limit)
		}
	}
}

// TestDeflateEncoderNotShared: a connection holding a pooled writer for a
// streamed message must keep it to itself while another connection
// compresses (a regression: the other connection could take the writer in
// use, mixing the two streams).
func TestDeflateEncoderNotShared(t *testing.T) {
	mk := func() (*Conn, *Conn) {
		return mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{MinSize: -1}}, &Agreement{Deflate: &full}),
			mustConn(t, &Config{Role: RoleServer, Deflate: &DeflateConfig{MinSize: -1}}, &Agreement{Deflate: &full})
	}
	ac, as := mk()
	bc, bs := mk()
	a, b, x := strings.Repeat("a", 100), strings.Repeat("b", 100), strings.Repeat("x", 100)
	ac.SendText([]byte(a))
	bc.BeginMessage(OpText, 0)
	bc.SendFragment([]byte(b), false)
	ac.SendText([]byte(x))
	bc.SendFragment([]byte(x), true)
	if got := exchange(t, ac, as); len(got) != 2 || got[0].Data != a || got[1].Data != x {
		t.Fatalf("A received %v", got)
	}
	if got := exchange(t, bc, bs); len(got) != 1 || got[0].Data != b+x {
		t.Fatalf("B received %v, want %q", got, b+x)
	}
}

// An unlimited message size works with compression (a regression: the
// limit arithmetic overflowed and every message failed with 1011).
func TestDeflateUnlimitedSize(t *testing.T) {
	p := full
	cc := mustConn(t, &Config{Role: RoleClient, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
	sc := mustConn(t, &Config{Role: RoleServer, MaxMessageSize: -1, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
	msg := strings.Repeat("unlimited ", 100)
	cc.SendText([]byte(msg))
	if got := exchange(t, cc, sc); len(got) != 1 || got[0].Data != msg {
		t.Fatalf("events %v", got)
	}
}
