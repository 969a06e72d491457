//go:build amd64 && !purego

#include "textflag.h"

// func asciiPrefixSSE2(p *byte, n int) int
//
// Returns a multiple of 16, at most n, such that p[:result] is all ASCII:
// 64 bytes per iteration (three PORs and one PMOVMSKB), then 16 at a time,
// stopping before the first 16-byte block with a byte >= 0x80.
TEXT ·asciiPrefixSSE2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), DX
	XORQ BX, BX

	LEAQ -64(DX), R9
	CMPQ BX, R9
	JG   tail

loop64:
	MOVOU    0(SI)(BX*1), X0
	MOVOU    16(SI)(BX*1), X1
	MOVOU    32(SI)(BX*1), X2
	MOVOU    48(SI)(BX*1), X3
	POR      X1, X0
	POR      X3, X2
	POR      X2, X0
	PMOVMSKB X0, AX
	TESTL    AX, AX
	JNZ      tail
	ADDQ     $64, BX
	CMPQ     BX, R9
	JLE      loop64

tail:
	LEAQ -16(DX), R9

loop16:
	CMPQ     BX, R9
	JG       done
	MOVOU    (SI)(BX*1), X0
	PMOVMSKB X0, AX
	TESTL    AX, AX
	JNZ      done
	ADDQ     $16, BX
	JMP      loop16

done:
	MOVQ BX, ret+16(FP)
	RET

// func asciiPrefixAVX2(p *byte, n int) int
//
// asciiPrefix with 32-byte vectors: 128 bytes per iteration, then 32 at a
// time, then one 16-byte block (SSE2 under VEX encoding).
TEXT ·asciiPrefixAVX2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), DX
	XORQ BX, BX

	LEAQ -128(DX), R9
	CMPQ BX, R9
	JG   avxTail

avxLoop128:
	VMOVDQU   0(SI)(BX*1), Y0
	VPOR      32(SI)(BX*1), Y0, Y0
	VMOVDQU   64(SI)(BX*1), Y1
	VPOR      96(SI)(BX*1), Y1, Y1
	VPOR      Y1, Y0, Y0
	VPMOVMSKB Y0, AX
	TESTL     AX, AX
	JNZ       avxTail
	ADDQ      $128, BX
	CMPQ      BX, R9
	JLE       avxLoop128

avxTail:
	LEAQ -32(DX), R9

avxLoop32:
	CMPQ      BX, R9
	JG        avx16
	VMOVDQU   (SI)(BX*1), Y0
	VPMOVMSKB Y0, AX
	TESTL     AX, AX
	JNZ       avx16
	ADDQ      $32, BX
	JMP       avxLoop32

avx16:
	VZEROUPPER
	LEAQ      16(BX), R9
	CMPQ      R9, DX
	JG        avxDone
	VMOVDQU   (SI)(BX*1), X0
	VPMOVMSKB X0, AX
	TESTL     AX, AX
	JNZ       avxDone
	MOVQ      R9, BX

avxDone:
	MOVQ BX, ret+16(FP)
	RET
