package ws

import "encoding/binary"

// huffman decodes the data of a block with Huffman codes (§3.2.5) up to
// and including its end-of-block symbol, or until it pauses: when more
// input may follow and fewer bits remain than the longest symbol needs (a
// length/distance pair: 15+5+15+13 = 48 bits), or when the output reached
// s.stop. It reports whether the block ended.
func (s *inflateState) huffman() (bool, error) {
	lit, dist := s.st.lit, s.st.dist
	in := s.in
	_, stopBits := s.fastInput()
	ipos, bitbuf, nbits := s.ipos, s.bitbuf, s.nbits
	dst := s.dst
	opos := s.out.n
	start := s.start
	end := false
	var err error
	for {
		if opos >= s.checkAt {
			s.out.n = opos
			if err = s.validate(opos); err != nil {
				return false, err
			}
		}
		if len(dst)-opos < fastOutMargin && s.maxEnd-opos > fastOutMargin {
			if err = s.grow(opos, 0); err != nil {
				break
			}
			dst = s.dst
		}
		fastOut := min(len(dst)-fastOutMargin, s.maxEnd-fastMaxOut, s.checkAt, s.stop)
		if 8*ipos-int(nbits) <= stopBits && opos <= fastOut {
			s.ipos, s.bitbuf, s.nbits, s.out.n = ipos, bitbuf, nbits, opos
			end, err := s.fast(fastOut)
			if end || err != nil {
				return end, err
			}
			ipos, bitbuf, nbits, opos = s.ipos, s.bitbuf, s.nbits, s.out.n
			continue
		}
		if s.more {
			if opos >= s.stop {
				s.ipos, s.bitbuf, s.nbits, s.out.n = ipos, bitbuf, nbits, opos
				s.pause(false)
				return false, nil
			}
			if int(nbits)-8*s.overrun+8*(len(in)-ipos) < 48 {
				s.ipos, s.bitbuf, s.nbits, s.out.n = ipos, bitbuf, nbits, opos
				s.pause(true)
				return false, nil
			}
		}

		// One symbol, carefully: near the end of the input (refilling a
		// byte at a time in its last 8 bytes) or of the output (checking
		// for room).
		if ipos <= len(in)-8 {
			bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
			ipos += int((63 - nbits) >> 3)
			nbits |= 56
		}
		for nbits <= 56 {
			if ipos < len(in) {
				bitbuf |= uint64(in[ipos]) << nbits
				ipos++
			} else {
				s.overrun++
			}
			nbits += 8
		}
		e := lit[bitbuf&(1<<litTableBits-1)]
		if e&entSubtable != 0 {
			bitbuf >>= litTableBits
			nbits -= litTableBits
			e = lit[(e>>entValShift+uint32(bitbuf)&(1<<(e>>entLenShift&entTotal)-1))&litTableMask]
		}
		v := int(e>>entValShift&0x7fff) + int(bitbuf&(1<<(e&entTotal)-1)>>(e>>entLenShift&entTotal))
		bitbuf >>= e & entTotal
		nbits -= uint(e & entTotal)
		if uint(s.overrun)*8 > nbits {
			err = corrupt(errTruncated)
			break
		}
		if int32(e) < 0 {
			if opos >= len(dst) || opos >= s.maxEnd {
				if err = s.grow(opos, 1); err != nil {
					break
				}
				dst = s.dst
			}
			dst[opos] = byte(v)
			opos++
			continue
		}
		if e&entException != 0 {
			if e&entEnd == 0 {
				err = corrupt(errLitCode)
			}
			end = err == nil
			break
		}
		length := v
		if ipos <= len(in)-8 {
			bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
			ipos += int((63 - nbits) >> 3)
			nbits |= 56
		}
		for nbits <= 56 {
			if ipos < len(in) {
				bitbuf |= uint64(in[ipos]) << nbits
				ipos++
			} else {
				s.overrun++
			}
			nbits += 8
		}
		d := dist[bitbuf&(1<<distTableBits-1)]
		if d&entSubtable != 0 {
			bitbuf >>= distTableBits
			nbits -= distTableBits
			d = dist[(d>>entValShift+uint32(bitbuf)&(1<<(d>>entLenShift&entTotal)-1))&distTableMask]
		}
		distance := int(d>>entValShift) + int(bitbuf&(1<<(d&entTotal)-1)>>(d>>entLenShift&entTotal))
		bitbuf >>= d & entTotal
		nbits -= uint(d & entTotal)
		if uint(s.overrun)*8 > nbits {
			err = corrupt(errTruncated)
			break
		}
		if d&entException != 0 {
			err = corrupt(errDistCode)
			break
		}
		if distance > opos-start+len(s.hist) {
			err = corrupt(errDistTooFar)
			break
		}
		if length > len(dst)-opos || length > s.maxEnd-opos {
			if err = s.grow(opos, length); err != nil {
				break
			}
			dst = s.dst
		}
		if distance > opos-start {
			s.histMatch(dst[start:], opos-start, distance, length)
		} else {
			for i := opos; i < opos+length; i++ {
				dst[i] = dst[i-distance]
			}
		}
		opos += length
	}
	s.ipos, s.bitbuf, s.nbits = ipos, bitbuf, nbits
	s.out.n = opos
	return end, err
}

