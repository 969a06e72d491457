package ws

// Role says which end of the connection this endpoint is. The zero value is
// invalid so that a forgotten role is an error, not a silent default.
type Role uint8

const (
	RoleClient Role = 1 // masks what it sends; expects unmasked frames
	RoleServer Role = 2 // never masks; requires masked frames
)

func (r Role) String() string {
	switch r {
	case RoleClient:
		return "client"
	case RoleServer:
		return "server"
	}
	return "invalid-role"
}

// Default limits. Every limit is on by default; a zero field in Config means
// "use the default", a negative one means "no limit" where that is allowed.
const (
	DefaultMaxMessageSize   = 64 << 20 // bytes, after inflating
	DefaultMaxFrameSize     = 64 << 20 // bytes of one frame's payload
	DefaultMaxOutput        = 64 << 20 // bytes of unsent output before sends fail
	DefaultMaxQueued        = 1 << 20  // bytes of received events one Feed may queue
	DefaultMaxHandshakeSize = 16 << 10 // bytes of one HTTP head
	DefaultMaxHeaderCount   = 100      // header lines in one HTTP head
	DefaultMaxPings         = 3        // unanswered heartbeat pings before closing with 1008
	DefaultCompressLevel    = 6        // flate level; 1 (fastest) to 9 (smallest)
	DefaultCompressMinSize  = 32       // messages shorter than this are sent uncompressed
)

// Config configures a Conn. Only Role is required; every other zero field
// takes its documented default.
type Config struct {
	Role Role

	// MaxMessageSize bounds a received message (its inflated size when
	// compressed, checked while inflating). Exceeding it fails the connection
	// with 1009. Zero means DefaultMaxMessageSize; negative means unlimited.
	MaxMessageSize int64
	// MaxFrameSize bounds one received frame's payload (1009 when exceeded).
	// Zero means DefaultMaxFrameSize; negative means unlimited.
	MaxFrameSize int64
	// MaxOutput is backpressure on sending: while the output holds this
	// many bytes or more, data sends fail with CodeOutputFull and queue
	// nothing (a send into a smaller queue is accepted whole). Control
	// frames are queued regardless, but unsent pongs are coalesced and a
	// peer whose pings would grow the output past it fails the connection
	// (1008). Zero means DefaultMaxOutput;
	// negative means unlimited.
	MaxOutput int64
	// MaxQueued is the receive budget: once the events queued and not yet
	// taken (their payloads plus a small record each) reach this many
	// bytes, Feed stops consuming input and returns how much it used; take
	// the events and feed the rest. A single message may still grow to
	// MaxMessageSize while no event is queued. So whatever the chunking of
	// the input, a peer can make a connection hold about MaxQueued +
	// MaxMessageSize + MaxOutput at most. Zero means DefaultMaxQueued;
	// negative means unlimited (every Feed consumes all its input).
	MaxQueued int64
	// MaxHandshakeSize and MaxHeaderCount bound an HTTP head. Zero means the
	// defaults.
	MaxHandshakeSize int
	MaxHeaderCount   int

	// Streaming delivers data messages as chunks (EventText/EventBinary with
	// First/Last flags) as their bytes arrive, instead of whole messages.
	// MaxMessageSize still applies to the total.
	Streaming bool
	// ChunkPerFrame, with Streaming, reports one chunk per data frame when
	// the frame is complete (First on a message's first frame, Last on its
	// final one), for hosts that work frame by frame like Net::WebSocket's
	// on_data_frame. Text chunks are then not cut on character boundaries.
	// A compressed message is still reported as one inflated chunk.
	ChunkPerFrame bool
	// SkipUTF8Validation turns off UTF-8 checking of text messages. Close
	// reasons are always checked.
	SkipUTF8Validation bool
	// NoAutoPong stops the automatic pong reply to pings. Pings are reported
	// as events either way.
	NoAutoPong bool
	// MaxPings is how many heartbeat pings may go unanswered before
	// Heartbeat closes the connection with 1008. Zero means DefaultMaxPings.
	MaxPings int
	// EchoCloseReason makes the reply to a peer's close frame repeat its
	// reason as well as its code, as Net::WebSocket does. RFC 6455 §5.5.1
	// only says an endpoint typically echoes the code, so the default sends
	// the code alone.
	EchoCloseReason bool

	// Subprotocols: on a client, the subprotocols offered, in preference
	// order; on a server, the ones supported (the client's order decides,
	// unless SelectSubprotocol is set).
	Subprotocols []string
	// SelectSubprotocol, on a server, picks the subprotocol from the client's
	// offer; returning "" selects none. It overrides Subprotocols.
	SelectSubprotocol func(offered []string) string
	// Header holds extra header lines for the request (client) or the 101
	// response (server), as name/value pairs.
	Header [][2]string
	// Origin is sent as the Origin header by a client, if not empty.
	Origin string
	// Key, on a client, is the Sec-WebSocket-Key to send: base64 of 16
	// bytes. Leave it empty: a fresh random key is then made, as RFC 6455
	// §4.1 requires; a fixed key is for tests and reproducible examples.
	Key string
	// ManualAccept makes a server stop after a valid request (EventRequest)
	// until the host calls Accept or Reject. Without it the server accepts at
	// once with the configured subprotocols and extensions. Meanwhile Feed
	// keeps at most MaxQueued bytes of what follows the request and leaves
	// the rest to be fed after Accept (FeedAll keeps up to MaxFrameSize).
	ManualAccept bool

	// Deflate configures permessage-deflate (RFC 7692). Nil disables it.
	Deflate *DeflateConfig

	// AllowRSV lists RSV bits (RSV2|RSV3, or RSV1 when permessage-deflate is
	// not negotiated) that an application extension claims: frames carrying
	// them are accepted and the bits are reported in events.
	AllowRSV uint8
	// AllowOpcodes is a bit set (1<<opcode) of reserved opcodes (3-7, 11-15)
	// that an application extension claims. Frames with them are reported as
	// EventData (3-7) or EventControl (11-15).
	AllowOpcodes uint16
	// ExtensionOffers are extra Sec-WebSocket-Extensions values a client
	// offers for application extensions; a server response may accept them.
	ExtensionOffers []string

	// Alloc provides the memory for event payloads and output. Nil uses Go
	// memory. The C API supplies C memory so that views can be handed out.
	Alloc Allocator
}

