# The front door: `make demo` and `make check` on a fresh Debian 12 machine.
# Everything real happens in CMake (CMakeLists.txt) and in tests/run-tests.sh.

BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Every Debian package the project needs to build, run and test.
PACKAGES := build-essential cmake pkg-config git ca-certificates curl jq \
            postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting postgresql-client-15 \
            libpq-dev libgdal-dev gdal-bin libproj-dev proj-bin libgeos-dev \
            libmicrohttpd-dev zlib1g-dev libssl-dev libsqlite3-dev libcmocka-dev libjson-c-dev libexpat1-dev libmeshoptimizer-dev proj-data chromium glslang-tools locales python3 zip wrk nginx-light

.PHONY: all build deps viewer demo check check-asan asan clean distclean

all: build

# Installs what is missing; does nothing when everything is there.
deps:
	@missing=$$(for p in $(PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps viewer $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The web viewer's libraries (CesiumJS, MapLibre GL JS) from its committed lock file, once
# (again when the lock file changes); the server serves them from viewer/node_modules.
viewer: viewer/node_modules/.package-lock.json

viewer/node_modules/.package-lock.json: viewer/package-lock.json
	cd viewer && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Builds, creates the private database under ./.jumeau, loads the sample city and serves it.
demo: build
	$(BUILD)/jumeau demo

# Every test: unit, integration (real PostGIS, real server, real clients), fuzz replays,
# first in the normal build, then under AddressSanitizer + UndefinedBehaviorSanitizer.
check: build
	tests/run-tests.sh $(BUILD)
	$(MAKE) check-asan

$(BUILD_ASAN)/CMakeCache.txt:
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DJUMEAU_SANITIZE=ON

asan: deps $(BUILD_ASAN)/CMakeCache.txt
	cmake --build $(BUILD_ASAN) -j $(JOBS)

check-asan: asan
	tests/run-tests.sh $(BUILD_ASAN)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)

distclean: clean
	rm -rf .jumeau
