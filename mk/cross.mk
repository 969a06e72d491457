# mk/cross.mk — other CPUs (issue 13), included by the top Makefile.
#
#   make test-cross        for arm64 and i386: libws cross-built with Debian's
#                          cross gcc, its glibc floor, the Go tests of ws/ and
#                          the C test suite; arm64 under qemu-user, i386 natively
#                          on the x86-64 kernel (tests/cross/run.sh says why)
#   make test-cross-arm64, make test-cross-i386: one CPU
#   make test-cross-quick  the same with go test -short and the C suite's soak and
#                          fuzz shortened (what make test runs)
#   make cross-insn        instructions per byte of the mask and UTF-8 loops, arm64 vs amd64
#
# Everything lands in build/cross/<arch>/ (library, test programs, cmocka
# for that CPU); the native build/ is not touched.

CROSS_ARCHES ?= arm64 i386

.PHONY: test-cross test-cross-quick cross-insn $(addprefix test-cross-,$(CROSS_ARCHES))

test-cross: $(addprefix test-cross-,$(CROSS_ARCHES))

$(addprefix test-cross-,$(CROSS_ARCHES)): test-cross-%:
	sh tests/cross/run.sh $* $(CROSS_FLAGS)

test-cross-quick:
	@f=""; for a in $(CROSS_ARCHES); do sh tests/cross/run.sh $$a --quick || f="$$f $$a"; done; \
	if [ -n "$$f" ]; then echo "test-cross-quick FAILED:$$f" >&2; exit 1; fi

# Instructions per byte of ws's masking and UTF-8 loops: arm64's generic Go
# against amd64's assembly, counted under qemu (not part of make test).
cross-insn:
	sh tests/cross/insncount.sh
