package ws

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/flate"
)

// BenchmarkInflateSmallDecoder is W7d's messages (see w7Payloads)
// inflated by the decoder alone (no framing or events), each copied with
// the tail to a scratch buffer as inflateWhole does, with UTF-8
// validation and the history kept: what of W7d's time is the decoder's.
// ns/op is per message.
func BenchmarkInflateSmallDecoder(b *testing.B) {
	msgs, src := w7Payloads(b)
	b.Logf("%d messages from %s", len(msgs), src)
	f := newInflater(15, true)
	var out buffer
	var u utf8State
	var sc [inflateScratch]byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(msgs) == 0 {
			f.hist.reset()
		}
		out.n = 0
		u = utf8State{}
		in := sc[:copy(sc[:], msgs[i%len(msgs)])]
		in = append(in, deflateTail...)
		if _, err := f.inflate(in, false, &out, goAlloc{}, 1<<20, &u); err != nil {
			b.Fatal(err)
		}
	}
}

// w7Payloads returns W7d's compressed payloads (trailing 00 00 ff ff
// removed): from w7.frames in $WS_BENCH_DATA (see w7Messages), compressed
// by zlib, when it exists; otherwise BenchmarkInflateSmall's.
func w7Payloads(tb testing.TB) (payloads [][]byte, source string) {
	dir := os.Getenv("WS_BENCH_DATA")
	if dir == "" {
		dir = filepath.Join("..", "bench", "data")
	}
	path := filepath.Join(dir, "w7.frames")
	if wire, err := os.ReadFile(path); err == nil {
		return w6FromFrames(tb, wire), path
	}
	rng := rand.New(rand.NewSource(1))
	var zb bytes.Buffer
	w, _ := flate.NewWriter(&zb, 6)
	for i := 0; i < 4096; i++ {
		var m bytes.Buffer
		size := 40 + rng.Intn(361)
		for m.Len() < size {
			fmt.Fprintf(&m, `{"id":%d,"name":"user%d","tags":["a","b"],"ok":true},`, rng.Intn(1e5), rng.Intn(100))
		}
		zb.Reset()
		w.Write(m.Bytes()[:size])
		w.Flush()
		payloads = append(payloads, append([]byte(nil), bytes.TrimSuffix(zb.Bytes(), deflateTail[:4])...))
	}
	return payloads, "generated"
}
