package main

// Our Go surface: package ws used directly, with the blocking loop of
// examples/go/echo (write the output, obey the hint, read, Feed, take the
// events), running the matrix exchange with checks.

import (
	"bytes"
	"errors"
	"net"
	"os"
	"strings"
	"time"

	"github.com/libws/libws/ws"
)

const libwsImpl = "go"

func deflateConfig(conn string) *ws.DeflateConfig {
	switch conn {
	case "B":
		// MATRIX_B_OFFER=client: the peer cannot grant server_no_context_takeover.
		return &ws.DeflateConfig{ServerNoContextTakeover: os.Getenv("MATRIX_B_OFFER") != "client", ClientNoContextTakeover: true}
	case "C":
		return &ws.DeflateConfig{ServerMaxWindowBits: windowBits, ClientMaxWindowBits: windowBits}
	}
	return &ws.DeflateConfig{}
}

// drive runs c over sock until the connection is over, calling handle for
// each event (examples/go/echo's loop, with a deadline on every read).
func drive(sock net.Conn, c *ws.Conn, handle func(ws.Event)) error {
	buf := make([]byte, 64<<10)
	for {
		sock.SetWriteDeadline(time.Now().Add(timeout))
		if _, err := c.WriteTo(sock); err != nil {
			return err
		}
		switch c.Hint() {
		case ws.HintClose:
			return nil
		case ws.HintShutdownWrite:
			if tc, ok := sock.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
		}
		sock.SetReadDeadline(time.Now().Add(timeout))
		n, err := sock.Read(buf)
		for in := buf[:n]; len(in) > 0; {
			// Feed stops when the receive budget fills: take the events,
			// then feed the rest.
			k, _ := c.Feed(in)
			if in = in[k:]; len(in) > 0 {
				for ev, ok := c.NextEvent(); ok; ev, ok = c.NextEvent() {
					handle(ev)
				}
			}
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return err
		} else if err != nil {
			// EOF, or a reset (a peer that closes TCP without reading our
			// close reply): the transport is over either way; the events
			// say whether the closing handshake was complete.
			c.FeedEOF()
		}
		for ev, ok := c.NextEvent(); ok; ev, ok = c.NextEvent() {
			handle(ev)
		}
		if err != nil && c.OutputLen() == 0 {
			return nil
		}
	}
}

func record(rep *report, c *ws.Conn) {
	rep.Extensions = c.Extensions()
	if d := c.Deflate(); d != nil {
		rep.Deflate = &deflateInfo{d.ServerNoContextTakeover, d.ClientNoContextTakeover, d.ServerMaxWindowBits, d.ClientMaxWindowBits}
	}
	rep.check("deflate", c.Deflate() != nil, "permessage-deflate was not negotiated")
}

func send(c *ws.Conn, i int, text bool, data []byte) error {
	op := ws.OpBinary
	if text {
		op = ws.OpText
	}
	if i != 2 {
		return c.SendMessage(op, data, 0)
	}
	if err := c.BeginMessage(op, 0); err != nil {
		return err
	}
	for off := 0; off < len(data); off += fragSize {
		end := min(off+fragSize, len(data))
		if err := c.SendFragment(data[off:end], end == len(data)); err != nil {
			return err
		}
	}
	return nil
}

