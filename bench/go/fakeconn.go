package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"time"
)

// memConn is an in-memory net.Conn for the peers that want one (gorilla,
// gobwas): reads return the workload's frames in its 64 KiB slices, over and
// over (the file again after its end, so a long-lived connection reads any
// number of passes); writes go to a counting sink, optionally captured. A
// canned handshake can be queued to be read first.
type memConn struct {
	slices  [][]byte
	i       int    // current slice
	cur     []byte // rest of the current slice
	pre     []byte // bytes to read before the slices (handshake response)
	written int64
	capture *[]byte
	// client handshake: answer the request written to us
	answerHandshake bool
	extensions      string
}

func (c *memConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	if len(c.slices) == 0 {
		return 0, errors.New("memConn: nothing to read")
	}
	if len(c.cur) == 0 {
		c.cur = c.slices[c.i]
		c.i = (c.i + 1) % len(c.slices)
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error) {
	if c.answerHandshake {
		c.answerHandshake = false
		i := bytes.Index(bytes.ToLower(p), []byte("sec-websocket-key: ")) // gws writes Sec-Websocket-Key
		if i < 0 {
			return 0, fmt.Errorf("memConn: no key in %q", p)
		}
		key := p[i+19:]
		key = key[:bytes.IndexByte(key, '\r')]
		h := sha1.Sum(append(append([]byte(nil), key...), "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"...))
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			base64.StdEncoding.EncodeToString(h[:]) + "\r\n"
		if c.extensions != "" {
			resp += "Sec-WebSocket-Extensions: " + c.extensions + "\r\n"
		}
		c.pre = []byte(resp + "\r\n")
		return len(p), nil
	}
	c.written += int64(len(p))
	if c.capture != nil {
		*c.capture = append(*c.capture, p...)
	}
	return len(p), nil
}

func (c *memConn) Close() error                     { return nil }
func (c *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (c *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

func errEvent(typ, data string) error { return fmt.Errorf("unexpected %s event (%q)", typ, data) }

const clientRequest = "GET / HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"

const noTakeoverOffer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
