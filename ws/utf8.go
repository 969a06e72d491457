package ws

import (
	"encoding/binary"
	"math/bits"
)

// utf8State is an incremental UTF-8 validator (RFC 3629) for text messages
// that arrive in pieces (fragments, partial frames). It fails at the first
// byte after which the input can no longer be completed to valid UTF-8:
// RFC 6455 §8.1 requires failing on invalid data, and Autobahn 6.x checks
// that we fail fast.
//
// The zero value is the "between characters" state.
type utf8State struct {
	need   uint8 // continuation bytes still expected
	lo, hi uint8 // allowed range for the next continuation byte
	count  uint8 // bytes of the unfinished character seen so far
}

// complete reports whether the input so far ends on a character boundary.
func (s *utf8State) complete() bool { return s.need == 0 }

// pending returns how many trailing bytes of the input so far belong to an
// unfinished character (0..3).
func (s *utf8State) pending() int {
	if s.need == 0 {
		return 0
	}
	return int(s.count)
}

// feed validates b as the continuation of the input so far. It returns -1 if
// every byte is acceptable, or the index in b of the first invalid byte;
// after a failure the state is unspecified.
//
// Between characters, ASCII is skipped 32 bytes or a word at a time, and a
// multi-byte character costs one table lookup, as in unicode/utf8.Valid, or
// less inside runs of two- or three-byte characters. feed indexes b rather
// than re-slicing it (each p = p[k:] is a chain of dependent instructions,
// which doubled the time for short inputs) and calls nothing.
func (s *utf8State) feed(b []byte) int {
	n := len(b)
	// Short ASCII messages are the most common input of all: two or four
	// overlapping words, no loop.
	if s.need == 0 && n >= 4 && n <= 32 {
		var w uint64
		if n >= 8 {
			w = binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[n-8:])
			if n > 16 {
				w |= binary.LittleEndian.Uint64(b[8:]) | binary.LittleEndian.Uint64(b[n-16:])
			}
		} else {
			w = uint64(binary.LittleEndian.Uint32(b) | binary.LittleEndian.Uint32(b[n-4:]))
		}
		if w&utf8HiBits == 0 {
			return -1
		}
	}
	i := 0
	vector := n >= asciiScanMin // one vector scan per call, at the first ASCII run
	// Finish a character split across calls.
	for ; s.need > 0; i++ {
		if i == n {
			return -1
		}
		if c := b[i]; c < s.lo || c > s.hi {
			return i
		}
		s.need--
		s.count++
		s.lo, s.hi = 0x80, 0xBF
	}
scan:
	for {
		// ASCII; a word with a non-ASCII byte jumps straight to it.
		if vector && n-i >= asciiScanMin {
			i += asciiPrefix(&b[i], n-i)
			vector = false
		}
		for ; i+32 <= n; i += 32 {
			q := b[i : i+32 : i+32]
			if (binary.LittleEndian.Uint64(q)|binary.LittleEndian.Uint64(q[8:])|
				binary.LittleEndian.Uint64(q[16:])|binary.LittleEndian.Uint64(q[24:]))&utf8HiBits != 0 {
				break
			}
		}
		for ; i+8 <= n; i += 8 {
			if m := binary.LittleEndian.Uint64(b[i:i+8:i+8]) & utf8HiBits; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
		}
		for i < n && b[i] < 0x80 {
			i++
		}
		if i == n {
			return -1
		}
		// Multi-byte characters, for as long as they last.
		for {
			x := utf8Lead[b[i]]
			lo, hi := uint8(x>>8), uint8(x>>16)
			switch x & 7 {
			case 2:
				if i+2 > n {
					break scan
				}
				if q := b[i : i+2 : i+2]; q[1] < lo || q[1] > hi {
					break scan
				}
				i += 2
				// Greek, Cyrillic, Hebrew, Arabic: runs of two-byte
				// characters, C2..DF then 80..BF, need no table.
				for i+2 <= n {
					q := b[i : i+2 : i+2]
					if q[0]-0xC2 > 0xDF-0xC2 || q[1]&0xC0 != 0x80 {
						break
					}
					i += 2
				}
			case 3:
				if i+3 > n {
					break scan
				}
				if q := b[i : i+3 : i+3]; q[1] < lo || q[1] > hi || q[2] < 0x80 || q[2] > 0xBF {
					break scan
				}
				i += 3
				// CJK: runs of three-byte characters with a lead other
				// than E0 and ED (whose second byte is restricted).
				for i+3 <= n {
					q := b[i : i+3 : i+3]
					if q[0]-0xE1 > 0xEF-0xE1 || q[0] == 0xED || q[1]&0xC0 != 0x80 || q[2]&0xC0 != 0x80 {
						break
					}
					i += 3
				}
			case 4:
				if i+4 > n {
					break scan
				}
				if q := b[i : i+4 : i+4]; q[1] < lo || q[1] > hi || q[2] < 0x80 || q[2] > 0xBF || q[3] < 0x80 || q[3] > 0xBF {
					break scan
				}
				i += 4
			default:
				break scan
			}
			if i == n {
				return -1
			}
			if b[i] < 0x80 {
				// One ASCII byte (a space, a comma) between non-Latin
				// words is not worth leaving this loop for.
				if i+1 < n && b[i+1] >= 0x80 {
					i++
					continue
				}
				break
			}
		}
	}
	// b[i] starts a character that is invalid or cut off by the end of b.
	x := utf8Lead[b[i]]
	size := int(x & 7)
	if size == 0 {
		return i
	}
	lo, hi := uint8(x>>8), uint8(x>>16)
	j := i + 1
	for ; j < n && j < i+size; j++ {
		if c := b[j]; c < lo || c > hi {
			return j
		}
		lo, hi = 0x80, 0xBF
	}
	s.need = uint8(i + size - j)
	s.count = uint8(j - i)
	s.lo, s.hi = lo, hi
	return -1
}

// ValidUTF8 reports whether b is entirely valid UTF-8.
func ValidUTF8(b []byte) bool {
	var s utf8State
	return s.feed(b) < 0 && s.complete()
}
