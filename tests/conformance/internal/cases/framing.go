package cases

import (
	"fmt"
	"time"

	"github.com/libws/libws/tests/conformance/internal/driver"
	"github.com/libws/libws/tests/conformance/internal/wire"
)

const (
	opText, opBinary, opCont = wire.OpText, wire.OpBinary, wire.OpContinuation
	opClose, opPing, opPong  = wire.OpClose, wire.OpPing, wire.OpPong
	sec                      = time.Second
)

// echoCase: send one frame, expect it echoed, close normally.
func echoCase(id, desc string, binary bool, payload []byte, kill time.Duration, short bool, opts ...FrameOpt) *Case {
	op := byte(opText)
	exp := "Receive echo'ed text message (with payload as sent). Clean close with normal code."
	if binary {
		op = opBinary
		exp = "Receive echo'ed binary message (with payload as sent). Clean close with normal code."
	}
	return &Case{ID: id, Desc: desc, Expect: exp, Short: short, Run: func(t *T) {
		if binary {
			t.Expect(OK, Bin(payload))
		} else {
			t.Expect(OK, MsgB(payload))
		}
		t.ExpectClose(true, true, 1000)
		t.Frame(op, payload, opts...)
		t.KillAfter(kill)
	}}
}

// failCase: the peer must fail the connection with one of codes.
func failCase(id, desc, expect string, short bool, codes []int, send func(t *T)) *Case {
	return &Case{ID: id, Desc: desc, Expect: expect, Short: short, Run: func(t *T) {
		t.Expect(OK)
		t.ExpectClose(false, false, codes...)
		send(t)
		t.KillAfter(sec)
	}}
}

// echoThenFailCase: a valid message, then a bad frame, then a ping: the
// echo should come back (OK; NON-STRICT without it), then a failure with
// 1002, and no pong.
func echoThenFailCase(id, desc, expect string, short bool, send func(t *T)) *Case {
	return &Case{ID: id, Desc: desc, Expect: expect, Short: short, Run: func(t *T) {
		t.Expect(OK, Msg("Hello, world!"))
		t.Expect(NonStrict)
		t.ExpectClose(false, false, 1002)
		send(t)
		t.KillAfter(sec)
	}}
}

// 1 Framing.
func framing() []*Case {
	var cs []*Case
	sizes := []int{0, 125, 126, 127, 128, 65535, 65536, 65536}
	short := map[string]bool{"1.1.1": true, "1.1.2": true, "1.1.3": true, "1.1.4": true, "1.1.6": true, "1.1.8": true,
		"1.2.1": true, "1.2.4": true, "1.2.8": true}
	for _, binary := range []bool{false, true} {
		sub, kind, fill := "1.1", "text", "*"
		if binary {
			sub, kind, fill = "1.2", "binary", "\xfe"
		}
		for i, n := range sizes {
			desc := fmt.Sprintf("Send %s message with payload of length %d.", kind, n)
			var opts []FrameOpt
			kill := sec
			if i >= 6 {
				kill = 10 * sec
			}
			if i == 7 {
				desc = fmt.Sprintf("Send %s message with payload of length %d. Sent out data in chops of 997 octets.", kind, n)
				opts = append(opts, Chop(997))
			}
			id := fmt.Sprintf("%s.%d", sub, i+1)
			cs = append(cs, echoCase(id, desc, binary, Repeat(fill, n), kill, short[id], opts...))
		}
	}
	return cs
}

