package ws

import (
	"encoding/binary"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// w7Messages returns W7's texts (../shared/bench/WORKLOADS.md: 4096 JSON-like
// messages of 40-400 bytes) from $WS_BENCH_DATA (default ../bench/data,
// written by gen_workloads.py), or similar generated ones.
func w7Messages(tb testing.TB) (msgs [][]byte, source string) {
	dir := os.Getenv("WS_BENCH_DATA")
	if dir == "" {
		dir = filepath.Join("..", "bench", "data")
	}
	text, err1 := os.ReadFile(filepath.Join(dir, "w7.text"))
	lens, err2 := os.ReadFile(filepath.Join(dir, "w7.lens"))
	if err1 == nil && err2 == nil {
		for i := 0; i+4 <= len(lens) && len(text) > 0; i += 4 {
			n := min(int(binary.LittleEndian.Uint32(lens[i:])), len(text))
			msgs = append(msgs, text[:n:n])
			text = text[n:]
		}
		return msgs, filepath.Join(dir, "w7.text")
	}
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 4096; i++ {
		msgs = append(msgs, jsonLikeText(rng, 40+rng.Intn(361)))
	}
	return msgs, "generated"
}

// w6Texts returns W6c's 16 KiB JSON-like texts: w6.text from $WS_BENCH_DATA,
// or similar generated ones.
func w6Texts(tb testing.TB) (msgs [][]byte, source string) {
	dir := os.Getenv("WS_BENCH_DATA")
	if dir == "" {
		dir = filepath.Join("..", "bench", "data")
	}
	path := filepath.Join(dir, "w6.text")
	text, err := os.ReadFile(path)
	if err != nil {
		rng := rand.New(rand.NewSource(6))
		text, path = jsonLikeText(rng, 256<<14)[:256<<14], "generated"
	}
	for len(text) >= 16<<10 {
		msgs = append(msgs, text[:16<<10:16<<10])
		text = text[16<<10:]
	}
	return msgs, path
}

// benchSend sends msgs from a client connection with the output drained
// after every message, as W7c and W6c do; ns/op is per message, and
// payload-B/msg the compressed payload's mean size.
func benchSend(b *testing.B, msgs [][]byte, p DeflateParams) {
	c := mustConn(b, &Config{Role: RoleClient, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
	b.ReportAllocs()
	b.ResetTimer()
	payload := 0
	for i := 0; i < b.N; i++ {
		if i%len(msgs) == 0 && i > 0 {
			b.StopTimer()
			c = mustConn(b, &Config{Role: RoleClient, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
			b.StartTimer()
		}
		if err := c.SendText(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
		out := c.Output()
		switch n := int(out[1] & 0x7f); n {
		case 126:
			payload += int(binary.BigEndian.Uint16(out[2:]))
		default:
			payload += n
		}
		c.Consume(len(out))
	}
	b.ReportMetric(float64(payload)/float64(b.N), "payload-B/msg")
}

// BenchmarkDeflateSmall is W7c: small JSON messages, context takeover.
func BenchmarkDeflateSmall(b *testing.B) {
	msgs, _ := w7Messages(b)
	benchSend(b, msgs, DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15})
}

// BenchmarkDeflateLarge is W6c: 16 KiB JSON messages, no context takeover.
func BenchmarkDeflateLarge(b *testing.B) {
	msgs, _ := w6Texts(b)
	benchSend(b, msgs, DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, ClientNoContextTakeover: true, ServerNoContextTakeover: true})
}

// BenchmarkDeflateReprime is the cost of priming an encoder with a full
// 32 KiB history and compressing one W7 message, as a connection does when
// it gets an encoder last used by another (deflate_pool.go). Without
// re-priming a message costs what BenchmarkDeflateSmall gives.
func BenchmarkDeflateReprime(b *testing.B) {
	msgs, _ := w7Messages(b)
	var hist []byte
	for _, m := range msgs {
		hist = append(hist, m...)
	}
	hist = hist[len(hist)-maxWindow:]
	e := getEncoderPool(DefaultCompressLevel, 15, usesLZEncoder(DefaultCompressLevel, true)).newEncoder()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.out.b = e.out.b[:0]
		e.w.ResetDict(&e.out, hist)
		e.w.Write(msgs[i%len(msgs)])
		e.w.Flush()
	}
}
