# mk/cross.mk — other CPUs (issue 13), included by the top Makefile.
#
#   make test-cross        for arm64 and i386: libws cross-built with Debian's
#                          cross gcc, its glibc floor, the Go tests of ws/ and
#                          the C test suite under qemu-user (tests/cross/run.sh)
#   make test-cross-arm64, make test-cross-i386: one CPU
#   make test-cross-quick  the same with the C suite's soak and fuzz shortened
#
# Everything lands in build/cross/<arch>/ (library, test programs, cmocka
# for that CPU); the native build/ is not touched.

CROSS_ARCHES ?= arm64 i386

.PHONY: test-cross test-cross-quick $(addprefix test-cross-,$(CROSS_ARCHES))

test-cross: $(addprefix test-cross-,$(CROSS_ARCHES))

$(addprefix test-cross-,$(CROSS_ARCHES)): test-cross-%:
	sh tests/cross/run.sh $* $(CROSS_FLAGS)

test-cross-quick:
	@for a in $(CROSS_ARCHES); do sh tests/cross/run.sh $$a --quick || exit 1; done