func libwsServe(ln net.Listener, conn string) {
	rep := newReport(libwsImpl, "server", conn)
	if !clientPings() {
		rep.notObservable("client-ping", "with a browser as the client: it cannot send pings")
	}
	defer rep.emit()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(6 * timeout))
	sock, err := ln.Accept()
	if err != nil {
		rep.fail("open", "accept: %v", err)
		return
	}
	defer sock.Close()
	c, err := ws.NewServer(&ws.Config{Role: ws.RoleServer, Deflate: deflateConfig(conn), MaxMessageSize: 16 << 20})
	if err != nil {
		rep.fail("open", "%v", err)
		return
	}
	defer c.Free()
	next, pongOK, pingSeen, closeSeen := 0, false, false, false
	err = drive(sock, c, func(ev ws.Event) {
		switch ev.Type {
		case ws.EventOpen:
			target := ""
			if r := c.Request(); r != nil {
				target = r.Target
			}
			rep.check("open", target == "/"+conn, "path %q, want /%s", target, conn)
			record(rep, c)
			if err := c.Ping(serverPing); err != nil {
				rep.fail("server-ping", "%v", err)
			}
		case ws.EventRejected:
			rep.fail("open", "rejected: %d %s", ev.Code, ev.Data)
		case ws.EventText, ws.EventBinary:
			if next >= len(script) {
				rep.fail("close", "an unexpected message of %d bytes", len(ev.Data))
				return
			}
			rep.message(next, ev.Type == ws.EventText, ev.Data)
			if next == 1 {
				rep.check("server-ping", pongOK, "no pong to our ping before the second message")
				if clientPings() {
					rep.check("client-ping", pingSeen, "no ping from the client before the second message")
				}
			}
			if next >= 3 {
				rep.check("rsv1", ev.Compressed, "message %d arrived uncompressed", next+1)
			}
			if err := send(c, next, ev.Type == ws.EventText, ev.Data); err != nil {
				rep.fail(stepOf[next], "echo: %v", err)
			}
			if next++; next == len(script) && conn == "B" {
				if err := c.Close(closeBCode, []byte(closeBReason)); err != nil {
					rep.fail("close", "%v", err)
				}
			}
		case ws.EventPing:
			pingSeen = bytes.Equal(ev.Data, clientPing)
			rep.check("client-ping", pingSeen, "ping %q", ev.Data)
		case ws.EventPong:
			pongOK = bytes.Equal(ev.Data, serverPing)
			rep.check("server-ping", pongOK, "pong %q", ev.Data)
		case ws.EventClose:
			closeSeen = true
			if conn != "B" {
				rep.check("close", ev.Initiator == ws.ClosedByPeer && ev.Code == closeACode && string(ev.Data) == closeAReason && next == len(script),
					"close %d %q (%v) after %d messages", ev.Code, ev.Data, ev.Initiator, next)
			} else {
				rep.check("close", ev.Initiator == ws.ClosedByUs && ev.Code == closeBCode, "close %d %q (%v)", ev.Code, ev.Data, ev.Initiator)
			}
		}
	})
	if err != nil {
		rep.fail(rep.current(), "%v", err)
		return
	}
	rep.check("end", closeSeen && c.State() == ws.StateClosed, "the transport ended without a closing handshake (%v)", c.Err())
}

func libwsClient(url, conn string) {
	rep := newReport(libwsImpl, "client", conn)
	defer rep.emit()
	addr := strings.TrimPrefix(url, "ws://")
	addr = addr[:strings.IndexByte(addr, '/')]
	sock, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		rep.fail("open", "%v", err)
		return
	}
	defer sock.Close()
	c, err := ws.NewClient(&ws.Config{Role: ws.RoleClient, Deflate: deflateConfig(conn), MaxMessageSize: 16 << 20}, url)
	if err != nil {
		rep.fail("open", "%v", err)
		return
	}
	defer c.Free()
	next, serverPinged, closeSeen := 0, false, false
	sendNext := func() {
		if err := send(c, next, script[next].text, script[next].data); err != nil {
			rep.fail(stepOf[next], "send: %v", err)
		}
	}
	err = drive(sock, c, func(ev ws.Event) {
		switch ev.Type {
		case ws.EventOpen:
			rep.ok("open")
			record(rep, c)
			sendNext()
		case ws.EventRejected:
			rep.fail("open", "rejected: %d %s", ev.Code, ev.Data)
		case ws.EventText, ws.EventBinary:
			if next >= len(script) {
				rep.fail("close", "an unexpected message of %d bytes", len(ev.Data))
				return
			}
			rep.message(next, ev.Type == ws.EventText, ev.Data)
			if next >= 3 {
				rep.check("rsv1", ev.Compressed, "echo %d arrived uncompressed", next+1)
			}
			switch next++; {
			case next == 1: // a ping; the next message once its pong is back
				if err := c.Ping(clientPing); err != nil {
					rep.fail("client-ping", "%v", err)
				}
			case next < len(script):
				sendNext()
			default:
				rep.check("server-ping", serverPinged, "the server's ping never came")
				if conn != "B" {
					if err := c.Close(closeACode, []byte(closeAReason)); err != nil {
						rep.fail("close", "%v", err)
					}
				}
			}
		case ws.EventPing:
			serverPinged = bytes.Equal(ev.Data, serverPing)
			rep.check("server-ping", serverPinged, "ping %q", ev.Data)
		case ws.EventPong:
			if rep.check("client-ping", bytes.Equal(ev.Data, clientPing), "pong %q", ev.Data) {
				sendNext()
			}
		case ws.EventClose:
			closeSeen = true
			if conn != "B" {
				rep.check("close", ev.Initiator == ws.ClosedByUs && ev.Code == closeACode, "close %d %q (%v)", ev.Code, ev.Data, ev.Initiator)
			} else {
				rep.check("close", ev.Initiator == ws.ClosedByPeer && ev.Code == closeBCode && string(ev.Data) == closeBReason && next == len(script),
					"close %d %q (%v) after %d echoes", ev.Code, ev.Data, ev.Initiator, next)
			}
		}
	})
	if err != nil {
		rep.fail(rep.current(), "%v", err)
		return
	}
	rep.check("end", closeSeen && c.State() == ws.StateClosed, "the transport ended without a closing handshake (%v)", c.Err())
}
