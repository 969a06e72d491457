package main

// gorilla/websocket as the peer: client (Dialer) and server (Upgrader), with
// compression enabled. gorilla negotiates permessage-deflate only without
// context takeover (it offers, and answers with, server_no_context_takeover
// and client_no_context_takeover), so connection A has none either. Its API
// does not say whether a message arrived compressed.

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const gorillaImpl = "gorilla"

// recorder collects what gorilla's ping and pong handlers see.
type recorder struct {
	mu           sync.Mutex
	pings, pongs []string
}

func (r *recorder) install(c *websocket.Conn) {
	c.SetPingHandler(func(data string) error {
		r.mu.Lock()
		r.pings = append(r.pings, data)
		r.mu.Unlock()
		err := c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(timeout))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})
	c.SetPongHandler(func(data string) error {
		r.mu.Lock()
		r.pongs = append(r.pongs, data)
		r.mu.Unlock()
		return nil
	})
}

func (r *recorder) saw(list *[]string, want []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range *list {
		if s == string(want) {
			return true
		}
	}
	return false
}

// gorillaSend sends message i of the script; the 1 MiB one through
// NextWriter in 64 KiB writes (gorilla frames it by its write buffer).
func gorillaSend(c *websocket.Conn, i int, text bool, data []byte) error {
	typ := websocket.BinaryMessage
	if text {
		typ = websocket.TextMessage
	}
	c.SetWriteDeadline(time.Now().Add(timeout))
	if i != 2 {
		return c.WriteMessage(typ, data)
	}
	w, err := c.NextWriter(typ)
	if err != nil {
		return err
	}
	for off := 0; off < len(data); off += fragSize {
		if _, err := w.Write(data[off:min(off+fragSize, len(data))]); err != nil {
			return err
		}
	}
	return w.Close()
}

func gorillaRead(c *websocket.Conn) (bool, []byte, error) {
	c.SetReadDeadline(time.Now().Add(timeout))
	typ, data, err := c.ReadMessage()
	return typ == websocket.TextMessage, data, err
}

// waitEOF waits for the peer to close TCP once the closing handshake is over.
func waitEOF(nc net.Conn) error {
	nc.SetReadDeadline(time.Now().Add(timeout))
	_, err := io.Copy(io.Discard, nc)
	return err
}

func gorillaClient(url, conn string) {
	rep := newReport(gorillaImpl, "client", conn)
	rep.notObservable("rsv1", "gorilla does not say whether a message arrived compressed")
	defer rep.emit()
	d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: timeout}
	c, resp, err := d.Dial(url, nil)
	if err != nil {
		rep.fail("open", "%v", err)
		return
	}
	defer c.Close()
	rep.ok("open")
	c.SetReadLimit(64 << 20)
	rec := &recorder{}
	rec.install(c)
	rep.Extensions = resp.Header.Get("Sec-WebSocket-Extensions")
	rep.check("deflate", strings.Contains(rep.Extensions, "permessage-deflate"), "extensions %q", rep.Extensions)
	for i, p := range script {
		if err := gorillaSend(c, i, p.text, p.data); err != nil {
			rep.fail(stepOf[i], "send: %v", err)
			return
		}
		text, got, err := gorillaRead(c)
		if err != nil {
			rep.fail(stepOf[i], "echo %d: %v", i+1, err)
			return
		}
		rep.message(i, text, got)
		if i == 0 {
			// gorilla hands a pong to its handler inside a read: the ping
			// goes out now, and its pong is checked with the next echo.
			c.WriteControl(websocket.PingMessage, clientPing, time.Now().Add(timeout))
		}
		if i == 1 {
			rep.check("client-ping", rec.saw(&rec.pongs, clientPing), "no pong before the second echo")
		}
	}
	rep.check("server-ping", rec.saw(&rec.pings, serverPing), "the server's ping never came")
	if conn != "B" {
		msg := websocket.FormatCloseMessage(closeACode, closeAReason)
		if err := c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(timeout)); err != nil {
			rep.fail("close", "%v", err)
			return
		}
	}
	_, _, err = gorillaRead(c)
	var ce *websocket.CloseError
	switch {
	case !errors.As(err, &ce):
		rep.fail("close", "%v instead of a close frame", err)
		return
	case conn != "B":
		rep.check("close", ce.Code == closeACode, "reply %d %q", ce.Code, ce.Text)
	default:
		rep.check("close", ce.Code == closeBCode && ce.Text == closeBReason, "got %d %q", ce.Code, ce.Text)
	}
	err = waitEOF(c.NetConn())
	rep.check("end", err == nil, "waiting for the server to close: %v", err)
}

