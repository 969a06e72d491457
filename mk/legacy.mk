# mk/legacy.mk — legacy hosts (issue 13), included by the top Makefile.
#
#   make test-glibc        libws.so.1 and a program linked with libws.a need
#                          no glibc newer than GLIBC_FLOOR (objdump -T)
#   make test-legacy       the C suite, the demo and examples, a libws.a
#                          program, python3.9 (ctypes) and the Perl suite in a
#                          Debian 11 bullseye root (chroot; glibc 2.31), made
#                          once with debootstrap into build/legacy/bullseye
#   make test-legacy-quick the same with the C suite's soak and fuzz shortened
#   make legacy-root       just make (or reuse) the bullseye root
#   make legacy-compat     regenerate capi/glibc_compat.h (needs the cross libcs)

GLIBC_FLOOR ?= 2.17
LEGACY_ROOT ?= $(CURDIR)/$(BUILD)/legacy/bullseye

.PHONY: test-glibc test-legacy test-legacy-quick legacy-root legacy-compat

test-glibc: lib
	@$(NEED) objdump binutils
	sh tests/legacy/glibc_floor.sh $(BUILD) $(GLIBC_FLOOR)

test-legacy: lib
	LEGACY_ROOT=$(LEGACY_ROOT) sh tests/legacy/run.sh

test-legacy-quick: lib
	LEGACY_ROOT=$(LEGACY_ROOT) sh tests/legacy/run.sh --quick

legacy-root:
	sh tests/legacy/mkroot.sh $(LEGACY_ROOT)

legacy-compat:
	@$(NEED) aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	@$(NEED) i686-linux-gnu-gcc gcc-i686-linux-gnu libc6-dev-i386-cross
	sh tests/legacy/gen_glibc_compat.sh > capi/glibc_compat.h.new && mv capi/glibc_compat.h.new capi/glibc_compat.h
