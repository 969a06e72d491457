package wsnet

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/libws/libws/ws"
)

// Default timeouts.
const (
	DefaultCloseTimeout     = 5 * time.Second  // Close waits this long for the peer
	DefaultHandshakeTimeout = 30 * time.Second // Dial and Upgrade give the handshake this long
)

// Config configures Upgrade and Dial. A nil *Config, and every zero field,
// take the documented defaults.
type Config struct {
	// WS configures the protocol: limits (MaxMessageSize, MaxFrameSize,
	// MaxOutput, ...), subprotocols, permessage-deflate (Deflate), origin
	// and extra header fields. Role is set by Upgrade and Dial;
	// ManualAccept is ignored. Nil uses ws's defaults.
	WS *ws.Config

	// CloseTimeout bounds Close: sending our close frame, waiting for the
	// peer's, and (client) waiting for the server to close TCP. It also
	// bounds that last wait when a client's closing handshake ends in a read
	// (the server closed first), CloseNow included. Zero means
	// DefaultCloseTimeout.
	CloseTimeout time.Duration
	// HandshakeTimeout bounds the opening handshake of Dial (with the
	// context's own deadline, whichever is first) and the writing of the
	// 101 response in Upgrade. Zero means DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// KeepAlive, if positive, pings the peer (ws.Conn.Heartbeat) whenever
	// nothing was received for this long; after ws.Config.MaxPings pings
	// unanswered the connection fails with 1008. Pongs are only seen while
	// a read is in progress, so keep a goroutine in ReadMessage.
	KeepAlive time.Duration

	// TLSConfig is used by Dial for wss:// URLs. ServerName defaults to the
	// URL's host. Nil uses a default configuration.
	TLSConfig *tls.Config
	// NetDial dials TCP for Dial (to the server or the proxy). Nil uses a
	// net.Dialer.
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Proxy returns the HTTP proxy for a request, as http.Transport.Proxy
	// does: Dial asks it with an http:// (for ws://) or https:// (for
	// wss://) URL and tunnels through the proxy with CONNECT. Nil uses
	// http.ProxyFromEnvironment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY); a
	// function returning nil, nil dials directly. Proxies with http:// and
	// https:// URLs are supported, with Basic authentication from the
	// URL's user information; SOCKS proxies are not.
	Proxy func(*http.Request) (*url.URL, error)
}

func (c *Config) closeTimeout() time.Duration {
	if c == nil || c.CloseTimeout <= 0 {
		return DefaultCloseTimeout
	}
	return c.CloseTimeout
}

func (c *Config) handshakeTimeout() time.Duration {
	if c == nil || c.HandshakeTimeout <= 0 {
		return DefaultHandshakeTimeout
	}
	return c.HandshakeTimeout
}

func (c *Config) keepAlive() time.Duration {
	if c == nil {
		return 0
	}
	return c.KeepAlive
}

// wsConfig returns a copy of the protocol configuration for role.
func (c *Config) wsConfig(role ws.Role) *ws.Config {
	var wc ws.Config
	if c != nil && c.WS != nil {
		wc = *c.WS
	}
	wc.Role = role
	wc.ManualAccept = false
	return &wc
}
