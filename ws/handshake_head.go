package ws

import (
	"bufio"
	"bytes"
	"net/textproto"
	"strconv"
)

// HeadReader accumulates an HTTP head (a request or a response: start line,
// header fields, blank line) from chunks of any size, within limits.
//
// Lines may end in CRLF or, leniently, in a bare LF (RFC 7230 §3.5 allows a
// recipient to accept it; net/textproto, which parses the head, does too).
// A bare CR does not end a line. Empty lines before the start line are
// skipped (RFC 7230 §3.5) but count towards MaxSize.
//
// The zero value is ready to use.
type HeadReader struct {
	// MaxSize bounds the head's bytes, blank line included; MaxHeaders
	// bounds its header lines (start line excluded). Zero or negative means
	// DefaultMaxHandshakeSize / DefaultMaxHeaderCount.
	MaxSize, MaxHeaders int

	buf     []byte // the head so far
	line    int    // start of the unfinished line in buf
	lines   int    // complete lines in buf
	skipped int    // bytes of empty lines dropped before the start line
	done    bool
	err     error
}

// Feed consumes bytes of b up to and including the blank line that ends
// the head. It returns the complete head (nil until it is complete) and how
// many bytes of b it consumed. Bytes after the head, which may already be
// WebSocket frames, are not consumed: the caller keeps b[n:]. Any chunking
// of the same input gives the same head, leftover and errors.
//
// The returned head is owned by the HeadReader and stays valid until
// Reset; once complete, further calls return it again with n = 0.
// Exceeding MaxSize or MaxHeaders returns an *Error with Code CodeLimit and
// Status 431 (RFC 6585 §5), and so does every later call until Reset.
func (h *HeadReader) Feed(b []byte) (head []byte, n int, err error) {
	if h.err != nil {
		return nil, 0, h.err
	}
	if h.done {
		return h.buf, 0, nil
	}
	maxSize, maxHeaders := h.MaxSize, h.MaxHeaders
	if maxSize <= 0 {
		maxSize = DefaultMaxHandshakeSize
	}
	if maxHeaders <= 0 {
		maxHeaders = DefaultMaxHeaderCount
	}
	for n < len(b) {
		// Only the new bytes are scanned, so feeding one byte at a time
		// costs the same as feeding everything at once.
		end := len(b)
		i := bytes.IndexByte(b[n:], '\n')
		if i >= 0 {
			end = n + i + 1
		}
		if h.skipped+len(h.buf)+end-n > maxSize {
			h.err = &Error{Code: CodeLimit, Status: 431, Failure: FailTooLarge,
				Msg: "handshake: HTTP head is larger than " + strconv.Itoa(maxSize) + " bytes (MaxHandshakeSize)"}
			return nil, n, h.err
		}
		h.buf = append(h.buf, b[n:end]...)
		n = end
		if i < 0 {
			break
		}
		line := h.buf[h.line:]
		if len(line) == 1 || len(line) == 2 && line[0] == '\r' {
			if h.lines == 0 {
				// RFC 7230 §3.5: ignore empty lines before the start line.
				h.skipped += len(line)
				h.buf = h.buf[:0]
				continue
			}
			h.done = true
			return h.buf, n, nil
		}
		h.lines++
		if h.lines-1 > maxHeaders {
			h.err = &Error{Code: CodeLimit, Status: 431, Failure: FailTooLarge,
				Msg: "handshake: HTTP head has more than " + strconv.Itoa(maxHeaders) + " header lines (MaxHeaderCount)"}
			return nil, n, h.err
		}
		h.line = len(h.buf)
	}
	return nil, n, nil
}

// Reset makes the HeadReader ready for a new head, keeping the limits.
func (h *HeadReader) Reset() {
	*h = HeadReader{MaxSize: h.MaxSize, MaxHeaders: h.MaxHeaders}
}

// readHead parses a complete head into its start line and header fields
// with net/textproto, after the checks textproto does not make. Peer
// faults are handshake errors with the given status (400 for a request, 0
// for a response).
//
// start judges the start line first, before any header line: of a reply
// that is not HTTP at all, that is the fault to report.
func readHead(head []byte, status int, start func(line string) error) (string, textproto.MIMEHeader, [][2]string, error) {
	// RFC 7230 §3.5: ignore empty lines before the start line.
	for {
		if bytes.HasPrefix(head, []byte("\r\n")) {
			head = head[2:]
		} else if bytes.HasPrefix(head, []byte("\n")) {
			head = head[1:]
		} else {
			break
		}
	}
	for pos, n := 0, 0; ; n++ {
		i := bytes.IndexByte(head[pos:], '\n')
		if i < 0 {
			return "", nil, nil, handshakeError(status, "handshake: incomplete HTTP head: it must end with an empty line").because(FailMalformed, "")
		}
		line := bytes.TrimSuffix(head[pos:pos+i], []byte("\r"))
		pos += i + 1
		if len(line) == 0 {
			if pos != len(head) {
				return "", nil, nil, newError(CodeArg, "handshake: "+strconv.Itoa(len(head)-pos)+
					" bytes follow the empty line that ends the HTTP head; pass only the head (HeadReader.Feed leaves the rest)")
			}
			break
		}
		if n == 0 {
			if err := start(string(line)); err != nil {
				return "", nil, nil, err
			}
			continue
		}
		// RFC 7230 §3.2.4: a server must reject obs-fold with 400 (or
		// unfold it); a client may as well. Rejecting keeps one meaning.
		if line[0] == ' ' || line[0] == '\t' {
			return "", nil, nil, handshakeError(status, "handshake: obsolete line folding (a header line starting with whitespace) is not accepted: "+quote(string(line))).because(FailMalformed, "")
		}
		// §3.2: header-field = field-name ":" OWS field-value OWS. Said
		// here, with the line's number, rather than in textproto's words.
		if bytes.IndexByte(line, ':') < 0 {
			return "", nil, nil, handshakeError(status, "handshake: header line "+strconv.Itoa(n)+" has no colon: "+quote(string(line))).because(FailMalformed, "")
		}
	}
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(head)))
	line, _ := r.ReadLine() // cannot fail: the scan above found its end
	h, err := r.ReadMIMEHeader()
	if err != nil {
		return "", nil, nil, handshakeError(status, "handshake: malformed header: "+err.Error()).because(FailMalformed, "")
	}
	// textproto accepts "Name : value"; RFC 7230 §3.2.4 requires a 400 for
	// whitespace between a field name and its colon.
	bad := ""
	for k := range h {
		if !isToken(k) && (bad == "" || k < bad) {
			bad = k
		}
	}
	if bad != "" {
		return "", nil, nil, handshakeError(status, "handshake: header field name "+quote(bad)+" is not a token (no whitespace is allowed before the colon)").because(FailMalformed, "")
	}
	return line, h, headFields(head), nil
}

// headFields lists the header fields of a head that textproto accepted, in
// the order received, names as sent and values without surrounding
// whitespace (RFC 7230 §3.2.4 OWS).
func headFields(head []byte) [][2]string {
	var out [][2]string
	lines := bytes.Split(head, []byte("\n"))
	for _, line := range lines[1:] {
		line = bytes.TrimSuffix(line, []byte("\r"))
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		out = append(out, [2]string{string(name), string(bytes.Trim(value, " \t"))})
	}
	return out
}
