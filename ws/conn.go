package ws

// State is a connection's place in its life (RFC 6455 §4, §7). Values are
// part of the C ABI.
type State uint8

const (
	StateConnecting State = 1 // opening handshake in progress
	StateOpen       State = 2 // messages flow both ways
	StateClosing    State = 3 // the closing handshake started: one side's close frame is out
	StateClosed     State = 4 // the close handshake is done, or the connection failed
)

func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateOpen:
		return "open"
	case StateClosing:
		return "closing"
	case StateClosed:
		return "closed"
	}
	return "invalid-state"
}

// Hint tells the host what to do with its transport once the pending output
// has been written. Values are part of the C ABI.
type Hint uint8

const (
	// HintNone: keep the transport open.
	HintNone Hint = 0
	// HintShutdownWrite: nothing more will be sent; the transport may be
	// half-closed (shutdown(SHUT_WR)). Keep reading until the peer closes
	// (RFC 6455 §7.1.1: a client waits for the server to close TCP), or
	// until a timeout of your choosing, then close.
	HintShutdownWrite Hint = 1
	// HintClose: close the transport now (after writing pending output).
	HintClose Hint = 2
)

func (h Hint) String() string {
	switch h {
	case HintNone:
		return "none"
	case HintShutdownWrite:
		return "shutdown-write"
	case HintClose:
		return "close"
	}
	return "invalid-hint"
}

// Conn is one end of a WebSocket connection, without I/O: the host feeds it
// the bytes it reads (Feed, FeedEOF), takes events out (NextEvent), asks it
// to send (SendText, Ping, Close, ...) and writes what Output returns.
//
// A Conn is not safe for concurrent use; different Conns are independent.
type Conn struct {
	role  Role
	lim   limits
	alloc Allocator
	state State
	hint  Hint

	skipUTF8     bool
	autoPong     bool
	echoReason   bool
	streaming    bool
	perFrame     bool
	allowRSV     uint8
	allowOpcodes uint16

	// Receiving.
	p         Parser
	rx        buffer // data payloads handed out in events
	cx        buffer // control payloads and close/rejection reasons
	evq       []evRec
	evHead    int
	rxLive    int    // rx bytes before this offset belong to taken events
	cxLive    int    // likewise for cx
	heldIn    []byte // input left over from Accept's held bytes
	msg       recvMessage
	ctlOff    int       // start in cx of the control frame being received
	infl      *inflater // nil unless permessage-deflate is in use
	eof       bool
	closeRecv bool
	failure   *Error

	// Sending.
	tx        buffer
	txOff     int // bytes of tx already consumed by the host
	pongLen   int // length of our last pong, at the end of tx while pongRun > 0
	pongRun   int // unsent pongs at the end of tx, nothing else after them
	masks     maskSource
	send      sendMessage
	defl      *deflater
	closeSent bool

	// Heartbeat: pings carry consecutive 8-byte numbers from hbNext-hbOut,
	// or the host's payloads (HeartbeatWith), of which the last hbKeep
	// outstanding are remembered by their hashes in hbSums[:hbSumN].
	hbNext uint64
	hbOut  int
	hbSums [hbKeep]uint64
	hbSumN int

	agreed *Agreement
	key    string    // client: the Sec-WebSocket-Key sent
	req    *Request  // server: the client's request
	resp   *Response // client: the server's answer
	// connectFields is the field list of an extended CONNECT to send:
	// a client's request, or a server's response (conn_connect.go).
	connectFields [][2]string
	hs            *handshake // nil once the handshake is over
	cfg           *Config    // the handshake's; nil once open
}

// recvMessage is the data message being received.
type recvMessage struct {
	active     bool
	op         Opcode
	rsv        uint8
	compressed bool
	tailDone   bool  // compressed: the stream's end was inflated (inflateWhole)
	firstSent  bool  // streaming: a chunk with First has been queued
	emit       int   // rx offset of the bytes not yet queued in an event
	size       int64 // bytes received so far (before inflating)
	utf8       utf8State
}

// sendMessage is the state of a message being sent in fragments.
type sendMessage struct {
	active   bool
	op       Opcode
	first    bool
	compress bool
	rsv      uint8 // application RSV bits for the frame being written
	utf8     utf8State
}

// evRec is a queued event; its payload is an offset into rx or cx so that
// buffers may move until the event is delivered.
type evRec struct {
	typ    EventType
	op     Opcode
	rsv    uint8
	flags  uint8
	init   Initiator
	inCx   bool
	code   CloseCode
	off, n int
}

const (
	evFirst uint8 = 1 << iota
	evLast
	evCompressed
	evReply // taking this close event queues our reply
)

