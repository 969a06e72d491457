// Package wsnet runs package ws's WebSocket engine over net.Conn and
// net/http, with blocking calls: Upgrade inside an http.Handler, Dial a
// ws:// or wss:// URL, then read and write whole messages on a Conn. It
// uses only ws and the standard library.
//
// An echo handler:
//
//	http.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
//		c, err := wsnet.Upgrade(w, r, nil) // a rejection is already answered
//		if err != nil {
//			return
//		}
//		defer c.CloseNow()
//		for {
//			op, msg, err := c.ReadMessage(r.Context())
//			if err != nil {
//				return // a *wsnet.CloseError when the peer closed
//			}
//			if err := c.WriteMessage(r.Context(), op, msg); err != nil {
//				return
//			}
//		}
//	})
//
// And a client:
//
//	c, err := wsnet.Dial(ctx, "ws://localhost:8080/echo", nil)
//	...
//	c.WriteMessage(ctx, ws.OpText, []byte("hello"))
//	op, msg, err := c.ReadMessage(ctx)
//	c.Close(ws.CloseNormal, "bye")
//
// Protocol options — limits, subprotocols, permessage-deflate — are
// ws.Config's, passed in Config.WS; ws enforces them (a message over
// MaxMessageSize fails the connection with 1009, whatever its compression).
//
// # Concurrency
//
// A Conn allows one reader and one writer at a time, as gorilla/websocket
// documents; a second concurrent reader or data writer gets
// ErrConcurrentRead or ErrConcurrentWrite instead of a panic. Ping, Close,
// CloseNow, the deadline setters and the keepalive may be used from any
// goroutine. Pongs and close replies are written by whichever goroutine
// writes next, or by the reader itself. Ping waits for its pong, which only
// a reader sees: keep a goroutine reading.
//
// # Errors
//
// Reads report the end of the connection as a *CloseError (the peer's code
// and reason, or Local with the code we failed the connection with), then
// keep returning it. Once this side has closed (Close, CloseNow, a sent
// close frame, a failed write), calls return errors for which
// errors.Is(err, net.ErrClosed) is true. ws's own errors (*ws.Error) are
// wrapped, so errors.Is(err, ws.ErrTooBig) and errors.As work. Read
// timeouts and cancelled contexts leave the connection usable; a write
// interrupted half way closes it, since part of a frame may be out.
package wsnet