// DeflateConfig configures permessage-deflate on one endpoint. The four
// parameters carry RFC 7692's names (§7.1), which always mean the same
// direction whichever role reads them: "server_*" is what the server
// compresses, "client_*" is what the client compresses.
//
// On a client they form the first offer; Offers may add fallback offers that
// are sent after it. On a server they are what the server asks for: it
// answers any acceptable offer with at most these window sizes, and with
// no_context_takeover where set here or in the offer.
type DeflateConfig struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	// ServerMaxWindowBits and ClientMaxWindowBits are 8..15; zero means 15
	// and, on a client, that server_max_window_bits is not offered (the
	// client always offers client_max_window_bits, with this value if set,
	// or without a value to say that it accepts a limit).
	ServerMaxWindowBits int
	ClientMaxWindowBits int
	// Offers, on a client, are further offers sent after the first one, in
	// order, so that a server that declines the first can accept another.
	Offers []DeflateParams
	// Level is the flate compression level, 1..9; zero means
	// DefaultCompressLevel.
	Level int
	// MinSize: messages shorter than this many bytes are sent uncompressed.
	// Zero means DefaultCompressMinSize; negative compresses everything.
	MinSize int
	// Required refuses to run without permessage-deflate: a server rejects
	// requests without an acceptable offer (400); a client whose offer the
	// server declines fails the connection with 1010 right after it opens
	// (RFC 6455 §7.4.1).
	Required bool
}

// DeflateParams is one set of permessage-deflate parameters: an offer, a
// response, or what was agreed. Window bits are 8..15; in an offer, zero
// means the parameter is absent (for ClientMaxWindowBits: present without a
// value). In agreed parameters both window bits are always set.
type DeflateParams struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int
	ClientMaxWindowBits     int
}

// Allocator provides memory whose address may be handed to the host. Alloc
// returns a slice with len n (contents undefined) or nil when out of memory;
// Free releases a slice that Alloc returned. Implementations must be safe
// for concurrent use by different connections.
type Allocator interface {
	Alloc(n int) []byte
	Free(b []byte)
}

