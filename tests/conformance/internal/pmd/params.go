// Package pmd is the driver's own permessage-deflate (RFC 7692):
// negotiation, a strict inflater that enforces the agreed window size and
// context takeover, and a deflater that respects them. It shares no code
// with package ws.
package pmd

import (
	"fmt"
	"strconv"

	"github.com/libws/libws/tests/conformance/internal/wire"
)

// Name is the extension token.
const Name = "permessage-deflate"

// Offer is one permessage-deflate offer, as a client sends it.
type Offer struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int  // 0: absent
	ClientMaxWindowBits     int  // the value of client_max_window_bits; 0: absent or no value
	ClientMaxWindowBitsSent bool // client_max_window_bits is present (with or without a value)
}

// AutobahnOffer is Autobahn's PerMessageDeflateOffer with its defaults
// (accept_no_context_takeover and accept_max_window_bits true) and the
// given request_no_context_takeover / request_max_window_bits: it offers
// "client_no_context_takeover; client_max_window_bits" and asks the server
// for server_no_context_takeover / server_max_window_bits=N.
func AutobahnOffer(requestNoContextTakeover bool, requestMaxWindowBits int) Offer {
	return Offer{
		ClientNoContextTakeover: true,
		ClientMaxWindowBitsSent: true,
		ServerNoContextTakeover: requestNoContextTakeover,
		ServerMaxWindowBits:     requestMaxWindowBits,
	}
}

// Extension formats the offer in Autobahn's parameter order.
func (o Offer) Extension() wire.Extension {
	e := wire.Extension{Name: Name}
	if o.ClientNoContextTakeover {
		e.Params = append(e.Params, wire.Param{Name: "client_no_context_takeover"})
	}
	if o.ClientMaxWindowBitsSent {
		p := wire.Param{Name: "client_max_window_bits"}
		if o.ClientMaxWindowBits != 0 {
			p.Value, p.HasValue = strconv.Itoa(o.ClientMaxWindowBits), true
		}
		e.Params = append(e.Params, p)
	}
	if o.ServerNoContextTakeover {
		e.Params = append(e.Params, wire.Param{Name: "server_no_context_takeover"})
	}
	if o.ServerMaxWindowBits != 0 {
		e.Params = append(e.Params, wire.Param{Name: "server_max_window_bits", Value: strconv.Itoa(o.ServerMaxWindowBits), HasValue: true})
	}
	return e
}

func (o Offer) String() string { return o.Extension().String() }

// Response is a server's permessage-deflate response element.
type Response struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int // 0: absent
	ClientMaxWindowBits     int // 0: absent
}

// Extension formats the response.
func (r Response) Extension() wire.Extension {
	e := wire.Extension{Name: Name}
	if r.ServerNoContextTakeover {
		e.Params = append(e.Params, wire.Param{Name: "server_no_context_takeover"})
	}
	if r.ServerMaxWindowBits != 0 {
		e.Params = append(e.Params, wire.Param{Name: "server_max_window_bits", Value: strconv.Itoa(r.ServerMaxWindowBits), HasValue: true})
	}
	if r.ClientNoContextTakeover {
		e.Params = append(e.Params, wire.Param{Name: "client_no_context_takeover"})
	}
	if r.ClientMaxWindowBits != 0 {
		e.Params = append(e.Params, wire.Param{Name: "client_max_window_bits", Value: strconv.Itoa(r.ClientMaxWindowBits), HasValue: true})
	}
	return e
}

func (r Response) String() string { return r.Extension().String() }

// Params are the agreed parameters of a connection; both window sizes are
// set (8..15).
type Params struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int
	ClientMaxWindowBits     int
}

func (p Params) String() string {
	return fmt.Sprintf("server: window %d, context takeover %v; client: window %d, context takeover %v",
		p.ServerMaxWindowBits, !p.ServerNoContextTakeover, p.ClientMaxWindowBits, !p.ClientNoContextTakeover)
}

func windowBits(p wire.Param) (int, error) {
	if !p.HasValue {
		return 0, fmt.Errorf("%s without a value", p.Name)
	}
	if len(p.Value) == 0 || len(p.Value) > 2 || p.Value[0] == '0' {
		return 0, fmt.Errorf("%s=%q: not a decimal 8..15 without leading zeros", p.Name, p.Value)
	}
	n, err := strconv.Atoi(p.Value)
	if err != nil || n < 8 || n > 15 {
		return 0, fmt.Errorf("%s=%q: not 8..15", p.Name, p.Value)
	}
	return n, nil
}

