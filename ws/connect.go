package ws

import (
	"net/textproto"
	"strings"
)

// WebSockets over HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220) open with an
// extended CONNECT on one stream of a connection that the host's HTTP
// library owns. libws takes and gives the decoded field lists, pseudo-header
// fields first, and the frames that follow are RFC 6455 frames carried as
// the stream's DATA (RFC 8441 §5): a Conn made with NewConn from the
// agreement runs them as over TCP.

// SettingEnableConnectProtocol is the setting a server sends, with value 1,
// to allow extended CONNECT: SETTINGS_ENABLE_CONNECT_PROTOCOL, 0x8 in both
// HTTP/2 (RFC 8441 §3) and HTTP/3 (RFC 9220 §3). A client sends
// ConnectRequest only on a connection whose server sent it (RFC 8441 §4).
const SettingEnableConnectProtocol = 0x8

// Protocol versions RequestFromConnect takes (Request.Proto).
const (
	ProtoHTTP2 = "HTTP/2"
	ProtoHTTP3 = "HTTP/3"
)

// Pseudo-header fields of extended CONNECT (RFC 9113 §8.3, RFC 8441 §4).
const (
	pMethod    = ":method"
	pScheme    = ":scheme"
	pAuthority = ":authority"
	pPath      = ":path"
	pProtocol  = ":protocol"
	pStatus    = ":status"
)

// fieldList is a decoded HTTP/2 or HTTP/3 field section, split.
type fieldList struct {
	pseudo map[string]string
	header textproto.MIMEHeader // the regular fields, canonical keys
	fields [][2]string          // the regular fields in order
}

// parseFieldList applies the field rules of RFC 9113 §8.2 and §8.3 (RFC
// 9114 §4.2 and §4.3 are the same for HTTP/3) to a decoded field section.
// Breaking one makes the message malformed: a handshake error with the
// given status and FailMalformed, naming the field.
func parseFieldList(list [][2]string, allowed []string, status int) (*fieldList, error) {
	fl := &fieldList{pseudo: map[string]string{}, header: make(textproto.MIMEHeader, len(list))}
	bad := func(name, why string) (*fieldList, error) {
		return nil, handshakeError(status, "handshake: malformed field section: "+why).because(FailMalformed, name)
	}
	for _, f := range list {
		name, value := f[0], f[1]
		if !validConnectValue(value) {
			return bad(name, "field "+quote(name)+" has NUL, CR or LF in its value, or whitespace around it (RFC 9113 §8.2.1)")
		}
		if strings.HasPrefix(name, ":") {
			// §8.3: defined pseudo-header fields only, each once, all
			// before the regular fields.
			switch {
			case len(fl.fields) > 0:
				return bad(name, "pseudo-header field "+quote(name)+" follows a regular field (RFC 9113 §8.3)")
			case !contains(allowed, name):
				return bad(name, "pseudo-header field "+quote(name)+" is not allowed here (RFC 9113 §8.3)")
			}
			if _, dup := fl.pseudo[name]; dup {
				return bad(name, "pseudo-header field "+quote(name)+" appears twice (RFC 9113 §8.3)")
			}
			fl.pseudo[name] = value
			continue
		}
		if !isLowerToken(name) {
			return bad(name, "field name "+quote(name)+" is not a lower-case token (RFC 9113 §8.2.1)")
		}
		// §8.2.2: connection-specific fields; TE only as "trailers".
		switch name {
		case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade":
			return bad(name, "connection-specific field "+quote(name)+" is not allowed (RFC 9113 §8.2.2)")
		case "te":
			if value != "trailers" {
				return bad(name, "TE may only be \"trailers\" (RFC 9113 §8.2.2), got "+quote(value))
			}
		}
		k := textproto.CanonicalMIMEHeaderKey(name)
		fl.header[k] = append(fl.header[k], value)
		fl.fields = append(fl.fields, f)
	}
	return fl, nil
}

// validConnectValue reports whether v may be a field value in HTTP/2 and
// HTTP/3: no NUL, CR or LF, no leading or trailing SP or HTAB (RFC 9113
// §8.2.1). Other control characters are refused too, as over HTTP/1.1.
func validConnectValue(v string) bool {
	if v != "" && (v[0] == ' ' || v[0] == '\t' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		return false
	}
	return validFieldValue(v)
}

// isLowerToken reports whether s is a token without upper-case letters:
// an HTTP/2 field name (RFC 9113 §8.2.1).
func isLowerToken(s string) bool {
	return isToken(s) && strings.ToLower(s) == s
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// connectExtraFields lower-cases the extra fields a host asks to send in a
// field list, after checkExtraHeaders, and refuses what HTTP/2 and HTTP/3
// forbid: pseudo-header fields and connection-specific fields (RFC 9113
// §8.2.2). Failures are CodeArg errors.
func connectExtraFields(dst, pairs [][2]string) ([][2]string, error) {
	for _, p := range pairs {
		name := strings.ToLower(p[0])
		switch name {
		case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade", "te":
			return nil, newError(CodeArg, "handshake: extra header "+p[0]+" is connection-specific, which HTTP/2 and HTTP/3 forbid (RFC 9113 §8.2.2)")
		}
		if !validConnectValue(p[1]) {
			return nil, newError(CodeArg, "handshake: extra header "+p[0]+" has whitespace around its value, which HTTP/2 forbids (RFC 9113 §8.2.1)")
		}
		dst = append(dst, [2]string{name, p[1]})
	}
	return dst, nil
}
