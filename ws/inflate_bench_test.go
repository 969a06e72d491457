package ws

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	stdflate "compress/flate"

	"github.com/klauspost/compress/flate"
)

// w6Messages returns the compressed payloads (trailing 00 00 ff ff removed)
// of the shared W6 workload's 256 messages of 16 KiB of JSON-like text, read
// from $WS_BENCH_WORKLOADS/w6.frames (default /tmp/libws-bench-workloads,
// written by /work/shared/bench/gen_workloads.py) when it exists, and
// otherwise made alike: similar text compressed at level 6 with a 32 KiB
// window, a fresh compressor per message, and a sync flush.
func w6Messages(tb testing.TB) (payloads [][]byte, source string) {
	dir := os.Getenv("WS_BENCH_WORKLOADS")
	if dir == "" {
		dir = "/tmp/libws-bench-workloads"
	}
	path := filepath.Join(dir, "w6.frames")
	if wire, err := os.ReadFile(path); err == nil {
		return w6FromFrames(tb, wire), path
	}
	rng := rand.New(rand.NewSource(6))
	for i := 0; i < 256; i++ {
		var z bytes.Buffer
		w, _ := flate.NewWriter(&z, 6)
		w.Write(jsonLikeText(rng, 16<<10))
		w.Flush()
		payloads = append(payloads, bytes.TrimSuffix(z.Bytes(), deflateTail[:4]))
	}
	return payloads, "generated"
}

// w6FromFrames unmasks the payloads of masked client frames.
func w6FromFrames(tb testing.TB, wire []byte) [][]byte {
	p := NewParser(ParserConfig{Role: RoleServer, Deflate: true, MaxFrameSize: -1, MaxMessageSize: -1})
	var out [][]byte
	var cur []byte
	for len(wire) > 0 {
		seg, n, err := p.Parse(wire)
		if err != nil {
			tb.Fatal(err)
		}
		wire = wire[n:]
		l := len(cur)
		cur = append(cur, seg.Data...)
		MaskCopy(cur[l:], cur[l:], seg.Header.Mask, seg.MaskPos)
		if seg.End && seg.Header.Fin {
			out = append(out, cur)
			cur = nil
		}
	}
	return out
}

// jsonLikeText is text shaped like W6's: records with ids, timestamps,
// scores, tags and words from a small vocabulary, cut to size bytes.
func jsonLikeText(rng *rand.Rand, size int) []byte {
	vocab := strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu the of and message server client update status value stream frame socket buffer latency")
	events := strings.Fields("create update delete ping subscribe notify")
	var b bytes.Buffer
	b.WriteByte('[')
	for rec := 0; b.Len() < size; rec++ {
		words := make([]string, 4+rng.Intn(12))
		for i := range words {
			words[i] = vocab[rng.Intn(len(vocab))]
		}
		tags := make([]string, 1+rng.Intn(4))
		for i := range tags {
			tags[i] = strconv.Quote(vocab[rng.Intn(len(vocab))])
		}
		fmt.Fprintf(&b, `{"id":%d,"user":"%s_%d","event":"%s","ts":%d,"score":%d.%03d,"tags":[%s],"text":"%s"},`,
			100000+rec*7+rng.Intn(7), vocab[rng.Intn(len(vocab))], rng.Intn(1000), events[rng.Intn(len(events))],
			1700000000+rec*13+rng.Intn(13), rng.Intn(100), rng.Intn(1000), strings.Join(tags, ","), strings.Join(words, " "))
	}
	return b.Bytes()[:size]
}

// klauspostInflate is the decoder this package used before inflate.go:
// klauspost's flate reader, read in growing chunks into the buffer. It is
// kept here to compare with.
type klauspostInflate struct {
	r   io.ReadCloser
	src bytes.Reader
}

func newKlauspostInflate() *klauspostInflate {
	k := &klauspostInflate{}
	k.r = flate.NewReader(&k.src)
	return k
}

func (k *klauspostInflate) inflate(body, dict []byte, out *buffer, a Allocator, max int64, utf8 *utf8State) error {
	k.src.Reset(body)
	if err := k.r.(flate.Resetter).Reset(&k.src, dict); err != nil {
		return err
	}
	start := out.n
	chunk := 4 * len(body)
	if chunk < 4096 {
		chunk = 4096
	}
	for {
		if int64(out.n-start) > max {
			return protocolError(CloseMessageTooBig, "too big")
		}
		want := chunk
		if room := max - int64(out.n-start); room < int64(want)-1 {
			want = int(room) + 1
		}
		dst := out.reserve(a, want)
		if dst == nil {
			return &Error{Code: CodeNoMem, CloseCode: CloseInternalError, Msg: "out of memory inflating a message"}
		}
		n, err := k.r.Read(dst)
		if n > 0 && utf8 != nil && int64(out.n-start+n) <= max {
			if i := utf8.feed(dst[:n]); i >= 0 {
				return protocolError(CloseInvalidPayload, "invalid UTF-8")
			}
		}
		out.n += n
		if err == io.EOF {
			break
		}
		if err != nil {
			return &Error{Code: CodeProtocol, CloseCode: CloseInvalidPayload, Msg: "invalid compressed data: " + err.Error()}
		}
		if chunk < 1<<20 {
			chunk *= 2
		}
	}
	if int64(out.n-start) > max {
		return protocolError(CloseMessageTooBig, "too big")
	}
	return nil
}

