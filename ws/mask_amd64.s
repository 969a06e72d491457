//go:build amd64 && !purego

#include "textflag.h"

// Both functions work in three parts, all loaded before any store touches
// them (dst may be src): a head vector at 0, a loop of vectors aligned on
// dst (payloads follow a 6..14-byte frame header, so they are rarely
// aligned, and split stores halve the speed), and a tail vector ending at n.
// The head and tail are stored last, overwriting the overlap with the same
// bytes. A vector starting at offset j uses the key rotated right by
// 8*(j mod 4) bits.
//
// Both also return the byte mask of the OR of every vector they stored
// (PMOVMSKB: one bit per byte's top bit): 0 when all the output is ASCII,
// which spares a text message's UTF-8 check a second pass over it. The OR
// costs nothing measurable; the loops are bound by their stores.

// func maskSSE2(dst, src *byte, n int, k64 uint64) (hi int)
TEXT ·maskSSE2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), DX
	MOVQ k64+24(FP), R8

	// Head: 16 bytes at 0.
	MOVQ       R8, X0
	PUNPCKLQDQ X0, X0
	MOVOU      (SI), X7
	PXOR       X0, X7
	MOVO       X7, X8 // the OR of everything stored

	// Tail: 16 bytes ending at n.
	MOVQ       R8, AX
	MOVQ       DX, CX
	ANDQ       $3, CX
	SHLQ       $3, CX
	RORQ       CX, AX
	MOVQ       AX, X5
	PUNPCKLQDQ X5, X5
	MOVOU      -16(SI)(DX*1), X6
	PXOR       X6, X5

	// Body: from the first 16-byte boundary of dst after 0 (1..16).
	MOVQ       DI, BX
	NEGQ       BX
	ANDQ       $15, BX
	JNZ        sseKey
	MOVQ       $16, BX

sseKey:
	MOVQ       R8, AX
	MOVQ       BX, CX
	ANDQ       $3, CX
	SHLQ       $3, CX
	RORQ       CX, AX
	MOVQ       AX, X0
	PUNPCKLQDQ X0, X0

	LEAQ -64(DX), R9
	CMPQ BX, R9
	JG   sse16

sse64:
	MOVOU 0(SI)(BX*1), X1
	MOVOU 16(SI)(BX*1), X2
	MOVOU 32(SI)(BX*1), X3
	MOVOU 48(SI)(BX*1), X4
	PXOR  X0, X1
	PXOR  X0, X2
	PXOR  X0, X3
	PXOR  X0, X4
	POR   X1, X8
	POR   X2, X8
	POR   X3, X8
	POR   X4, X8
	MOVO  X1, 0(DI)(BX*1)
	MOVO  X2, 16(DI)(BX*1)
	MOVO  X3, 32(DI)(BX*1)
	MOVO  X4, 48(DI)(BX*1)
	ADDQ  $64, BX
	CMPQ  BX, R9
	JLE   sse64

sse16:
	LEAQ -16(DX), R9
	CMPQ BX, R9
	JG   sseDone

sse16loop:
	MOVOU (SI)(BX*1), X1
	PXOR  X0, X1
	POR   X1, X8
	MOVO  X1, (DI)(BX*1)
	ADDQ  $16, BX
	CMPQ  BX, R9
	JLE   sse16loop

sseDone:
	MOVOU    X7, (DI)
	MOVOU    X5, -16(DI)(DX*1)
	POR      X5, X8
	PMOVMSKB X8, AX
	MOVQ     AX, hi+32(FP)
	RET

// func maskAVX2(dst, src *byte, n int, k64 uint64) (hi int)
// Only VEX-encoded instructions while the upper halves are dirty: mixing in
// legacy SSE ones cost hundreds of ns per call on our (virtualised) CPU.
TEXT ·maskAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), DX
	MOVQ k64+24(FP), R8

	// Head: 32 bytes at 0.
	VMOVQ        R8, X0
	VPBROADCASTQ X0, Y0
	VPXOR        (SI), Y0, Y7
	VMOVDQU      Y7, Y8 // the OR of everything stored

	// Tail: 32 bytes ending at n.
	MOVQ         R8, AX
	MOVQ         DX, CX
	ANDQ         $3, CX
	SHLQ         $3, CX
	RORQ         CX, AX
	VMOVQ        AX, X5
	VPBROADCASTQ X5, Y5
	VPXOR        -32(SI)(DX*1), Y5, Y5

	// Body: from the first 32-byte boundary of dst after 0 (1..32).
	MOVQ DI, BX
	NEGQ BX
	ANDQ $31, BX
	JNZ  avxKey
	MOVQ $32, BX

avxKey:
	MOVQ         R8, AX
	MOVQ         BX, CX
	ANDQ         $3, CX
	SHLQ         $3, CX
	RORQ         CX, AX
	VMOVQ        AX, X0
	VPBROADCASTQ X0, Y0

	LEAQ -128(DX), R9
	CMPQ BX, R9
	JG   avx32