// 2 Pings/Pongs.
func pings() []*Case {
	pongCase := func(id, desc string, payload []byte, after time.Duration, opts ...FrameOpt) *Case {
		return &Case{ID: id, Desc: desc, Expect: "Pong (with the ping's payload) is sent in reply to Ping. Clean close with normal code.", Short: true, Run: func(t *T) {
			t.Expect(OK, PongEv(payload))
			t.ExpectClose(true, true, 1000)
			t.Frame(opPing, payload, opts...)
			t.CloseAfter(after)
		}}
	}
	bin := []byte("\x00\xff\xfe\xfd\xfc\xfb\x00\xff")
	tenPings := func(id, desc string, opts ...FrameOpt) *Case {
		return &Case{ID: id, Desc: desc, Expect: "Pongs for our Pings with all the payloads. Note: This is not required by the Spec .. but we check for this behaviour anyway. Clean close with normal code.", Short: true, Run: func(t *T) {
			var exp []driver.Event
			for i := range 10 {
				p := []byte(fmt.Sprintf("payload-%d", i))
				exp = append(exp, PongEv(p))
				t.Frame(opPing, p, opts...)
			}
			t.Expect(OK, exp...)
			t.ExpectClose(true, true, 1000)
			t.CloseAfter(3 * sec)
		}}
	}
	return []*Case{
		pongCase("2.1", "Send ping without payload.", []byte{}, sec),
		pongCase("2.2", "Send ping with small text payload.", []byte("Hello, world!"), sec),
		pongCase("2.3", "Send ping with small binary (non UTF-8) payload.", bin, sec),
		pongCase("2.4", "Send ping with binary payload of 125 octets.", Repeat("\xfe", 125), sec),
		failCase("2.5", "Send ping with binary payload of 126 octets.",
			"Connection is failed immediately (1002/Protocol Error), since control frames are only allowed to have payload up to and including 125 octets.",
			true, []int{1002}, func(t *T) { t.Frame(opPing, Repeat("\xfe", 126)) }),
		pongCase("2.6", "Send ping with binary payload of 125 octets, send in octet-wise chops.", Repeat("\xfe", 125), 2*sec, Chop(1)),
		{ID: "2.7", Desc: "Send unsolicited pong without payload. Verify nothing is received. Clean close with normal code.", Expect: "Nothing.", Short: true, Run: func(t *T) {
			t.Expect(OK)
			t.ExpectClose(true, true, 1000)
			t.Frame(opPong, nil)
			t.Close(1000, nil)
			t.CloseAfter(sec)
		}},
		{ID: "2.8", Desc: "Send unsolicited pong with payload. Verify nothing is received. Clean close with normal code.", Expect: "Nothing.", Short: true, Run: func(t *T) {
			t.Expect(OK)
			t.ExpectClose(true, true, 1000)
			t.Frame(opPong, []byte("unsolicited pong payload"))
			t.Close(1000, nil)
			t.CloseAfter(sec)
		}},
		{ID: "2.9", Desc: "Send unsolicited pong with payload. Send ping with payload. Verify pong for ping is received.", Expect: "Nothing in reply to own Pong, but Pong with payload echo'ed in reply to Ping. Clean close with normal code.", Short: true, Run: func(t *T) {
			t.Expect(OK, PongEv([]byte("ping payload")))
			t.ExpectClose(true, true, 1000)
			t.Frame(opPong, []byte("unsolicited pong payload"))
			t.Frame(opPing, []byte("ping payload"))
			t.CloseAfter(sec)
		}},
		tenPings("2.10", "Send 10 Pings with payload."),
		tenPings("2.11", "Send 10 Pings with payload. Send out octets in octet-wise chops.", Chop(1)),
	}
}

