// Command insncount runs one of ws's byte loops over a buffer, for counting
// the instructions it executes under qemu (tests/cross/insncount.sh): the
// masking loop (ws.MaskCopy) or the UTF-8 check (ws.ValidUTF8) of n bytes,
// reps times. With reps 0 it does the setup alone, so the difference of two
// runs is the loop's own count.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/libws/libws/ws"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: insncount mask|utf8|utf8-ascii N REPS")
		os.Exit(2)
	}
	n, err1 := strconv.Atoi(os.Args[2])
	reps, err2 := strconv.Atoi(os.Args[3])
	if err1 != nil || err2 != nil || n < 0 || reps < 0 {
		fmt.Fprintln(os.Stderr, "insncount: N and REPS are non-negative integers")
		os.Exit(2)
	}
	src := make([]byte, n)
	dst := make([]byte, n)
	// Text: mostly ASCII with a 2- and a 3-byte character every 64 bytes,
	// or plain ASCII; the mask input is the same bytes.
	for i := range src {
		src[i] = byte('a' + i%26)
	}
	if os.Args[1] != "utf8-ascii" {
		for i := 0; i+5 <= n; i += 64 {
			copy(src[i:], "é€")
		}
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	ok := true
	for r := 0; r < reps; r++ {
		switch os.Args[1] {
		case "mask":
			ws.MaskCopy(dst[1:], src[1:], key, r&3) // unaligned, as payloads are
		case "utf8", "utf8-ascii":
			ok = ok && ws.ValidUTF8(src)
		default:
			fmt.Fprintln(os.Stderr, "insncount: unknown loop", os.Args[1])
			os.Exit(2)
		}
	}
	if !ok {
		fmt.Fprintln(os.Stderr, "insncount: valid UTF-8 reported invalid")
		os.Exit(1)
	}
}
