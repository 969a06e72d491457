package ws

import "encoding/binary"

// utf8State is the state of an incremental UTF-8 validator that can be fed
// a text message in pieces (fragments, partial frames) and fails at the
// first byte that cannot begin or continue a valid sequence (RFC 6455 §8.1
// requires failing on invalid data; Autobahn 6.x checks it fails fast).
//
// The zero value is the "between characters" state.
type utf8State struct {
	need  uint8 // continuation bytes still expected
	lo    uint8 // allowed range for the next continuation byte
	hi    uint8
	count uint8 // bytes of the current sequence seen so far (for Pending)
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
// every byte is acceptable, or the index in b of the first invalid byte.
func (s *utf8State) feed(b []byte) int {
	i := 0
	n := len(b)
	for i < n {
		if s.need == 0 {
			// Fast path: eight ASCII bytes at a time.
			for i+8 <= n && binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 == 0 {
				i += 8
			}
			if i >= n {
				break
			}
			c := b[i]
			if c < 0x80 {
				i++
				continue
			}
			// Lead byte (RFC 3629 §4): pick the number of continuation bytes
			// and the range of the first one, which excludes overlongs,
			// surrogates and code points above U+10FFFF.
			switch {
			case c >= 0xC2 && c <= 0xDF:
				s.need, s.lo, s.hi = 1, 0x80, 0xBF
			case c == 0xE0:
				s.need, s.lo, s.hi = 2, 0xA0, 0xBF
			case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
				s.need, s.lo, s.hi = 2, 0x80, 0xBF
			case c == 0xED:
				s.need, s.lo, s.hi = 2, 0x80, 0x9F
			case c == 0xF0:
				s.need, s.lo, s.hi = 3, 0x90, 0xBF
			case c >= 0xF1 && c <= 0xF3:
				s.need, s.lo, s.hi = 3, 0x80, 0xBF
			case c == 0xF4:
				s.need, s.lo, s.hi = 3, 0x80, 0x8F
			default:
				return i
			}
			s.count = 1
			i++
			continue
		}
		c := b[i]
		if c < s.lo || c > s.hi {
			return i
		}
		s.need--
		s.count++
		s.lo, s.hi = 0x80, 0xBF
		i++
	}
	return -1
}

// ValidUTF8 reports whether b is entirely valid UTF-8.
func ValidUTF8(b []byte) bool {
	var s utf8State
	return s.feed(b) < 0 && s.complete()
}