// 3 Reserved Bits.
func reservedBits() []*Case {
	const hello = "Hello, world!"
	rsvExpect := "Echo for first message is received, but then connection is failed immediately, since RSV must be 0, when no extension defining RSV meaning has been negotiated. The Pong is not received."
	return []*Case{
		failCase("3.1", "Send small text message with RSV = 1.",
			"The connection is failed immediately (1002/protocol error), since RSV must be 0, when no extension defining RSV meaning has been negotiated.",
			true, []int{1002}, func(t *T) { t.Frame(opText, []byte(hello), RSV(1)) }),
		echoThenFailCase("3.2", "Send small text message, then send again with RSV = 2, then send Ping.", rsvExpect, true, func(t *T) {
			t.Frame(opText, []byte(hello))
			t.Frame(opText, []byte(hello), RSV(2))
			t.Frame(opPing, nil)
		}),
		echoThenFailCase("3.3", "Send small text message, then send again with RSV = 3, then send Ping. Octets are sent in frame-wise chops.", rsvExpect, true, func(t *T) {
			t.Frame(opText, []byte(hello), Sync())
			t.Frame(opText, []byte(hello), RSV(3), Sync())
			t.Frame(opPing, nil, Sync())
		}),
		echoThenFailCase("3.4", "Send small text message, then send again with RSV = 4, then send Ping. Octets are sent in octet-wise chops.", rsvExpect, true, func(t *T) {
			t.Frame(opText, []byte(hello), Chop(1))
			t.Frame(opText, []byte(hello), RSV(4), Chop(1))
			t.Frame(opPing, nil, Chop(1))
		}),
		failCase("3.5", "Send small binary message with RSV = 5.", "The connection is failed immediately, since RSV must be 0.",
			true, []int{1002}, func(t *T) { t.Frame(opBinary, []byte("\x00\xff\xfe\xfd\xfc\xfb\x00\xff"), RSV(5)) }),
		// Autobahn's code sends this one with opcode 2; its description,
		// which we follow, says Ping (binary with RSV is 3.5's subject).
		failCase("3.6", "Send Ping with RSV = 6.", "The connection is failed immediately, since RSV must be 0.",
			true, []int{1002}, func(t *T) { t.Frame(opPing, []byte(hello), RSV(6)) }),
		failCase("3.7", "Send Close with RSV = 7.", "The connection is failed immediately, since RSV must be 0.",
			true, []int{1002}, func(t *T) { t.Frame(opClose, nil, RSV(7)) }),
	}
}

// 4 Opcodes.
func opcodes() []*Case {
	const hello = "Hello, world!"
	var cs []*Case
	for _, ctl := range []bool{false, true} {
		sub, base, kind := "4.1", byte(3), "non-control"
		if ctl {
			sub, base, kind = "4.2", 11, "control"
		}
		exp := "The connection is failed immediately."
		expEcho := "Echo for first message is received, but then connection is failed immediately, since reserved opcode frame is used. A Pong is not received."
		o := base
		cs = append(cs,
			failCase(sub+".1", fmt.Sprintf("Send frame with reserved %s Opcode = %d.", kind, o), exp, true, []int{1002},
				func(t *T) { t.Frame(o, nil) }),
			failCase(sub+".2", fmt.Sprintf("Send frame with reserved %s Opcode = %d and non-empty payload.", kind, o+1), exp, true, []int{1002},
				func(t *T) { t.Frame(o+1, []byte("reserved opcode payload")) }),
			echoThenFailCase(sub+".3", fmt.Sprintf("Send small text message, then send frame with reserved %s Opcode = %d, then send Ping.", kind, o+2), expEcho, true,
				func(t *T) {
					t.Frame(opText, []byte(hello))
					t.Frame(o+2, nil)
					t.Frame(opPing, nil)
				}),
			echoThenFailCase(sub+".4", fmt.Sprintf("Send small text message, then send frame with reserved %s Opcode = %d and non-empty payload, then send Ping.", kind, o+3), expEcho, true,
				func(t *T) {
					t.Frame(opText, []byte(hello))
					t.Frame(o+3, []byte(hello))
					t.Frame(opPing, nil)
				}),
			echoThenFailCase(sub+".5", fmt.Sprintf("Send small text message, then send frame with reserved %s Opcode = %d and non-empty payload, then send Ping. Octets are sent in octet-wise chops.", kind, o+4), expEcho, true,
				func(t *T) {
					t.Frame(opText, []byte(hello), Chop(1))
					t.Frame(o+4, []byte(hello), Chop(1))
					t.Frame(opPing, nil, Chop(1))
				}),
		)
	}
	return cs
}

