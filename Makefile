# gnnrec build.  `make` builds build/libgnnrec.a and build/gnnrec.
#   make DEBUG=1      -O0 -g
#   make SANITIZE=1   -O0 -g -fsanitize=address,undefined (separate build dir)
#   make test         unit + end-to-end tests (installs missing packages first)
#   make demo         generate a dataset, compare five recommenders on it (build/demo/report)
#   make bench        measured ratios (ingest), see docs/BENCH.md
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
CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) -fopenmp -fno-math-errno -Wall -Wextra -Werror -Wno-format-truncation -I.
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

.PHONY: all deps test tests demo bench clean
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

test: deps
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN)
	@sh tests/run.sh $(BUILD)

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

clean:
	rm -rf build build-debug build-sanitize

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d) $(TEST_SUPPORT:.o=.d)
