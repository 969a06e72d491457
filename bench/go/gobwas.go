package main

import (
	"bufio"
	"compress/flate"
	"fmt"
	"io"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
	"github.com/gobwas/ws/wsutil"
)

// gobwas/ws over an in-memory reader (bufio, 64 KiB), past the handshake
// (gobwas works on any io.Reader/io.Writer).
//
// "gobwas": its message API, wsutil.Reader (fragments, control frames, RFC
// checks) with CheckUTF8 on text; each message read into one reused buffer.
// W6d: wsflate.Reader over compress/flate (reset per message), as its README
// shows. Client: wsutil.WriteClientMessage per message (copies and masks),
// into a 64 KiB bufio.Writer; W6c: wsflate.Writer (compress/flate level 6)
// into a wsutil.Writer with a buffer that holds a whole message.
//
// "gobwas-frames": its low-level frame API, ws.ReadHeader + io.ReadFull +
// ws.Cipher — the floor of what gobwas costs (no UTF-8 check, no message
// assembly); server side, W1-W4 only.

type gobwasServer struct {
	w   *workload
	rd  *wsutil.Reader
	msg wsflate.MessageState
	fr  *wsflate.Reader
	buf []byte
}

// flateReader gives compress/flate's reader the Reset(io.Reader) that
// wsflate looks for, so one decompressor is reused (not one per message).
type flateReader struct{ io.ReadCloser }

func (f *flateReader) Reset(r io.Reader) { f.ReadCloser.(flate.Resetter).Reset(r, nil) }

func newGobwasServer(w *workload) (serverRunner, error) {
	if w.takeover {
		return nil, nil // wsflate resets its flate reader per message: no context takeover
	}
	br := bufio.NewReaderSize(&memConn{slices: w.slices}, feedChunk)
	s := &gobwasServer{w: w, buf: make([]byte, 0, 64<<10)}
	s.rd = &wsutil.Reader{Source: br, State: ws.StateServerSide, CheckUTF8: !w.deflate}
	if w.deflate {
		s.rd.State |= ws.StateExtended
		s.rd.Extensions = []wsutil.RecvExtension{&s.msg}
		s.fr = wsflate.NewReader(nil, func(r io.Reader) wsflate.Decompressor {
			return &flateReader{flate.NewReader(r)}
		})
	}
	return s, nil
}

func (s *gobwasServer) pass() (int, uint32, error) {
	n, sum := 0, uint32(0)
	for n < s.w.count {
		h, err := s.rd.NextFrame()
		if err != nil {
			return n, sum, err
		}
		if h.OpCode.IsControl() {
			return n, sum, fmt.Errorf("unexpected control frame")
		}
		var r io.Reader = s.rd
		if s.w.deflate && s.msg.IsCompressed() {
			s.fr.Reset(s.rd)
			r = s.fr
		}
		if s.buf, err = readAll(r, s.buf); err != nil {
			return n, sum, err
		}
		sum += sum2(s.buf)
		n++
	}
	return n, sum, nil
}

type gobwasRawServer struct {
	w   *workload
	br  *bufio.Reader
	buf []byte
}

func newGobwasRawServer(w *workload) (serverRunner, error) {
	if w.deflate {
		return nil, nil
	}
	return &gobwasRawServer{w: w, br: bufio.NewReaderSize(&memConn{slices: w.slices}, feedChunk)}, nil
}

func (s *gobwasRawServer) pass() (int, uint32, error) {
	n, sum := 0, uint32(0)
	for n < s.w.count {
		h, err := ws.ReadHeader(s.br)
		if err != nil {
			return n, sum, err
		}
		if !h.Fin || h.OpCode.IsControl() || !h.Masked {
			return n, sum, fmt.Errorf("unexpected frame %+v", h)
		}
		if int64(cap(s.buf)) < h.Length {
			s.buf = make([]byte, h.Length)
		}
		p := s.buf[:h.Length]
		if _, err := io.ReadFull(s.br, p); err != nil {
			return n, sum, err
		}
		ws.Cipher(p, h.Mask, 0)
		sum += sum2(p)
		n++
	}
	return n, sum, nil
}

type gobwasClient struct {
	w   *workload
	mc  *memConn
	bw  *bufio.Writer
	wr  *wsutil.Writer
	fw  *wsflate.Writer
	msg wsflate.MessageState
}

func newGobwasClient(w *workload) (clientRunner, error) {
	if w.takeover {
		return nil, nil // wsflate resets its flate writer per message: no context takeover
	}
	mc := &memConn{}
	s := &gobwasClient{w: w, mc: mc, bw: bufio.NewWriterSize(mc, feedChunk)}
	if w.deflate {
		s.wr = wsutil.NewWriterSize(s.bw, ws.StateClientSide|ws.StateExtended, ws.OpText, 2*w.size)
		s.msg.SetCompressed(true)
		s.wr.SetExtensions(&s.msg)
		s.fw = wsflate.NewWriter(nil, func(w io.Writer) wsflate.Compressor {
			f, _ := flate.NewWriter(w, 6)
			return f
		})
	}
	return s, nil
}

func (s *gobwasClient) pass(capture *[]byte) (int64, error) {
	s.mc.capture = capture
	s.mc.written = 0
	op := ws.OpBinary
	if s.w.text {
		op = ws.OpText
	}
	for _, p := range s.w.payloads {
		if s.w.deflate {
			s.wr.ResetOp(op)
			s.fw.Reset(s.wr)
			if _, err := s.fw.Write(p); err != nil {
				return 0, err
			}
			if err := s.fw.Flush(); err != nil {
				return 0, err
			}
			if err := s.wr.Flush(); err != nil {
				return 0, err
			}
			if err := s.bw.Flush(); err != nil { // drained after every message
				return 0, err
			}
			continue
		}
		if err := wsutil.WriteClientMessage(s.bw, op, p); err != nil {
			return 0, err
		}
		if err := s.bw.Flush(); err != nil { // drained after every message
			return 0, err
		}
	}
	if err := s.bw.Flush(); err != nil {
		return 0, err
	}
	s.mc.capture = nil
	return s.mc.written, nil
}