func newConn(cfg *Config) (*Conn, error) {
	if cfg == nil {
		return nil, newError(CodeArg, "config is nil")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cp := *cfg
	c := &Conn{
		role:         cfg.Role,
		lim:          cfg.limits(),
		alloc:        cfg.Alloc,
		state:        StateConnecting,
		skipUTF8:     cfg.SkipUTF8Validation,
		autoPong:     !cfg.NoAutoPong,
		echoReason:   cfg.EchoCloseReason,
		streaming:    cfg.Streaming,
		perFrame:     cfg.Streaming && cfg.ChunkPerFrame,
		allowRSV:     cfg.AllowRSV,
		allowOpcodes: cfg.AllowOpcodes,
		cfg:          &cp,
		hbNext:       randomUint64() >> 1,
	}
	if c.alloc == nil {
		c.alloc = goAlloc{}
	}
	c.p.init(c.parserConfig(false))
	return c, nil
}

func (c *Conn) parserConfig(deflate bool) ParserConfig {
	return ParserConfig{
		Role:           c.role,
		MaxFrameSize:   c.lim.maxFrame,
		MaxMessageSize: c.lim.maxMessage,
		AllowRSV:       c.allowRSV,
		Deflate:        deflate,
		AllowOpcodes:   c.allowOpcodes,
	}
}

// NewConn returns a connection that is already open, for hosts that did the
// opening handshake themselves (their own HTTP server, or a proxy). agreed
// says what was negotiated; nil means no subprotocol and no extensions.
// Feed it the bytes that follow the HTTP head.
func NewConn(cfg *Config, agreed *Agreement) (*Conn, error) {
	c, err := newConn(cfg)
	if err != nil {
		return nil, err
	}
	if agreed == nil {
		agreed = &Agreement{}
	}
	if d := agreed.Deflate; d != nil {
		if !validWindowBits(d.ServerMaxWindowBits, false) || !validWindowBits(d.ClientMaxWindowBits, false) {
			return nil, newError(CodeArg, "agreed deflate window bits must be 8..15")
		}
	}
	c.setOpen(agreed)
	return c, nil
}

// setOpen enters the open state with what the handshake agreed.
func (c *Conn) setOpen(a *Agreement) {
	c.agreed = a
	c.state = StateOpen
	if d := a.Deflate; d != nil {
		level, minSize := DefaultCompressLevel, DefaultCompressMinSize
		if dc := c.cfg.Deflate; dc != nil {
			level, minSize = dc.level(), dc.minSize()
		}
		// Each direction uses the parameters named after its sender (§7.1).
		sendBits, sendNoCtx := d.ClientMaxWindowBits, d.ClientNoContextTakeover
		recvBits, recvNoCtx := d.ServerMaxWindowBits, d.ServerNoContextTakeover
		if c.role == RoleServer {
			sendBits, sendNoCtx, recvBits, recvNoCtx = recvBits, recvNoCtx, sendBits, sendNoCtx
		}
		c.defl = newDeflater(level, sendBits, !sendNoCtx, minSize)
		c.infl = newInflater(recvBits, !recvNoCtx)
		c.p.deflate = true
	}
	c.cfg = nil // only the handshake needs it; an idle server keeps little
}

// Role returns the connection's role.
func (c *Conn) Role() Role { return c.role }

// State returns the connection's state.
func (c *Conn) State() State { return c.state }

// Hint says what to do with the transport once Output has been written.
func (c *Conn) Hint() Hint { return c.hint }

// Subprotocol returns the agreed subprotocol, or "".
func (c *Conn) Subprotocol() string {
	if c.agreed == nil {
		return ""
	}
	return c.agreed.Subprotocol
}

// Extensions returns the extensions in use, as a Sec-WebSocket-Extensions
// value ("" when none).
func (c *Conn) Extensions() string {
	if c.agreed == nil {
		return ""
	}
	return FormatExtensions(c.agreed.Extensions)
}

// Agreement returns what the opening handshake agreed, or nil before it
// completed.
func (c *Conn) Agreement() *Agreement { return c.agreed }

// Deflate returns the agreed permessage-deflate parameters, or nil.
func (c *Conn) Deflate() *DeflateParams {
	if c.agreed == nil {
		return nil
	}
	return c.agreed.Deflate
}

// Err returns why the connection failed, or nil. A failure is also
// reported as an EventClose with Initiator ClosedByFailure.
func (c *Conn) Err() error {
	if c.failure == nil {
		return nil
	}
	return c.failure
}

// Need returns how many more bytes are needed before the next frame header
// or the rest of a payload can be processed: the count a host with a
// blocking read(N) should ask for. It is 1 during the handshake (the head's
// length is unknown) and 0 once nothing more will be read.
func (c *Conn) Need() int64 {
	switch {
	case c.eof || c.state == StateClosed:
		return 0
	case c.state == StateConnecting:
		return 1
	}
	if n := c.p.Need(); n > 0 {
		return n
	}
	return 1
}

// Memory returns the bytes of buffers and compression history this
// connection holds right now (not counting the Conn struct itself).
func (c *Conn) Memory() int {
	n := len(c.rx.b) + len(c.cx.b) + len(c.tx.b) + cap(c.evq)*evRecSize
	if c.defl != nil {
		n += c.defl.memory()
	}
	if c.infl != nil {
		n += c.infl.memory()
	}
	return n
}

const evRecSize = 40

// Shrink releases buffer memory that is not needed right now. Event
// payloads returned earlier become invalid. Useful for servers holding many
// idle connections.
func (c *Conn) Shrink() {
	c.reclaim()
	if c.rx.n == 0 {
		c.rx.release(c.alloc)
	}
	if c.cx.n == 0 {
		c.cx.release(c.alloc)
	}
	if c.txOff == c.tx.n {
		c.tx.release(c.alloc)
		c.txOff = 0
	}
	if !c.msg.active && c.infl != nil {
		c.infl.begin() // tables and window go back to their pools
	}
	if c.evHead == len(c.evq) {
		c.evq, c.evHead = nil, 0
	}
}

// Free returns all buffer memory to the allocator. The connection must not
// be used afterwards. Go programs need not call it; the C API does.
func (c *Conn) Free() {
	c.rx.release(c.alloc)
	c.cx.release(c.alloc)
	c.tx.release(c.alloc)
	c.txOff = 0
	if c.defl != nil {
		c.defl.end()
	}
	if c.infl != nil {
		c.infl.begin()
	}
	c.evq, c.evHead = nil, 0
	c.state = StateClosed
	c.eof = true
}
