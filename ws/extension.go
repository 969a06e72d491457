package ws

import (
	"strconv"
	"strings"
)

// Extension is one element of a Sec-WebSocket-Extensions list (RFC 6455
// §9.1): an extension token and its parameters, in order.
type Extension struct {
	Name   string
	Params []ExtensionParam
}

// ExtensionParam is one extension parameter. HasValue distinguishes
// "name" from "name=value"; a quoted value is stored unquoted.
type ExtensionParam struct {
	Name, Value string
	HasValue    bool
}

// String formats e as it appears in a header field, e.g.
// "permessage-deflate; client_max_window_bits; server_max_window_bits=10".
// A value is quoted only when it is not a token.
func (e Extension) String() string {
	var b strings.Builder
	b.WriteString(e.Name)
	for _, p := range e.Params {
		b.WriteString("; ")
		b.WriteString(p.Name)
		if !p.HasValue {
			continue
		}
		b.WriteByte('=')
		if isToken(p.Value) {
			b.WriteString(p.Value)
			continue
		}
		b.WriteByte('"')
		for i := 0; i < len(p.Value); i++ {
			if c := p.Value[i]; c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(p.Value[i])
		}
		b.WriteByte('"')
	}
	return b.String()
}

// FormatExtensions formats a Sec-WebSocket-Extensions value: the
// extensions' String forms joined with ", ".
func FormatExtensions(exts []Extension) string {
	s := make([]string, len(exts))
	for i, e := range exts {
		s[i] = e.String()
	}
	return strings.Join(s, ", ")
}

// ParseExtensions parses Sec-WebSocket-Extensions field values, one per
// header line, into one list in order. The grammar is RFC 6455 §9.1 over
// RFC 7230 tokens and quoted-strings, with optional whitespace around
// ",", ";" and "=". Empty list elements are skipped (RFC 7230 §7). A
// quoted-string value must unquote to a token (§9.1). Errors are *Error
// with Code CodeHandshake.
func ParseExtensions(values ...string) ([]Extension, error) {
	var out []Extension
	for _, v := range values {
		p := extParser{s: v}
		for {
			p.skipOWS()
			if p.i == len(p.s) {
				break
			}
			if p.s[p.i] == ',' {
				p.i++ // an empty list element
				continue
			}
			e, err := p.extension()
			if err != nil {
				return nil, err
			}
			out = append(out, e)
			p.skipOWS()
			if p.i < len(p.s) && p.s[p.i] != ',' {
				return nil, p.fail("expected \",\" or \";\"")
			}
		}
	}
	return out, nil
}

// extParser scans one Sec-WebSocket-Extensions field value.
type extParser struct {
	s string
	i int
}

func (p *extParser) fail(what string) error {
	return handshakeError(0, "handshake: Sec-WebSocket-Extensions: "+what+" at offset "+strconv.Itoa(p.i)+" of "+quote(p.s)).because(FailBadHeader, "Sec-WebSocket-Extensions")
}

func (p *extParser) skipOWS() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *extParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenByte(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// extension = extension-token *( ";" extension-param ) (RFC 6455 §9.1)
func (p *extParser) extension() (Extension, error) {
	e := Extension{Name: p.token()}
	if e.Name == "" {
		return e, p.fail("expected an extension name")
	}
	for {
		p.skipOWS()
		if p.i == len(p.s) || p.s[p.i] != ';' {
			return e, nil
		}
		p.i++
		p.skipOWS()
		// extension-param = token [ "=" (token | quoted-string) ]
		prm := ExtensionParam{Name: p.token()}
		if prm.Name == "" {
			return e, p.fail("expected a parameter name")
		}
		p.skipOWS()
		if p.i < len(p.s) && p.s[p.i] == '=' {
			p.i++
			p.skipOWS()
			prm.HasValue = true
			if p.i < len(p.s) && p.s[p.i] == '"' {
				v, err := p.quoted()
				if err != nil {
					return e, err
				}
				// §9.1: "the value after quoted-string unescaping MUST
				// conform to the 'token' ABNF".
				if !isToken(v) {
					return e, p.fail("quoted value " + quote(v) + " of " + prm.Name + " is not a token")
				}
				prm.Value = v
			} else if prm.Value = p.token(); prm.Value == "" {
				return e, p.fail("expected a value for " + prm.Name)
			}
		}
		e.Params = append(e.Params, prm)
	}
}

// quoted reads a quoted-string (RFC 7230 §3.2.6) and returns it unescaped.
func (p *extParser) quoted() (string, error) {
	var b strings.Builder
	p.i++ // the opening DQUOTE
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '"':
			return b.String(), nil
		case c == '\\':
			// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
			if p.i == len(p.s) || isCTL(p.s[p.i]) {
				return "", p.fail("bad escape in a quoted value")
			}
			b.WriteByte(p.s[p.i])
			p.i++
		case isCTL(c):
			p.i--
			return "", p.fail("control character in a quoted value")
		default:
			b.WriteByte(c)
		}
	}
	return "", p.fail("unterminated quoted value")
}
