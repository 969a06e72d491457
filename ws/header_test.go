package ws

import (
	"bytes"
	"errors"
	"testing"
)

// RFC 6455 §5.7 examples, decoded header by header.
func TestParseHeaderRFCExamples(t *testing.T) {
	long := func(prefix []byte, n int) []byte { return append(append([]byte{}, prefix...), make([]byte, n)...) }
	tests := []struct {
		name string
		wire []byte
		want Header
		hlen int
	}{
		{"unmasked text", []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, Header{Fin: true, Opcode: OpText, Length: 5}, 2},
		{"masked text", []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, Header{Fin: true, Opcode: OpText, Masked: true, Mask: rfcMaskKey, Length: 5}, 6},
		{"first fragment", []byte{0x01, 0x03, 0x48, 0x65, 0x6c}, Header{Opcode: OpText, Length: 3}, 2},
		{"last fragment", []byte{0x80, 0x02, 0x6c, 0x6f}, Header{Fin: true, Opcode: OpContinuation, Length: 2}, 2},
		{"ping", []byte{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, Header{Fin: true, Opcode: OpPing, Length: 5}, 2},
		{"masked pong", []byte{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, Header{Fin: true, Opcode: OpPong, Masked: true, Mask: rfcMaskKey, Length: 5}, 6},
		{"256 bytes", long([]byte{0x82, 0x7e, 0x01, 0x00}, 256), Header{Fin: true, Opcode: OpBinary, Length: 256}, 4},
		{"64 KiB", long([]byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}, 65536), Header{Fin: true, Opcode: OpBinary, Length: 65536}, 10},
		{"rsv bits", []byte{0xf2, 0x00}, Header{Fin: true, RSV: 7, Opcode: OpBinary}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, n, err := ParseHeader(tt.wire)
			if err != nil || n != tt.hlen || h != tt.want {
				t.Fatalf("ParseHeader = %+v, %d, %v; want %+v, %d", h, n, err, tt.want, tt.hlen)
			}
			if got := h.Len(); got != tt.hlen {
				t.Errorf("Len = %d, want %d", got, tt.hlen)
			}
			// Round trip: encoding gives the same bytes.
			if enc := AppendHeader(nil, &h); !bytes.Equal(enc, tt.wire[:tt.hlen]) {
				t.Errorf("AppendHeader = %x, want %x", enc, tt.wire[:tt.hlen])
			}
			// Every shorter prefix asks for more, with the right count.
			for i := 0; i < tt.hlen; i++ {
				if _, n, err := ParseHeader(tt.wire[:i]); n != 0 || err != nil {
					t.Fatalf("prefix %d: n=%d err=%v, want need-more", i, n, err)
				}
				if need := HeaderNeed(tt.wire[:i]); (i < 2 && need != 2) || (i >= 2 && need != tt.hlen) {
					t.Fatalf("HeaderNeed(prefix %d) = %d", i, need)
				}
			}
		})
	}
}

func TestAppendHeaderLengthEncodings(t *testing.T) {
	for _, tt := range []struct {
		length int64
		hlen   int
	}{{0, 2}, {125, 2}, {126, 4}, {0xFFFF, 4}, {0x10000, 10}, {1 << 40, 10}} {
		h := Header{Fin: true, Opcode: OpBinary, Length: tt.length}
		b := AppendHeader(nil, &h)
		if len(b) != tt.hlen {
			t.Errorf("length %d: header is %d bytes, want %d (minimal encoding, §5.2)", tt.length, len(b), tt.hlen)
		}
		got, n, err := ParseHeader(b)
		if err != nil || n != tt.hlen || got.Length != tt.length {
			t.Errorf("length %d: parsed %+v %d %v", tt.length, got, n, err)
		}
	}
}

func TestParseHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
	}{
		{"16-bit length below 126", []byte{0x82, 0x7e, 0x00, 0x7d}},
		{"64-bit length below 65536", []byte{0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff}},
		{"64-bit length with MSB set", []byte{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}},
		{"fragmented ping", []byte{0x09, 0x00}},
		{"fragmented close", []byte{0x08, 0x00}},
		{"ping of 126 bytes", []byte{0x89, 0x7e, 0x00, 0x7e}},
		{"custom control op fragmented", []byte{0x0b, 0x00}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, n, err := ParseHeader(tt.wire)
			var e *Error
			if !errors.As(err, &e) || e.CloseCode != CloseProtocolError || n != 0 {
				t.Fatalf("ParseHeader = %d, %v; want a 1002 protocol error", n, err)
			}
			if !errors.Is(err, ErrProtocol) {
				t.Errorf("error %v does not match ErrProtocol", err)
			}
		})
	}
}

func TestHeaderCheck(t *testing.T) {
	good := []Header{{Fin: true, Opcode: OpText, Length: 1 << 40}, {Fin: true, Opcode: OpPing, Length: 125}, {Opcode: OpBinary}, {Fin: true, Opcode: 3, RSV: 7}}
	bad := []Header{{Fin: false, Opcode: OpPing}, {Fin: true, Opcode: OpClose, Length: 126}, {Opcode: 16}, {RSV: 8}, {Length: -1}}
	for _, h := range good {
		if err := h.Check(); err != nil {
			t.Errorf("%+v: %v", h, err)
		}
	}
	for _, h := range bad {
		if err := h.Check(); err == nil {
			t.Errorf("%+v accepted", h)
		}
	}
}
