//go:build arm64 && !purego

#include "textflag.h"

// Vectors of 16 bytes from offset 0 (64 per iteration, then 16), and a
// tail vector ending at n, loaded before any store (dst may be src) and
// stored last over the overlap with the same bytes. Offsets in the loops
// are multiples of 4, so they use the key as given; the tail, starting at
// n-16, uses it rotated right by 8*(n mod 4) bits. The OR of everything
// stored comes back as hi (its top bits): 0 when the output is ASCII.

// func maskNEON(dst, src *byte, n int, k64 uint64) (hi int)
TEXT ·maskNEON(SB), NOSPLIT, $0-40
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2
	MOVD k64+24(FP), R3

	VMOV R3, V0.D[0]
	VMOV R3, V0.D[1]

	// Tail: 16 bytes ending at n.
	AND  $3, R2, R5
	LSL  $3, R5, R5
	ROR  R5, R3, R6
	VMOV R6, V5.D[0]
	VMOV R6, V5.D[1]
	ADD  R1, R2, R7
	SUB  $16, R7, R7
	VLD1 (R7), [V6.B16]
	VEOR V5.B16, V6.B16, V6.B16
	VORR V6.B16, V6.B16, V8.B16

	MOVD R2, R4 // bytes left for the loops

loop64:
	CMP    $64, R4
	BLT    loop16
	VLD1.P 64(R1), [V1.B16, V2.B16, V3.B16, V4.B16]
	VEOR   V0.B16, V1.B16, V1.B16
	VEOR   V0.B16, V2.B16, V2.B16
	VEOR   V0.B16, V3.B16, V3.B16
	VEOR   V0.B16, V4.B16, V4.B16
	VORR   V1.B16, V8.B16, V8.B16
	VORR   V2.B16, V8.B16, V8.B16
	VORR   V3.B16, V8.B16, V8.B16
	VORR   V4.B16, V8.B16, V8.B16
	VST1.P [V1.B16, V2.B16, V3.B16, V4.B16], 64(R0)
	SUB    $64, R4, R4
	B      loop64

loop16:
	CMP    $16, R4
	BLT    tail
	VLD1.P 16(R1), [V1.B16]
	VEOR   V0.B16, V1.B16, V1.B16
	VORR   V1.B16, V8.B16, V8.B16
	VST1.P [V1.B16], 16(R0)
	SUB    $16, R4, R4
	B      loop16

tail:
	// R0 is dst + n - R4: the tail goes to R0 + R4 - 16.
	ADD  R4, R0, R7
	SUB  $16, R7, R7
	VST1 [V6.B16], (R7)

	VMOV V8.D[0], R4
	VMOV V8.D[1], R5
	ORR  R4, R5, R4
	MOVD $0x8080808080808080, R5
	AND  R5, R4, R4
	MOVD R4, hi+32(FP)
	RET
