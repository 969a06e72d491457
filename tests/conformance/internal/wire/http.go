package wire

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Head is an HTTP request or response head: its start line and its header
// fields in order.
type Head struct {
	StartLine string
	Fields    [][2]string
}

// ReadHead reads an HTTP head (up to the blank line) of at most max bytes.
// Lines must end in CRLF.
func ReadHead(br *bufio.Reader, max int) (*Head, error) {
	h := &Head{}
	total := 0
	for {
		line, err := br.ReadString('\n')
		total += len(line)
		if err != nil {
			if line == "" && h.StartLine == "" {
				return nil, err
			}
			return nil, fmt.Errorf("incomplete HTTP head: %w", err)
		}
		if total > max {
			return nil, fmt.Errorf("HTTP head longer than %d bytes", max)
		}
		if !strings.HasSuffix(line, "\r\n") {
			return nil, fmt.Errorf("HTTP head line not ending in CRLF: %q", line)
		}
		line = line[:len(line)-2]
		if h.StartLine == "" {
			if line == "" {
				return nil, errors.New("empty HTTP start line")
			}
			h.StartLine = line
			continue
		}
		if line == "" {
			return h, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			return nil, fmt.Errorf("obsolete header line folding: %q", line)
		}
		i := strings.IndexByte(line, ':')
		if i <= 0 {
			return nil, fmt.Errorf("malformed header line %q", line)
		}
		name := line[:i]
		if strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("whitespace in header name %q", name)
		}
		h.Fields = append(h.Fields, [2]string{name, strings.Trim(line[i+1:], " \t")})
	}
}

// Values returns every value of the header field name (case-insensitive).
func (h *Head) Values(name string) []string {
	var v []string
	for _, f := range h.Fields {
		if strings.EqualFold(f[0], name) {
			v = append(v, f[1])
		}
	}
	return v
}

// Get returns the values of name joined with ", " and whether it occurs.
func (h *Head) Get(name string) (string, bool) {
	v := h.Values(name)
	return strings.Join(v, ", "), len(v) > 0
}

// HasToken reports whether the comma-separated values of name contain
// token (case-insensitive), as for Connection: keep-alive, Upgrade.
func (h *Head) HasToken(name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// String formats the head as it was on the wire.
func (h *Head) String() string {
	var b strings.Builder
	b.WriteString(h.StartLine + "\r\n")
	for _, f := range h.Fields {
		b.WriteString(f[0] + ": " + f[1] + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// NewKey returns a fresh Sec-WebSocket-Key: 16 random bytes in base64.
func NewKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b[:])
}

// AcceptKey computes Sec-WebSocket-Accept for key (§4.2.2).
func AcceptKey(key string) string {
	s := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(s[:])
}

// Extension is one element of a Sec-WebSocket-Extensions list.
type Extension struct {
	Name   string
	Params []Param
}

// Param is one extension parameter.
type Param struct {
	Name, Value string
	HasValue    bool
}

func (e Extension) String() string {
	var b strings.Builder
	b.WriteString(e.Name)
	for _, p := range e.Params {
		b.WriteString("; " + p.Name)
		if p.HasValue {
			b.WriteString("=" + p.Value)
		}
	}
	return b.String()
}

// FormatExtensions joins extensions for a header value.
func FormatExtensions(exts []Extension) string {
	s := make([]string, len(exts))
	for i, e := range exts {
		s[i] = e.String()
	}
	return strings.Join(s, ", ")
}

func isTokenChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return !strings.ContainsRune("()<>@,;:\\\"/[]?={}", rune(c))
}

// ParseExtensions parses Sec-WebSocket-Extensions values (RFC 6455 §9.1:
// tokens, parameters with optional token or quoted-string values).
func ParseExtensions(values []string) ([]Extension, error) {
	var out []Extension
	for _, v := range values {
		p := &extParser{s: v}
		for {
			p.skipWS()
			if p.eof() {
				break
			}
			if p.peek() == ',' {
				p.i++
				continue
			}
			name, err := p.token()
			if err != nil {
				return nil, err
			}
			ext := Extension{Name: name}
			for {
				p.skipWS()
				if p.eof() || p.peek() == ',' {
					break
				}
				if p.peek() != ';' {
					return nil, fmt.Errorf("extensions %q: expected ';' or ',' at %d", v, p.i)
				}
				p.i++
				p.skipWS()
				pn, err := p.token()
				if err != nil {
					return nil, err
				}
				par := Param{Name: pn}
				p.skipWS()
				if !p.eof() && p.peek() == '=' {
					p.i++
					p.skipWS()
					par.HasValue = true
					if !p.eof() && p.peek() == '"' {
						par.Value, err = p.quoted()
					} else {
						par.Value, err = p.token()
					}
					if err != nil {
						return nil, err
					}
				}
				ext.Params = append(ext.Params, par)
			}
			out = append(out, ext)
		}
	}
	return out, nil
}

type extParser struct {
	s string
	i int
}

func (p *extParser) eof() bool  { return p.i >= len(p.s) }
func (p *extParser) peek() byte { return p.s[p.i] }
func (p *extParser) skipWS() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *extParser) token() (string, error) {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	if p.i == start {
		return "", fmt.Errorf("extensions %q: expected a token at %d", p.s, start)
	}
	return p.s[start:p.i], nil
}

func (p *extParser) quoted() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			v := b.String()
			for j := 0; j < len(v); j++ {
				if !isTokenChar(v[j]) {
					return "", fmt.Errorf("extensions %q: quoted value %q is not a token (§9.1)", p.s, v)
				}
			}
			return v, nil
		case '\\':
			if p.i < len(p.s) {
				b.WriteByte(p.s[p.i])
				p.i++
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("extensions %q: unterminated quoted string", p.s)
}
