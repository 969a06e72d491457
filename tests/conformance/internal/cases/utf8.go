package cases

import (
	"fmt"
	"unicode/utf8"
)

// utf8Sequence is one of Autobahn's UTF-8 test vectors (after Markus
// Kuhn's UTF-8-test.txt), with whether it is valid.
type utf8Sequence struct {
	valid bool
	data  string
}

type utf8Group struct {
	name string
	seqs []utf8Sequence
}

// utf8Groups are Autobahn's createUtf8TestSequences, in its order: they
// become cases 6.5.x to 6.23.x.
func utf8Groups() []utf8Group {
	vss := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	var g []utf8Group
	add := func(name string, seqs ...utf8Sequence) { g = append(g, utf8Group{name, seqs}) }
	v := func(s string) utf8Sequence { return utf8Sequence{true, s} }
	x := func(s string) utf8Sequence { return utf8Sequence{false, s} }

	add("Some valid UTF-8 sequences",
		v("hello\x24world"), v("hello\xc2\xa2world"), v("hello\xe2\x82\xacworld"), v("hello\xf0\xa4\xad\xa2world"), v(vss))
	var prefixes []utf8Sequence
	for i := 1; i <= len(vss); i++ {
		prefixes = append(prefixes, utf8Sequence{utf8.ValidString(vss[:i]), vss[:i]})
	}
	add("All prefixes of a valid UTF-8 string that contains multi-byte code points", prefixes...)
	add("First possible sequence of a certain length", v("\x00"), v("\xc2\x80"), v("\xe0\xa0\x80"), v("\xf0\x90\x80\x80"))
	add("First possible sequence length 5/6 (invalid codepoints)", x("\xf8\x88\x80\x80\x80"), x("\xfc\x84\x80\x80\x80\x80"))
	add("Last possible sequence of a certain length", v("\x7f"), v("\xdf\xbf"), v("\xef\xbf\xbf"), v("\xf4\x8f\xbf\xbf"))
	add("Last possible sequence length 4/5/6 (invalid codepoints)", x("\xf7\xbf\xbf\xbf"), x("\xfb\xbf\xbf\xbf\xbf"), x("\xfd\xbf\xbf\xbf\xbf\xbf"))
	add("Other boundary conditions", v("\xed\x9f\xbf"), v("\xee\x80\x80"), v("\xef\xbf\xbd"), v("\xf4\x8f\xbf\xbf"), x("\xf4\x90\x80\x80"))
	var contB []byte
	for i := 0x80; i < 0xbf; i++ { // Autobahn's xrange(0x80, 0xbf): 0xbf excluded
		contB = append(contB, byte(i))
	}
	cont := string(contB)
	add("Unexpected continuation bytes", x("\x80"), x("\xbf"), x("\x80\xbf"), x("\x80\xbf\x80"), x("\x80\xbf\x80\xbf"),
		x("\x80\xbf\x80\xbf\x80"), x("\x80\xbf\x80\xbf\x80\xbf"), x(cont))
	var lonely []utf8Sequence
	for _, r := range [][2]int{{0xc0, 0xdf}, {0xe0, 0xef}, {0xf0, 0xf7}, {0xf8, 0xfb}, {0xfc, 0xfd}} {
		var s []byte
		for i := r[0]; i < r[1]; i++ { // end excluded, as in Autobahn
			s = append(s, byte(i), 0x20)
		}
		lonely = append(lonely, x(string(s)))
	}
	add("Lonely start characters", lonely...)
	k := []string{"\xc0", "\xe0\x80", "\xf0\x80\x80", "\xf8\x80\x80\x80", "\xfc\x80\x80\x80\x80",
		"\xdf", "\xef\xbf", "\xf7\xbf\xbf", "\xfb\xbf\xbf\xbf", "\xfd\xbf\xbf\xbf\xbf"}
	var missing []utf8Sequence
	all := ""
	for _, s := range k {
		missing = append(missing, x(s))
		all += s
	}
	add("Sequences with last continuation byte missing", missing...)
	add("Concatenation of incomplete sequences", x(all))
	add("Impossible bytes", x("\xfe"), x("\xff"), x("\xfe\xfe\xff\xff"))
	add("Examples of an overlong ASCII character", x("\xc0\xaf"), x("\xe0\x80\xaf"), x("\xf0\x80\x80\xaf"), x("\xf8\x80\x80\x80\xaf"), x("\xfc\x80\x80\x80\x80\xaf"))
	add("Maximum overlong sequences", x("\xc1\xbf"), x("\xe0\x9f\xbf"), x("\xf0\x8f\xbf\xbf"), x("\xf8\x87\xbf\xbf\xbf"), x("\xfc\x83\xbf\xbf\xbf\xbf"))
	add("Overlong representation of the NUL character", x("\xc0\x80"), x("\xe0\x80\x80"), x("\xf0\x80\x80\x80"), x("\xf8\x80\x80\x80\x80"), x("\xfc\x80\x80\x80\x80\x80"))
	add("Single UTF-16 surrogates", x("\xed\xa0\x80"), x("\xed\xad\xbf"), x("\xed\xae\x80"), x("\xed\xaf\xbf"), x("\xed\xb0\x80"), x("\xed\xbe\x80"), x("\xed\xbf\xbf"))
	add("Paired UTF-16 surrogates",
		x("\xed\xa0\x80\xed\xb0\x80"), x("\xed\xa0\x80\xed\xbf\xbf"), x("\xed\xad\xbf\xed\xb0\x80"), x("\xed\xad\xbf\xed\xbf\xbf"),
		x("\xed\xae\x80\xed\xb0\x80"), x("\xed\xae\x80\xed\xbf\xbf"), x("\xed\xaf\xbf\xed\xb0\x80"), x("\xed\xaf\xbf\xed\xbf\xbf"))
	nonchars := []utf8Sequence{v("\xef\xbf\xbe"), v("\xef\xbf\xbf")}
	for _, z1 := range []byte{0xf0, 0xf1, 0xf2, 0xf3, 0xf4} {
		for _, z2 := range []byte{0x8f, 0x9f, 0xaf, 0xbf} {
			if z1 == 0xf4 && z2 != 0x8f { // beyond U+10FFFF
				continue
			}
			for _, z3 := range []byte{0xbe, 0xbf} {
				zz := string([]byte{z1, z2, 0xbf, z3})
				if zz == "\xf0\x8f\xbf\xbe" || zz == "\xf0\x8f\xbf\xbf" { // overlong
					continue
				}
				nonchars = append(nonchars, v(zz))
			}
		}
	}
	add("Non-character code points (valid UTF-8)", nonchars...)
	add("Unicode specials (i.e. replacement char)", v("\xef\xbf\xb9"), v("\xef\xbf\xba"), v("\xef\xbf\xbb"), v("\xef\xbf\xbc"), v("\xef\xbf\xbd"), v("\xef\xbf\xbe"), v("\xef\xbf\xbf"))
	return g
}

