package cases

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"time"

	"github.com/libws/libws/tests/conformance/internal/driver"
)

// nextMessage waits for the next message, skipping pings and pongs.
func nextMessage(t *T, deadline time.Time) (driver.Event, bool) {
	for {
		e, ok := t.C.Next(deadline)
		if !ok || e.Kind == driver.Message {
			return e, ok
		}
	}
}

// checkEcho compares an echo with what was sent, as Autobahn does (type,
// length) and a little more (the content).
func checkEcho(e driver.Event, binary bool, want []byte) string {
	kind := map[bool]string{false: "text", true: "binary"}
	switch {
	case e.Binary != binary:
		return fmt.Sprintf("Expected %s message with payload, but got %s.", kind[binary], kind[e.Binary])
	case len(e.Data) != len(want):
		return fmt.Sprintf("Expected %s message with payload of length %d, but got %d.", kind[binary], len(want), len(e.Data))
	case !bytes.Equal(e.Data, want):
		return fmt.Sprintf("Echo'ed message contents differs from what I sent (got SHA1 %x, expected SHA1 %x).", sha1.Sum(e.Data), sha1.Sum(want))
	}
	return ""
}

// bigEcho: one large message (sent whole, fragmented or chopped), echoed.
func bigEcho(id, desc string, binary bool, payload []byte, fragSize, chop int, short bool) *Case {
	kind := "text"
	op := byte(opText)
	if binary {
		kind, op = "binary", opBinary
	}
	const wait = 100 * sec
	return &Case{ID: id, Desc: desc, Expect: fmt.Sprintf("Receive echo'ed %s message (with payload as sent).", kind), Short: short, Limit: wait + 20*sec,
		Run: func(t *T) {
			t.ExpectClose(true, true, 1000)
			t.SetBehavior(Failed, fmt.Sprintf("Did not receive message within %d seconds.", wait/sec))
			t.C.Record = false
			start := time.Now()
			switch {
			case fragSize > 0:
				t.Message(binary, payload, fragSize)
			case chop > 0:
				t.Frame(op, payload, Chop(chop))
			default:
				t.Frame(op, payload)
				t.flush()
			}
			if e, ok := nextMessage(t, start.Add(wait)); ok {
				if why := checkEcho(e, binary, payload); why != "" {
					t.SetBehavior(Failed, why)
				} else {
					t.SetBehavior(OK, fmt.Sprintf("Received %s message of length %d.", kind, len(e.Data)))
				}
				t.Info = fmt.Sprintf("%d ms", time.Since(start).Milliseconds())
			}
			t.CloseAfter(0)
		}}
}

// roundTrips: count messages of size bytes, each sent once the previous
// echo arrived (9.7, 9.8, and with compression 12.x, 13.x).
func roundTrips(t *T, count int, wait time.Duration, next func(i int) (binary bool, p []byte), fragSize int) {
	t.ExpectClose(true, true, 1000)
	t.SetBehavior(Failed, fmt.Sprintf("Case did not finish within %d seconds.", wait/sec))
	t.C.Record = false
	start := time.Now()
	deadline := start.Add(wait)
	compressed := 0
	for i := range count {
		binary, p := next(i)
		t.C.SendMessage(binary, p, fragSize, false)
		e, ok := nextMessage(t, deadline)
		if !ok {
			t.SetBehavior(Failed, fmt.Sprintf("Got %d of %d echoes; then: %s", i, count, endState(t)))
			t.CloseAfter(0)
			return
		}
		if why := checkEcho(e, binary, p); why != "" {
			t.SetBehavior(Failed, fmt.Sprintf("Message %d of %d: %s", i+1, count, why))
			t.CloseAfter(0)
			return
		}
		if e.Compressed {
			compressed++
		}
	}
	ms := time.Since(start).Milliseconds()
	t.SetBehavior(OK, "Ok, received all echo'ed messages in time.")
	t.Info = fmt.Sprintf("%d messages in %d ms", count, ms)
	if t.C.Deflate != nil {
		t.Info += fmt.Sprintf(", %d echoes compressed", compressed)
	}
	t.CloseAfter(0)
}

func endState(t *T) string {
	st := t.C.Status()
	switch {
	case st.PeerError != "":
		return "the peer violated the protocol: " + st.PeerError
	case st.GotClose:
		return fmt.Sprintf("the peer closed with %d %q", st.RemoteCode, st.RemoteReason)
	case st.PeerDropped:
		return "the peer dropped TCP"
	}
	return "timeout"
}

