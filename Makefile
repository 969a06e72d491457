# libws — build, test, benchmark and fuzz.
#
#   make            build everything (and vet it)
#   make demo       build and run the demo: an echo server and a client
#   make test       every test (unit, race, coverage gate, interop)
#   make bench      Go benchmarks of the protocol core
#   make fuzz       each fuzz target for FUZZTIME (default 10s)
#   make cover      coverage report of ws/ in build/cover.html

GO        ?= go
FUZZTIME  ?= 10s
COVER_MIN ?= 90
BUILD     := build

# Go modules come from the module proxy; tests that need a system tool
# install it with apt-get when run as root (scripts/need.sh).
NEED := sh scripts/need.sh

.PHONY: all build vet demo test test-go test-race test-cover test-interop bench fuzz cover clean

all: build

build: vet
	$(GO) build ./...

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l ws examples tests 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

demo:
	$(GO) run ./examples/go/echo

test: vet test-race test-cover test-interop
	@echo "all tests passed"

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

# Real peers over loopback sockets.
test-interop:
	cd tests/gorilla && $(GO) test -race -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./ws/

fuzz:
	@for t in $$($(GO) test -list 'Fuzz.*' ./ws/ | grep ^Fuzz); do \
		echo "== $$t ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./ws/ || exit 1; \
	done

cover:
	@mkdir -p $(BUILD)
	$(GO) test -coverprofile=$(BUILD)/cover.out ./ws/
	$(GO) tool cover -html=$(BUILD)/cover.out -o $(BUILD)/cover.html
	$(GO) tool cover -func=$(BUILD)/cover.out | tail -1

clean:
	rm -rf $(BUILD)
