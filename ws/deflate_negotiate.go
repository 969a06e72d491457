package ws

import (
	"strconv"
	"strings"
)

// permessage-deflate's extension token and parameters (RFC 7692 §7).
const (
	deflateName          = "permessage-deflate"
	pServerNoContext     = "server_no_context_takeover"
	pClientNoContext     = "client_no_context_takeover"
	pServerMaxWindowBits = "server_max_window_bits"
	pClientMaxWindowBits = "client_max_window_bits"
	maxWindowBits        = 15
)

// deflateElement is one parsed permessage-deflate offer or response.
// DeflateParams' window bits are 0 when absent; the has* fields say whether
// the parameter appeared (client_max_window_bits may appear without a
// value in an offer).
type deflateElement struct {
	DeflateParams
	hasServerBits, hasClientBits bool
}

// parseWindowBits accepts only "8" to "15": decimal, no sign, no leading
// zero (RFC 7692 §7.1.2.1: 1*DIGIT, "without leading zeroes"; 8..15).
func parseWindowBits(s string) (int, bool) {
	switch {
	case len(s) == 1 && (s[0] == '8' || s[0] == '9'):
		return int(s[0] - '0'), true
	case len(s) == 2 && s[0] == '1' && s[1] >= '0' && s[1] <= '5':
		return 10 + int(s[1]-'0'), true
	}
	return 0, false
}

// parseDeflateElement checks the parameters of one permessage-deflate
// element (RFC 7692 §7.1). In an offer client_max_window_bits may lack a
// value; in a response it may not. It returns a reason when invalid.
func parseDeflateElement(e Extension, offer bool) (deflateElement, string) {
	var d deflateElement
	seen := make(map[string]bool, len(e.Params))
	for _, p := range e.Params {
		// §7.1: an offer or response must not repeat a parameter.
		if seen[p.Name] {
			return d, "parameter " + p.Name + " appears twice"
		}
		seen[p.Name] = true
		switch p.Name {
		case pServerNoContext, pClientNoContext:
			// §7.1.1.1, §7.1.1.2: these parameters have no value.
			if p.HasValue {
				return d, p.Name + " must not have a value, got " + quote(p.Value)
			}
			if p.Name == pServerNoContext {
				d.ServerNoContextTakeover = true
			} else {
				d.ClientNoContextTakeover = true
			}
		case pServerMaxWindowBits:
			// §7.1.2.1: a value 8..15 is required.
			bits, ok := parseWindowBits(p.Value)
			if !p.HasValue || !ok {
				return d, pServerMaxWindowBits + " needs a value from 8 to 15, got " + paramValue(p)
			}
			d.ServerMaxWindowBits, d.hasServerBits = bits, true
		case pClientMaxWindowBits:
			// §7.1.2.2: the value may be absent in an offer only.
			d.hasClientBits = true
			if !p.HasValue && offer {
				continue
			}
			bits, ok := parseWindowBits(p.Value)
			if !p.HasValue || !ok {
				return d, pClientMaxWindowBits + " needs a value from 8 to 15, got " + paramValue(p)
			}
			d.ClientMaxWindowBits = bits
		default:
			// §7.1: an unknown parameter declines an offer or fails a
			// response.
			return d, "unknown parameter " + quote(p.Name)
		}
	}
	return d, ""
}

func paramValue(p ExtensionParam) string {
	if !p.HasValue {
		return "no value"
	}
	return quote(p.Value)
}

// orMax reads a zero window size as the 15-bit maximum.
func orMax(bits int) int {
	if bits == 0 {
		return maxWindowBits
	}
	return bits
}

// deflateOffer renders one client offer: the no_context_takeover flags
// when set, server_max_window_bits when limited, and always
// client_max_window_bits (with no value it says "I accept a limit",
// §7.1.2.2).
func deflateOffer(p DeflateParams) Extension {
	e := Extension{Name: deflateName}
	if p.ServerNoContextTakeover {
		e.Params = append(e.Params, ExtensionParam{Name: pServerNoContext})
	}
	if p.ClientNoContextTakeover {
		e.Params = append(e.Params, ExtensionParam{Name: pClientNoContext})
	}
	if p.ServerMaxWindowBits != 0 {
		e.Params = append(e.Params, windowParam(pServerMaxWindowBits, p.ServerMaxWindowBits))
	}
	if p.ClientMaxWindowBits != 0 {
		e.Params = append(e.Params, windowParam(pClientMaxWindowBits, p.ClientMaxWindowBits))
	} else {
		e.Params = append(e.Params, ExtensionParam{Name: pClientMaxWindowBits})
	}
	return e
}

