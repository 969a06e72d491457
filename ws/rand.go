package ws

import (
	crand "crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"sync"
)

// Masking keys must be unpredictable (RFC 6455 §5.3, §10.3: "derived from a
// strong source of entropy"). A ChaCha8 generator seeded from the operating
// system is a CSPRNG and costs nanoseconds, not a system call; connections
// take keys from it in batches so the lock is taken once per batch.

var csprng struct {
	sync.Mutex
	g *rand.ChaCha8
}

// readRandom fills b with cryptographically strong random bytes.
func readRandom(b []byte) {
	csprng.Lock()
	if csprng.g == nil {
		var seed [32]byte
		if _, err := crand.Read(seed[:]); err != nil {
			// crypto/rand never fails on supported platforms; continuing
			// with a predictable key would be worse than stopping.
			csprng.Unlock()
			panic("ws: no operating system randomness: " + err.Error())
		}
		csprng.g = rand.NewChaCha8(seed)
	}
	// Whole words straight from the generator: Read's buffering and copy
	// cost as much again for a batch of masking keys.
	g := csprng.g
	for ; len(b) >= 8; b = b[8:] {
		binary.LittleEndian.PutUint64(b, g.Uint64())
	}
	if len(b) > 0 {
		_, _ = g.Read(b)
	}
	csprng.Unlock()
}

// maskSource hands out masking keys, refilling a small batch at a time.
type maskSource struct {
	buf [32]byte
	n   uint8 // keys already used from buf
}

// next returns a fresh masking key.
func (m *maskSource) next() [4]byte {
	if m.n == 0 || int(m.n) >= len(m.buf)/4 {
		readRandom(m.buf[:])
		m.n = 0
	}
	i := 4 * int(m.n)
	m.n++
	return [4]byte(m.buf[i : i+4])
}

// NewMaskKey returns a masking key from the library's CSPRNG.
func NewMaskKey() [4]byte {
	var k [4]byte
	readRandom(k[:])
	return k
}

// RandomBytes fills b from the library's CSPRNG (ChaCha8 seeded by the
// operating system): for bindings that keep a pool of masking keys.
func RandomBytes(b []byte) {
	for len(b) > 0 { // a chunk at a time: other connections share the lock
		n := min(len(b), 4096)
		readRandom(b[:n])
		b = b[n:]
	}
}

// randomKey returns a fresh Sec-WebSocket-Key: base64 of 16 random bytes.
func randomKey() string {
	var b [16]byte
	readRandom(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// randomUint64 returns a random 64-bit value.
func randomUint64() uint64 {
	var b [8]byte
	readRandom(b[:])
	return binary.LittleEndian.Uint64(b[:])
}
