package ws

// A Conn over an HTTP/2 or HTTP/3 stream (RFC 8441, RFC 9220). The host's
// HTTP library owns the stream: it sends ConnectFields as the stream's
// HEADERS and the Output as its DATA, feeds the DATA it receives, and maps
// Hint to the stream's end: HintShutdownWrite or HintClose is END_STREAM
// (a FIN on an HTTP/3 stream), where TCP would be half-closed or closed.
// A stream reset is FeedEOF: the connection closes as abnormal (1006).

// NewConnectClient returns a client connection that opens url (ws:// or
// wss://) with an extended CONNECT: send ConnectFields as a new stream's
// HEADERS, without END_STREAM, on a connection whose server sent
// SettingEnableConnectProtocol = 1, then give the response's fields to
// FeedConnectResponse and feed the stream's DATA. The connection reports
// EventOpen, or EventRejected if the server refuses or answers wrongly.
// cfg.Key is not used: there is no key (RFC 8441 §5).
func NewConnectClient(cfg *Config, url string) (*Conn, error) {
	if cfg != nil && cfg.Role != RoleClient {
		return nil, newError(CodeArg, "a client connection needs a config with the client role")
	}
	c, err := newConn(cfg)
	if err != nil {
		return nil, err
	}
	ch := clientHandshake(cfg, url)
	if c.connectFields, err = ch.ConnectRequest(); err != nil {
		return nil, err
	}
	c.hs = &handshake{client: ch, connect: true}
	return c, nil
}

// FeedConnectRequest gives a server connection (NewServer) an extended
// CONNECT's fields, pseudo-header fields first, as the host's HTTP library
// decoded the stream's HEADERS; proto is ProtoHTTP2 or ProtoHTTP3. It is
// checked as RequestFromConnect does and, as with FeedRequest, reported as
// EventRequest and accepted at once unless Config.ManualAccept. Then
// ConnectFields is the response to send as HEADERS: 200 when accepted (do
// not end the stream), or an error status whose message is in Output (send
// it as DATA and end the stream), with EventRejected.
func (c *Conn) FeedConnectRequest(proto string, fields [][2]string) error {
	if c.role != RoleServer || c.state != StateConnecting || c.hs == nil || c.hs.req != nil {
		return newError(CodeState, "a request can only be fed to a server connection waiting for one")
	}
	if proto != ProtoHTTP2 && proto != ProtoHTTP3 {
		return newError(CodeArg, "FeedConnectRequest takes \"HTTP/2\" or \"HTTP/3\", got "+quote(proto))
	}
	c.hs.connect = true
	req, err := RequestFromConnect(proto, fields)
	if err != nil {
		c.handshakeFailed(err)
		return nil
	}
	c.onRequest(req, nil)
	return nil
}

// FeedConnectResponse gives a client connection from NewConnectClient the
// response's fields, :status first. They are checked as CheckConnect does:
// the connection opens (EventOpen) or is rejected (EventRejected).
func (c *Conn) FeedConnectResponse(fields [][2]string) error {
	if c.role != RoleClient || c.state != StateConnecting || c.hs == nil || !c.hs.connect {
		return newError(CodeState, "a response's fields can only be fed to a client connection from NewConnectClient waiting for one")
	}
	resp, err := parseConnectResponse(fields)
	if err != nil {
		c.handshakeFailed(err)
		return nil
	}
	c.resp = resp
	a, err := c.hs.client.checkConnect(resp)
	if err != nil {
		c.handshakeFailed(err)
		return nil
	}
	c.onAgreed(a)
	return nil
}

// ConnectFields returns the field list to send as the stream's HEADERS: a
// client's request (NewConnectClient), or a server's response once
// FeedConnectRequest's request is accepted or refused; nil otherwise.
// Names are lower case, pseudo-header fields first.
func (c *Conn) ConnectFields() [][2]string { return c.connectFields }
