package wsnet

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/libws/libws/ws"
)

// Dial opens a WebSocket connection to rawURL (ws://host[:port]/path or
// wss://..., TLS by crypto/tls with the host as SNI name) and runs the
// opening handshake with cfg.WS's subprotocols, permessage-deflate offer,
// origin and header fields. ctx bounds the dial and the handshake (and so
// does Config.HandshakeTimeout); once Dial returns it no longer matters.
//
// A proxy from Config.Proxy (by default from HTTP_PROXY, HTTPS_PROXY and
// NO_PROXY) is tunnelled through with CONNECT.
//
// If the server refuses or answers wrongly, the error wraps the *ws.Error
// that says why (Status holds the HTTP status the server sent, or 0).
func Dial(ctx context.Context, rawURL string, cfg *Config) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("wsnet: dial: %w", err)
	}
	var secure bool
	switch strings.ToLower(u.Scheme) {
	case "ws":
	case "wss":
		secure = true
	default:
		return nil, fmt.Errorf("wsnet: dial %s: the scheme must be ws or wss", rawURL)
	}
	e, err := ws.NewClient(cfg.wsConfig(ws.RoleClient), rawURL)
	if err != nil {
		return nil, wrap("dial "+rawURL, err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.handshakeTimeout())
	defer cancel()

	addr := u.Host
	if u.Port() == "" {
		port := "80"
		if secure {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	nc, err := dialTransport(ctx, cfg, addr, secure)
	if err != nil {
		return nil, fmt.Errorf("wsnet: dial %s: %w", rawURL, err)
	}
	if secure {
		tc := &tls.Config{}
		if cfg != nil && cfg.TLSConfig != nil {
			tc = cfg.TLSConfig.Clone()
		}
		if tc.ServerName == "" {
			tc.ServerName = u.Hostname()
		}
		if len(tc.NextProtos) == 0 {
			tc.NextProtos = []string{"http/1.1"}
		}
		t := tls.Client(nc, tc)
		if err := t.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("wsnet: dial %s: %w", rawURL, err)
		}
		nc = t
	}
	c := newConn(nc, e, cfg)
	if err := c.handshake(ctx); err != nil {
		c.CloseNow()
		return nil, fmt.Errorf("wsnet: dial %s: %w", rawURL, err)
	}
	c.startKeepAlive(cfg.keepAlive())
	return c, nil
}

// handshake writes the request and reads until the connection opens.
// Frames that came with the response stay queued for the first read.
func (c *Conn) handshake(ctx context.Context) error {
	if err := c.send(ctx, "handshake", nil); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if t, ok := c.e.PeekEvent(); ok {
			var ev ws.Event
			c.e.TakeEvent(&ev)
			switch t {
			case ws.EventOpen:
				return nil
			case ws.EventRejected:
				if err := c.e.Err(); err != nil {
					if c.netErr != nil && !errors.Is(c.netErr, io.EOF) {
						return errors.Join(err, c.netErr) // why the transport ended
					}
					return err
				}
				return errors.New("rejected: " + string(ev.Data))
			}
			continue
		}
		if len(c.rpend) > 0 || (c.eofPending && !c.eofFed) {
			c.feedLocked()
			continue
		}
		if c.eofFed {
			return errors.New("the connection ended during the handshake")
		}
		c.mu.Unlock()
		n, err := c.readNet(ctx)
		c.mu.Lock()
		c.rpend = c.rbuf[:n]
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.eofPending = true
			c.netErr = err
		}
		c.feedLocked()
	}
}

// dialTransport connects to addr, directly or through a proxy.
func dialTransport(ctx context.Context, cfg *Config, addr string, secure bool) (net.Conn, error) {
	dial := (&net.Dialer{}).DialContext
	proxy := http.ProxyFromEnvironment
	if cfg != nil {
		if cfg.NetDial != nil {
			dial = cfg.NetDial
		}
		if cfg.Proxy != nil {
			proxy = cfg.Proxy
		}
	}
	scheme := "http"
	if secure {
		scheme = "https"
	}
	pu, err := proxy(&http.Request{Method: http.MethodGet, URL: &url.URL{Scheme: scheme, Host: addr}, Header: http.Header{}})
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	if pu == nil {
		return dial(ctx, "tcp", addr)
	}
	return dialProxy(ctx, dial, pu, addr)
}

// dialProxy opens a tunnel to addr through the HTTP proxy pu with CONNECT
// (RFC 9110 §9.3.6).
func dialProxy(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), pu *url.URL, addr string) (net.Conn, error) {
	var port string
	switch pu.Scheme {
	case "http", "":
		port = "80"
	case "https":
		port = "443"
	default:
		return nil, fmt.Errorf("proxy %s: only http and https proxies are supported", pu.Redacted())
	}
	paddr := pu.Host
	if pu.Port() == "" {
		paddr = net.JoinHostPort(pu.Hostname(), port)
	}
	nc, err := dial(ctx, "tcp", paddr)
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	if pu.Scheme == "https" {
		t := tls.Client(nc, &tls.Config{ServerName: pu.Hostname()})
		if err := t.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("proxy: %w", err)
		}
		nc = t
	}
	if d, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(aLongTimeAgo) })
	defer stop()
	req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
	if pu.User != nil {
		pass, _ := pu.User.Password()
		cred := base64.StdEncoding.EncodeToString([]byte(pu.User.Username() + ":" + pass))
		req += "Proxy-Authorization: Basic " + cred + "\r\n"
	}
	req += "\r\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		nc.Close()
		return nil, fmt.Errorf("proxy: %w", err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("proxy: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		nc.Close()
		return nil, fmt.Errorf("proxy %s refused CONNECT %s: %s", pu.Redacted(), addr, resp.Status)
	}
	if br.Buffered() > 0 {
		// The client speaks first in both WebSocket and TLS: a proxy that
		// sends more has broken the tunnel.
		nc.Close()
		return nil, fmt.Errorf("proxy %s sent data before the tunnel was used", pu.Redacted())
	}
	if !stop() && ctx.Err() != nil {
		nc.Close()
		return nil, fmt.Errorf("proxy: %w", ctx.Err())
	}
	_ = nc.SetDeadline(time.Time{})
	return nc, nil
}
