package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/gorilla/websocket"
)

// gorilla/websocket over an in-memory net.Conn. Server: Upgrader with a 64
// KiB read buffer; NextReader per message, read into one reused buffer (the
// message as one contiguous value, without gorilla's ReadMessage allocation).
// gorilla does not validate UTF-8 in text messages. Client: Dialer over the
// same kind of conn, WriteMessage per message (64 KiB write buffer: longer
// messages go out as 64 KiB fragments, gorilla's design for clients); each
// WriteMessage writes its frame to the conn before it returns (a drain
// after every message).
// Deflate: gorilla's permessage-deflate (compress/flate, no context
// takeover only), level 6.

type hijackWriter struct {
	conn *memConn
	hdr  http.Header
}

func (h *hijackWriter) Header() http.Header         { return h.hdr }
func (h *hijackWriter) Write(p []byte) (int, error) { return h.conn.Write(p) }
func (h *hijackWriter) WriteHeader(int)             {}
func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.conn, bufio.NewReadWriter(bufio.NewReaderSize(h.conn, 4096), bufio.NewWriterSize(h.conn, 4096)), nil
}

type gorillaServer struct {
	w   *workload
	c   *websocket.Conn
	buf []byte
}

func newGorillaServer(w *workload) (serverRunner, error) {
	if w.takeover {
		return nil, nil // gorilla's permessage-deflate has no context takeover
	}
	mc := &memConn{slices: w.slices}
	head := clientRequest
	if w.deflate {
		head += "Sec-WebSocket-Extensions: " + noTakeoverOffer + "\r\n"
	}
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + "\r\n")))
	if err != nil {
		return nil, err
	}
	u := websocket.Upgrader{ReadBufferSize: feedChunk, WriteBufferSize: 4096, EnableCompression: w.deflate}
	c, err := u.Upgrade(&hijackWriter{conn: mc, hdr: http.Header{}}, req, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(0)
	return &gorillaServer{w: w, c: c, buf: make([]byte, 0, 64<<10)}, nil
}

// readAll reads r to its end into buf (reused, grown when needed).
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func (s *gorillaServer) pass() (int, uint32, error) {
	n, sum := 0, uint32(0)
	for n < s.w.count {
		_, r, err := s.c.NextReader()
		if err != nil {
			return n, sum, err
		}
		if s.buf, err = readAll(r, s.buf); err != nil {
			return n, sum, err
		}
		sum += sum2(s.buf)
		n++
	}
	return n, sum, nil
}

type gorillaClient struct {
	w  *workload
	mc *memConn
	c  *websocket.Conn
}

func newGorillaClient(w *workload) (clientRunner, error) {
	if w.takeover {
		return nil, nil
	}
	mc := &memConn{answerHandshake: true}
	if w.deflate {
		mc.extensions = noTakeoverOffer
	}
	d := websocket.Dialer{
		NetDial:           func(string, string) (net.Conn, error) { return mc, nil },
		ReadBufferSize:    4096,
		WriteBufferSize:   feedChunk,
		EnableCompression: w.deflate,
	}
	c, _, err := d.Dial("ws://bench/", nil)
	if err != nil {
		return nil, err
	}
	if w.deflate {
		c.EnableWriteCompression(true)
		if err := c.SetCompressionLevel(6); err != nil {
			return nil, err
		}
	}
	return &gorillaClient{w, mc, c}, nil
}

func (s *gorillaClient) pass(capture *[]byte) (int64, error) {
	s.mc.capture = capture
	s.mc.written = 0
	op := websocket.BinaryMessage
	if s.w.text {
		op = websocket.TextMessage
	}
	for _, p := range s.w.payloads {
		if err := s.c.WriteMessage(op, p); err != nil {
			return 0, err
		}
	}
	s.mc.capture = nil
	return s.mc.written, nil
}
