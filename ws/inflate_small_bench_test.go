package ws

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/klauspost/compress/flate"
)

// BenchmarkInflateSmall is W7d's shape (../shared/bench/WORKLOADS.md):
// 40-400 byte JSON-like texts compressed by one level-6 stream (context
// takeover), masked, fed to a server connection in 64 KiB slices with the
// events taken after each. ns/op is per message.
func BenchmarkInflateSmall(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	var zb bytes.Buffer
	w, _ := flate.NewWriter(&zb, 6)
	var wire []byte
	const n = 4096
	for i := 0; i < n; i++ {
		var m bytes.Buffer
		size := 40 + rng.Intn(361)
		for m.Len() < size {
			fmt.Fprintf(&m, `{"id":%d,"name":"user%d","tags":["a","b"],"ok":true},`, rng.Intn(1e5), rng.Intn(100))
		}
		zb.Reset()
		w.Write(m.Bytes()[:size])
		w.Flush()
		wire = append(wire, frame(true, RSV1, OpText, true, bytes.TrimSuffix(zb.Bytes(), []byte{0, 0, 0xff, 0xff}))...)
	}
	p := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	b.ReportAllocs()
	c := mustConn(b, &Config{Role: RoleServer, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
	b.ResetTimer()
	for got := 0; got < b.N; {
		if got%n == 0 {
			b.StopTimer()
			c = mustConn(b, &Config{Role: RoleServer, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
			b.StartTimer()
		}
		for rest := wire; len(rest) > 0 && got < b.N; {
			k := min(len(rest), 64<<10)
			c.Feed(rest[:k])
			rest = rest[k:]
			for e, ok := c.NextEvent(); ok; e, ok = c.NextEvent() {
				if e.Type != EventText {
					b.Fatalf("event %v %s", e.Type, e.Data)
				}
				got++
			}
		}
	}
}