// 5 Fragmentation.
func fragmentation() []*Case {
	const f1, f2 = "fragment1", "fragment2"
	noCont := "The connection is failed immediately, since there is no message to continue."
	fragEcho := func(id, desc string, opts ...FrameOpt) *Case {
		return &Case{ID: id, Desc: desc, Expect: "Message is processed and echo'ed back to us.", Short: true, Run: func(t *T) {
			t.Expect(OK, Msg(f1+f2))
			t.ExpectClose(true, true, 1000)
			t.Frame(opText, []byte(f1), append([]FrameOpt{NoFin()}, opts...)...)
			t.Frame(opCont, []byte(f2), opts...)
			t.CloseAfter(sec)
		}}
	}
	pingBetween := func(id, desc string, opts ...FrameOpt) *Case {
		return &Case{ID: id, Desc: desc, Expect: "A pong is received, then the message is echo'ed back to us.", Short: true, Run: func(t *T) {
			t.Expect(OK, PongEv([]byte("ping payload")), Msg(f1+f2))
			t.ExpectClose(true, true, 1000)
			t.Frame(opText, []byte(f1), append([]FrameOpt{NoFin()}, opts...)...)
			t.Frame(opPing, []byte("ping payload"), opts...)
			t.Frame(opCont, []byte(f2), opts...)
			t.CloseAfter(sec)
		}}
	}
	nothingToContinue := func(id string, fin bool, how string, opts ...FrameOpt) *Case {
		fs := "true"
		contOpts := opts
		if !fin {
			fs = "false"
			contOpts = append([]FrameOpt{NoFin()}, opts...)
		}
		return failCase(id, fmt.Sprintf("Send unfragmented Text Message after Continuation Frame with FIN = %s, where there is nothing to continue, sent in %s.", fs, how),
			noCont, true, []int{1002}, func(t *T) {
				t.Frame(opCont, []byte("non-continuation payload"), contOpts...)
				t.Frame(opText, []byte("Hello, world!"), opts...)
			})
	}
	repeated := func(id string, firstFin bool) *Case {
		fs := "false"
		if firstFin {
			fs = "true"
		}
		return failCase(id, fmt.Sprintf("Repeated 2x: Continuation Frame with FIN = %s (where there is nothing to continue), then text Message fragmented into 2 fragments.", fs),
			noCont, true, []int{1002}, func(t *T) {
				for range 2 {
					if firstFin {
						t.Frame(opCont, []byte("fragment1"))
					} else {
						t.Frame(opCont, []byte("fragment1"), NoFin())
					}
					t.Frame(opText, []byte("fragment2"), NoFin())
					t.Frame(opCont, []byte("fragment3"))
				}
			})
	}
	slowFragments := func(id, desc string, sync bool) *Case {
		frags := []string{"fragment1", "fragment2", "fragment3", "fragment4", "fragment5"}
		pings := []string{"pongme 1!", "pongme 2!"}
		var o []FrameOpt
		if sync {
			o = append(o, Sync())
		}
		return &Case{ID: id, Desc: desc,
			Expect: "The peer immediately answers the first Ping before it has received the last text message fragment. The peer pong's back the Ping's payload exactly, and echo's the payload of the fragmented message back to us.",
			Short:  true, Run: func(t *T) {
				t.Expect(OK, PongEv([]byte(pings[0])), PongEv([]byte(pings[1])), Msg(frags[0]+frags[1]+frags[2]+frags[3]+frags[4]))
				t.ExpectClose(true, true, 1000)
				t.Frame(opText, []byte(frags[0]), append([]FrameOpt{NoFin()}, o...)...)
				t.Frame(opCont, []byte(frags[1]), append([]FrameOpt{NoFin()}, o...)...)
				t.Frame(opPing, []byte(pings[0]), o...)
				t.Sleep(t.Scaled(sec))
				t.Frame(opCont, []byte(frags[2]), append([]FrameOpt{NoFin()}, o...)...)
				t.Frame(opCont, []byte(frags[3]), append([]FrameOpt{NoFin()}, o...)...)
				t.Frame(opPing, []byte(pings[1]), o...)
				t.Frame(opCont, []byte(frags[4]), o...)
				t.CloseAfter(sec)
			}}
	}
	return []*Case{
		failCase("5.1", "Send Ping fragmented into 2 fragments.", "Connection is failed immediately, since control message MUST NOT be fragmented.",
			true, []int{1002}, func(t *T) {
				t.Frame(opPing, []byte(f1), NoFin())
				t.Frame(opCont, []byte(f2))
			}),
		failCase("5.2", "Send Pong fragmented into 2 fragments.", "Connection is failed immediately, since control message MUST NOT be fragmented.",
			true, []int{1002}, func(t *T) {
				t.Frame(opPong, []byte(f1), NoFin())
				t.Frame(opCont, []byte(f2))
			}),
		fragEcho("5.3", "Send text Message fragmented into 2 fragments."),
		fragEcho("5.4", "Send text Message fragmented into 2 fragments, octets are sent in frame-wise chops.", Sync()),
		fragEcho("5.5", "Send text Message fragmented into 2 fragments, octets are sent in octet-wise chops.", Chop(1)),
		pingBetween("5.6", "Send text Message fragmented into 2 fragments, one ping with payload in-between."),
		pingBetween("5.7", "Send text Message fragmented into 2 fragments, one ping with payload in-between. Octets are sent in frame-wise chops.", Sync()),
		pingBetween("5.8", "Send text Message fragmented into 2 fragments, one ping with payload in-between. Octets are sent in octet-wise chops.", Chop(1)),
		nothingToContinue("5.9", true, "one chop"),
		nothingToContinue("5.10", true, "per-frame chops", Sync()),
		nothingToContinue("5.11", true, "octet-wise chops", Chop(1)),
		nothingToContinue("5.12", false, "one chop"),
		nothingToContinue("5.13", false, "per-frame chops", Sync()),
		nothingToContinue("5.14", false, "octet-wise chops", Chop(1)),
		{ID: "5.15", Desc: "Send text Message fragmented into 2 fragments, then Continuation Frame with FIN = false where there is nothing to continue, then unfragmented Text Message, all sent in one chop.",
			Expect: noCont, Short: true, Run: func(t *T) {
				t.Expect(OK, Msg("fragment1fragment2"))
				t.Expect(NonStrict)
				t.ExpectClose(false, false, 1002)
				t.Frame(opText, []byte("fragment1"), NoFin())
				t.Frame(opCont, []byte("fragment2"))
				t.Frame(opCont, []byte("fragment3"), NoFin())
				t.Frame(opText, []byte("fragment4"))
				t.KillAfter(sec)
			}},
		repeated("5.16", false),
		repeated("5.17", true),
		failCase("5.18", "Send text Message fragmented into 2 fragments, with both frame opcodes set to text, sent in one chop.",
			"The connection is failed immediately, since all data frames after the initial data frame must have opcode 0.",
			true, []int{1002}, func(t *T) {
				t.Frame(opText, []byte(f1), NoFin())
				t.Frame(opText, []byte(f2))
			}),
		slowFragments("5.19", "A fragmented text message is sent in multiple frames. After sending the first 2 frames of the text message, a Ping is sent. Then we wait 1s, then we send 2 more text fragments, another Ping and then the final text fragment. Everything is legal.", false),
		slowFragments("5.20", "Same as Case 5.19, but send all frames with SYNC = True. Note, this does not change the octets sent in any way, only how the stream is chopped up on the wire.", true),
	}
}
