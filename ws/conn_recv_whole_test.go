package ws

import (
	"bytes"
	"encoding/binary"
	"math/rand"
	"reflect"
	"testing"
)

// TestFeedWholeMatchesGeneralPath: streams of frames the fast path takes
// mixed with ones it must leave (control frames, fragments, RSV bits,
// 64-bit and non-minimal lengths, the wrong masking, invalid or cut UTF-8,
// frames over the limits) give the same events and output fed whole as
// fed one byte at a time (which never takes the fast path).
func TestFeedWholeMatchesGeneralPath(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	texts := []string{"", "a", "ab", "abc", "abcd", "héllo", "κόσμε", "0123456789abcdef", "\xff", "ab\xc3", "\xed\xa0\x80xx",
		"a long line of text that is more than thirty-two bytes", "€€€€€€€€€€€€€€€€", "x\x80yyyyyyyyyy"}
	for round := 0; round < 400; round++ {
		for _, role := range []Role{RoleServer, RoleClient} {
			masked := role == RoleServer
			var wire []byte
			for k := rng.Intn(12); k >= 0; k-- {
				var p []byte
				switch rng.Intn(4) {
				case 0:
					p = bytes.Repeat([]byte("abcdefgh"), rng.Intn(40))
				case 1:
					p = []byte(texts[rng.Intn(len(texts))])
				case 2:
					p = bytes.Repeat([]byte(texts[rng.Intn(len(texts))]), 1+rng.Intn(30))
				default:
					p = make([]byte, rng.Intn(300))
					rng.Read(p)
				}
				op := OpText
				if rng.Intn(3) == 0 {
					op = OpBinary
				}
				switch rng.Intn(40) {
				case 0:
					wire = append(wire, frame(true, 0, OpPing, masked, p[:min(len(p), 125)])...)
				case 1:
					wire = append(wire, frame(false, 0, op, masked, p)...)
					wire = append(wire, frame(true, 0, OpContinuation, masked, p)...)
				case 2:
					wire = append(wire, frame(true, RSV2, op, masked, p)...)
				case 7: // compressed (or, with random bytes, not inflatable)
					wire = append(wire, frame(true, RSV1, op, masked, []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})...)
					wire = append(wire, frame(true, RSV1, op, masked, p)...)
				case 3:
					wire = append(wire, frame(true, 0, op, !masked, p)...)
				case 4: // a 16-bit length for a 7-bit one
					f := frame(true, 0, op, masked, p[:min(len(p), 125)])
					f = append(f[:2:2], append([]byte{0, byte(len(p[:min(len(p), 125)]))}, f[2:]...)...)
					f[1] = f[1]&0x80 | 126
					wire = append(wire, f...)
				case 5: // a 64-bit length
					f := frame(true, 0, op, masked, p)
					var l [8]byte
					binary.BigEndian.PutUint64(l[:], uint64(len(p)))
					hl := 2
					if len(p) > 125 {
						hl = 4
					}
					f = append(append([]byte{f[0], f[1]&0x80 | 127}, l[:]...), f[hl:]...)
					wire = append(wire, f...)
				case 6:
					wire = append(wire, frame(true, 0, Opcode(3), masked, p)...)
				default:
					wire = append(wire, frame(true, 0, op, masked, p)...)
				}
			}
			if rng.Intn(4) == 0 {
				wire = wire[:rng.Intn(len(wire)+1)]
			}
			for _, cfg := range []Config{
				{Role: role},
				{Role: role, MaxFrameSize: 100, MaxMessageSize: 200},
				{Role: role, MaxMessageSize: 50},
				{Role: role, SkipUTF8Validation: true},
				{Role: role, Streaming: true},
				{Role: role, Streaming: true, ChunkPerFrame: true},
				{Role: role, AllowRSV: RSV2, AllowOpcodes: 1 << 3},
				{Role: role, Deflate: &DeflateConfig{}}, // with permessage-deflate agreed
			} {
				var a *Agreement
				if cfg.Deflate != nil {
					a = &Agreement{Deflate: &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}}
				}
				c1, c2 := mustConn(t, &cfg, a), mustConn(t, &cfg, a)
				whole := feedSplit(t, c1, wire)
				bytewise := feedSplit(t, c2, wire, 1)
				if cfg.Streaming {
					if streamingJoin(whole) != streamingJoin(bytewise) {
						t.Fatalf("streaming, role %v: fed whole:\n%v\nbyte by byte:\n%v", role, whole, bytewise)
					}
				} else if !reflect.DeepEqual(whole, bytewise) {
					t.Fatalf("role %v cfg %+v: fed whole:\n%v\nbyte by byte:\n%v", role, cfg, whole, bytewise)
				}
				if role == RoleServer && !bytes.Equal(c1.Output(), c2.Output()) { // a client masks with random keys
					t.Fatalf("role %v: the output differs", role)
				}
			}
		}
	}
}