func windowParam(name string, bits int) ExtensionParam {
	return ExtensionParam{Name: name, Value: strconv.Itoa(bits), HasValue: true}
}

// offerParams returns a client's offers in order: the four fields of d,
// then d.Offers.
func (d *DeflateConfig) offerParams() []DeflateParams {
	return append([]DeflateParams{d.params()}, d.Offers...)
}

// offers returns a client's permessage-deflate offers.
func (d *DeflateConfig) offers() []Extension {
	ps := d.offerParams()
	exts := make([]Extension, len(ps))
	for i, p := range ps {
		exts[i] = deflateOffer(p)
	}
	return exts
}

// OfferString returns the client's permessage-deflate offers as a
// Sec-WebSocket-Extensions value, joined with ", ": the offer made of d's
// four parameters, then each of d.Offers. A nil d offers nothing ("").
func (d *DeflateConfig) OfferString() string {
	if d == nil {
		return ""
	}
	return FormatExtensions(d.offers())
}

// NegotiateDeflate is the server side of RFC 7692 §5 and §7.1: it picks
// the first acceptable permessage-deflate offer among offers (other
// extensions are ignored) and returns the response element and the agreed
// parameters. An offer with an unknown, repeated or invalid parameter is
// declined and the next one is tried; ok is false when none is acceptable
// or cfg is nil or invalid.
//
// The response asks for no_context_takeover in a direction when the offer
// or cfg does, and limits each window to the smaller of the offer's and
// cfg's. The client's window can only be limited when the offer carries
// client_max_window_bits (§7.1.2.2: otherwise the response must not
// include it); if cfg wants a limit and the offer has none, the offer is
// still accepted and the client may use a 15-bit window.
func NegotiateDeflate(cfg *DeflateConfig, offers []Extension) (response Extension, agreed DeflateParams, ok bool) {
	if cfg == nil || cfg.validate() != nil {
		return Extension{}, DeflateParams{}, false
	}
	for _, o := range offers {
		if o.Name != deflateName {
			continue
		}
		if d, why := parseDeflateElement(o, true); why == "" {
			response, agreed = acceptDeflateOffer(cfg, d)
			return response, agreed, true
		}
	}
	return Extension{}, DeflateParams{}, false
}

// acceptDeflateOffer builds the response to a valid offer.
func acceptDeflateOffer(cfg *DeflateConfig, o deflateElement) (Extension, DeflateParams) {
	resp := Extension{Name: deflateName}
	var a DeflateParams
	// §7.1.1.1: accepting server_no_context_takeover means echoing it; the
	// server may also add it on its own.
	if o.ServerNoContextTakeover || cfg.ServerNoContextTakeover {
		a.ServerNoContextTakeover = true
		resp.Params = append(resp.Params, ExtensionParam{Name: pServerNoContext})
	}
	// §7.1.1.2: the server may ask the client not to take over context.
	if o.ClientNoContextTakeover || cfg.ClientNoContextTakeover {
		a.ClientNoContextTakeover = true
		resp.Params = append(resp.Params, ExtensionParam{Name: pClientNoContext})
	}
	// §7.1.2.1: answer an offered limit with the same or a smaller value;
	// the server may limit its own window without being asked.
	serverBits := orMax(cfg.ServerMaxWindowBits)
	switch {
	case o.hasServerBits:
		a.ServerMaxWindowBits = min(o.ServerMaxWindowBits, serverBits)
		resp.Params = append(resp.Params, windowParam(pServerMaxWindowBits, a.ServerMaxWindowBits))
	case serverBits < maxWindowBits:
		a.ServerMaxWindowBits = serverBits
		resp.Params = append(resp.Params, windowParam(pServerMaxWindowBits, serverBits))
	default:
		a.ServerMaxWindowBits = maxWindowBits
	}
	// §7.1.2.2: client_max_window_bits may be answered only when offered,
	// with a value no larger than the offered one.
	a.ClientMaxWindowBits = maxWindowBits
	if o.hasClientBits {
		clientBits := orMax(cfg.ClientMaxWindowBits)
		a.ClientMaxWindowBits = min(orMax(o.ClientMaxWindowBits), clientBits)
		if o.ClientMaxWindowBits != 0 || clientBits < maxWindowBits {
			resp.Params = append(resp.Params, windowParam(pClientMaxWindowBits, a.ClientMaxWindowBits))
		}
	}
	return resp, a
}