// ParseOffer reads a client's offer strictly: unknown, repeated or invalid
// parameters are errors (RFC 7692 §7.1).
func ParseOffer(e wire.Extension) (Offer, error) {
	var o Offer
	seen := map[string]bool{}
	for _, p := range e.Params {
		if seen[p.Name] {
			return o, fmt.Errorf("parameter %s repeated", p.Name)
		}
		seen[p.Name] = true
		switch p.Name {
		case "server_no_context_takeover":
			if p.HasValue {
				return o, fmt.Errorf("%s has a value", p.Name)
			}
			o.ServerNoContextTakeover = true
		case "client_no_context_takeover":
			if p.HasValue {
				return o, fmt.Errorf("%s has a value", p.Name)
			}
			o.ClientNoContextTakeover = true
		case "server_max_window_bits":
			n, err := windowBits(p)
			if err != nil {
				return o, err
			}
			o.ServerMaxWindowBits = n
		case "client_max_window_bits":
			o.ClientMaxWindowBitsSent = true
			if p.HasValue {
				n, err := windowBits(p)
				if err != nil {
					return o, err
				}
				o.ClientMaxWindowBits = n
			}
		default:
			return o, fmt.Errorf("unknown parameter %s", p.Name)
		}
	}
	return o, nil
}

// ParseResponse reads a server's response strictly (RFC 7692 §7.1).
func ParseResponse(e wire.Extension) (Response, error) {
	var r Response
	seen := map[string]bool{}
	for _, p := range e.Params {
		if seen[p.Name] {
			return r, fmt.Errorf("parameter %s repeated", p.Name)
		}
		seen[p.Name] = true
		switch p.Name {
		case "server_no_context_takeover", "client_no_context_takeover":
			if p.HasValue {
				return r, fmt.Errorf("%s has a value", p.Name)
			}
			if p.Name[0] == 's' {
				r.ServerNoContextTakeover = true
			} else {
				r.ClientNoContextTakeover = true
			}
		case "server_max_window_bits", "client_max_window_bits":
			n, err := windowBits(p) // a response's window bits always carry a value
			if err != nil {
				return r, err
			}
			if p.Name[0] == 's' {
				r.ServerMaxWindowBits = n
			} else {
				r.ClientMaxWindowBits = n
			}
		default:
			return r, fmt.Errorf("unknown parameter %s", p.Name)
		}
	}
	return r, nil
}

// Agree is the client's check of a server's response against the offers
// it sent (RFC 7692 §7.1): it returns the index of the first offer the
// response fits and the agreed parameters, or an error.
//
// A response fits an offer when it grants what the offer asked of the
// server (server_no_context_takeover; server_max_window_bits with the same
// or a smaller value) and only limits the client's window if the offer
// carried client_max_window_bits. It may add no_context_takeover or
// window limits unasked.
func Agree(offers []Offer, r Response) (Params, int, error) {
	var why []string
	for i, o := range offers {
		if o.ServerNoContextTakeover && !r.ServerNoContextTakeover {
			why = append(why, fmt.Sprintf("offer %d asked for server_no_context_takeover", i+1))
			continue
		}
		if o.ServerMaxWindowBits != 0 && (r.ServerMaxWindowBits == 0 || r.ServerMaxWindowBits > o.ServerMaxWindowBits) {
			why = append(why, fmt.Sprintf("offer %d asked for server_max_window_bits=%d", i+1, o.ServerMaxWindowBits))
			continue
		}
		if r.ClientMaxWindowBits != 0 && !o.ClientMaxWindowBitsSent {
			why = append(why, fmt.Sprintf("offer %d has no client_max_window_bits, the response sets it", i+1))
			continue
		}
		p := Params{
			ServerNoContextTakeover: r.ServerNoContextTakeover,
			// client_no_context_takeover in the offer is our promise (§7.1.1.2)
			ClientNoContextTakeover: r.ClientNoContextTakeover || o.ClientNoContextTakeover,
			ServerMaxWindowBits:     or15(r.ServerMaxWindowBits),
			ClientMaxWindowBits:     or15(r.ClientMaxWindowBits),
		}
		if o.ClientMaxWindowBits != 0 && o.ClientMaxWindowBits < p.ClientMaxWindowBits {
			p.ClientMaxWindowBits = o.ClientMaxWindowBits // our own limit binds us (§7.1.2.2)
		}
		return p, i, nil
	}
	return Params{}, -1, fmt.Errorf("the response %q fits none of the offers (%v)", r.String(), why)
}

// ServerParams are the agreed parameters when a server answers offer with
// r (the server's own view, with the client's promises from the offer).
func ServerParams(o Offer, r Response) Params {
	p := Params{
		ServerNoContextTakeover: r.ServerNoContextTakeover,
		ClientNoContextTakeover: r.ClientNoContextTakeover || o.ClientNoContextTakeover,
		ServerMaxWindowBits:     or15(r.ServerMaxWindowBits),
		ClientMaxWindowBits:     or15(r.ClientMaxWindowBits),
	}
	if o.ClientMaxWindowBits != 0 && o.ClientMaxWindowBits < p.ClientMaxWindowBits {
		p.ClientMaxWindowBits = o.ClientMaxWindowBits
	}
	return p
}

func or15(n int) int {
	if n == 0 {
		return 15
	}
	return n
}
