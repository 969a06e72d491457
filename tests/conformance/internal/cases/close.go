package cases

import (
	"fmt"
	"strings"
)

// wrongCodeFails is the onConnectionLost of Autobahn's 7.x cases: a wrong
// close code fails the case outright.
func wrongCodeFails(t *T, r *Result) {
	if r.Close == WrongCode {
		r.Behavior, r.BehaviorReason = Failed, r.CloseReason
	}
}

// closeCase: the driver sends a close frame (and maybe more), the peer
// answers.
func closeCase(id, desc, expect string, short, clean bool, codes []int, send func(t *T)) *Case {
	return &Case{ID: id, Desc: desc, Expect: expect, Short: short, Post: wrongCodeFails, Run: func(t *T) {
		t.SuppressClose()
		t.Expect(OK)
		t.ExpectClose(true, clean, codes...)
		send(t)
		t.KillAfter(sec)
	}}
}

// 7 Close Handling.
func closeHandling() []*Case {
	invalidUTF8 := []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64")
	cs := []*Case{
		{ID: "7.1.1", Desc: "Send a message followed by a close frame", Expect: "Echoed message followed by clean close with normal code.", Short: true, Post: wrongCodeFails, Run: func(t *T) {
			t.Expect(OK, Msg("Hello World!"))
			t.ExpectClose(true, true, 1000)
			t.Frame(opText, []byte("Hello World!"))
			t.KillAfter(sec)
		}},
		closeCase("7.1.2", "Send two close frames", "Clean close with normal code. Second close frame ignored.", true, true, []int{1000}, func(t *T) {
			t.Close(1000, nil)
			t.Frame(opClose, nil)
		}),
		closeCase("7.1.3", "Send a ping after close message", "Clean close with normal code, no pong.", true, true, []int{1000}, func(t *T) {
			t.Close(1000, nil)
			t.Frame(opPing, nil)
		}),
		closeCase("7.1.4", "Send text message after sending a close frame.", "Clean close with normal code. Text message ignored.", true, true, []int{1000}, func(t *T) {
			t.Close(1000, nil)
			t.Frame(opText, []byte("Hello World!"))
		}),
		closeCase("7.1.5", "Send message fragment1 followed by close then fragment", "Clean close with normal code.", true, true, []int{1000}, func(t *T) {
			t.Frame(opText, []byte("fragment1"), NoFin())
			t.Close(1000, nil)
			t.Frame(opCont, []byte("fragment2"))
		}),
		{ID: "7.1.6", Desc: "Send 256K message followed by close then a ping",
			Expect: "Case outcome depends on implementation defined close behavior. Message and close frame are sent back to back. If the close frame is processed before the text message write is complete (as can happen in asynchronous processing models) the close frame is processed first and the text message may not be received or may only be partially received.",
			Short:  true, Run: func(t *T) {
				t.SuppressClose()
				t.Expect(OK, Msg("Hello World!"))
				t.Expect(NonStrict)
				t.ExpectClose(true, true, 1000)
				t.Frame(opText, []byte("BAsd7&jh23"), PayloadLen(256<<10))
				t.Frame(opText, []byte("Hello World!"))
				t.Close(1000, nil)
				t.Frame(opPing, nil)
				t.KillAfter(sec)
			}, Post: func(t *T, r *Result) {
				var got []string
				for _, e := range t.C.Received() {
					got = append(got, fmt.Sprintf("%d-byte message", len(e.Data)))
				}
				r.Behavior, r.Close = Informational, Informational
				r.BehaviorReason = fmt.Sprintf("received before the close: %s; close: %s", strings.Join(got, ", "), r.CloseReason)
				if len(got) == 0 {
					r.BehaviorReason = "Close was processed before the text messages could be returned; close: " + r.CloseReason
				}
			}},
		closeCase("7.3.1", "Send a close frame with payload length 0 (no close code, no close reason)", "Clean close with normal code.", true, true, []int{1000}, func(t *T) {
			t.Close(-1, nil)
		}),
		closeCase("7.3.2", "Send a close frame with payload length 1", "Clean close with protocol error or drop TCP.", true, false, []int{1002}, func(t *T) {
			t.CloseRaw([]byte("a"))
		}),
		closeCase("7.3.3", "Send a close frame with payload length 2 (regular close with a code)", "Clean close with normal code.", true, true, []int{1000}, func(t *T) {
			t.Close(1000, nil)
		}),
		closeCase("7.3.4", "Send a close frame with close code and close reason", "Clean close with normal code.", true, true, []int{1000}, func(t *T) {
			t.Close(1000, []byte("Hello World!"))
		}),
		closeCase("7.3.5", "Send a close frame with close code and close reason of maximum length (123)", "Clean close with normal code.", true, true, []int{1000}, func(t *T) {
			t.Close(1000, Repeat("*", 123))
		}),
		closeCase("7.3.6", "Send a close frame with close code and close reason which is too long (124) - total frame payload 126 octets", "Clean close with protocol error code or dropped TCP connection.", true, false, []int{1002}, func(t *T) {
			t.Close(1000, Repeat("*", 124))
		}),
		closeCase("7.5.1", "Send a close frame with invalid UTF8 payload", "Clean close with protocol error or invalid utf8 code or dropped TCP.", true, false, []int{1002, 1007}, func(t *T) {
			t.Close(1000, invalidUTF8)
		}),
	}
	for i, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		cs = append(cs, closeCase(fmt.Sprintf("7.7.%d", i+1), fmt.Sprintf("Send close with valid close code %d", code), "Clean close with normal or echoed code",
			i == 0 || i == 12 || code == 1002 || code == 3000, true, []int{1000, code}, func(t *T) { t.Close(code, nil) }))
	}
	for i, code := range []int{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999} {
		cs = append(cs, closeCase(fmt.Sprintf("7.9.%d", i+1), fmt.Sprintf("Send close with invalid close code %d", code), "Clean close with protocol error code or drop TCP",
			true, false, []int{1002}, func(t *T) { t.Close(code, nil) }))
	}
	for i, code := range []int{5000, 65535} {
		cs = append(cs, &Case{ID: fmt.Sprintf("7.13.%d", i+1), Desc: fmt.Sprintf("Send close with close code %d", code), Expect: "Actual events are undefined by the spec.", Short: true,
			Run: func(t *T) {
				t.SuppressClose()
				t.Expect(OK)
				t.ExpectClose(true, false, 1000, code, 1002)
				t.Close(code, nil)
				t.KillAfter(sec)
			}, Post: func(t *T, r *Result) {
				r.Behavior, r.Close = Informational, Informational
				r.BehaviorReason = "Actual events are undefined by the spec. Observed: " + r.CloseReason
			}})
	}
	return cs
}