// 9 Limits/Performance.
func limitsPerformance() []*Case {
	var cs []*Case
	sizes := []int{64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20}
	names := []string{"64 * 2**10 (64k)", "256 * 2**10 (256k)", "1 * 2**20 (1M)", "4 * 2**20 (4M)", "8 * 2**20 (8M)", "16 * 2**20 (16M)"}
	for i, n := range sizes {
		cs = append(cs, bigEcho(fmt.Sprintf("9.1.%d", i+1), "Send text message message with payload of length "+names[i]+".", false, Repeat("BAsd7&jh23", n), 0, 0, i == 0 || i == 2))
	}
	for i, n := range sizes {
		cs = append(cs, bigEcho(fmt.Sprintf("9.2.%d", i+1), "Send binary message message with payload of length "+names[i]+".", true, Repeat("\x00\xfe\x23\xfa\xf0", n), 0, 0, i == 0))
	}
	frags := []int{64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20}
	for i, f := range frags {
		cs = append(cs, bigEcho(fmt.Sprintf("9.3.%d", i+1), fmt.Sprintf("Send fragmented text message message with message payload of length 4 * 2**20 (4M). Sent out in fragments of %d.", f),
			false, Repeat("*", 4<<20), f, 0, i == 3))
	}
	for i, f := range frags {
		cs = append(cs, bigEcho(fmt.Sprintf("9.4.%d", i+1), fmt.Sprintf("Send fragmented binary message message with message payload of length 4 * 2**20 (4M). Sent out in fragments of %d.", f),
			true, Repeat("\xfe", 4<<20), f, 0, i == 3))
	}
	chops := []int{64, 128, 256, 512, 1024, 2048}
	for i, c := range chops {
		cs = append(cs, bigEcho(fmt.Sprintf("9.5.%d", i+1), fmt.Sprintf("Send text message message with payload of length 1 * 2**20 (1M). Sent out data in chops of %d octets.", c),
			false, Repeat("BAsd7&jh23", 1<<20), 0, c, i == 5))
	}
	for i, c := range chops {
		cs = append(cs, bigEcho(fmt.Sprintf("9.6.%d", i+1), fmt.Sprintf("Send binary message message with payload of length 1 * 2**20 (1M). Sent out data in chops of %d octets.", c),
			true, Repeat("\xfe", 1<<20), 0, c, i == 5))
	}
	type rt struct {
		size int
		wait time.Duration
	}
	rts := []rt{{0, 60 * sec}, {16, 60 * sec}, {64, 60 * sec}, {256, 120 * sec}, {1024, 240 * sec}, {4096, 480 * sec}}
	for _, binary := range []bool{false, true} {
		sub, kind, fill := "9.7", "text", "*"
		if binary {
			sub, kind, fill = "9.8", "binary", "\xfe"
		}
		for i, r := range rts {
			p := Repeat(fill, r.size)
			wait := min(r.wait, 120*sec)
			cs = append(cs, &Case{ID: fmt.Sprintf("%s.%d", sub, i+1),
				Desc:   fmt.Sprintf("Send 1000 %s messages of payload size %d to measure implementation/network RTT (round trip time) / latency.", kind, r.size),
				Expect: fmt.Sprintf("Receive echo'ed %s messages (with payload as sent). Timeout case after %d secs.", kind, r.wait/sec),
				Short:  i == 1 || i == 4, Limit: wait + 20*sec,
				Run: func(t *T) {
					roundTrips(t, 1000, wait, func(int) (bool, []byte) { return binary, p }, 0)
				}})
		}
	}
	return cs
}

// 10 Misc.
func misc() []*Case {
	payload := Repeat("*", 65536)
	return []*Case{{ID: "10.1.1", Desc: "Send text message with payload of length 65536 auto-fragmented with autoFragmentSize = 1300.",
		Expect: "Receive echo'ed text message (with payload as sent and transmitted frame counts as expected). Clean close with normal code.", Short: true,
		Run: func(t *T) {
			t.Expect(OK, MsgB(payload))
			t.ExpectClose(true, true, 1000)
			t.Message(false, payload, 1300)
			t.KillAfter(10 * sec)
		},
		Post: func(t *T, r *Result) {
			// Autobahn checks its own framing: 50 continuation frames after the text frame.
			if got := [2]int{t.C.TxFrames[0], t.C.TxFrames[1]}; got != [2]int{50, 1} {
				r.Behavior, r.BehaviorReason = Failed, fmt.Sprintf("Frames transmitted %v does not match what we expected [50 1].", got)
			}
		}}}
}