// AcceptDeflateResponse is the client side of RFC 7692 §7.1: it checks the
// server's permessage-deflate response element against the offers cfg
// made (see OfferString) and returns the agreed parameters.
//
// The response must have valid parameters (no unknown or repeated ones,
// window bits 8..15 with a value) and fit at least one offer: when the
// offer asked for server_no_context_takeover or a server_max_window_bits
// limit, the response must grant it (the same or a smaller window); a
// client_max_window_bits value must not exceed an offered one. The
// response may add no_context_takeover or smaller windows unasked. The
// first offer it fits gives the client window when the response sets none.
// Failures are *Error with Code CodeExtension (CodeArg for an invalid cfg).
func AcceptDeflateResponse(cfg *DeflateConfig, resp Extension) (DeflateParams, error) {
	if cfg == nil || resp.Name != deflateName {
		return DeflateParams{}, &Error{Code: CodeExtension, Failure: FailExtension, Field: "Sec-WebSocket-Extensions", Msg: "handshake: the server accepted " + quote(resp.Name) + ", which was not offered"}
	}
	if err := cfg.validate(); err != nil {
		return DeflateParams{}, err
	}
	r, why := parseDeflateElement(resp, false)
	if why != "" {
		return DeflateParams{}, &Error{Code: CodeExtension, Failure: FailExtension, Field: "Sec-WebSocket-Extensions", Msg: "handshake: invalid permessage-deflate response " + quote(resp.String()) + ": " + why}
	}
	offers := cfg.offerParams()
	reasons := make([]string, 0, len(offers))
	for i, o := range offers {
		if why := deflateMisfit(o, r); why != "" {
			if len(offers) > 1 {
				why = "offer " + strconv.Itoa(i+1) + ": " + why
			}
			reasons = append(reasons, why)
			continue
		}
		a := DeflateParams{
			ServerNoContextTakeover: r.ServerNoContextTakeover,
			// An offered client_no_context_takeover is a promise we keep
			// whether or not the server repeats it (§7.1.1.2).
			ClientNoContextTakeover: r.ClientNoContextTakeover || o.ClientNoContextTakeover,
			ServerMaxWindowBits:     orMax(r.ServerMaxWindowBits),
			// Without a value in the response, an offered value still
			// binds us (§7.1.2.2).
			ClientMaxWindowBits: orMax(o.ClientMaxWindowBits),
		}
		if r.hasClientBits {
			a.ClientMaxWindowBits = r.ClientMaxWindowBits
		}
		return a, nil
	}
	return DeflateParams{}, &Error{Code: CodeExtension, Failure: FailExtension, Field: "Sec-WebSocket-Extensions", Msg: "handshake: permessage-deflate response " + quote(resp.String()) +
		" does not fit what was offered: " + strings.Join(reasons, "; ")}
}

// deflateMisfit explains why response r cannot answer offer o, or returns "".
func deflateMisfit(o DeflateParams, r deflateElement) string {
	// §7.1.1.1: the server accepts server_no_context_takeover by including it.
	if o.ServerNoContextTakeover && !r.ServerNoContextTakeover {
		return "server_no_context_takeover was offered but not granted"
	}
	// §7.1.2.1: "... with the same or smaller value as the offer".
	if o.ServerMaxWindowBits != 0 {
		if !r.hasServerBits {
			return "server_max_window_bits=" + strconv.Itoa(o.ServerMaxWindowBits) + " was offered but not granted"
		}
		if r.ServerMaxWindowBits > o.ServerMaxWindowBits {
			return "server_max_window_bits=" + strconv.Itoa(r.ServerMaxWindowBits) + " exceeds the offered " + strconv.Itoa(o.ServerMaxWindowBits)
		}
	}
	// §7.1.2.2: "... a value equal to or smaller than the received value".
	if o.ClientMaxWindowBits != 0 && r.hasClientBits && r.ClientMaxWindowBits > o.ClientMaxWindowBits {
		return "client_max_window_bits=" + strconv.Itoa(r.ClientMaxWindowBits) + " exceeds the offered " + strconv.Itoa(o.ClientMaxWindowBits)
	}
	return ""
}
