package ws

import (
	"bytes"
	"errors"
	"math/rand"
	"runtime"
	"strings"
	"testing"
)

func TestCompressorRoundTrip(t *testing.T) {
	for _, takeover := range []bool{true, false} {
		for _, bits := range []int{8, 11, 15} {
			z, err := NewCompressor(0, bits, takeover)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := NewDecompressor(bits, takeover, 0)
			for i := 0; i < 5; i++ {
				msg := []byte(strings.Repeat("permessage-deflate outside a connection ", 10+i))
				// One message in three parts, as a streamer would send it.
				var payload []byte
				payload, _ = z.Compress(payload, msg[:10], false)
				payload, _ = z.Compress(payload, msg[10:50], false)
				payload, _ = z.Compress(payload, msg[50:], true)
				got, err := u.Decompress(nil, payload)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("bits %d takeover %v message %d: %v", bits, takeover, i, err)
				}
			}
			z.Close()
		}
	}
}

// The RFC 7692 §7.2.3.1 and §7.2.3.2 examples decode, and a Conn reads
// what a Compressor makes.
func TestCompressorInterop(t *testing.T) {
	u, _ := NewDecompressor(15, true, 0)
	for _, p := range [][]byte{{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, {0xf2, 0x00, 0x11, 0x00, 0x00}} {
		got, err := u.Decompress(nil, p)
		if err != nil || string(got) != "Hello" {
			t.Fatalf("%q %v", got, err)
		}
	}
	z, _ := NewCompressor(6, 15, true)
	c := deflateClient(t, full)
	for i := 0; i < 3; i++ {
		p, _ := z.Compress(nil, []byte("Hello, Hello, Hello"), true)
		got := feedSplit(t, c, frame(true, RSV1, OpText, false, p))
		if len(got) != 1 || got[0].Data != "Hello, Hello, Hello" {
			t.Fatalf("%v", got)
		}
	}
}

func TestDecompressorLimitsAndErrors(t *testing.T) {
	u, _ := NewDecompressor(15, false, 1000)
	if _, err := u.Decompress(nil, compressRaw(t, make([]byte, 5000))); !errors.Is(err, ErrTooBig) {
		t.Fatalf("bomb: %v", err)
	}
	if _, err := u.Decompress(nil, []byte{0xff, 0xff}); err == nil {
		t.Fatal("corrupt data accepted")
	}
	if _, err := NewCompressor(10, 15, true); err == nil {
		t.Fatal("bad level accepted")
	}
	if _, err := NewCompressor(0, 7, true); err == nil {
		t.Fatal("bad window accepted")
	}
	if _, err := NewDecompressor(16, true, 0); err == nil {
		t.Fatal("bad window accepted")
	}
	var b Buffer
	if !b.Set(goAlloc{}, []byte("x")) || string(b.Bytes()) != "x" {
		t.Fatal("Buffer.Set")
	}
	u2, _ := NewDecompressor(15, false, 0)
	if err := u2.DecompressTo(&b, goAlloc{}, []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}); err != nil || string(b.Bytes()) != "Hello" {
		t.Fatalf("DecompressTo: %q %v", b.Bytes(), err)
	}
	b.Release(goAlloc{})
}

// Payloads on either side of the one-pass size decode the same, with the
// history carried across both paths, and a large one is not copied: the
// Go heap grows by far less than the payload.
func TestDecompressorPaths(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	noise := make([]byte, 1<<20)
	rng.Read(noise)
	for _, takeover := range []bool{true, false} {
		z, _ := NewCompressor(6, 15, takeover)
		u, _ := NewDecompressor(15, takeover, -1)
		for _, n := range []int{10, retainMax - 100, retainMax, retainMax + 100, 300 << 10, 1 << 20} {
			msg := append(append([]byte(nil), noise[:n/2]...), noise[:n-n/2]...)
			p, err := z.Compress(nil, msg, true)
			if err != nil {
				t.Fatal(err)
			}
			var b Buffer
			if err := u.DecompressTo(&b, goAlloc{}, p); err != nil || !bytes.Equal(b.Bytes(), msg) {
				t.Fatalf("takeover %v, %d bytes: %v", takeover, n, err)
			}
		}
	}
	z, _ := NewCompressor(1, 15, false)
	p, _ := z.Compress(nil, noise, true)
	u, _ := NewDecompressor(15, false, -1)
	// The output goes to memory allocated beforehand, as the C API's does.
	arena := arenaAlloc(make([]byte, 8<<20))
	var b Buffer
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := u.DecompressTo(&b, arena, p); err != nil || !bytes.Equal(b.Bytes(), noise) {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(len(p))/4 {
		t.Fatalf("decompressing %d bytes allocated %d bytes of Go heap", len(p), grew)
	}
}

// arenaAlloc hands out the start of one slice allocated beforehand.
type arenaAlloc []byte

func (a arenaAlloc) Alloc(n int) []byte {
	if n > len(a) {
		return nil
	}
	return a[:n:n]
}
func (arenaAlloc) Free([]byte) {}
