package main

import (
	"github.com/libws/libws/ws"
)

// libws through its Go API: one long-lived connection (opened with
// ws.NewConn, as after a handshake), Feed per 64 KiB slice, NextEvent until
// none; messages are views into the connection's buffer (valid until the
// next Feed). Text is UTF-8 validated (the default).

var noTakeover = &ws.DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true,
	ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}

func libwsConn(role ws.Role, w *workload) (*ws.Conn, error) {
	cfg := &ws.Config{Role: role, MaxMessageSize: -1, MaxFrameSize: -1}
	var agreed *ws.Agreement
	if w.deflate {
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

func (s *libwsServer) pass() (int, uint32, error) {
	n, sum := 0, uint32(0)
	for _, sl := range s.w.slices {
		if err := s.c.Feed(sl); err != nil {
			return n, sum, err
		}
		for e, ok := s.c.NextEvent(); ok; e, ok = s.c.NextEvent() {
			if e.Type != ws.EventText && e.Type != ws.EventBinary {
				return n, sum, errEvent(e.Type.String(), string(e.Data))
			}
			sum += sum2(e.Data)
			n++
		}
	}
	return n, sum, nil
}

type libwsClient struct {
	w *workload
	c *ws.Conn
}

func newLibwsClient(w *workload) (clientRunner, error) {
	c, err := libwsConn(ws.RoleClient, w)
	return &libwsClient{w, c}, err
}

// One SendText/SendBinary per message; the output is drained into the
// counter whenever 64 KiB or more are pending, and at the end.
func (s *libwsClient) pass(capture *[]byte) (int64, error) {
	var total int64
	send := s.c.SendBinary
	if s.w.text {
		send = s.c.SendText
	}
	drain := func() {
		n := s.c.OutputLen()
		if capture != nil {
			*capture = append(*capture, s.c.Output()...)
		}
		total += int64(n)
		s.c.Consume(n)
	}
	for _, p := range s.w.payloads {
		if err := send(p); err != nil {
			return total, err
		}
		if s.c.OutputLen() >= feedChunk {
			drain()
		}
	}
	drain()
	return total, nil
}
