# libws — build, test, benchmark and fuzz.
#
#   make            build libws.so, libws.a, the C examples (and vet the Go code)
#   make demo       build and run the demo: the C echo server and a C client
#   make test       every test (Go unit + race + coverage gate, C API, interop)
#   make bench      libws against its peers on the shared workloads (bench/RESULTS.md)
#   make bench-go   Go benchmarks of the protocol core (testing.B)
#   make fuzz       each fuzz target for FUZZTIME (default 10s)
#   make cover      coverage report of ws/ in build/cover.html
#   make install    PREFIX=/usr/local: library, header, pkg-config file

GO        ?= go
CC        ?= cc
FUZZTIME  ?= 10s
COVER_MIN ?= 90
BUILD     := build
PREFIX    ?= /usr/local
VERSION   := $(shell sed -n 's/^\#define WS_VERSION_STRING "\(.*\)"/\1/p' include/ws.h)
SOMAJOR   := $(firstword $(subst ., ,$(VERSION)))

# glibc floor 2.17 (the manylinux2014 baseline) for libws.so.1 and for
# programs linked with libws.a; make test-glibc checks it, make test-legacy
# proves it on Debian 11. Built on glibc 2.36, the library needed 2.34:
#  - res_search@2.34: the net package's cgo resolver, linked in through
#    net/textproto. The netgo tag drops it (libws resolves no names);
#    nothing else changes (the same 119 packages, the same .so size).
#  - pthread_*@2.32/2.34: glibc moved them from libpthread into libc under
#    new version names. capi/glibc_compat.h pins each reference to the
#    older name of the same code (.symver); CGO_CFLAGS -include forces it
#    into every C unit of the build, the Go runtime's runtime/cgo too
#    (#cgo lines reach only capi). libpthread.so.0 is then a needed
#    library, since before 2.34 those names live there (+128 bytes).
# Chosen over an old sysroot: no download and no second toolchain for
# make lib, one method for every CPU (mk/cross.mk), and none of an old
# sysroot's mismatch with gcc 12's headers and libgcc. Its limit: a
# function first added after 2.17 has no old name to pin to; make
# test-glibc then fails. GLIBC_PIN= (empty) builds without the pins (musl).
GLIBC_PIN     ?= $(CURDIR)/capi/glibc_compat.h
LIB_GOFLAGS   := -tags netgo
GLIBC_CFLAGS  := $(if $(GLIBC_PIN),-include $(GLIBC_PIN))
GLIBC_NEEDED  := -Wl,--push-state,--no-as-needed -l:libpthread.so.0 -Wl,--pop-state
GLIBC_LDFLAGS := $(if $(GLIBC_PIN),$(GLIBC_NEEDED))

