package ws

// EventType says what an Event reports. Values are part of the C ABI.
type EventType uint8

const (
	EventNone     EventType = 0  // no event pending
	EventRequest  EventType = 1  // server: a valid opening request arrived (Conn.Request)
	EventOpen     EventType = 2  // the opening handshake completed; messages may flow
	EventRejected EventType = 3  // the opening handshake failed: Code is the HTTP status (0 if none), Data the reason
	EventText     EventType = 4  // a text message (or, streaming, a chunk of one)
	EventBinary   EventType = 5  // a binary message (or chunk)
	EventData     EventType = 6  // a message with an application-claimed data opcode (3-7); Opcode says which
	EventPing     EventType = 7  // a ping; a pong was queued unless NoAutoPong
	EventPong     EventType = 8  // a pong
	EventControl  EventType = 9  // a frame with an application-claimed control opcode (11-15)
	EventClose    EventType = 10 // the connection is closing or closed: Code, Data (reason), Initiator
)

func (t EventType) String() string {
	switch t {
	case EventNone:
		return "none"
	case EventRequest:
		return "request"
	case EventOpen:
		return "open"
	case EventRejected:
		return "rejected"
	case EventText:
		return "text"
	case EventBinary:
		return "binary"
	case EventData:
		return "data"
	case EventPing:
		return "ping"
	case EventPong:
		return "pong"
	case EventControl:
		return "control"
	case EventClose:
		return "close"
	}
	return "unknown"
}

// Initiator says who started a close. Values are part of the C ABI.
type Initiator uint8

const (
	// ClosedByPeer: the peer sent a close frame first; ours was queued in reply.
	ClosedByPeer Initiator = 1
	// ClosedByUs: we sent a close first (Close); this is the peer's answer.
	ClosedByUs Initiator = 2
	// ClosedByFailure: we failed the connection because of a peer fault or an
	// unanswered heartbeat; Code is the code we send (1002, 1007, 1008,
	// 1009, 1010, 1011) and Data says why. For a peer fault the close frame
	// is queued as this event is taken (messages before it can still be
	// answered); for the heartbeat it was queued at once.
	ClosedByFailure Initiator = 3
	// ClosedAbnormally: the transport ended without a close handshake (1006).
	ClosedAbnormally Initiator = 4
)

func (i Initiator) String() string {
	switch i {
	case ClosedByPeer:
		return "peer"
	case ClosedByUs:
		return "local"
	case ClosedByFailure:
		return "failure"
	case ClosedAbnormally:
		return "abnormal"
	}
	return "none"
}

// Event is one thing that happened on a connection.
//
// Data is a view into memory owned by the connection: it stays valid until
// the next call to Feed, FeedEOF or Shrink on the same connection (copy it to keep it).
type Event struct {
	Type EventType
	// Opcode of the message or frame (text, binary, ping, ...).
	Opcode Opcode
	// RSV holds application-claimed RSV bits of the (first) frame. The RSV1
	// bit of permessage-deflate is not reported here; see Compressed.
	RSV uint8
	// First and Last mark a streamed chunk's place in its message; a whole
	// message has both set.
	First, Last bool
	// Compressed reports a message that arrived compressed (RFC 7692).
	Compressed bool
	// Code is the close code (EventClose) or HTTP status (EventRejected).
	Code CloseCode
	// Initiator says who started the close (EventClose).
	Initiator Initiator
	// Data is the payload, close reason or rejection reason.
	Data []byte
}
