package ws

import (
	"errors"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

type parsed struct {
	H    Header
	Data string
	Err  string
}

// parseAll runs a parser over b in pieces and returns complete frames.
func parseAll(cfg ParserConfig, b []byte, next func(rest int) int) []parsed {
	p := NewParser(cfg)
	var out []parsed
	var cur []byte
	for len(b) > 0 {
		k := next(len(b))
		chunk := b[:k]
		b = b[k:]
		for len(chunk) > 0 {
			seg, n, err := p.Parse(chunk)
			if err != nil {
				var e *Error
				errors.As(err, &e)
				return append(out, parsed{Err: e.Msg})
			}
			if n == 0 {
				panic("Parse made no progress")
			}
			chunk = chunk[n:]
			d := make([]byte, len(seg.Data))
			unmaskInto(d, &seg)
			cur = append(cur, d...)
			if seg.End {
				out = append(out, parsed{H: seg.Header, Data: string(cur)})
				cur = nil
			}
		}
	}
	return out
}

func TestParserAnySplitGivesSameFrames(t *testing.T) {
	big := strings.Repeat("x", 70000)
	stream := cat(
		cframe(true, OpText, "Hello"),
		cframe(false, OpBinary, "frag1"),
		cframe(true, OpPing, "in between"),
		cframe(false, OpContinuation, ""),
		cframe(true, OpContinuation, "frag3"),
		cframe(true, OpBinary, strings.Repeat("m", 300)),
		cframe(true, OpBinary, big),
		cframe(true, OpPong, ""),
		cframe(true, OpClose, closePayload(1000, "bye")),
	)
	cfg := ParserConfig{Role: RoleServer}
	whole := parseAll(cfg, stream, func(n int) int { return n })
	if len(whole) != 9 || whole[6].Data != big || whole[2].Data != "in between" {
		t.Fatalf("whole-buffer parse wrong: %d frames", len(whole))
	}
	if got := parseAll(cfg, stream, func(int) int { return 1 }); !reflect.DeepEqual(got, whole) {
		t.Fatal("byte-at-a-time parse differs")
	}
	for seed := int64(0); seed < 50; seed++ {
		rng := rand.New(rand.NewSource(seed))
		got := parseAll(cfg, stream, func(n int) int { return 1 + rng.Intn(min(n, 1+rng.Intn(200))) })
		if !reflect.DeepEqual(got, whole) {
			t.Fatalf("seed %d: random split parse differs", seed)
		}
	}
}

func TestParserNeed(t *testing.T) {
	p := NewParser(ParserConfig{Role: RoleClient})
	wire := sframe(true, OpBinary, strings.Repeat("a", 300)) // 4-byte header
	if n := p.Need(); n != 2 {
		t.Fatalf("Need at start = %d, want 2", n)
	}
	p.Parse(wire[:1])
	if n := p.Need(); n != 1 {
		t.Fatalf("Need after 1 byte = %d, want 1", n)
	}
	p.Parse(wire[1:2])
	if n := p.Need(); n != 2 {
		t.Fatalf("Need after 2 bytes of a 4-byte header = %d, want 2 (the length is not known yet)", n)
	}
	p.Parse(wire[2:3])
	if n := p.Need(); n != 1 {
		t.Fatalf("Need after 3 bytes of a 4-byte header = %d, want 1", n)
	}
	p.Parse(wire[3:4])
	if n := p.Need(); n != 300 {
		t.Fatalf("Need after header = %d, want 300", n)
	}
	p.Parse(wire[4:104])
	if n := p.Need(); n != 200 {
		t.Fatalf("Need after 100 payload bytes = %d, want 200", n)
	}
	p.Parse(wire[104:])
	if n := p.Need(); n != 2 {
		t.Fatalf("Need after frame = %d, want 2", n)
	}
}

// Once the length is known, Need asks for the rest of the header and the
// payload together: two reads per frame for a read(N) host.
func TestParserNeedWholeFrame(t *testing.T) {
	for _, size := range []int{0, 5, 125, 126, 300, 70000} {
		wire := cframe(true, OpBinary, strings.Repeat("x", size))
		p := NewParser(ParserConfig{Role: RoleServer})
		var reads int
		for b := wire; len(b) > 0; reads++ {
			n := int(p.Need())
			p.Parse(b[:n])
			b = b[n:]
		}
		want := 2
		if size >= 126 {
			want = 3 // the 16- or 64-bit length field comes first
		}
		if size == 0 {
			want = 2
		}
		if reads != want || p.Need() != 2 {
			t.Errorf("payload %d: %d reads, want %d", size, reads, want)
		}
	}
	// A long length field, once complete, is known too.
	p := NewParser(ParserConfig{Role: RoleServer})
	wire := cframe(true, OpBinary, strings.Repeat("y", 70000))
	p.Parse(wire[:10])
	if n := p.Need(); n != 4+70000 {
		t.Fatalf("Need with the 64-bit length known = %d", n)
	}
}

func TestParserRules(t *testing.T) {
	tests := []struct {
		name string
		cfg  ParserConfig
		wire []byte
		code CloseCode // 0: accepted
	}{
		{"server accepts masked", ParserConfig{Role: RoleServer}, cframe(true, OpText, "a"), 0},
		{"server rejects unmasked (§5.1)", ParserConfig{Role: RoleServer}, sframe(true, OpText, "a"), 1002},
		{"client accepts unmasked", ParserConfig{Role: RoleClient}, sframe(true, OpText, "a"), 0},
		{"client rejects masked (§5.1)", ParserConfig{Role: RoleClient}, cframe(true, OpText, "a"), 1002},
		{"RSV1 without extension", ParserConfig{Role: RoleClient}, frame(true, RSV1, OpText, false, nil), 1002},
		{"RSV2 without extension", ParserConfig{Role: RoleClient}, frame(true, RSV2, OpText, false, nil), 1002},
		{"RSV3 without extension", ParserConfig{Role: RoleClient}, frame(true, RSV3, OpPing, false, nil), 1002},
		{"RSV2 claimed", ParserConfig{Role: RoleClient, AllowRSV: RSV2}, frame(true, RSV2, OpText, false, nil), 0},
		{"deflate RSV1 on text", ParserConfig{Role: RoleClient, Deflate: true}, frame(true, RSV1, OpText, false, nil), 0},
		{"deflate RSV1 on binary", ParserConfig{Role: RoleClient, Deflate: true}, frame(true, RSV1, OpBinary, false, nil), 0},
		{"deflate RSV1 on ping (RFC 7692 §6.1)", ParserConfig{Role: RoleClient, Deflate: true}, frame(true, RSV1, OpPing, false, nil), 1002},
		{"deflate RSV1 on continuation (RFC 7692 §6.1)", ParserConfig{Role: RoleClient, Deflate: true}, cat(sframe(false, OpText, "a"), frame(true, RSV1, OpContinuation, false, nil)), 1002},
		{"reserved opcode 3", ParserConfig{Role: RoleClient}, sframe(true, 3, ""), 1002},
		{"reserved opcode 7", ParserConfig{Role: RoleClient}, sframe(true, 7, ""), 1002},
		{"reserved opcode 11", ParserConfig{Role: RoleClient}, sframe(true, 11, ""), 1002},
		{"reserved opcode 15", ParserConfig{Role: RoleClient}, sframe(true, 15, ""), 1002},
		{"claimed opcode 3", ParserConfig{Role: RoleClient, AllowOpcodes: 1 << 3}, sframe(true, 3, "x"), 0},
		{"claimed opcode 11", ParserConfig{Role: RoleClient, AllowOpcodes: 1 << 11}, sframe(true, 11, "x"), 0},
		{"continuation without message (§5.4)", ParserConfig{Role: RoleClient}, sframe(true, OpContinuation, "a"), 1002},
		{"new message inside fragmented one (§5.4)", ParserConfig{Role: RoleClient}, cat(sframe(false, OpText, "a"), sframe(true, OpBinary, "b")), 1002},
		{"control inside fragmented message", ParserConfig{Role: RoleClient}, cat(sframe(false, OpText, "a"), sframe(true, OpPing, ""), sframe(true, OpContinuation, "b")), 0},
		{"frame over MaxFrameSize", ParserConfig{Role: RoleClient, MaxFrameSize: 10}, sframe(true, OpBinary, "12345678901"), 1009},
		{"frame at MaxFrameSize", ParserConfig{Role: RoleClient, MaxFrameSize: 10}, sframe(true, OpBinary, "1234567890"), 0},
		{"message over MaxMessageSize", ParserConfig{Role: RoleClient, MaxMessageSize: 10}, cat(sframe(false, OpBinary, "123456"), sframe(true, OpContinuation, "78901")), 1009},
		{"message at MaxMessageSize", ParserConfig{Role: RoleClient, MaxMessageSize: 10}, cat(sframe(false, OpBinary, "123456"), sframe(true, OpContinuation, "7890")), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewParser(tt.cfg)
			b := tt.wire
			var err error
			for len(b) > 0 && err == nil {
				var n int
				_, n, err = p.Parse(b)
				b = b[n:]
			}
			var e *Error
			switch {
			case tt.code == 0 && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.code != 0 && (!errors.As(err, &e) || e.CloseCode != tt.code):
				t.Fatalf("error %v, want close code %d", err, tt.code)
			}
			if tt.code != 0 {
				// Errors are sticky.
				if _, _, err2 := p.Parse([]byte{0x81}); err2 != err || p.Err() != err || p.Need() != 0 {
					t.Fatalf("error not sticky: %v", err2)
				}
			}
		})
	}
}

func TestParserFragmentState(t *testing.T) {
	p := NewParser(ParserConfig{Role: RoleClient})
	parse := func(b []byte) {
		for len(b) > 0 {
			_, n, err := p.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			b = b[n:]
		}
	}
	parse(sframe(false, OpText, "a"))
	if !p.InMessage() {
		t.Fatal("InMessage false after first fragment")
	}
	parse(sframe(true, OpPing, ""))
	if !p.InMessage() {
		t.Fatal("a control frame ended the message")
	}
	parse(sframe(true, OpContinuation, "b"))
	if p.InMessage() {
		t.Fatal("InMessage true after final fragment")
	}
}
