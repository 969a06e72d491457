package ws

// utf8HiBits has the top bit of each byte of a word: only non-ASCII bytes
// have it set.
const utf8HiBits = 0x8080808080808080

// utf8Lead describes each possible lead byte as length | lo<<8 | hi<<16,
// where lo..hi is the allowed range of the second byte (RFC 3629 §4).
// Length 0 marks bytes that cannot start a character: continuation bytes,
// C0 and C1 (overlong), F5..FF (beyond U+10FFFF).
var utf8Lead = func() (t [256]uint32) {
	entry := func(size, lo, hi uint32) uint32 { return size | lo<<8 | hi<<16 }
	for c := range 256 {
		switch {
		case c < 0x80:
			t[c] = entry(1, 0, 0)
		case c >= 0xC2 && c <= 0xDF:
			t[c] = entry(2, 0x80, 0xBF)
		case c == 0xE0: // no overlongs
			t[c] = entry(3, 0xA0, 0xBF)
		case c == 0xED: // no surrogates U+D800..U+DFFF
			t[c] = entry(3, 0x80, 0x9F)
		case c >= 0xE1 && c <= 0xEF:
			t[c] = entry(3, 0x80, 0xBF)
		case c == 0xF0: // no overlongs
			t[c] = entry(4, 0x90, 0xBF)
		case c >= 0xF1 && c <= 0xF3:
			t[c] = entry(4, 0x80, 0xBF)
		case c == 0xF4: // nothing above U+10FFFF
			t[c] = entry(4, 0x80, 0x8F)
		}
	}
	return t
}()