# libws.so exports only ws_* (a version script), carries a SONAME with the
# major version, and is marked nodelete: a Go runtime cannot be unloaded.
SO        := $(BUILD)/libws.so.$(SOMAJOR)
LIB_LDFLAGS := -s -w -extldflags '-Wl,--version-script=$(CURDIR)/capi/libws.map -Wl,-soname,libws.so.$(SOMAJOR) -Wl,-z,nodelete $(GLIBC_LDFLAGS)'
GO_SRC    := $(shell find ws capi -name '*.go' -not -name '*_test.go') $(wildcard capi/*.c capi/*.h ws/*.s) go.mod go.sum include/ws.h capi/libws.map

# Go modules come from the module proxy; tests that need a system tool
# install it with apt-get when run as root (scripts/need.sh).
NEED := sh scripts/need.sh

.PHONY: all build lib examples vet demo preflight test test-race test-cover test-c test-examples test-interop test-python test-perl test-errors test-conformance test-memory conformance bench bench-go fuzz cover clean install

all: build

# Legacy hosts and other CPUs (issue 13): glibc floor, Debian 11 root, arm64
# and i386 under qemu-user.
include mk/legacy.mk
include mk/cross.mk

build: vet lib examples
	$(GO) build ./...

examples: lib
	$(MAKE) -C examples/c

lib: $(SO) $(BUILD)/libws.so $(BUILD)/libws.a

# Go's build cache does not see headers outside the package (include/ws.h):
# their checksum in CGO_CFLAGS makes a changed header rebuild the library.
CGO_HDR   = CGO_CFLAGS="$${CGO_CFLAGS:--O2 -g} $(GLIBC_CFLAGS) -DWS_HEADERS_SUM=$$(cat include/ws.h capi/*.h | cksum | cut -d' ' -f1)"

$(SO): $(GO_SRC)
	@mkdir -p $(BUILD)
	$(CGO_HDR) $(GO) build $(LIB_GOFLAGS) -buildmode=c-shared -ldflags "$(LIB_LDFLAGS)" -o $@ ./capi
	@rm -f $(BUILD)/libws.so.h

$(BUILD)/libws.so: $(SO)
	ln -sf libws.so.$(SOMAJOR) $@

# The static archive holds the Go runtime too; link it with -lpthread.
$(BUILD)/libws.a: $(GO_SRC)
	@mkdir -p $(BUILD)
	$(CGO_HDR) $(GO) build $(LIB_GOFLAGS) -buildmode=c-archive -ldflags "-s -w" -o $@ ./capi
	@rm -f $(BUILD)/libws.h

install: lib
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(SO) $(DESTDIR)$(PREFIX)/lib/libws.so.$(VERSION)
	ln -sf libws.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libws.so.$(SOMAJOR)
	ln -sf libws.so.$(SOMAJOR) $(DESTDIR)$(PREFIX)/lib/libws.so
	install -m 644 $(BUILD)/libws.a $(DESTDIR)$(PREFIX)/lib/libws.a
	install -m 644 include/ws.h $(DESTDIR)$(PREFIX)/include/ws.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' capi/libws.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libws.pc

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l ws examples tests 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

demo: lib
	$(MAKE) -C examples/c demo

preflight:
	@sh scripts/preflight.sh

# preflight first: one line naming what the run will install, then that.
test: preflight vet test-race test-cover test-c test-examples test-python test-perl test-errors test-interop test-conformance test-memory test-packaging test-glibc test-legacy test-cross-quick
	@echo "all tests passed"

# The Python wheel, the Perl tarball and the .debs (make wheel, dist, deb,
# test-packaging).
include mk/package.mk

# The C API through libws.so only: cmocka suite, sanitizer run, ABI, fork,
# threads, soak.
test-c: lib
	$(MAKE) -C tests/c test

# The C examples against each other: scripted exchange, 50 clients,
# heartbeat, shutdown.
test-examples: lib
	$(MAKE) -C examples/c test

# Unit tests under the race detector (python3's zlib is the strict
# reference decoder for the permessage-deflate window tests).
test-race:
	@$(NEED) python3 python3
	$(GO) test -race -count=1 ./...

# Coverage gate for the protocol core.
test-cover:
	@mkdir -p $(BUILD)
	$(GO) test -count=1 -coverprofile=$(BUILD)/cover.out ./ws/ >/dev/null
	@total=$$($(GO) tool cover -func=$(BUILD)/cover.out | awk '/^total:/ {sub("%","",$$3); print $$3}'); \
	echo "ws/ statement coverage: $$total% (minimum $(COVER_MIN)%)"; \
	awk -v t=$$total -v m=$(COVER_MIN) 'BEGIN { exit (t+0 < m+0) }'

# The Python binding (unittest, under Debian's python3, with real
# websockets peers over loopback).
test-python: lib
	sh tests/python/run.sh

# The Perl binding (prove): the original Net::WebSocket API and the native
# layer, fork, signal storm, interop with websockets.
test-perl: lib
	sh bindings/perl/run-tests.sh

# Real peers over loopback sockets: gorilla round trips, ws/wsnet against
# gorilla and coder/websocket (tests/wsnet), and the matrix of
# Chromium, Node ws, Python websockets, gorilla and Mojolicious against the
# C, Python, Perl and Go surfaces, both as clients and as servers.
# The error-message table across the C, Python and Perl surfaces.
test-errors: lib
	sh tests/errors/run.sh

test-interop: lib
	cd tests/gorilla && $(GO) test -race -count=1 ./...
	cd tests/wsnet && $(GO) test -race -count=1 ./...
	sh tests/interop/run.sh

# Hostile peers (issue 11): the C host, the Python and the Perl echo
# servers fed deflate bombs, 200 x 8 MiB with context takeover and 100k
# pings; peak RSS and ws_memory must stay within limit-derived budgets.
test-memory: lib
	sh tests/memory/run.sh

# Autobahn-style conformance (tests/conformance): a short profile in
# make test, every case with make conformance (writes SUMMARY.md).
test-conformance: lib examples
	sh tests/conformance/run.sh

conformance: lib examples
	sh tests/conformance/run.sh --full
	/usr/bin/python3 scripts/readme_tables.py

# Every surface of libws and its peers (wslay, gorilla, gobwas, Node ws,
# websockets, wsproto, Protocol::WebSocket) on ../shared/bench's workloads,
# interleaved; writes bench/RESULTS.md. BENCHFLAGS=--quick for a short run.
bench: lib
	sh bench/run.sh $(BENCHFLAGS)

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./ws/

# Go fuzz targets of the protocol core, then random sequences of C API
# calls against libws.so (plain and under ASan).
fuzz: lib
	@for t in $$($(GO) test -list 'Fuzz.*' ./ws/ | grep ^Fuzz); do \
		echo "== $$t ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./ws/ || exit 1; \
	done
	$(MAKE) -C tests/c fuzz FUZZTIME=$(patsubst %s,%,$(FUZZTIME))

cover:
	@mkdir -p $(BUILD)
	$(GO) test -coverprofile=$(BUILD)/cover.out ./ws/
	$(GO) tool cover -html=$(BUILD)/cover.out -o $(BUILD)/cover.html
	$(GO) tool cover -func=$(BUILD)/cover.out | tail -1

clean:
	rm -rf $(BUILD) tests/conformance/build
	-$(MAKE) -C tests/c clean
