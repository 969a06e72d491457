# Packages the way each ecosystem installs things (issue 13, part 4).
# Everything lands in build/dist:
#
#   make wheel   libws-<v>-py3-none-<tag>.whl, libws.so.1 inside, tagged by
#                packaging/wheeltag.py as auditwheel would (manylinux2014
#                when the glibc 2.17 floor holds, else the manylinux_2_X the
#                library's symbols allow, else linux_<arch>);
#                WHEEL_REQUIRE=manylinux2014 refuses any lesser tag
#   make dist    Net-WebSocket-<v>.tar.gz, the Perl binding for CPAN-style
#                installs, libws.so.1 bundled
#   make deb     libws1_<v>-1_<arch>.deb and libws-dev_<v>-1_<arch>.deb
#   make test-packaging   the three, each installed and tested in a
#                temporary place (the .debs with apt-get, as root, purged
#                afterwards); the wheel must be manylinux2014 there
#                (TEST_WHEEL_REQUIRE= to accept any honest tag)
#
# Measured on this 2-core machine, library already built: wheel + its
# test 13 s, dist + its test 21 s, deb + its test 6 s.

DIST               := $(BUILD)/dist
PACKAGING_PYTHON   ?= /usr/bin/python3
WHEEL_REQUIRE      ?=
TEST_WHEEL_REQUIRE ?= manylinux2014
DEB_ARCH            = $(shell dpkg --print-architecture 2>/dev/null)

.PHONY: wheel dist deb test-packaging test-wheel test-dist test-deb

wheel: lib
	@mkdir -p $(DIST)
	$(PACKAGING_PYTHON) packaging/build_wheel.py --lib $(SO) --header include/ws.h --out $(DIST) \
		$(if $(WHEEL_REQUIRE),--require $(WHEEL_REQUIRE))

dist: lib
	sh packaging/perl_dist.sh $(SO) $(DIST)

deb: lib
	sh packaging/deb.sh $(BUILD) $(DIST)

# Each step prints its time: make test-packaging must stay short.
PKG_TIMED = t0=$$(date +%s); $(1); rc=$$?; echo "$(2): $$(( $$(date +%s) - t0 )) s"; exit $$rc

test-packaging: test-wheel test-dist test-deb

test-wheel: lib
	@$(call PKG_TIMED,$(PACKAGING_PYTHON) tests/packaging/test_wheeltag.py && \
		$(MAKE) --no-print-directory wheel WHEEL_REQUIRE=$(TEST_WHEEL_REQUIRE) && \
		sh tests/packaging/wheel.sh $$(ls -t $(DIST)/libws-$(VERSION)-py3-none-*.whl | head -1),test-wheel)

test-dist: lib
	@$(call PKG_TIMED,$(MAKE) --no-print-directory dist && \
		sh tests/packaging/perl_dist.sh $(DIST)/Net-WebSocket-*.tar.gz,test-dist)

test-deb: lib
	@$(call PKG_TIMED,$(MAKE) --no-print-directory deb && \
		sh tests/packaging/deb.sh $(DIST)/libws1_$(VERSION)-1_$(DEB_ARCH).deb $(DIST)/libws-dev_$(VERSION)-1_$(DEB_ARCH).deb,test-deb)