// Reallocator is an Allocator that can also resize: Realloc returns b
// resized to n bytes (its contents kept up to the smaller length), often in
// place, or nil on failure, leaving b valid. Growing a large receive buffer
// then neither copies it nor touches old and new memory at once (the C
// API's allocator is one: realloc).
type Reallocator interface {
	Realloc(b []byte, n int) []byte
}

// limits resolved from a Config.
type limits struct {
	maxMessage, maxFrame, maxOutput int64
	maxQueued                       int
	maxHead, maxHeaders             int
	maxPings                        int
}

func orDefault64(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 1<<63 - 1
	}
	return v
}

func (c *Config) limits() limits {
	l := limits{
		maxMessage: orDefault64(c.MaxMessageSize, DefaultMaxMessageSize),
		maxFrame:   orDefault64(c.MaxFrameSize, DefaultMaxFrameSize),
		maxOutput:  orDefault64(c.MaxOutput, DefaultMaxOutput),
		maxQueued:  int(min(orDefault64(c.MaxQueued, DefaultMaxQueued), maxRoom)),
		maxHead:    c.MaxHandshakeSize,
		maxHeaders: c.MaxHeaderCount,
		maxPings:   c.MaxPings,
	}
	if l.maxHead <= 0 {
		l.maxHead = DefaultMaxHandshakeSize
	}
	if l.maxHeaders <= 0 {
		l.maxHeaders = DefaultMaxHeaderCount
	}
	if l.maxPings <= 0 {
		l.maxPings = DefaultMaxPings
	}
	return l
}

// validate checks the parts of a Config that do not depend on the role's
// handshake (those are checked by the handshake code).
func (c *Config) validate() error {
	if c.Role != RoleClient && c.Role != RoleServer {
		return newError(CodeArg, "config: role must be RoleClient or RoleServer")
	}
	if c.AllowRSV&^(RSV1|RSV2|RSV3) != 0 {
		return newError(CodeArg, "config: AllowRSV may only hold RSV1, RSV2 and RSV3")
	}
	for op := Opcode(0); op < 16; op++ {
		if c.AllowOpcodes&(1<<op) != 0 && !op.IsReserved() {
			return newError(CodeArg, "config: AllowOpcodes may only hold reserved opcodes (3-7, 11-15), not "+op.String())
		}
	}
	if d := c.Deflate; d != nil {
		if err := d.validate(); err != nil {
			return err
		}
		if c.AllowRSV&RSV1 != 0 {
			return newError(CodeArg, "config: RSV1 cannot be claimed by AllowRSV when permessage-deflate is enabled")
		}
	}
	return nil
}

func validWindowBits(b int, zeroOK bool) bool {
	return (zeroOK && b == 0) || (b >= 8 && b <= 15)
}

func (d *DeflateConfig) validate() error {
	if !validWindowBits(d.ServerMaxWindowBits, true) || !validWindowBits(d.ClientMaxWindowBits, true) {
		return newError(CodeArg, "deflate: window bits must be 8..15 (or 0 for the default)")
	}
	for _, o := range d.Offers {
		if !validWindowBits(o.ServerMaxWindowBits, true) || !validWindowBits(o.ClientMaxWindowBits, true) {
			return newError(CodeArg, "deflate: window bits in an offer must be 8..15 (or 0)")
		}
	}
	if d.Level < 0 || d.Level > 9 {
		return newError(CodeArg, "deflate: level must be 1..9 (or 0 for the default)")
	}
	return nil
}

// params returns the first offer (client) or the server's wishes.
func (d *DeflateConfig) params() DeflateParams {
	return DeflateParams{
		ServerNoContextTakeover: d.ServerNoContextTakeover,
		ClientNoContextTakeover: d.ClientNoContextTakeover,
		ServerMaxWindowBits:     d.ServerMaxWindowBits,
		ClientMaxWindowBits:     d.ClientMaxWindowBits,
	}
}

func (d *DeflateConfig) level() int {
	if d.Level == 0 {
		return DefaultCompressLevel
	}
	return d.Level
}

func (d *DeflateConfig) minSize() int {
	switch {
	case d.MinSize == 0:
		return DefaultCompressMinSize
	case d.MinSize < 0:
		return 0
	}
	return d.MinSize
}
