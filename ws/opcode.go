package ws

import "strconv"

// Opcode is a frame opcode (RFC 6455 §5.2): four bits.
type Opcode uint8

// Opcodes defined by RFC 6455 §11.8. 3-7 and 11-15 are reserved; an
// application may claim them for its own extension (Config.AllowOpcodes).
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// IsControl reports whether op is a control opcode (high bit set, §5.5).
func (op Opcode) IsControl() bool { return op&0x8 != 0 }

// IsReserved reports whether op is reserved by RFC 6455 (3-7, 11-15).
func (op Opcode) IsReserved() bool {
	return op > 0xF || (op >= 0x3 && op <= 0x7) || op >= 0xB
}

// String returns the opcode's name as the original Net::WebSocket spells
// frame types ("text", "binary", "continuation", "close", "ping", "pong"),
// or "opcode-N" for others.
func (op Opcode) String() string {
	switch op {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "opcode-" + strconv.Itoa(int(op))
}

// RSV bits as they appear in Header.RSV: RSV1 is 4, RSV2 is 2, RSV3 is 1,
// the same numbering the original Net::WebSocket used.
const (
	RSV1 uint8 = 4
	RSV2 uint8 = 2
	RSV3 uint8 = 1
)
