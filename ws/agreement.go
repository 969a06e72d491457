package ws

// ParseAgreement builds the Agreement of a handshake the host completed
// itself, from the 101 response's Sec-WebSocket-Protocol and
// Sec-WebSocket-Extensions values (either may be empty). A
// permessage-deflate element is read as a response (RFC 7692 §7.1): its
// parameters must be valid, and absent window bits mean 15. Other
// extensions are kept as they are; the application handles them.
func ParseAgreement(subprotocol, extensions string) (*Agreement, error) {
	a := &Agreement{Subprotocol: subprotocol}
	if subprotocol != "" && !isToken(subprotocol) {
		return nil, newError(CodeArg, "agreement: subprotocol "+quote(subprotocol)+" is not a token")
	}
	if extensions == "" {
		return a, nil
	}
	exts, err := ParseExtensions(extensions)
	if err != nil {
		return nil, &Error{Code: CodeArg, Msg: "agreement: " + err.(*Error).Msg}
	}
	for _, e := range exts {
		if e.Name == deflateName {
			if a.Deflate != nil {
				return nil, newError(CodeArg, "agreement: permessage-deflate appears twice")
			}
			d, why := parseDeflateElement(e, false)
			if why != "" {
				return nil, newError(CodeArg, "agreement: permessage-deflate: "+why)
			}
			p := d.DeflateParams
			p.ServerMaxWindowBits, p.ClientMaxWindowBits = orMax(p.ServerMaxWindowBits), orMax(p.ClientMaxWindowBits)
			a.Deflate = &p
		}
		a.Extensions = append(a.Extensions, e)
	}
	return a, nil
}
