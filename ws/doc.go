// Package ws is a complete WebSocket protocol engine (RFC 6455, with
// permessage-deflate from RFC 7692) that does no I/O.
//
// The host program owns the transport — a blocking or non-blocking socket,
// TLS, a pipe, anything — and moves bytes; package ws turns those bytes into
// protocol events and messages into bytes:
//
//	c, _ := ws.NewServer(&ws.Config{Role: ws.RoleServer, Deflate: &ws.DeflateConfig{}})
//	for {
//		n, err := sock.Read(buf)
//		if err != nil {
//			c.FeedEOF()
//		}
//		for in := buf[:n]; ; {
//			k, _ := c.Feed(in) // parse what arrived, within the receive budget
//			in = in[k:]
//			for ev, ok := c.NextEvent(); ok; ev, ok = c.NextEvent() {
//				switch ev.Type {
//				case ws.EventText:
//					c.SendText(ev.Data) // echo
//				case ws.EventClose:
//					// the close reply, if due, is already queued
//				}
//			}
//			if len(in) == 0 {
//				break // else the budget filled: the events are taken, feed the rest
//			}
//		}
//		c.WriteTo(sock)             // or Output + Consume for partial writes
//		if c.Hint() == ws.HintClose {
//			sock.Close()
//			break
//		}
//	}
//
// The parts, each usable on its own:
//
//   - Header, ParseHeader, AppendHeader, MaskBytes, MaskCopy: frames (§5).
//   - Parser: an incremental frame parser that enforces every frame-level
//     rule; any split of the input gives the same frames.
//   - HeadReader, ParseRequest, ParseResponse, ClientHandshake,
//     ServerHandshake, AcceptKey: the opening handshake (§4), from raw bytes
//     or from header fields the host parsed itself.
//   - RequestFromConnect, ServerHandshake.AcceptConnect, RejectConnect,
//     ClientHandshake.ConnectRequest and CheckConnect, NewConnectClient and
//     Conn.FeedConnectRequest: WebSockets over HTTP/2 (RFC 8441) and HTTP/3
//     (RFC 9220), opened by an extended CONNECT whose field lists the
//     host's HTTP library carries; the stream's DATA then carries the same
//     frames.
//   - ParseExtensions, NegotiateDeflate, AcceptDeflateResponse: extension
//     negotiation (RFC 7692 §5, §7.1).
//   - Conn: the endpoint. It assembles fragmented messages (or streams them
//     with Config.Streaming), answers pings, runs the closing handshake,
//     validates UTF-8 and close codes, compresses and decompresses, keeps a
//     heartbeat and tells the host when to close the transport.
//
// Peer faults never return errors from Feed: they fail the connection with
// the right close code (1002, 1007, 1009, 1010, 1011) and are reported as
// an EventClose with Initiator ClosedByFailure, after every message that
// arrived intact before the fault; taking that event queues the close
// frame, so that those messages can be answered first. Calls that are
// misused return *Error values with stable codes (the same numbers as the
// C API's WS_E_* constants).
//
// Every limit is on by default: message and frame size (checked while
// inflating, so a compression bomb costs no memory), handshake head size
// and header count, and unsent output.
//
// Memory: event payloads and Output are views into buffers the connection
// owns, valid until the next Feed (payloads) or the next call (output).
// Idle connections hold little: buffers shrink when unused (Heartbeat and
// Shrink release them), and compression state is borrowed from
// process-wide pools, so that with context takeover a connection keeps only
// its LZ77 windows (at most 32 KiB per direction).
//
// A Conn is not safe for concurrent use; separate Conns are independent.
package ws
