# Tern build. GNU make drives the compiler; pkg-config finds dependencies.
#   make            library (static + shared), pkg-config file, build/bin/tern
#   make test       run every test in this build
#   make check      install missing packages, build and test normally and under
#                   ASan+UBSan (build-asan/), then smoke-run every fuzz target
#   make demo       the main job on the embedded default
#   make fuzz       run every fuzz target for FUZZ_SECONDS (default 300)
#   make bench      run the benchmarks under bench/
# Objects land in $(BUILD) (build/ by default); SAN=1 adds the sanitizers.

BUILD   ?= build
SAN     ?= 0
CC      ?= gcc
PKGS    := libpng libjpeg libopenjp2 libtiff-4 libxml-2.0 sqlite3 libsodium jansson libpq libmicrohttpd gnutls
VERSION := 0.1.0

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# No -ffast-math and no contraction: WSQ and the engine must give identical
# results whatever the target flags (see docs/build.md).
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -fPIC -ffp-contract=off \
           -fno-fast-math $(WARN) -Iinclude -Isrc $(PKG_CFLAGS) -MMD -MP
LDLIBS  := $(PKG_LIBS) -lm -lpthread
ifeq ($(SAN),1)
  CFLAGS  += -O1 -DTERN_SANITIZED=1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC   := $(sort $(wildcard src/*/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_SRC   := $(sort $(wildcard cmd/tern/*.c))
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC  := $(sort $(wildcard tests/test_*.c))
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_HELP := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))
TEST_HOBJ := $(TEST_HELP:%.c=$(BUILD)/obj/%.o)
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
STATIC    := $(BUILD)/lib/libtern.a
SHARED    := $(BUILD)/lib/libtern.so.$(VERSION)

.PHONY: all lib cli tests test check deps demo fuzz fuzz-build fuzz-smoke bench bench-build clean
all: lib cli $(BUILD)/lib/pkgconfig/tern.pc
lib: $(STATIC) $(SHARED)
cli: $(BUILD)/bin/tern $(BUILD)/bin/ternd
tests: $(TEST_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SHARED): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libtern.so.0 $(LDFLAGS) -o $@ $^ $(LDLIBS)
	ln -sf libtern.so.$(VERSION) $(BUILD)/lib/libtern.so.0
	ln -sf libtern.so.$(VERSION) $(BUILD)/lib/libtern.so

$(BUILD)/lib/pkgconfig/tern.pc: scripts/tern.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(abspath $(BUILD))|' -e 's|@INCLUDE@|$(abspath include)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@PKGS@|$(PKGS)|' $< > $@

$(BUILD)/bin/tern: $(CLI_OBJ) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(STATIC) $(LDLIBS)

TERND_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cmd/ternd/*.c))
$(BUILD)/bin/ternd: $(TERND_OBJ) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(TERND_OBJ) $(STATIC) $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(TEST_HOBJ) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(TEST_HOBJ) $(STATIC) $(LDLIBS) -lcriterion

$(BUILD)/bench/%: bench/%.c $(BUILD)/obj/bench/util.o $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -Ibench $(LDFLAGS) -o $@ $< $(filter %.o,$^) $(STATIC) $(LDLIBS)

# The load benchmark forks its server as the node's tests do.
$(BUILD)/bench/bench_api: $(BUILD)/obj/tests/server_fork.o

test: all tests
	scripts/run-tests.sh $(BUILD)

deps:
	scripts/deps.sh

check: deps
	$(MAKE) BUILD=build all tests bench-build
	scripts/pg-test.sh run scripts/run-tests.sh build
	$(MAKE) BUILD=build-asan SAN=1 all tests
	scripts/pg-test.sh run scripts/run-tests.sh build-asan
	$(MAKE) fuzz-smoke

demo: deps
	$(MAKE) BUILD=build all
	scripts/demo.sh

# Fuzz targets: clang + libFuzzer, with ASan and UBSan, their own objects.
FUZZ_SRC    := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN    := $(FUZZ_SRC:fuzz/%.c=build-fuzz/bin/%)
FUZZ_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O1 -g -ffp-contract=off \
               -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
               $(WARN) -Iinclude -Isrc $(PKG_CFLAGS)
FUZZ_OBJ    := $(LIB_SRC:%.c=build-fuzz/obj/%.o)
FUZZ_SECONDS ?= 300
# Keep the fuzz objects: they are reached only through a pattern chain, and
# make would otherwise delete them as intermediates after every link.
.SECONDARY: $(FUZZ_OBJ)
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c $< -o $@
build-fuzz/bin/%: fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LDLIBS)
fuzz-build: $(FUZZ_BIN)
fuzz-smoke: fuzz-build
	scripts/fuzz.sh 15 $(FUZZ_BIN)
fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

bench-build: $(BENCH_BIN)
bench: all bench-build
	scripts/run-bench.sh $(BUILD)

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TERND_OBJ:.o=.d) $(TEST_HOBJ:.o=.d)
