package ws

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

var benchSizes = []int{16, 1 << 10, 64 << 10, 1 << 20}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// receiveWire is the input of the receive benchmarks: about 256 KiB of
// masked client frames of size bytes each (at least one frame).
func receiveWire(op Opcode, size int) []byte {
	payload := []byte(strings.Repeat("abcdefghijklmnopqrstuvwxyz012345", size/32+1)[:size])
	one := frame(true, 0, op, true, payload)
	return bytes.Repeat(one, max(1, (256<<10)/len(one)))
}

// BenchmarkReceive: a server parses, unmasks and delivers client frames fed
// in 64 KiB slices (the shared W1-W4 workloads' shape). One op is one
// message.
func BenchmarkReceive(b *testing.B) {
	for _, size := range benchSizes {
		for _, op := range []Opcode{OpText, OpBinary} {
			if op == OpText && size > 1<<10 {
				continue
			}
			b.Run(op.String()+"/"+sizeName(size), func(b *testing.B) {
				wire := receiveWire(op, size)
				c := mustConn(b, &Config{Role: RoleServer}, nil)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				got := 0
				var sum uint32
				for got < b.N {
					for w := wire; len(w) > 0; {
						n := min(len(w), 64<<10)
						if _, err := c.Feed(w[:n]); err != nil {
							b.Fatal(err)
						}
						w = w[n:]
						for e, ok := c.NextEvent(); ok; e, ok = c.NextEvent() {
							sum += uint32(e.Data[0]) + uint32(e.Data[len(e.Data)-1])
							got++
						}
					}
				}
				_ = sum
			})
		}
	}
}

// BenchmarkReceiveTake is BenchmarkReceive for text, taking events with
// TakeEvent rather than NextEvent.
func BenchmarkReceiveTake(b *testing.B) {
	for _, size := range []int{16, 1 << 10} {
		b.Run("text/"+sizeName(size), func(b *testing.B) {
			wire := receiveWire(OpText, size)
			c := mustConn(b, &Config{Role: RoleServer}, nil)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			got := 0
			var sum uint32
			var e Event
			for got < b.N {
				for w := wire; len(w) > 0; {
					n := min(len(w), 64<<10)
					if _, err := c.Feed(w[:n]); err != nil {
						b.Fatal(err)
					}
					w = w[n:]
					for c.TakeEvent(&e) {
						sum += uint32(e.Data[0]) + uint32(e.Data[len(e.Data)-1])
						got++
					}
				}
			}
			_ = sum
		})
	}
}

// BenchmarkParserFrames: the frame API (Parser) driven as bench/go's
// libws-frames contender drives it: parse 16-byte masked frames fed in 64
// KiB slices, unmask each payload into a buffer. One op is one frame.
func BenchmarkParserFrames(b *testing.B) {
	payload := []byte("abcdefghijklmnop")
	one := frame(true, 0, OpText, true, payload)
	var wire []byte
	for i := 0; i < (256<<10)/len(one); i++ {
		wire = append(wire, one...)
	}
	p := NewParser(ParserConfig{Role: RoleServer, MaxFrameSize: -1, MaxMessageSize: -1})
	buf := make([]byte, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	got := 0
	var sum uint32
	for got < b.N {
		for w := wire; len(w) > 0; {
			n := min(len(w), 64<<10)
			sl := w[:n]
			w = w[n:]
			for len(sl) > 0 {
				seg, k, err := p.Parse(sl)
				if err != nil {
					b.Fatal(err)
				}
				sl = sl[k:]
				h := &seg.Header
				if len(seg.Data) > 0 {
					MaskCopy(buf[seg.Offset:h.Length], seg.Data, h.Mask, seg.MaskPos)
				}
				if seg.End {
					sum += uint32(buf[0])
					got++
				}
			}
		}
	}
	_ = sum
}

// BenchmarkSend: a client frames and masks messages; the output is drained
// after each send. One op is one message.
func BenchmarkSend(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			payload := make([]byte, size)
			c := mustConn(b, &Config{Role: RoleClient}, nil)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.SendBinary(payload); err != nil {
					b.Fatal(err)
				}
				c.Consume(c.OutputLen())
			}
		})
	}
}

// BenchmarkSendText: a client sends printable ASCII text messages (as in
// the shared W5a/W5b workloads), draining the output whenever 64 KiB are
// pending. One op is one message.
func BenchmarkSendText(b *testing.B) {
	for _, size := range []int{16, 1 << 10} {
		b.Run(sizeName(size), func(b *testing.B) {
			payload := []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", size/45+1)[:size])
			c := mustConn(b, &Config{Role: RoleClient}, nil)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.SendText(payload); err != nil {
					b.Fatal(err)
				}
				if c.OutputLen() >= 64<<10 {
					c.Consume(c.OutputLen())
				}
			}
		})
	}
}

// BenchmarkSendTextDrained is W5a/W5b as a request/response host runs
// them: each text message sent, its output taken and consumed at once.
func BenchmarkSendTextDrained(b *testing.B) {
	for _, size := range []int{16, 1 << 10} {
		b.Run(sizeName(size), func(b *testing.B) {
			payload := []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", size/45+1)[:size])
			c := mustConn(b, &Config{Role: RoleClient}, nil)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.SendText(payload); err != nil {
					b.Fatal(err)
				}
				c.Consume(len(c.Output()))
			}
		})
	}
}

// BenchmarkDeflateRoundTrip: a client compresses 16 KiB of JSON-like text
// and a server inflates it, with and without context takeover.
func BenchmarkDeflateRoundTrip(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	var sb strings.Builder
	for sb.Len() < 16<<10 {
		fmt.Fprintf(&sb, `{"id":%d,"name":"user%d","tags":["alpha","beta"],"score":%d.%d},`, rng.Intn(1e6), rng.Intn(1000), rng.Intn(100), rng.Intn(100))
	}
	msg := []byte(sb.String()[:16<<10])
	for _, takeover := range []bool{true, false} {
		b.Run(fmt.Sprintf("takeover=%v", takeover), func(b *testing.B) {
			p := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, ClientNoContextTakeover: !takeover, ServerNoContextTakeover: !takeover}
			cc := mustConn(b, &Config{Role: RoleClient, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
			sc := mustConn(b, &Config{Role: RoleServer, Deflate: &DeflateConfig{}}, &Agreement{Deflate: &p})
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			b.ResetTimer()
			var wire int
			for i := 0; i < b.N; i++ {
				if err := cc.SendText(msg); err != nil {
					b.Fatal(err)
				}
				wire += cc.OutputLen()
				sc.Feed(cc.Output())
				cc.Consume(cc.OutputLen())
				if e, ok := sc.NextEvent(); !ok || len(e.Data) != len(msg) {
					b.Fatal("message lost")
				}
			}
			b.ReportMetric(float64(wire)/float64(b.N), "wire-bytes/msg")
		})
	}
}

// BenchmarkHandshake: a client and a server complete the opening handshake
// in memory, with a permessage-deflate offer and a subprotocol.
func BenchmarkHandshake(b *testing.B) {
	ccfg := &Config{Role: RoleClient, Subprotocols: []string{"chat"}, Deflate: &DeflateConfig{}}
	scfg := &Config{Role: RoleServer, Subprotocols: []string{"chat"}, Deflate: &DeflateConfig{}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		cc, _ := NewClient(ccfg, "ws://example.com/chat")
		sc, _ := NewServer(scfg)
		sc.Feed(cc.Output())
		cc.Feed(sc.Output())
		if cc.State() != StateOpen || sc.State() != StateOpen {
			b.Fatal("handshake failed")
		}
	}
}
