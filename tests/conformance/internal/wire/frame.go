// Package wire builds and reads WebSocket frames and HTTP heads by hand
// (RFC 6455 §5.2, §4). It deliberately shares no code with package ws: the
// conformance driver must not inherit the bugs of the library it judges.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Opcodes (RFC 6455 §5.2, §11.8).
const (
	OpContinuation = 0x0
	OpText         = 0x1
	OpBinary       = 0x2
	OpClose        = 0x8
	OpPing         = 0x9
	OpPong         = 0xA
)

// RSV bits as Autobahn numbers them in its cases: rsv=1 is RSV3 ... rsv=4
// is RSV1 (the value of the three bits read as a number, RSV1 the highest).
const (
	RSV1 = 4
	RSV2 = 2
	RSV3 = 1
)

// IsControl reports whether op is a control opcode (§5.5).
func IsControl(op byte) bool { return op&0x8 != 0 }

// IsReserved reports whether op is reserved (3-7, 11-15).
func IsReserved(op byte) bool { return (op >= 3 && op <= 7) || op >= 11 }

// AppendFrame appends one frame to dst: FIN, the three RSV bits (rsv as a
// 3-bit number, RSV1 = 4), the opcode, the minimal length encoding and,
// when mask is not nil, the masking key and the masked payload. Nothing
// is checked: the driver sends invalid frames on purpose.
func AppendFrame(dst []byte, fin bool, rsv, op byte, payload []byte, mask *[4]byte) []byte {
	b0 := (rsv&7)<<4 | op&0x0f
	if fin {
		b0 |= 0x80
	}
	var b1 byte
	if mask != nil {
		b1 = 0x80
	}
	n := len(payload)
	switch {
	case n <= 125:
		dst = append(dst, b0, b1|byte(n))
	case n <= 0xffff:
		dst = append(dst, b0, b1|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if mask == nil {
		return append(dst, payload...)
	}
	dst = append(dst, mask[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	for i := range payload {
		dst[start+i] ^= mask[i&3]
	}
	return dst
}

// Header is a decoded frame header.
type Header struct {
	Fin        bool
	RSV        byte // RSV1 = 4, RSV2 = 2, RSV3 = 1
	Opcode     byte
	Masked     bool
	Mask       [4]byte
	Length     uint64
	NonMinimal bool // the length used more bytes than needed (§5.2: MUST be minimal)
	TopBit     bool // the 64-bit length had its most significant bit set (§5.2: MUST be 0)
}

// ReadHeader reads one frame header from r.
func ReadHeader(r io.Reader) (Header, error) {
	var h Header
	var b [8]byte
	if _, err := io.ReadFull(r, b[:2]); err != nil {
		return h, err
	}
	h.Fin = b[0]&0x80 != 0
	h.RSV = (b[0] >> 4) & 7
	h.Opcode = b[0] & 0x0f
	h.Masked = b[1]&0x80 != 0
	n := uint64(b[1] & 0x7f)
	switch n {
	case 126:
		if _, err := io.ReadFull(r, b[:2]); err != nil {
			return h, unexpected(err)
		}
		n = uint64(binary.BigEndian.Uint16(b[:2]))
		h.NonMinimal = n <= 125
	case 127:
		if _, err := io.ReadFull(r, b[:8]); err != nil {
			return h, unexpected(err)
		}
		n = binary.BigEndian.Uint64(b[:8])
		h.TopBit = n>>63 != 0
		h.NonMinimal = n <= 0xffff
	}
	h.Length = n
	if h.Masked {
		if _, err := io.ReadFull(r, h.Mask[:]); err != nil {
			return h, unexpected(err)
		}
	}
	return h, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Unmask XORs p in place with key, starting at key offset 0.
func Unmask(key [4]byte, p []byte) {
	for i := range p {
		p[i] ^= key[i&3]
	}
}

// ClosePayload builds a close frame payload: a 2-byte code (when code >= 0)
// followed by reason. code < 0 gives an empty payload (no status code).
func ClosePayload(code int, reason []byte) []byte {
	if code < 0 {
		return nil
	}
	p := []byte{byte(code >> 8), byte(code)}
	return append(p, reason...)
}

// ValidCloseCode reports whether code may appear in a close frame on the
// wire (§7.4.1, §7.4.2 and the IANA registry): 1000-1003, 1007-1014 and
// 3000-4999. 1004-1006 and 1015 are reserved and never sent.
func ValidCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003:
		return true
	case code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// CheckClosePayload checks a received close payload (§5.5.1, §7.4): empty,
// or a valid code followed by a UTF-8 reason. It returns the code (-1 when
// absent) and the reason.
func CheckClosePayload(p []byte) (code int, reason []byte, err error) {
	switch {
	case len(p) == 0:
		return -1, nil, nil
	case len(p) == 1:
		return -1, nil, errors.New("close frame with a 1-byte payload")
	}
	code = int(binary.BigEndian.Uint16(p))
	reason = p[2:]
	if !ValidCloseCode(code) {
		return code, reason, fmt.Errorf("close frame with invalid code %d", code)
	}
	if !utf8.Valid(reason) {
		return code, reason, fmt.Errorf("close frame with a reason that is not UTF-8 (% x)", reason)
	}
	return code, reason, nil
}