// SubcategoryNames names the generated 6.x subcategories.
var SubcategoryNames = map[string]string{}

// 6 UTF-8 Handling.
func utf8Handling() []*Case {
	hello := "Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!"
	kosme := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	invalid := kosme + "\xed\xa0\x80" + "\x65\x64\x69\x74\x65\x64"
	echoMsg := func(id, desc string, p string, fragSize int) *Case {
		return &Case{ID: id, Desc: desc, Expect: "The message is echo'ed back to us.", Short: true, Run: func(t *T) {
			t.Expect(OK, Msg(p))
			t.ExpectClose(true, true, 1000)
			t.Message(false, []byte(p), fragSize)
			t.CloseAfter(sec)
		}}
	}
	cs := []*Case{
		echoMsg("6.1.1", "Send text message of length 0.", "", 0),
		{ID: "6.1.2", Desc: "Send fragmented text message, 3 fragments each of length 0.", Expect: "A message is echo'ed back to us (with empty payload).", Short: true, Run: func(t *T) {
			t.Expect(OK, Msg(""))
			t.ExpectClose(true, true, 1000)
			t.Frame(opText, nil, NoFin())
			t.Frame(opCont, nil, NoFin())
			t.Frame(opCont, nil)
			t.CloseAfter(sec)
		}},
		{ID: "6.1.3", Desc: "Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.", Expect: "A message is echo'ed back to us (with payload = payload of middle fragment).", Short: true, Run: func(t *T) {
			t.Expect(OK, Msg("middle frame payload"))
			t.ExpectClose(true, true, 1000)
			t.Frame(opText, nil, NoFin())
			t.Frame(opCont, []byte("middle frame payload"), NoFin())
			t.Frame(opCont, nil)
			t.CloseAfter(sec)
		}},
		echoMsg("6.2.1", fmt.Sprintf("Send a valid UTF-8 text message in one fragment. MESSAGE: %s (%x)", hello, hello), hello, 0),
		{ID: "6.2.2", Desc: "Send a valid UTF-8 text message in two fragments, fragmented on UTF-8 code point boundary.", Expect: "The message is echo'ed back to us.", Short: true, Run: func(t *T) {
			p1, p2 := "Hello-\u00b5@\u00df\u00f6\u00e4", "\u00fc\u00e0\u00e1-UTF-8!!"
			t.Expect(OK, Msg(p1+p2))
			t.ExpectClose(true, true, 1000)
			t.Frame(opText, []byte(p1), NoFin())
			t.Frame(opCont, []byte(p2))
			t.CloseAfter(sec)
		}},
		echoMsg("6.2.3", fmt.Sprintf("Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends. MESSAGE: %s", hello), hello, 1),
		echoMsg("6.2.4", fmt.Sprintf("Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends. MESSAGE: %x", kosme), kosme, 1),
		failCase("6.3.1", fmt.Sprintf("Send invalid UTF-8 text message unfragmented. MESSAGE: %x", invalid),
			"The connection is failed immediately, since the payload is not valid UTF-8.", true, []int{1007},
			func(t *T) { t.Message(false, []byte(invalid), 0) }),
		failCase("6.3.2", fmt.Sprintf("Send invalid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends. MESSAGE: %x", invalid),
			"The connection is failed immediately, since the payload is not valid UTF-8.", true, []int{1007},
			func(t *T) { t.Message(false, []byte(invalid), 1) }),
	}

	// 6.4.x: fail fast. The first part is valid; the second makes the
	// message invalid: the peer must fail the connection then, not wait
	// for the third part or the end of the message.
	p1, p2, p3 := kosme, "\xf4\x90\x80\x80", "\x65\x64\x69\x74\x65\x64"
	ff := p1 + p2 + p3
	failFast := func(id, desc string, parts [3]string, frames bool) *Case {
		return &Case{ID: id, Desc: desc + fmt.Sprintf(" PART1 = %x, PART2 = %x, PART3 = %x", parts[0], parts[1], parts[2]),
			Expect: "The first part is accepted, we expect to timeout on the first wait. The 2nd part should be rejected immediately (fail fast on UTF-8). If we timeout, we expect the connection is failed at least then, since the complete message payload is not valid UTF-8.",
			Short:  true, Run: func(t *T) {
				t.Expect(OK, TimeoutEv("A"))
				t.Expect(NonStrict, TimeoutEv("A"), TimeoutEv("B"))
				t.ExpectClose(false, false, 1007)
				var chops [3][]byte
				if frames {
					chops[0] = t.C.EncodeFrame(false, 0, opText, []byte(parts[0]))
					chops[1] = t.C.EncodeFrame(false, 0, opCont, []byte(parts[1]))
					chops[2] = t.C.EncodeFrame(true, 0, opCont, []byte(parts[2]))
				} else {
					// One frame, its bytes written in three chops.
					f := t.C.EncodeFrame(true, 0, opText, []byte(ff))
					h := len(f) - len(ff)
					a, b := h+len(parts[0]), h+len(parts[0])+len(parts[1])
					chops = [3][]byte{f[:a], f[a:b], f[b:]}
				}
				wait := t.Scaled(sec)
				t.C.WriteRaw(chops[0], 0, false)
				t.Sleep(wait)
				if !t.IsOpen() {
					return
				}
				t.Mark("A")
				t.C.WriteRaw(chops[1], 0, false)
				t.Sleep(wait)
				if !t.IsOpen() {
					return
				}
				t.Mark("B")
				t.C.WriteRaw(chops[2], 0, false)
				t.KillAfter(sec)
			}}
	}
	cs = append(cs,
		failFast("6.4.1", "Send invalid UTF-8 text message in 3 fragments (frames). First frame payload is valid, then wait, then 2nd frame which contains the payload making the sequence invalid, then wait, then 3rd frame with rest. Note that PART1 and PART3 are valid UTF-8 in themselves, PART2 is a 0x110000 encoded as in the UTF-8 integer encoding scheme, but the codepoint is invalid (out of range).",
			[3]string{p1, p2, p3}, true),
		failFast("6.4.2", "Same as Case 6.4.1, but in 2nd frame, we send only up to and including the octet making the complete payload invalid.",
			[3]string{ff[:12], ff[12:13], ff[13:]}, true),
		failFast("6.4.3", "Same as Case 6.4.1, but we send message not in 3 frames, but in 3 chops of the same message frame.",
			[3]string{p1, p2, p3}, false),
		failFast("6.4.4", "Same as Case 6.4.2, but we send message not in 3 frames, but in 3 chops of the same message frame.",
			[3]string{ff[:12], ff[12:13], ff[13:]}, false),
	)

	for gi, grp := range utf8Groups() {
		sub := fmt.Sprintf("6.%d", gi+5)
		SubcategoryNames[sub] = grp.name
		for si, s := range grp.seqs {
			id := fmt.Sprintf("%s.%d", sub, si+1)
			short := si == 0 || si == len(grp.seqs)-1
			if s.valid {
				cs = append(cs, &Case{ID: id, Desc: fmt.Sprintf("Send a text message with payload which is valid UTF-8 in one fragment. Payload: 0x%x", s.data),
					Expect: "The message is echo'ed back to us.", Short: short, Run: func(t *T) {
						t.Expect(OK, Msg(s.data))
						t.ExpectClose(true, true, 1000)
						t.Message(false, []byte(s.data), 0)
						t.KillAfter(sec / 2)
					}})
			} else {
				cs = append(cs, &Case{ID: id, Desc: fmt.Sprintf("Send a text message with payload which is not valid UTF-8 in one fragment. Payload: 0x%x", s.data),
					Expect: "The connection is failed immediately, since the payload is not valid UTF-8.", Short: short, Run: func(t *T) {
						t.Expect(OK)
						t.ExpectClose(false, false, 1007)
						t.Message(false, []byte(s.data), 0)
						t.KillAfter(sec / 2)
					}})
			}
		}
	}
	return cs
}
