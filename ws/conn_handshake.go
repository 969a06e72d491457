package ws

// handshake is a connection's opening-handshake state; it is dropped once
// the connection is open.
type handshake struct {
	head    HeadReader
	client  *ClientHandshake
	server  *ServerHandshake
	req     *Request
	held    []byte // server, manual accept: bytes that followed the request
	connect bool   // an extended CONNECT (conn_connect.go): field lists, not a head
}

// NewClient returns a client connection for url (ws://host[:port]/path or
// wss://...; the host does TLS itself). The opening request is already in
// Output; feed the server's answer. The connection reports EventOpen, or
// EventRejected if the server refuses or answers wrongly.
func NewClient(cfg *Config, url string) (*Conn, error) {
	if cfg != nil && cfg.Role != RoleClient {
		return nil, newError(CodeArg, "a client connection needs a config with the client role")
	}
	c, err := newConn(cfg)
	if err != nil {
		return nil, err
	}
	ch := clientHandshake(cfg, url)
	req, err := ch.Request()
	if err != nil {
		return nil, err
	}
	c.key = ch.Key
	c.hs = &handshake{client: ch, head: HeadReader{MaxSize: c.lim.maxHead, MaxHeaders: c.lim.maxHeaders}}
	if !c.queueRaw(req) {
		return nil, newError(CodeNoMem, "out of memory queuing the request")
	}
	return c, nil
}

// clientHandshake is the opening handshake that cfg configures.
func clientHandshake(cfg *Config, url string) *ClientHandshake {
	return &ClientHandshake{
		URL:             url,
		Origin:          cfg.Origin,
		Subprotocols:    cfg.Subprotocols,
		Deflate:         cfg.Deflate,
		ExtensionOffers: cfg.ExtensionOffers,
		Header:          cfg.Header,
		Key:             cfg.Key,
	}
}

// NewServer returns a server connection waiting for a client's opening
// request. Feed it what the client sends: a valid request is reported as
// EventRequest and, unless Config.ManualAccept, answered at once with a 101
// response and EventOpen; an invalid one is answered with 400, 426 or 431
// and reported as EventRejected.
func NewServer(cfg *Config) (*Conn, error) {
	if cfg != nil && cfg.Role != RoleServer {
		return nil, newError(CodeArg, "a server connection needs a config with the server role")
	}
	c, err := newConn(cfg)
	if err != nil {
		return nil, err
	}
	sh := &ServerHandshake{
		Subprotocols:      cfg.Subprotocols,
		SelectSubprotocol: cfg.SelectSubprotocol,
		Deflate:           cfg.Deflate,
		Header:            cfg.Header,
	}
	if err := sh.check(); err != nil {
		return nil, err
	}
	c.hs = &handshake{server: sh, head: HeadReader{MaxSize: c.lim.maxHead, MaxHeaders: c.lim.maxHeaders}}
	return c, nil
}

// Request returns the client's opening request on a server, or nil. It
// stays available after the handshake.
func (c *Conn) Request() *Request {
	// An open connection keeps only the ordered fields (the map costs more
	// than the rest of an idle connection); the map comes back on demand.
	if r := c.req; r != nil && r.Header == nil {
		r.Header = fieldsHeader(r.Fields)
	}
	return c.req
}

// PeekRequest is Request without rebuilding the Header map: Header is nil
// once the connection is open; Request.Value and Fields still answer. For
// hosts (the C API) that look up a field or two per connection.
func (c *Conn) PeekRequest() *Request { return c.req }

// Response returns the server's answer as parsed by a client, or nil.
func (c *Conn) Response() *Response { return c.resp }

// ClientKey returns the Sec-WebSocket-Key a client sent, or "".
func (c *Conn) ClientKey() string { return c.key }

// HandshakeFailure says why the opening handshake failed (FailNone if it
// did not), and which header field was at fault when one was.
func (c *Conn) HandshakeFailure() (Failure, string) {
	if c.failure == nil {
		return FailNone, ""
	}
	return c.failure.Failure, c.failure.Field
}

