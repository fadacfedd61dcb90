# Forwards to CMake. `make deps demo` on a fresh Debian machine; `make test` for every test.
BUILD ?= build
PREFIX ?= /usr/local
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 20
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEPS := build-essential cmake pkg-config libcli11-dev nlohmann-json3-dev libyaml-cpp-dev \
        libuv1-dev libh2o-dev libcpp-httplib-dev libseccomp-dev zlib1g-dev doctest-dev curl \
        gdbserver
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: all build deps demo test fuzz install bench clean format

all: build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$$(nproc)

deps:
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q $(DEPS)

# Only what the demo runs (the `demo` target of CMakeLists.txt), not every test.
demo: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$$(nproc) --target demo
	$(BUILD)/lambda-local invoke -l $(BUILD)/samples/libhello_c.so -e samples/c-classic/event.json

test: build
	cd $(BUILD) && ctest --output-on-failure -j2

# The libFuzzer targets (tests/fuzz/README.md), built with clang in build-fuzz/, each run for
# FUZZ_SECONDS.
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	bench/invoke.sh $(BUILD)

format:
	cmake --build $(BUILD) --target format

clean:
	rm -rf $(BUILD)
