package cases

import (
	"bufio"
	"bytes"
	"compress/flate"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/libws/libws/tests/conformance/internal/driver"
	"github.com/libws/libws/tests/conformance/internal/pmd"
	"github.com/libws/libws/tests/conformance/internal/wire"
)

// A scripted fake server: it answers the handshake (with ext as the
// Sec-WebSocket-Extensions value, if any) and hands the raw connection to
// behave. The tests below check that the judge catches what it must.

type frame struct {
	fin  bool
	rsv  byte
	op   byte
	data []byte
}

func readFrame(br *bufio.Reader) (frame, error) {
	h, err := wire.ReadHeader(br)
	if err != nil {
		return frame{}, err
	}
	p := make([]byte, h.Length)
	if _, err := io.ReadFull(br, p); err != nil {
		return frame{}, err
	}
	wire.Unmask(h.Mask, p)
	return frame{h.Fin, h.RSV, h.Opcode, p}, nil
}

func send(nc net.Conn, fin bool, rsv, op byte, p []byte) {
	nc.Write(wire.AppendFrame(nil, fin, rsv, op, p, nil))
}

func fakeServer(t *testing.T, ext string, behave func(nc net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		br := bufio.NewReader(nc)
		h, err := wire.ReadHead(br, 16<<10)
		if err != nil {
			return
		}
		key, _ := h.Get("Sec-WebSocket-Key")
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + wire.AcceptKey(key) + "\r\n"
		if ext != "" {
			resp += "Sec-WebSocket-Extensions: " + ext + "\r\n"
		}
		nc.Write([]byte(resp + "\r\n"))
		behave(nc, br)
	}()
	return ln.Addr().String()
}

func caseByID(t *testing.T, id string) *Case {
	for _, c := range All() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no case %s", id)
	return nil
}

func runAgainst(t *testing.T, id, ext string, behave func(net.Conn, *bufio.Reader)) Result {
	t.Helper()
	cs := caseByID(t, id)
	addr := fakeServer(t, ext, behave)
	var offers []pmd.Offer
	if cs.Deflate != nil {
		offers = cs.Deflate.Offers
	}
	c, _, err := driver.Dial(addr, "/", offers, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return Execute(c, cs, &Profile{WaitScale: 0.2, CompressCount: func(int) int { return 2 }})
}

// echoAndClose echoes data frames; answers a close and closes TCP (or not).
func echoAndClose(closeTCP bool, replyCode int) func(net.Conn, *bufio.Reader) {
	return func(nc net.Conn, br *bufio.Reader) {
		for {
			f, err := readFrame(br)
			if err != nil {
				return
			}
			switch f.op {
			case wire.OpText, wire.OpBinary:
				send(nc, true, 0, f.op, f.data)
			case wire.OpClose:
				if replyCode >= 0 {
					send(nc, true, 0, wire.OpClose, wire.ClosePayload(replyCode, nil))
				} else {
					send(nc, true, 0, wire.OpClose, f.data)
				}
				if closeTCP {
					return
				}
				time.Sleep(3 * time.Second)
				return
			}
		}
	}
}

func expect(t *testing.T, r Result, verdict, reasonPart string) {
	t.Helper()
	if r.Verdict != verdict || !strings.Contains(r.Reason, reasonPart) {
		t.Fatalf("%s: verdict %s %q, want %s containing %q", r.ID, r.Verdict, r.Reason, verdict, reasonPart)
	}
}

func TestJudgeGoodServer(t *testing.T) {
	expect(t, runAgainst(t, "1.1.2", "", echoAndClose(true, -1)), OK, "")
}

func TestJudgeServerKeepsTCPOpen(t *testing.T) {
	expect(t, runAgainst(t, "1.1.2", "", echoAndClose(false, -1)), Failed, "did not drop the TCP connection")
}

func TestJudgeWrongCloseCode(t *testing.T) {
	// 7.9.1 (close code 0) answered with 1000 instead of failing with 1002.
	expect(t, runAgainst(t, "7.9.1", "", echoAndClose(true, 1000)), Failed, "should have been 1002")
}

func TestJudgeIgnoredReservedOpcode(t *testing.T) {
	expect(t, runAgainst(t, "4.1.1", "", echoAndClose(true, -1)), Failed, "did not fail the connection")
}

func TestJudgeLateUTF8Failure(t *testing.T) {
	// Validating text only once the message is complete is NON-STRICT in 6.4.1.
	r := runAgainst(t, "6.4.1", "", func(nc net.Conn, br *bufio.Reader) {
		var msg []byte
		for {
			f, err := readFrame(br)
			if err != nil {
				return
			}
			msg = append(msg, f.data...)
			if f.fin {
				send(nc, true, 0, wire.OpClose, wire.ClosePayload(1007, nil))
				readFrame(br)
				return
			}
		}
	})
	expect(t, r, NonStrict, "timeout(B)")
}

func TestJudgeWindowViolation(t *testing.T) {
	// 13.3.x asks for server_max_window_bits=8; this server says yes but
	// compresses with a 32 KiB window.
	r := runAgainst(t, "13.3.10", "permessage-deflate; client_no_context_takeover; server_max_window_bits=8",
		func(nc net.Conn, br *bufio.Reader) {
			z := &pmd.Inflater{WindowBits: 15}
			for {
				f, err := readFrame(br)
				if err != nil || f.op == wire.OpClose {
					return
				}
				msg, _ := z.Inflate(f.data)
				var b bytes.Buffer
				fw, _ := flate.NewWriter(&b, 9)
				fw.Write(msg)
				fw.Flush()
				send(nc, true, wire.RSV1, f.op, b.Bytes()[:b.Len()-4])
			}
		})
	expect(t, r, Failed, "beyond the agreed window")
}

func TestJudgeUnmaskedOK(t *testing.T) {
	// A server must not mask; one that does is caught.
	r := runAgainst(t, "2.2", "", func(nc net.Conn, br *bufio.Reader) {
		f, _ := readFrame(br)
		k := [4]byte{1, 2, 3, 4}
		nc.Write(wire.AppendFrame(nil, true, 0, wire.OpPong, f.data, &k))
		time.Sleep(time.Second)
	})
	expect(t, r, Failed, "masked frame")
}