avx128:
	VPXOR   0(SI)(BX*1), Y0, Y1
	VPXOR   32(SI)(BX*1), Y0, Y2
	VPXOR   64(SI)(BX*1), Y0, Y3
	VPXOR   96(SI)(BX*1), Y0, Y4
	VPOR    Y1, Y8, Y8
	VPOR    Y2, Y3, Y9
	VPOR    Y4, Y8, Y8
	VPOR    Y9, Y8, Y8
	VMOVDQA Y1, 0(DI)(BX*1)
	VMOVDQA Y2, 32(DI)(BX*1)
	VMOVDQA Y3, 64(DI)(BX*1)
	VMOVDQA Y4, 96(DI)(BX*1)
	ADDQ    $128, BX
	CMPQ    BX, R9
	JLE     avx128

avx32:
	LEAQ -32(DX), R9
	CMPQ BX, R9
	JG   avxDone

avx32loop:
	VPXOR   (SI)(BX*1), Y0, Y1
	VPOR    Y1, Y8, Y8
	VMOVDQA Y1, (DI)(BX*1)
	ADDQ    $32, BX
	CMPQ    BX, R9
	JLE     avx32loop

avxDone:
	VMOVDQU   Y7, (DI)
	VMOVDQU   Y5, -32(DI)(DX*1)
	VPOR      Y5, Y8, Y8
	VPMOVMSKB Y8, AX
	MOVQ      AX, hi+32(FP)
	VZEROUPPER
	RET

// func maskAVX2Src(dst, src *byte, n int, k64 uint64) (hi int)
// maskAVX2 for sending: hi is the byte mask of the OR of src, not of dst,
// so that a text message's ASCII check rides on the masking pass. dst does
// not overlap src.
TEXT ·maskAVX2Src(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), DX
	MOVQ k64+24(FP), R8

	// Head: 32 bytes at 0.
	VMOVQ        R8, X0
	VPBROADCASTQ X0, Y0
	VMOVDQU      (SI), Y8 // the OR of everything read
	VPXOR        Y8, Y0, Y7

	// Tail: 32 bytes ending at n.
	MOVQ         R8, AX
	MOVQ         DX, CX
	ANDQ         $3, CX
	SHLQ         $3, CX
	RORQ         CX, AX
	VMOVQ        AX, X5
	VPBROADCASTQ X5, Y5
	VMOVDQU      -32(SI)(DX*1), Y6
	VPOR         Y6, Y8, Y8
	VPXOR        Y6, Y5, Y5

	// Body: from the first 32-byte boundary of dst after 0 (1..32).
	MOVQ DI, BX
	NEGQ BX
	ANDQ $31, BX
	JNZ  srcKey
	MOVQ $32, BX

srcKey:
	MOVQ         R8, AX
	MOVQ         BX, CX
	ANDQ         $3, CX
	SHLQ         $3, CX
	RORQ         CX, AX
	VMOVQ        AX, X0
	VPBROADCASTQ X0, Y0

	LEAQ -128(DX), R9
	CMPQ BX, R9
	JG   src32

src128:
	VMOVDQU 0(SI)(BX*1), Y1
	VMOVDQU 32(SI)(BX*1), Y2
	VMOVDQU 64(SI)(BX*1), Y3
	VMOVDQU 96(SI)(BX*1), Y4
	VPOR    Y1, Y2, Y9
	VPOR    Y3, Y4, Y10
	VPOR    Y9, Y8, Y8
	VPOR    Y10, Y8, Y8
	VPXOR   Y1, Y0, Y1
	VPXOR   Y2, Y0, Y2
	VPXOR   Y3, Y0, Y3
	VPXOR   Y4, Y0, Y4
	VMOVDQA Y1, 0(DI)(BX*1)
	VMOVDQA Y2, 32(DI)(BX*1)
	VMOVDQA Y3, 64(DI)(BX*1)
	VMOVDQA Y4, 96(DI)(BX*1)
	ADDQ    $128, BX
	CMPQ    BX, R9
	JLE     src128

src32:
	LEAQ -32(DX), R9
	CMPQ BX, R9
	JG   srcDone

src32loop:
	VMOVDQU (SI)(BX*1), Y1
	VPOR    Y1, Y8, Y8
	VPXOR   Y1, Y0, Y1
	VMOVDQA Y1, (DI)(BX*1)
	ADDQ    $32, BX
	CMPQ    BX, R9
	JLE     src32loop

srcDone:
	VMOVDQU   Y7, (DI)
	VMOVDQU   Y5, -32(DI)(DX*1)
	VPMOVMSKB Y8, AX
	MOVQ      AX, hi+32(FP)
	VZEROUPPER
	RET
