# confd — top-level build.  `make`, `make run`, `make test`, `make asan`,
# `make fuzz`, `make bench`, `make install PREFIX=...`.

PREFIX  ?= /usr/local
# Where an installed confd looks for its configuration (SYSCONFDIR/confd/
# confd.conf) and keeps its store and certificate (STATEDIR); both are
# compiled into confd and confctl (see the paths stamp below).
SYSCONFDIR ?= $(PREFIX)/etc
STATEDIR   ?= /var/lib/confd
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/confd
UNITDIR    ?= $(PREFIX)/lib/systemd/system
BUILD   ?= build
CC      ?= cc
SAN     ?=
OPT     ?= -O2 -g

RE_CFLAGS := -I/usr/include/re -I/usr/include/rem \
	-DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DHAVE_INET6 -DUSE_OPENSSL \
	-I/usr/include/libxml2
CFLAGS  += $(OPT) -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-fno-strict-aliasing -D_GNU_SOURCE -DCONFD_VERSION=\"0.1.0\" \
	-DCONFD_WEBROOT=\"$(PREFIX)/share/confd/web\" $(RE_CFLAGS) -I. $(SAN)
LDFLAGS += $(SAN)
LIBS    := -lrem -lre -lopus -lspandsp -lspeexdsp -lssl -lcrypto -lsqlite3 -lpq -lxml2 -lz -lpthread -lm

# Every .c under the module folders goes into the core library, except
# the files that carry a main().
MAINS   := confd/main.c confd/confctl.c confd/confctl_accounts.c
MODULES := confd focus keying media msrp floor eventpkg
LIB_SRCS := $(filter-out $(MAINS), \
	$(shell find $(MODULES) -name '*.c' | sort))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)

