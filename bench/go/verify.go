package main

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
)

// verifyClientOutput re-parses a client's output independently of every
// library under test (frame walker here, compress/flate for inflating): it
// must hold the workload's messages in order, masked, with RSV1 on the first
// frame of each compressed message. It returns the sum of the frames'
// payload lengths (the compressed size for W6c).
func verifyClientOutput(w *workload, out []byte) (int64, error) {
	var payloadBytes int64
	var msg []byte
	compressed := false
	inMsg := false
	n := 0
	var hist []byte // W7: the last 32 KiB of plain text, the peer's window (context takeover)
	for len(out) > 0 {
		if len(out) < 2 {
			return 0, fmt.Errorf("truncated header")
		}
		b0, b1 := out[0], out[1]
		fin, rsv, op := b0&0x80 != 0, (b0>>4)&7, b0&0x0f
		if b1&0x80 == 0 {
			return 0, fmt.Errorf("unmasked client frame")
		}
		l := uint64(b1 & 0x7f)
		h := 2
		switch l {
		case 126:
			l, h = uint64(binary.BigEndian.Uint16(out[2:])), 4
		case 127:
			l, h = binary.BigEndian.Uint64(out[2:]), 10
		}
		if uint64(len(out)) < uint64(h+4)+l {
			return 0, fmt.Errorf("truncated frame")
		}
		key := out[h : h+4]
		p := out[h+4 : h+4+int(l)]
		out = out[h+4+int(l):]
		payloadBytes += int64(l)
		if op >= 8 {
			return 0, fmt.Errorf("unexpected control frame %d", op)
		}
		if !inMsg {
			if op == 0 {
				return 0, fmt.Errorf("continuation without a message")
			}
			if want := byte(2); w.text {
				want = 1
				if op != want {
					return 0, fmt.Errorf("opcode %d, want %d", op, want)
				}
			} else if op != want {
				return 0, fmt.Errorf("opcode %d, want %d", op, want)
			}
			compressed = rsv&4 != 0
			if compressed != w.deflate || rsv&3 != 0 {
				return 0, fmt.Errorf("rsv %d on a message (deflate %v)", rsv, w.deflate)
			}
			inMsg = true
			msg = msg[:0]
		} else if op != 0 || rsv != 0 {
			return 0, fmt.Errorf("opcode %d rsv %d inside a fragmented message", op, rsv)
		}
		for i, c := range p {
			msg = append(msg, c^key[i&3])
		}
		if !fin {
			continue
		}
		inMsg = false
		got := msg
		if compressed {
			src := io.MultiReader(bytes.NewReader(msg), bytes.NewReader([]byte{0, 0, 0xff, 0xff}))
			r := flate.NewReader(src)
			if w.takeover {
				r = flate.NewReaderDict(src, hist)
			}
			var err error
			if got, err = io.ReadAll(r); err != nil && err != io.ErrUnexpectedEOF {
				return 0, fmt.Errorf("message %d: inflate: %v", n, err)
			}
		}
		if n >= w.count || !bytes.Equal(got, w.payloads[n]) {
			return 0, fmt.Errorf("message %d differs", n)
		}
		if w.takeover {
			hist = append(hist, got...)
			if len(hist) > 32<<10 {
				hist = append(hist[:0:0], hist[len(hist)-32<<10:]...)
			}
		}
		n++
	}
	if inMsg || n != w.count {
		return 0, fmt.Errorf("%d messages, want %d", n, w.count)
	}
	return payloadBytes, nil
}