// BenchmarkInflate: one op inflates one W6 message (16 KiB of JSON-like
// text, no context takeover). new is this package's decoder, klauspost the
// one it replaced and stdlib compress/flate, all into a reused buffer;
// "+utf8" adds the text validation a connection does. zlib is CPython's
// zlib.decompressobj(-15).decompress per message, timed inside Python. conn
// is the whole W6d server path: frames fed in 64 KiB slices, parsed,
// unmasked, inflated, validated and delivered.
func BenchmarkInflate(b *testing.B) {
	msgs, source := w6Messages(b)
	var raw int
	var sum uint32 // the workload's checksum: first and last bytes
	bodies := make([][]byte, len(msgs))
	for i, m := range msgs {
		bodies[i] = append(append([]byte(nil), m...), deflateTail...)
		var out buffer
		if err := inflateMessage(bodies[i], nil, &out, goAlloc{}, -1, nil); err != nil {
			b.Fatal(err)
		}
		if ref, err := refInflate(bodies[i], nil, 1<<30); err != nil || !bytes.Equal(ref, out.b[:out.n]) {
			b.Fatalf("message %d: klauspost disagrees (%v)", i, err)
		}
		raw += out.n
		sum += uint32(out.b[0]) + uint32(out.b[out.n-1])
	}
	if m, err := os.ReadFile(filepath.Join(filepath.Dir(source), "manifest.json")); err == nil {
		var man struct{ W6 struct{ Checksum uint32 } }
		if json.Unmarshal(m, &man) == nil && man.W6.Checksum != sum {
			b.Fatalf("checksum %d, the manifest says %d", sum, man.W6.Checksum)
		}
	}
	b.Logf("W6 from %s: %d messages, %d bytes compressed, %d inflated", source, len(msgs), func() (n int) {
		for _, m := range msgs {
			n += len(m)
		}
		return
	}(), raw)
	size := int64(raw / len(msgs))
	const limit = 64 << 20
	for _, validate := range []bool{false, true} {
		suffix := ""
		if validate {
			suffix = "+utf8"
		}
		b.Run("new"+suffix, func(b *testing.B) {
			var out buffer
			var st utf8State
			var u *utf8State
			if validate {
				u = &st
			}
			b.SetBytes(size)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				out.n = 0
				st = utf8State{}
				if err := inflateMessage(bodies[i%len(bodies)], nil, &out, goAlloc{}, limit, u); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("klauspost"+suffix, func(b *testing.B) {
			k := newKlauspostInflate()
			var out buffer
			var st utf8State
			var u *utf8State
			if validate {
				u = &st
			}
			b.SetBytes(size)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				out.n = 0
				st = utf8State{}
				if err := k.inflate(bodies[i%len(bodies)], nil, &out, goAlloc{}, limit, u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("stdlib", func(b *testing.B) {
		var src bytes.Reader
		r := stdflate.NewReader(&src)
		out := make([]byte, 0, 64<<10)
		b.SetBytes(size)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			src.Reset(bodies[i%len(bodies)])
			r.(stdflate.Resetter).Reset(&src, nil)
			o := bytes.NewBuffer(out[:0])
			if _, err := o.ReadFrom(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("zlib", func(b *testing.B) {
		py, err := exec.LookPath("python3")
		if err != nil {
			b.Skip("python3 not found")
		}
		var in bytes.Buffer
		for _, m := range msgs {
			binary.Write(&in, binary.LittleEndian, uint32(len(m)))
			in.Write(m)
		}
		script := `
import sys, time, zlib
data, n = sys.stdin.buffer.read(), int(sys.argv[1])
msgs, i = [], 0
while i < len(data):
    k = int.from_bytes(data[i:i+4], "little")
    msgs.append(data[i+4:i+4+k] + b"\x00\x00\xff\xff")
    i += 4 + k
for m in msgs:  # warm up
    zlib.decompressobj(-15).decompress(m)
t = time.perf_counter_ns()
for j in range(n):
    zlib.decompressobj(-15).decompress(msgs[j % len(msgs)])
print(time.perf_counter_ns() - t)
`
		cmd := exec.Command(py, "-c", script, strconv.Itoa(b.N))
		cmd.Stdin = &in
		res, err := cmd.Output()
		if err != nil {
			b.Fatal(err)
		}
		ns, err := strconv.ParseFloat(strings.TrimSpace(string(res)), 64)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(size)
		b.ReportMetric(ns/float64(b.N), "ns/op")
		// MB/s from the framework would use the Go side's time.
		b.ReportMetric(float64(size)*float64(b.N)/ns*1e3, "MB/s(py)")
	})
	b.Run("conn", func(b *testing.B) {
		p := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, ServerNoContextTakeover: true, ClientNoContextTakeover: true}
		var wire []byte
		for _, m := range msgs {
			wire = append(wire, frame(true, RSV1, OpText, true, m)...)
		}
		c := mustConn(b, &Config{Role: RoleServer, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
		b.SetBytes(size)
		b.ReportAllocs()
		b.ResetTimer()
		var sum uint32
		for got := 0; got < b.N; {
			for w := wire; len(w) > 0; {
				n := min(len(w), 64<<10)
				if _, err := c.Feed(w[:n]); err != nil {
					b.Fatal(err)
				}
				w = w[n:]
				for e, ok := c.NextEvent(); ok; e, ok = c.NextEvent() {
					if e.Type != EventText {
						b.Fatalf("event %v", e.Type)
					}
					sum += uint32(e.Data[0]) + uint32(e.Data[len(e.Data)-1])
					got++
				}
			}
		}
		_ = sum
	})
}