// feedHandshake feeds b during the opening handshake, and the frames that
// follow the head once it is done; it returns how many bytes it used (all
// of them unless the receive budget filled after the handshake).
func (c *Conn) feedHandshake(b []byte) int {
	hs := c.hs
	if hs.req != nil {
		return c.holdForAccept(b)
	}
	head, n, err := hs.head.Feed(b)
	if err != nil {
		c.handshakeFailed(err)
		return len(b)
	}
	if head == nil {
		return len(b)
	}
	rest := b[n:]
	if hs.client != nil {
		resp, err := ParseResponse(head)
		if err != nil {
			c.handshakeFailed(err)
			return len(b)
		}
		if resp.Status >= 100 && resp.Status < 200 && resp.Status != 101 {
			// RFC 7230 §6.2: a client must accept interim 1xx responses
			// before the final one.
			hs.head.Reset()
			return n + c.feedHandshake(rest)
		}
		return n + c.onResponse(resp, rest)
	}
	req, err := ParseRequest(head)
	if err != nil {
		c.handshakeFailed(err)
		return len(b)
	}
	return n + c.onRequest(req, rest)
}

// FeedRequest gives a server connection a request whose head the host
// parsed itself (method, request-target, protocol version and the header
// fields in order). Bytes after the head go to Feed afterwards.
func (c *Conn) FeedRequest(method, target, proto string, header [][2]string) error {
	if c.role != RoleServer || c.state != StateConnecting || c.hs == nil || c.hs.req != nil {
		return newError(CodeState, "a request can only be fed to a server connection waiting for one")
	}
	req, err := RequestFromHeaders(method, target, proto, header)
	if err != nil {
		c.handshakeFailed(err)
		return nil
	}
	c.onRequest(req, nil)
	return nil
}

// FeedResponse gives a client connection a response whose head the host
// parsed itself. Bytes after the head go to Feed afterwards.
func (c *Conn) FeedResponse(status int, reason string, header [][2]string) error {
	if c.role != RoleClient || c.state != StateConnecting || c.hs == nil {
		return newError(CodeState, "a response can only be fed to a client connection waiting for one")
	}
	resp, err := ResponseFromHeaders(status, reason, header)
	if err != nil {
		c.handshakeFailed(err)
		return nil
	}
	c.onResponse(resp, nil)
	return nil
}

// onResponse opens a client connection and feeds rest, returning how much
// of it was used.
func (c *Conn) onResponse(resp *Response, rest []byte) int {
	c.resp = resp
	a, err := c.hs.client.Check(resp)
	if err != nil {
		c.handshakeFailed(err)
		return len(rest)
	}
	if !c.onAgreed(a) {
		return len(rest)
	}
	return c.feedFrames(rest)
}

// onAgreed opens a client connection with what the server agreed. A
// client that requires permessage-deflate fails it with 1010 when it was
// not agreed (RFC 6455 §7.4.1), and onAgreed reports false.
func (c *Conn) onAgreed(a *Agreement) bool {
	required := c.cfg.Deflate != nil && c.cfg.Deflate.Required
	c.hs = nil
	c.setOpen(a)
	c.evq = append(c.evq, evRec{typ: EventOpen})
	if required && a.Deflate == nil {
		c.fail(&Error{Code: CodeExtension, CloseCode: CloseMandatoryExtension, Failure: FailRequired, Field: "Sec-WebSocket-Extensions", Msg: "permessage-deflate"})
		return false
	}
	return true
}

// holdForAccept keeps b, which follows a request waiting for Accept (a
// client may send frames without waiting for the 101), within the receive
// budget, and returns how much it took: the rest stays with the host until
// Accept. Under FeedAll (no budget) up to a frame's worth is kept, and more
// is refused with 400.
func (c *Conn) holdForAccept(b []byte) int {
	hs := c.hs
	take := len(b)
	if room := c.lim.maxQueued - len(hs.held); room < take && c.lim.maxQueued < maxRoom {
		take = max(room, 0)
	}
	if int64(len(hs.held)+take) > min(c.lim.maxFrame, 1<<62)+MaxHeaderLen { // no overflow when unlimited
		c.handshakeFailed(handshakeError(400, "too much data before the handshake was accepted").because(FailTooLarge, ""))
		return len(b)
	}
	hs.held = append(hs.held, b[:take]...)
	return take
}

