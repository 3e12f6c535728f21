# gnnrec build.  `make` builds build/libgnnrec.a and build/gnnrec.
#   make DEBUG=1      -O0 -g
#   make SANITIZE=1   -O0 -g -fsanitize=address,undefined (separate build dir)
#   make test         unit + end-to-end tests, optimized and under ASan+UBSan, and a
#                     leak check (installs missing packages first)
#   make demo         generate a dataset, compare five recommenders on it (build/demo/report)
#   make bench        measured ratios (ingest), see docs/BENCH.md
#   make fuzz         libFuzzer targets (clang, ASan+UBSan, build-fuzz/), FUZZ_SECONDS each
#   make deps         check/install the Debian packages we need

CC ?= gcc
ifeq ($(origin CC),default)
CC = gcc
endif

ifeq ($(SANITIZE),1)
BUILD ?= build-sanitize
OPT = -O0 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(DEBUG),1)
BUILD ?= build-debug
OPT = -O0 -g
else
BUILD ?= build
OPT = -O2 -g
endif

# Messages are cut to GR_MSG_LEN on purpose, so truncation warnings are noise.
# -fno-math-errno: nothing reads errno after sqrtf and friends, and the errno
# call path keeps loops such as Adam's from vectorizing.
# (clang has no such warning and would reject the option: make fuzz clears it.)
NO_TRUNC_WARN = -Wno-format-truncation
CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) -fopenmp -fno-math-errno -Wall -Wextra -Werror $(NO_TRUNC_WARN) -I.
LDFLAGS = $(OPT) -fopenmp
LDLIBS = -lgraphblas -ligraph -lopenblas -linih -lz -lm -lpthread

LIB_DIRS = core loaders graph sparse gnn eval
LIB_SRC = $(sort $(wildcard $(addsuffix /*.c,$(LIB_DIRS))))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_SRC = $(sort $(wildcard cli/*.c))
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_SRC = $(sort $(wildcard tests/test_*.c))
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_SUPPORT = $(BUILD)/tests/support.o

LIB = $(BUILD)/libgnnrec.a
BIN = $(BUILD)/gnnrec

.PHONY: all deps test tests demo bench clean fuzz fuzz-targets
all: $(BIN)

# Builds the binary and every test program without running them (make test runs them).
tests: $(BIN) $(TEST_BIN)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/bench/bench_%: bench/bench_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/test_%: tests/test_%.c $(TEST_SUPPORT) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(TEST_SUPPORT) $(LIB) $(LDFLAGS) $(LDLIBS) -lcmocka

deps:
	@sh scripts/deps.sh

# The tests run twice, optimized and under ASan+UBSan (build-sanitize/), then
# one end-to-end run under LeakSanitizer: tests/all.sh.
test: deps
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN)
	@$(MAKE) --no-print-directory SANITIZE=1 BUILD=build-sanitize tests
	@sh tests/all.sh $(BUILD) build-sanitize

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@sh scripts/demo.sh $(BIN)

BENCH_BIN = $(BUILD)/bench/bench_ingest $(BUILD)/bench/bench_spmm $(BUILD)/bench/bench_eval \
            $(BUILD)/bench/bench_graph_baselines

bench: deps
	@$(MAKE) --no-print-directory $(BIN) $(BENCH_BIN)
	@sh bench/ingest.sh $(BUILD)
	@echo
	@sh bench/spmm.sh $(BUILD)
	@echo
	@sh bench/train.sh $(BUILD)
	@echo
	@sh bench/compare.sh $(BUILD)
	@echo
	@sh bench/graph_baselines.sh $(BUILD)

# Fuzzing: the library again with clang, libFuzzer's coverage and ASan+UBSan
# in build-fuzz/, one binary per fuzz/fuzz_*.c; fuzz/run.sh seeds the corpora
# (tests/data, configs/, models written by build/gnnrec) and runs each target.
FUZZ_SECONDS ?= 60
FUZZ_BUILD = build-fuzz
# Instrumented loops cannot be vectorized, so clang's "omp simd not vectorized"
# warning is expected there; small buffers: see loaders/reader.c and load.c.
FUZZ_OPT = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
           -Wno-pass-failed -DGR_READER_SMALL_BUFFERS -DGR_LOAD_BATCH_ROWS=64
FUZZ_BIN = $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(sort $(wildcard fuzz/fuzz_*.c)))

fuzz: $(BIN)
	@sh scripts/deps.sh clang
	@$(MAKE) --no-print-directory CC=clang BUILD=$(FUZZ_BUILD) OPT='$(FUZZ_OPT)' NO_TRUNC_WARN= fuzz-targets
	@sh fuzz/run.sh $(FUZZ_BUILD) $(BIN) $(FUZZ_SECONDS)

fuzz-targets: $(FUZZ_BIN) $(BUILD)/fuzz/memfile.o

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(BUILD)/fuzz/memfile.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(BUILD)/fuzz/memfile.o $(LIB) $(LDFLAGS) $(LDLIBS)

clean:
	rm -rf build build-debug build-sanitize build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d) $(TEST_SUPPORT:.o=.d) $(FUZZ_BIN:=.d)