// fastInput returns the input the fast loop loads from and the bit
// position (of s.in) it may start an iteration at: one that leaves the
// fastNeed bytes an iteration may consume. Where the input's capacity
// holds fastPad bytes past its end, the loads may read there: the bytes
// are never consumed, and the fast loop drops them from the bit buffer
// when it ends. Otherwise an iteration also starts 8 bytes from the end,
// so that its first load stays within the input (its second takes what is
// left a byte at a time when it cannot load 8).
func (s *inflateState) fastInput() (in []byte, stopBits int) {
	in = s.in
	if cap(in)-len(in) >= fastPad {
		return in[:len(in)+fastPad], 8 * (len(s.in) - fastNeed)
	}
	// The 8 bytes of a load at ipos ≤ (bit position + 63) / 8.
	return in, 8 * (len(in) - 16)
}

// fast decodes symbols while the input holds the most bits an iteration
// needs (see fastInput) and the output has not passed fastOut, so that it
// checks neither per symbol. It reports whether it decoded the end of the
// block.
func (s *inflateState) fast(fastOut int) (end bool, err error) {
	lit, dist := s.st.lit, s.st.dist
	n := len(s.in)
	in, stopBits := s.fastInput()
	ipos, bitbuf, nbits := s.ipos, s.bitbuf, s.nbits
	// Positions are relative to the message's start: a distance up to
	// opos is within the output.
	dst := s.dst[s.start:]
	opos := s.out.n - s.start
	fastOut -= s.start
	// nbits is decremented by whole entries, whose low byte is the bits
	// consumed: its low byte stays the bit count (≤ 63), the bits above
	// are garbage (libdeflate's trick: it saves masking the entry).

	// Each iteration starts with ≥ 56 bits and the litlen entry for the
	// next symbol already looked up, so that the lookup overlaps the
	// previous symbol's copy.
	bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
	ipos += 7 - int(nbits>>3&7)
	nbits |= 56
	e := lit[bitbuf&(1<<litTableBits-1)]
	for {
		if int32(e) < 0 {
			// Up to three literals: 45 bits at most.
			bitbuf >>= e & 63
			nbits -= uint(e)
			dst[opos] = byte(e >> entValShift)
			opos++
			e = lit[bitbuf&(1<<litTableBits-1)]
			if int32(e) < 0 {
				bitbuf >>= e & 63
				nbits -= uint(e)
				dst[opos] = byte(e >> entValShift)
				opos++
				e = lit[bitbuf&(1<<litTableBits-1)]
				if int32(e) < 0 {
					bitbuf >>= e & 63
					nbits -= uint(e)
					dst[opos] = byte(e >> entValShift)
					opos++
					// ≥ 11 bits left: enough to look up the next entry,
					// whose codeword is consumed after the refill.
					e = lit[bitbuf&(1<<litTableBits-1)]
					if 8*ipos-int(nbits&63) > stopBits || opos > fastOut {
						break
					}
					bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
					ipos += 7 - int(nbits>>3&7)
					nbits |= 56
					continue
				}
			}
		}
		// ≥ 26 bits left: enough for a length code with its extra bits,
		// even through a subtable.
		if e&entException != 0 {
			if e&entSubtable != 0 {
				bitbuf >>= litTableBits
				nbits -= litTableBits
				e = lit[(e>>entValShift+uint32(bitbuf)&(1<<(e>>entLenShift&entTotal)-1))&litTableMask]
			}
			if int32(e) < 0 {
				bitbuf >>= e & 63
				nbits -= uint(e)
				dst[opos] = byte(e >> entValShift)
				opos++
				e = lit[bitbuf&(1<<litTableBits-1)]
				if 8*ipos-int(nbits&63) > stopBits || opos > fastOut {
					break
				}
				bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
				ipos += 7 - int(nbits>>3&7)
				nbits |= 56
				continue
			}
			if e&entException != 0 {
				bitbuf >>= e & 63
				nbits -= uint(e)
				if e&entEnd == 0 {
					err = corrupt(errLitCode)
				}
				end = true
				break
			}
		}
		length := int(e>>entValShift) + int(bitbuf&(1<<(e&63)-1)>>(e>>entLenShift&63))
		bitbuf >>= e & 63
		nbits -= uint(e)

		// Within 8 bytes of the end of what may be loaded, a byte at a
		// time (the loop then ends below): the bits left, with what the
		// iteration may still consume, are there.
		if ipos <= len(in)-8 {
			bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
			ipos += 7 - int(nbits>>3&7)
			nbits |= 56
		} else {
			for ; nbits&63 < 56 && ipos < n; ipos++ {
				bitbuf |= uint64(in[ipos]) << (nbits & 63)
				nbits += 8
			}
		}
		d := dist[bitbuf&(1<<distTableBits-1)]
		if d&entException != 0 {
			if d&entSubtable != 0 {
				bitbuf >>= distTableBits
				nbits -= distTableBits
				d = dist[(d>>entValShift+uint32(bitbuf)&(1<<(d>>entLenShift&entTotal)-1))&distTableMask]
			}
			if d&entException != 0 {
				err = corrupt(errDistCode)
				break
			}
		}
		distance := int(d>>entValShift) + int(bitbuf&(1<<(d&63)-1)>>(d>>entLenShift&63))
		bitbuf >>= d & 63
		nbits -= uint(d)
		// ≥ 28 bits left.
		e = lit[bitbuf&(1<<litTableBits-1)]

		if distance >= 8 && distance <= opos {
			// Whole words, each reading bytes already written; 32 bytes
			// unconditionally, since most matches are short. The copy may
			// run past the match: the next symbols overwrite those bytes.
			w, r := dst[opos:opos+32], dst[opos-distance:opos-distance+32]
			binary.LittleEndian.PutUint64(w[0:], binary.LittleEndian.Uint64(r[0:]))
			binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(r[8:]))
			binary.LittleEndian.PutUint64(w[16:], binary.LittleEndian.Uint64(r[16:]))
			binary.LittleEndian.PutUint64(w[24:], binary.LittleEndian.Uint64(r[24:]))
			if length > 32 {
				for o, end := opos+32, opos+length; o < end; o += 8 {
					binary.LittleEndian.PutUint64(dst[o:o+8], binary.LittleEndian.Uint64(dst[o-distance:o-distance+8]))
				}
			}
		} else if distance > opos {
			// From the history, in whole words too, 32 bytes at least:
			// they may read past the match's part in the history, which
			// its capacity must hold (else out of line, as are errors). A
			// match that runs on into this message's output continues
			// from there, overwriting what those bytes wrote.
			h, back := s.hist, distance-opos
			n := min(length, back)
			if src := len(h) - back; src >= 0 && src+n+32 <= cap(h) {
				hs := h[src : src+n+32]
				w := dst[opos : opos+32]
				binary.LittleEndian.PutUint64(w[0:], binary.LittleEndian.Uint64(hs[0:]))
				binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(hs[8:]))
				binary.LittleEndian.PutUint64(w[16:], binary.LittleEndian.Uint64(hs[16:]))
				binary.LittleEndian.PutUint64(w[24:], binary.LittleEndian.Uint64(hs[24:]))
				for i := 32; i < n; i += 8 {
					binary.LittleEndian.PutUint64(dst[opos+i:opos+i+8], binary.LittleEndian.Uint64(hs[i:i+8]))
				}
				if o, end := opos+n, opos+length; o < end {
					if distance >= 8 {
						for ; o < end; o += 8 {
							binary.LittleEndian.PutUint64(dst[o:o+8], binary.LittleEndian.Uint64(dst[o-distance:o-distance+8]))
						}
					} else {
						for ; o < end; o++ {
							dst[o] = dst[o-distance]
						}
					}
				}
			} else if !s.histMatch(dst, opos, distance, length) {
				err = corrupt(errDistTooFar)
				break
			}
		} else if distance == 1 {
			v := uint64(dst[opos-1]) * 0x0101010101010101
			for o, end := opos, opos+length; o < end; o += 8 {
				binary.LittleEndian.PutUint64(dst[o:o+8], v)
			}
		} else {
			for o, end := opos, opos+length; o < end; o++ {
				dst[o] = dst[o-distance]
			}
		}
		opos += length
		if 8*ipos-int(nbits&63) > stopBits || opos > fastOut {
			break
		}
		bitbuf |= binary.LittleEndian.Uint64(in[ipos:ipos+8]) << (nbits & 63)
		ipos += 7 - int(nbits>>3&7)
		nbits |= 56
	}
	nbits &= 63
	if ipos > n {
		// Drop the bytes loaded from past the input (none consumed).
		nbits -= uint(8 * (ipos - n))
		bitbuf &= 1<<nbits - 1
		ipos = n
	}
	s.ipos, s.bitbuf, s.nbits = ipos, bitbuf, nbits
	s.out.n = s.start + opos
	return end, err
}

// histMatch copies a match that starts in the history: distance reaches
// before the message's first byte. dst and opos are relative to that byte.
// It reports false if the distance reaches before the history too.
func (s *inflateState) histMatch(dst []byte, opos, distance, length int) bool {
	back := distance - opos // bytes of history to read from
	if back > len(s.hist) {
		return false
	}
	n := copy(dst[opos:opos+length], s.hist[len(s.hist)-back:])
	for i := opos + n; i < opos+length; i++ {
		dst[i] = dst[i-distance]
	}
	return true
}
