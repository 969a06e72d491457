package main

import (
	"fmt"

	"github.com/libws/libws/ws"
)

// libws through its Go API: one long-lived connection (opened with
// ws.NewConn, as after a handshake), Feed per 64 KiB slice, NextEvent until
// none; messages are views into the connection's buffer (valid until the
// next Feed). Text is UTF-8 validated (the default).

var noTakeover = &ws.DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true,
	ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}

// W7: context takeover both ways, 15 window bits.
var takeover = &ws.DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}

func libwsConn(role ws.Role, w *workload) (*ws.Conn, error) {
	cfg := &ws.Config{Role: role, MaxMessageSize: -1, MaxFrameSize: -1}
	var agreed *ws.Agreement
	switch {
	case w.takeover:
		cfg.Deflate = &ws.DeflateConfig{}
		agreed = &ws.Agreement{Deflate: takeover}
	case w.deflate:
		cfg.Deflate = &ws.DeflateConfig{ServerNoContextTakeover: true, ClientNoContextTakeover: true}
		agreed = &ws.Agreement{Deflate: noTakeover}
	}
	return ws.NewConn(cfg, agreed)
}

type libwsServer struct {
	w *workload
	c *ws.Conn
}

func newLibwsServer(w *workload) (serverRunner, error) {
	c, err := libwsConn(ws.RoleServer, w)
	return &libwsServer{w, c}, err
}

func (s *libwsServer) memory() int { return s.c.Memory() }

func (s *libwsServer) pass() (int, uint32, error) {
	n, sum := 0, uint32(0)
	for _, sl := range s.w.slices {
		for len(sl) > 0 {
			k, err := s.c.Feed(sl)
			if err != nil {
				return n, sum, err
			}
			sl = sl[k:]
			for e, ok := s.c.NextEvent(); ok; e, ok = s.c.NextEvent() {
				if e.Type != ws.EventText && e.Type != ws.EventBinary {
					return n, sum, errEvent(e.Type.String(), string(e.Data))
				}
				sum += sum2(e.Data)
				n++
			}
		}
	}
	return n, sum, nil
}

// "libws-frames": libws's low-level frame API, ws.Parser, driven as the
// gobwas-frames contender drives gobwas's: parse each frame, unmask its
// payload into one reused buffer, deliver it (the checksum) — no UTF-8
// check, no message assembly, no events. The Parser still applies every
// frame-level rule of RFC 6455 (header encoding, masking direction, RSV
// bits, opcodes, fragment order, control frames, limits). Segments point
// into the fed slice; a frame cut by a slice boundary is unmasked piece by
// piece into the buffer at its offset. Server side, W1-W4 only.
type libwsFramesServer struct {
	w   *workload
	p   *ws.Parser
	buf []byte
}

func newLibwsFramesServer(w *workload) (serverRunner, error) {
	if w.deflate {
		return nil, nil
	}
	p := ws.NewParser(ws.ParserConfig{Role: ws.RoleServer, MaxFrameSize: -1, MaxMessageSize: -1})
	return &libwsFramesServer{w: w, p: p}, nil
}

func (s *libwsFramesServer) pass() (int, uint32, error) {
	n, sum := 0, uint32(0)
	for _, sl := range s.w.slices {
		for len(sl) > 0 {
			seg, k, err := s.p.Parse(sl)
			if err != nil {
				return n, sum, err
			}
			sl = sl[k:]
			h := &seg.Header
			if seg.Start {
				if !h.Fin || h.Opcode.IsControl() {
					return n, sum, fmt.Errorf("unexpected frame %+v", *h)
				}
				if int64(cap(s.buf)) < h.Length {
					s.buf = make([]byte, h.Length)
				}
			}
			if len(seg.Data) > 0 {
				ws.MaskCopy(s.buf[seg.Offset:h.Length], seg.Data, h.Mask, seg.MaskPos)
			}
			if seg.End {
				sum += sum2(s.buf[:h.Length])
				n++
			}
		}
	}
	return n, sum, nil
}

type libwsClient struct {
	w       *workload
	c       *ws.Conn
	batched bool
}

func newLibwsClient(w *workload) (clientRunner, error) {
	c, err := libwsConn(ws.RoleClient, w)
	return &libwsClient{w: w, c: c}, err
}

// "libws-batched": the output drained once 64 KiB are pending (and at the
// end), a second row beside the per-message drain WORKLOADS.md defines.
func newLibwsBatchedClient(w *workload) (clientRunner, error) {
	if w.deflate {
		return nil, nil
	}
	c, err := libwsConn(ws.RoleClient, w)
	return &libwsClient{w: w, c: c, batched: true}, err
}

func (s *libwsClient) memory() int { return s.c.Memory() }

// One SendText/SendBinary per message, then its output taken (Output) and
// consumed, as a host that writes after each send (WORKLOADS.md); batched:
// whenever 64 KiB or more are pending, and at the end.
func (s *libwsClient) pass(capture *[]byte) (int64, error) {
	var total int64
	send := s.c.SendBinary
	if s.w.text {
		send = s.c.SendText
	}
	c := s.c
	for _, p := range s.w.payloads {
		if err := send(p); err != nil {
			return total, err
		}
		if s.batched && c.OutputLen() < feedChunk {
			continue
		}
		out := c.Output()
		if capture != nil {
			*capture = append(*capture, out...)
		}
		total += int64(len(out))
		c.Consume(len(out))
	}
	out := c.Output()
	if capture != nil {
		*capture = append(*capture, out...)
	}
	total += int64(len(out))
	c.Consume(len(out))
	return total, nil
}
