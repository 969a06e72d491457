//go:build arm64 && !purego

#include "textflag.h"

// func asciiPrefixNEON(p *byte, n int) int
//
// Returns a multiple of 16, at most n, such that p[:result] is all ASCII:
// 64 bytes per iteration (three ORs, the top bits of the two halves tested
// in general registers), then 16 at a time, stopping before the first
// 16-byte block with a byte >= 0x80.
TEXT ·asciiPrefixNEON(SB), NOSPLIT, $0-24
	MOVD p+0(FP), R0
	MOVD n+8(FP), R1
	MOVD $0, R3
	MOVD $0x8080808080808080, R7

loop64:
	ADD  $64, R3, R8
	CMP  R1, R8
	BGT  loop16
	ADD  R0, R3, R6
	VLD1 (R6), [V0.B16, V1.B16, V2.B16, V3.B16]
	VORR V1.B16, V0.B16, V0.B16
	VORR V3.B16, V2.B16, V2.B16
	VORR V2.B16, V0.B16, V0.B16
	VMOV V0.D[0], R4
	VMOV V0.D[1], R5
	ORR  R4, R5, R4
	TST  R7, R4
	BNE  loop16
	MOVD R8, R3
	B    loop64

loop16:
	ADD  $16, R3, R8
	CMP  R1, R8
	BGT  done
	ADD  R0, R3, R6
	VLD1 (R6), [V0.B16]
	VMOV V0.D[0], R4
	VMOV V0.D[1], R5
	ORR  R4, R5, R4
	TST  R7, R4
	BNE  done
	MOVD R8, R3
	B    loop16

done:
	MOVD R3, ret+16(FP)
	RET
