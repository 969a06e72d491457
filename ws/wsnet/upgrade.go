package wsnet

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/libws/libws/ws"
)

// Upgrade turns an HTTP/1.1 request in an http.Handler into a WebSocket
// connection. ws validates the request (RFC 6455 §4.2.1) and negotiates the
// subprotocol and permessage-deflate from cfg.WS; Upgrade then hijacks the
// connection, writes the 101 response and returns the open Conn. Bytes the
// client sent after its request (frames in the same packet) are kept.
//
// A request that is not a valid opening handshake is answered through w
// with the status ws chooses (400, or 426 with Sec-WebSocket-Version: 13
// for an unsupported version) and its reason as a text/plain body, and
// Upgrade returns an error wrapping the *ws.Error (its Status field holds
// the status). HTTP/2 requests are refused the same way (RFC 8441 is not
// supported). The handler must not write to w after a successful Upgrade.
//
// Upgrade does not check the Origin header: a server that browsers reach
// should compare r.Header.Get("Origin") with its own origin before
// upgrading (RFC 6455 §10.2), as gorilla's default CheckOrigin does.
func Upgrade(w http.ResponseWriter, r *http.Request, cfg *Config) (*Conn, error) {
	e, err := ws.NewServer(cfg.wsConfig(ws.RoleServer))
	if err != nil {
		return nil, wrap("upgrade", err)
	}
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	fields := make([][2]string, 0, len(r.Header)+1)
	if r.Host != "" {
		// net/http moves Host out of Header.
		fields = append(fields, [2]string{"Host", r.Host})
	}
	for name, values := range r.Header {
		for _, v := range values {
			fields = append(fields, [2]string{name, v})
		}
	}
	if err := e.FeedRequest(r.Method, target, r.Proto, fields); err != nil {
		http.Error(w, "wsnet: "+err.Error(), http.StatusInternalServerError)
		return nil, wrap("upgrade", err)
	}
	var ev ws.Event
	for e.TakeEvent(&ev) {
		if ev.Type == ws.EventRejected {
			status := int(ev.Code)
			if status == 0 {
				status = http.StatusBadRequest
			}
			h := w.Header()
			h.Set("Content-Type", "text/plain; charset=utf-8")
			h.Set("Content-Length", strconv.Itoa(len(ev.Data)))
			h.Set("Connection", "close")
			if status == http.StatusUpgradeRequired {
				h.Set("Sec-WebSocket-Version", "13")
			}
			w.WriteHeader(status)
			_, _ = w.Write(ev.Data)
			return nil, wrap("upgrade", e.Err())
		}
	}
	if e.State() != ws.StateOpen {
		http.Error(w, "wsnet: the handshake did not complete", http.StatusInternalServerError)
		return nil, errors.New("wsnet: upgrade: the handshake did not complete")
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "wsnet: this server cannot hijack connections", http.StatusInternalServerError)
		return nil, errors.New("wsnet: upgrade: the http.ResponseWriter does not implement http.Hijacker")
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		http.Error(w, "wsnet: "+err.Error(), http.StatusInternalServerError)
		return nil, wrap("upgrade: hijack", err)
	}
	// The server may have left deadlines on the connection.
	_ = nc.SetDeadline(time.Time{})
	c := newConn(nc, e, cfg)
	if n := brw.Reader.Buffered(); n > 0 {
		// Frames that arrived with the request.
		b, _ := brw.Reader.Peek(n)
		c.rpend = append([]byte(nil), b...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.handshakeTimeout())
	defer cancel()
	if err := c.send(ctx, "upgrade", nil); err != nil {
		c.CloseNow()
		return nil, err
	}
	c.startKeepAlive(cfg.keepAlive())
	return c, nil
}
