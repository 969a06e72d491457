package main

import (
	"bufio"
	"errors"
	"net/http"
	"strings"

	"github.com/lxzan/gws"
)

// gws (github.com/lxzan/gws) over in-memory conns, past its own handshake
// (Upgrader.UpgradeFromConn on the server, NewClientFromConn on the client),
// with CheckUtf8Enabled: received text is validated (after inflating), and
// so is sent text.
//
// Server: gws reads in its ReadLoop, which runs until the connection ends
// and calls OnMessage for each message (one contiguous value each:
// Message.Bytes, released to gws's pool with Close). The loop runs in a
// goroutine on a gate conn that hands it the workload's 64 KiB slices once
// per pass and then blocks until the next pass starts; the pass ends when
// OnMessage has seen the workload's count (one goroutine hand-off per pass).
// Client: WriteMessage per message, which writes the frame to the conn
// before it returns (a drain after every message).
// Deflate: gws's permessage-deflate (klauspost/compress flate, level 6);
// W6 with no context takeover, W7 with context takeover both ways at 15
// window bits (gws keeps the last 32 KiB of plain text and compresses or
// inflates each message with it as the dictionary).

type gwsGate struct {
	memConn
	start chan struct{}
	i     int
	cur   []byte
}

func (g *gwsGate) Read(p []byte) (int, error) {
	if len(g.cur) == 0 {
		if g.i == len(g.slices) {
			if _, ok := <-g.start; !ok {
				return 0, errors.New("gate closed")
			}
			g.i = 0
		}
		g.cur = g.slices[g.i]
		g.i++
	}
	n := copy(p, g.cur)
	g.cur = g.cur[n:]
	return n, nil
}

type gwsServer struct {
	gws.BuiltinEventHandler
	w    *workload
	gate *gwsGate
	n    int
	sum  uint32
	done chan error
}

func (s *gwsServer) OnMessage(c *gws.Conn, m *gws.Message) {
	if m.Opcode != gws.OpcodeText && m.Opcode != gws.OpcodeBinary {
		m.Close()
		return
	}
	s.sum += sum2(m.Bytes())
	s.n++
	m.Close()
	if s.n == s.w.count {
		s.done <- nil
	}
}

func (s *gwsServer) OnClose(c *gws.Conn, err error) {
	if err == nil {
		err = errors.New("gws: connection closed")
	}
	s.done <- err
}

func gwsDeflate(w *workload) gws.PermessageDeflate {
	if !w.deflate {
		return gws.PermessageDeflate{}
	}
	return gws.PermessageDeflate{Enabled: true, Level: 6, Threshold: 1,
		ServerContextTakeover: w.takeover, ClientContextTakeover: w.takeover,
		ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
}

const takeoverOffer = "permessage-deflate; client_max_window_bits"

func newGwsServer(w *workload) (serverRunner, error) {
	s := &gwsServer{w: w, done: make(chan error, 1)}
	s.gate = &gwsGate{memConn: memConn{slices: w.slices}, start: make(chan struct{})}
	s.gate.i = len(w.slices)
	head := clientRequest
	switch {
	case w.takeover:
		head += "Sec-WebSocket-Extensions: " + takeoverOffer + "\r\n"
	case w.deflate:
		head += "Sec-WebSocket-Extensions: " + noTakeoverOffer + "\r\n"
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + "\r\n")))
	if err != nil {
		return nil, err
	}
	up := gws.NewUpgrader(s, &gws.ServerOption{
		CheckUtf8Enabled: true, ReadBufferSize: feedChunk, ReadMaxPayloadSize: 1 << 30,
		PermessageDeflate: gwsDeflate(w),
	})
	c, err := up.UpgradeFromConn(s.gate, bufio.NewReaderSize(s.gate, feedChunk), req)
	if err != nil {
		return nil, err
	}
	go c.ReadLoop()
	return s, nil
}

func (s *gwsServer) pass() (int, uint32, error) {
	s.n, s.sum = 0, 0
	s.gate.start <- struct{}{}
	err := <-s.done
	return s.n, s.sum, err
}

type gwsClient struct {
	w  *workload
	mc *memConn
	c  *gws.Conn
}

func newGwsClient(w *workload) (clientRunner, error) {
	mc := &memConn{answerHandshake: true}
	switch {
	case w.takeover:
		mc.extensions = "permessage-deflate"
	case w.deflate:
		mc.extensions = noTakeoverOffer
	}
	c, _, err := gws.NewClientFromConn(&gws.BuiltinEventHandler{}, &gws.ClientOption{
		Addr: "ws://bench/", CheckUtf8Enabled: true, WriteMaxPayloadSize: 1 << 30,
		PermessageDeflate: gwsDeflate(w),
	}, mc)
	if err != nil {
		return nil, err
	}
	return &gwsClient{w, mc, c}, nil
}

func (s *gwsClient) pass(capture *[]byte) (int64, error) {
	s.mc.capture = capture
	s.mc.written = 0
	op := gws.OpcodeBinary
	if s.w.text {
		op = gws.OpcodeText
	}
	for _, p := range s.w.payloads {
		if err := s.c.WriteMessage(op, p); err != nil {
			return 0, err
		}
	}
	s.mc.capture = nil
	return s.mc.written, nil
}
