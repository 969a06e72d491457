package ws

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/klauspost/compress/flate"
)

// BenchmarkInflateSmallDecoder is BenchmarkInflateSmall's messages
// inflated by the decoder alone (no framing or events), each copied with
// the tail to a scratch buffer as inflateWhole does, with UTF-8
// validation and the history kept: what of W7d's time is the decoder's.
// ns/op is per message.
func BenchmarkInflateSmallDecoder(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	var zb bytes.Buffer
	w, _ := flate.NewWriter(&zb, 6)
	const n = 4096
	msgs := make([][]byte, n)
	for i := range msgs {
		var m bytes.Buffer
		size := 40 + rng.Intn(361)
		for m.Len() < size {
			fmt.Fprintf(&m, `{"id":%d,"name":"user%d","tags":["a","b"],"ok":true},`, rng.Intn(1e5), rng.Intn(100))
		}
		zb.Reset()
		w.Write(m.Bytes()[:size])
		w.Flush()
		msgs[i] = append(append([]byte(nil), bytes.TrimSuffix(zb.Bytes(), deflateTail[:4])...), deflateTail...)
	}
	f := newInflater(15, true)
	var out buffer
	var u utf8State
	var sc [inflateScratch]byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%n == 0 {
			f.hist.reset()
		}
		out.n = 0
		u = utf8State{}
		in := sc[:copy(sc[:], msgs[i%n])]
		if _, err := f.inflate(in, false, &out, goAlloc{}, 1<<20, &u); err != nil {
			b.Fatal(err)
		}
	}
}
