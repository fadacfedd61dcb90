# Forwards to CMake. `make deps demo` on a fresh Debian machine; `make test` for every test.
BUILD ?= build
PREFIX ?= /usr/local
CMAKE_FLAGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEPS := build-essential cmake pkg-config libcli11-dev nlohmann-json3-dev libyaml-cpp-dev \
        libuv1-dev libh2o-dev libcpp-httplib-dev libseccomp-dev zlib1g-dev doctest-dev curl \
        gdbserver
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: all build deps demo test install bench clean format

all: build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$$(nproc)

deps:
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q $(DEPS)

demo: build
	$(BUILD)/lambda-local invoke -l $(BUILD)/samples/libhello_c.so -e samples/c-classic/event.json

test: build
	cd $(BUILD) && ctest --output-on-failure -j2

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	bench/invoke.sh $(BUILD)

format:
	cmake --build $(BUILD) --target format

clean:
	rm -rf $(BUILD)