UA_SRCS  := $(wildcard tests/ua/*.c)
UA_OBJS  := $(UA_SRCS:%.c=$(BUILD)/obj/%.o)

TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOLS     := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNITS     := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

# kmsd (kms/) links the core library but is not part of it.
KMS_SRCS := $(wildcard kms/*.c)
KMS_OBJS := $(KMS_SRCS:%.c=$(BUILD)/obj/%.o)

# The UA's main() lives in tests/ua/main.c; without it (a worktree that
# only has the UA's MIKEY files) there is no confd-ua to link.
BINS := $(BUILD)/confd $(BUILD)/confctl $(BUILD)/kmsd \
	$(if $(wildcard tests/ua/main.c),$(BUILD)/confd-ua)

BENCH_SRCS := $(wildcard bench/*.c)
BENCHES    := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

# Every fuzz target, linked with a plain main() that replays files
# (tests/fuzz/replay_main.c): tests/run.sh runs each over its corpus in
# tests/fuzz/corpus/<target>/, with the build's compiler and sanitizers.
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAYS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz-replay/%)

all: $(BINS) $(UNITS) $(TOOLS) $(BENCHES) $(FUZZ_REPLAYS)

HDRS := $(shell find $(MODULES) kms tests -name '*.h')
$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# The install paths compiled into confd and confctl: the stamp changes
# only when they do, so `make install PREFIX=...` rebuilds those two
# objects and nothing else.
PATHS := -DCONFD_SYSCONFDIR=\"$(SYSCONFDIR)\" -DCONFD_STATEDIR=\"$(STATEDIR)\"
$(BUILD)/paths.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PATHS)' | cmp -s - $@ || echo '$(PATHS)' >$@
$(BUILD)/obj/confd/main.o $(BUILD)/obj/confd/confctl.o: $(BUILD)/paths.stamp
$(BUILD)/obj/confd/main.o $(BUILD)/obj/confd/confctl.o: CFLAGS += $(PATHS)

$(BUILD)/libconfd.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/confd: $(BUILD)/obj/confd/main.o $(BUILD)/libconfd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/confctl: $(BUILD)/obj/confd/confctl.o \
		$(BUILD)/obj/confd/confctl_accounts.o $(BUILD)/libconfd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/kmsd: $(KMS_OBJS) $(BUILD)/libconfd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/confd-ua: $(UA_OBJS) $(BUILD)/libconfd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libconfd.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o \
		$(BUILD)/obj/tests/fuzz/replay_main.o $(BUILD)/libconfd.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The MIKEY end-to-end driver pairs the UA's own MIKEY implementation
# (tests/ua/mikey_*.c, no main) with the focus-side KMS client.
MIKEY_UA_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/ua/mikey_*.c))
$(BUILD)/tools/mikey_e2e: $(BUILD)/obj/tests/tools/mikey_e2e.o \
		$(MIKEY_UA_OBJS) $(BUILD)/libconfd.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libconfd.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Every bench/*.c is a benchmark program of its own.
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BUILD)/libconfd.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

deps:
	@scripts/deps.sh run

test-deps:
	@scripts/deps.sh test

cert:
	@scripts/mkcert.sh confd.pem

run: deps $(BINS) cert
	@scripts/run.sh $(BUILD)

test: test-deps all
	@tests/run.sh $(BUILD)

# ASan keeps freed memory in a quarantine (256 MB by default), which the
# memory-bound checks would read as growth: keep it small.
asan:
	@$(MAKE) --no-print-directory test-deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" CC=clang \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:quarantine_size_mb=4 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run.sh build-asan

# libFuzzer binaries; run one with its corpus, e.g.
#   build-fuzz/fuzz/fuzz_msrp tests/fuzz/corpus/msrp
# (new inputs go into that directory; commit the ones worth keeping, and
# every crash input, so that `make test` replays them).
fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz OPT="-O1 -g" CC=clang \
		SAN="-fsanitize=fuzzer-no-link,address,undefined" $(BUILD:build=build-fuzz)/libconfd.a
	@mkdir -p build-fuzz/fuzz
	@for f in $(FUZZ_SRCS); do \
		n=$$(basename $$f .c); \
		clang -O1 -g -fsanitize=fuzzer,address,undefined $(RE_CFLAGS) -I. \
			-o build-fuzz/fuzz/$$n $$f build-fuzz/libconfd.a $(LIBS) || exit 1; \
	done; ls build-fuzz/fuzz; \
	echo "run: build-fuzz/fuzz/fuzz_X tests/fuzz/corpus/X"

# Every libFuzzer target over its corpus for FUZZ_SECONDS (default 600)
# or FUZZ_RUNS executions, whichever ends first; new inputs are merged
# back (-merge=1) into tests/fuzz/corpus/<target>/, and the executions
# of each target are listed in build-fuzz/fuzz-long.txt.  A crash stops
# the run, and its input is left in build-fuzz/crash/<target>/.
FUZZ_SECONDS ?= 600
FUZZ_RUNS    ?= 10000000
fuzz-long: fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) \
		tests/fuzz/long.sh build-fuzz/fuzz tests/fuzz/corpus

bench: test-deps all
	@bench/run.sh $(BUILD)

# Programs in SBINDIR, man pages, the systemd unit, the web files when
# there are any, and a default configuration in SYSCONFDIR/confd/ (never
# overwritten: a changed one stays, the new one lands beside it as
# confd.conf.dist).  The installed configuration keeps its state in
# STATEDIR (state_dir), so store, certificate and control socket live
# there, not in whatever directory confd was started from.
install: $(BUILD)/confd $(BUILD)/confctl $(BUILD)/kmsd
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(SYSCONFDIR)/confd $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 755 $(BUILD)/confd $(BUILD)/confctl $(BUILD)/kmsd \
		$(DESTDIR)$(SBINDIR)/
	install -m 644 docs/man/confd.8 docs/man/confctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 docs/man/confd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 confd.conf $(DESTDIR)$(DATADIR)/confd.conf.example
	sed -e 's|^#state_dir.*|state_dir	$(STATEDIR)|' confd.conf \
		>$(BUILD)/confd.conf.installed
	if [ -e $(DESTDIR)$(SYSCONFDIR)/confd/confd.conf ]; then \
		install -m 644 $(BUILD)/confd.conf.installed \
			$(DESTDIR)$(SYSCONFDIR)/confd/confd.conf.dist; \
	else \
		install -m 644 $(BUILD)/confd.conf.installed \
			$(DESTDIR)$(SYSCONFDIR)/confd/confd.conf; \
	fi
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		-e 's|@STATEDIR@|$(STATEDIR)|g' contrib/confd.service.in \
		>$(BUILD)/confd.service
	install -m 644 $(BUILD)/confd.service $(DESTDIR)$(UNITDIR)/confd.service
	if [ -d confd/web/static ]; then \
		install -d $(DESTDIR)$(DATADIR)/web && \
		cp -R confd/web/static/. $(DESTDIR)$(DATADIR)/web/; \
	fi

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all deps test-deps cert run test asan fuzz fuzz-long bench install clean FORCE
# keep objects made through pattern rules: no rebuilds, no noise
.SECONDARY:

# BFCP client driver for floor/ tests until confd-ua's main dispatches
# "bfcp" to ua_bfcp_cmd() (tests/ua/bfcp_client.c).
$(BUILD)/tools/bfcp_ua: $(BUILD)/obj/tests/tools/bfcp_ua.o \
		$(BUILD)/obj/tests/ua/bfcp_client.o $(BUILD)/libconfd.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)