// tapConn keeps what is written to it until the end of an HTTP head: the
// 101 response gorilla writes after hijacking the connection.
type tapConn struct {
	net.Conn
	mu   sync.Mutex
	head []byte
}

func (t *tapConn) Write(b []byte) (int, error) {
	t.mu.Lock()
	if !bytes.Contains(t.head, []byte("\r\n\r\n")) {
		t.head = append(t.head, b...)
	}
	t.mu.Unlock()
	return t.Conn.Write(b)
}

func (t *tapConn) header(name string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, line := range strings.Split(string(t.head), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

type tapListener struct {
	net.Listener
	conns chan *tapConn
}

func (l *tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	t := &tapConn{Conn: c}
	select {
	case l.conns <- t:
	default:
	}
	return t, nil
}

func gorillaServe(ln net.Listener, conn string) {
	tl := &tapListener{Listener: ln, conns: make(chan *tapConn, 1)}
	done := make(chan struct{})
	up := websocket.Upgrader{EnableCompression: true, CheckOrigin: func(*http.Request) bool { return true }}
	srv := &http.Server{ReadHeaderTimeout: timeout, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		rep := newReport(gorillaImpl, "server", conn)
		rep.notObservable("rsv1", "gorilla does not say whether a message arrived compressed")
		defer rep.emit()
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			rep.fail("open", "%v", err)
			return
		}
		defer c.Close()
		rep.check("open", r.URL.Path == "/"+conn, "path %q, want /%s", r.URL.Path, conn)
		select {
		case t := <-tl.conns:
			rep.Extensions = t.header("Sec-WebSocket-Extensions")
		default:
		}
		rep.check("deflate", strings.Contains(rep.Extensions, "permessage-deflate"), "extensions %q", rep.Extensions)
		c.SetReadLimit(64 << 20)
		rec := &recorder{}
		rec.install(c)
		c.WriteControl(websocket.PingMessage, serverPing, time.Now().Add(timeout))
		for i := range script {
			text, got, err := gorillaRead(c)
			if err != nil {
				rep.fail(stepOf[i], "message %d: %v", i+1, err)
				return
			}
			rep.message(i, text, got)
			if i == 1 {
				rep.check("server-ping", rec.saw(&rec.pongs, serverPing), "no pong to our ping before the second message")
				rep.check("client-ping", rec.saw(&rec.pings, clientPing), "no ping from the client before the second message")
			}
			if err := gorillaSend(c, i, text, got); err != nil {
				rep.fail(stepOf[i], "echo: %v", err)
				return
			}
		}
		if conn == "B" {
			msg := websocket.FormatCloseMessage(closeBCode, closeBReason)
			if err := c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(timeout)); err != nil {
				rep.fail("close", "%v", err)
				return
			}
		}
		_, _, err = gorillaRead(c)
		var ce *websocket.CloseError
		switch {
		case !errors.As(err, &ce):
			rep.fail("close", "%v instead of a close frame", err)
			return
		case conn != "B":
			rep.check("close", ce.Code == closeACode && ce.Text == closeAReason, "got %d %q", ce.Code, ce.Text)
		default:
			rep.check("close", ce.Code == closeBCode, "reply %d %q", ce.Code, ce.Text)
		}
		rep.ok("end") // the server closes TCP (deferred c.Close)
	})}
	go srv.Serve(tl)
	select {
	case <-done:
	case <-time.After(6 * timeout):
	}
	srv.Close()
}
