# The two quick-start commands, plus the developer targets.  Each target
# installs what is missing (scripts/install-deps.sh), configures and builds.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 60
FUZZ_LONG_SECONDS ?= 1800
FUZZ ?=

.PHONY: all deps test-deps bench-deps build run test test-unit test-asan test-fuzz fuzz-build fuzz-long bench deb test-package install clean

all: build

deps:
	bash scripts/install-deps.sh build

test-deps:
	bash scripts/install-deps.sh test

bench-deps:
	bash scripts/install-deps.sh bench

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	bash scripts/run.sh $(BUILD)

# Everything CI runs: unit and integration tests, again under ASan+UBSan,
# then every fuzz harness for FUZZ_SECONDS on its seeds.
test: test-deps
	bash scripts/test.sh

# The Debian package under $(BUILD)/deb (dpkg-buildpackage, then lintian:
# no error allowed).
deb: test-deps
	bash scripts/deb.sh $(abspath $(BUILD))/deb

# The package installed, run and purged on this machine (root, Debian):
# not part of make test, since building the package takes minutes.
test-package: deb
	cmake -S . -B $(BUILD) -DMUGAI_PACKAGE_TESTS=ON >/dev/null
	ctest --test-dir $(BUILD) -L package --output-on-failure

# make install [PREFIX=/usr] [DESTDIR=...]: programs, configuration, unit
PREFIX ?= /usr/local
install: build
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --install $(BUILD)

fuzz-build: test-deps
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMUGAI_FUZZ=ON >/dev/null
	cmake --build $(BUILD_FUZZ) -j $(JOBS)

# Long fuzzing, outside make test: FUZZ_LONG_SECONDS (30 min) per harness,
# two at a time, all harnesses or FUZZ="mail pdf"; what it finds is merged,
# minimised, into fuzz/corpus/ to be committed, crashes into fuzz-artifacts/.
fuzz-long: fuzz-build
	bash fuzz/run.sh --keep $(BUILD_FUZZ) $(FUZZ_LONG_SECONDS) $(FUZZ)

bench: bench-deps build
	bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) var