// onRequest records a server's request and, unless the host accepts by
// hand, accepts it and feeds rest; it returns how much of rest was used.
func (c *Conn) onRequest(req *Request, rest []byte) int {
	c.hs.req = req
	c.req = req
	c.evq = append(c.evq, evRec{typ: EventRequest})
	if c.cfg.ManualAccept {
		c.hs.held = c.hs.held[:0]
		return c.holdForAccept(rest)
	}
	used, err := c.accept(nil, rest)
	if err != nil {
		c.handshakeFailed(handshakeError(500, err.Error()))
		return len(rest)
	}
	return used
}

// Accept answers the pending request (Config.ManualAccept) with a 101
// response and opens the connection. opts may be nil.
func (c *Conn) Accept(opts *AcceptOptions) error {
	if c.role != RoleServer || c.state != StateConnecting || c.hs == nil || c.hs.req == nil {
		return newError(CodeState, "nothing to accept: no opening request is waiting (a server connection with manual accept has one after its request event)")
	}
	held := c.hs.held
	used, err := c.accept(opts, held)
	if err == nil && used < len(held) {
		// The receive budget filled: the next Feed goes on from here.
		c.heldIn = held[used:]
	}
	return err
}

// accept sends the 101 response, opens the connection and feeds rest; it
// returns how much of rest was used.
func (c *Conn) accept(opts *AcceptOptions, rest []byte) (int, error) {
	var resp []byte
	var a *Agreement
	var err error
	if c.hs.connect {
		c.connectFields, a, err = c.hs.server.AcceptConnect(c.hs.req, opts)
	} else {
		resp, a, err = c.hs.server.Accept(c.hs.req, opts)
	}
	if err != nil {
		return 0, err
	}
	if d := c.cfg.Deflate; d != nil && d.Required && a.Deflate == nil {
		c.handshakeFailed(handshakeError(400, "this server requires permessage-deflate and the request offers no acceptable configuration of it").because(FailRequired, "Sec-WebSocket-Extensions"))
		return len(rest), nil
	}
	if resp != nil && !c.queueRaw(resp) {
		return 0, newError(CodeNoMem, "out of memory queuing the response")
	}
	c.hs = nil
	c.req.Header = nil // see Request
	c.setOpen(a)
	c.evq = append(c.evq, evRec{typ: EventOpen})
	return c.feedFrames(rest), nil
}

// Reject answers the pending request (Config.ManualAccept) with an HTTP
// error response (status 400-599) and closes the connection; msg becomes
// the response body. header adds fields to the response.
func (c *Conn) Reject(status int, msg string, header [][2]string) error {
	if c.role != RoleServer || c.state != StateConnecting || c.hs == nil || c.hs.req == nil {
		return newError(CodeState, "nothing to reject: no opening request is waiting (a server connection with manual accept has one after its request event)")
	}
	if status < 400 || status > 599 {
		return newError(CodeArg, "reject status must be 400-599")
	}
	if err := checkExtraHeaders(header, reservedHeader); err != nil {
		return err
	}
	c.queueReject(status, msg, header)
	c.hs = nil
	c.state = StateClosed
	c.hint = HintClose
	return nil
}

// handshakeFailed ends a failed opening handshake: a server answers with an
// error response; both sides report EventRejected and close the transport.
func (c *Conn) handshakeFailed(err error) {
	e, ok := err.(*Error)
	if !ok {
		e = &Error{Code: CodeHandshake, Msg: err.Error()}
	}
	status := e.Status
	if c.role == RoleServer {
		if status == 0 {
			status = 400
		}
		c.queueReject(status, e.Msg, nil)
	} else if c.resp == nil || c.resp.Status == 101 || c.hs.connect && c.resp.Status == 200 {
		// Only a status the server actually sent is reported as one.
		status = 0
	}
	c.failure = e
	c.hs = nil
	c.state = StateClosed
	c.hint = HintClose
	c.pushTextEvent(evRec{typ: EventRejected, code: CloseCode(status)}, e.Msg)
}

// queueReject queues a server's refusal: the HTTP/1.1 response, or over
// an extended CONNECT the response fields and the message as DATA.
func (c *Conn) queueReject(status int, msg string, header [][2]string) {
	if c.hs != nil && c.hs.connect {
		c.connectFields = RejectConnect(status, msg, header)
		c.queueRaw([]byte(msg))
		return
	}
	c.queueRaw(Reject(status, msg, header))
}
