# msi-sync: Marketo Sales Insight non-native sync as Unix filters.
# See README.md. Targets: all check install uninstall clean bench deps demo.

VERSION = 0.1.0

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DESTDIR   ?=

CC        ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS    ?= -O2 -g
WARN       = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS  ?=
LDFLAGS   ?=

# Build output; the sanitizer pass builds into $(B)/asan with the same rules.
B ?= build

# jansson ships a .pc file; libcsv does not.
DEP_CFLAGS = $(shell $(PKG_CONFIG) --cflags jansson libcurl 2>/dev/null)
DEP_LIBS   = $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson) -lcsv \
	$(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl)

ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-DMSI_VERSION='"$(VERSION)"' -Icommon $(WARN) $(DEP_CFLAGS) $(CPPFLAGS) $(CFLAGS)

COMMON_SRC = common/convert.c common/csvin.c common/ealloc.c common/fshut.c common/http.c common/jsonbuf.c \
	common/mkclient.c common/mkconf.c common/msg.c common/ndjson.c common/numarg.c \
	common/ratelimit.c common/retry.c common/sfid.c common/words.c
COMMON_OBJ = $(COMMON_SRC:%.c=$(B)/%.o)
LIB        = $(B)/libmsi.a

TOOLS      = extract/msi-extract transform/msi-transform load/msi-load \
	writeback/msi-writeback
BINS       = $(TOOLS:%=$(B)/%)
MANS       = $(TOOLS:%=%.1) pipelines/msi-sync.1

UNIT_SRC   = $(wildcard tests/unit/test-*.c)
UNIT_BINS  = $(UNIT_SRC:%.c=$(B)/%)

BENCH_BINS = $(B)/tests/bench/gen-leads $(B)/tests/bench/maxrss

# A synthetic org export at any size (the demo's sample, the end-to-end test).
GEN_ORG = $(B)/pipelines/gen-org

# Debian packages the build, the tests, the demo and the benchmarks need.
DEBS = build-essential pkg-config libcsv-dev libcurl4-openssl-dev libjansson-dev \
	libmicrohttpd-dev curl jq miller mandoc valgrind shellcheck

.SECONDARY:

.PHONY: all check check-build check-asan demo install uninstall clean bench deps lint

all: $(B)/.deps $(BINS)

# Installs whatever of $(DEBS) is missing: apt-get as root, sudo otherwise.
deps:
	@command -v dpkg-query >/dev/null 2>&1 || { \
	    echo "make deps: not a Debian system; install by hand: $(DEBS)" >&2; exit 1; }; \
	missing=; for p in $(DEBS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null 2>&1; then sudo=sudo; \
	else echo "make deps: missing packages:$$missing; run 'make deps' as root or install sudo" >&2; exit 1; fi; \
	echo "make deps: installing$$missing"; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing

# Checked once per build folder; 'make deps' checks again.
$(B)/.deps:
	@$(MAKE) --no-print-directory deps
	@mkdir -p $(B) && touch $@

$(B)/%.o: %.c $(wildcard common/*.h extract/*.h transform/*.h writeback/*.h tests/marketo-sim/*.h) | $(B)/.deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $(COMMON_OBJ)

EXTRACT_OBJ = $(B)/extract/msi-extract.o $(B)/extract/rowpipe.o

$(B)/extract/msi-extract: $(EXTRACT_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(EXTRACT_OBJ) $(LIB) $(DEP_LIBS) -lpthread

TRANSFORM_OBJ = $(B)/transform/msi-transform.o $(B)/transform/mapping.o \
	$(B)/transform/known.o

$(B)/transform/msi-transform: $(TRANSFORM_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(TRANSFORM_OBJ) $(LIB) $(DEP_LIBS)

$(B)/load/msi-load: $(B)/load/msi-load.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS) -lm

WRITEBACK_OBJ = $(B)/writeback/msi-writeback.o $(B)/writeback/fields.o \
	$(B)/writeback/sfout.o $(B)/writeback/digests.o

$(B)/writeback/msi-writeback: $(WRITEBACK_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(WRITEBACK_OBJ) $(LIB) $(DEP_LIBS)

# The Marketo simulator the network stages are tested against.
SIM_OBJ = $(B)/tests/marketo-sim/marketo-sim.o $(B)/tests/marketo-sim/store.o
SIM = $(B)/tests/marketo-sim/marketo-sim
MHD_LIBS = $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)

OACHECK = $(B)/tests/marketo-sim/oacheck
NETCHECK = $(B)/tests/marketo-sim/net-check

$(NETCHECK): $(B)/tests/marketo-sim/net-check.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

$(OACHECK): $(B)/tests/marketo-sim/oacheck.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(DEP_LIBS)

$(SIM): $(SIM_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(SIM_OBJ) $(LIB) $(DEP_LIBS) $(MHD_LIBS) -lpthread -lm

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

$(GEN_ORG): $(B)/pipelines/gen-org.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB)

$(B)/tests/bench/%: $(B)/tests/bench/%.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB)

check-build: $(BINS) $(UNIT_BINS) $(SIM) $(OACHECK) $(NETCHECK) $(GEN_ORG)

# The suite three times: the normal build, the same under valgrind, then an
# ASan + UBSan build of the same.
check: all
	@$(MAKE) --no-print-directory check-build
	sh tests/run.sh $(B)
	VALGRIND=1 sh tests/run.sh $(B)
	@$(MAKE) --no-print-directory check-asan

check-asan: $(B)/.deps
	@$(MAKE) --no-print-directory B=$(B)/asan \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" check-build
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    sh tests/run.sh $(B)/asan

# Each script prints its figures and exits non-zero when a target is missed;
# both run either way.
bench: all $(BENCH_BINS) $(SIM)
	@st=0; sh tests/bench/extract.sh $(B) || st=1; \
	sh tests/bench/transform.sh $(B) || st=1; \
	sh tests/bench/sim.sh $(B) || st=1; \
	sh tests/bench/load.sh $(B) || st=1; \
	sh tests/bench/writeback.sh $(B) || st=1; exit $$st

# The whole sync (pipelines/msi-sync) on the bundled sample export against
# the local simulator: pipelines/demo.sh.
demo: all $(SIM)
	sh pipelines/demo.sh $(B)

lint: $(B)/.deps
	mandoc -Tlint -Wwarning $(MANS)

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	for t in $(TOOLS); do \
	    cp $(B)/$$t $(DESTDIR)$(BINDIR)/ && chmod 755 $(DESTDIR)$(BINDIR)/$${t##*/}; \
	    cp $$t.1 $(DESTDIR)$(MANDIR)/man1/ && chmod 644 $(DESTDIR)$(MANDIR)/man1/$${t##*/}.1; \
	done
	cp pipelines/msi-sync $(DESTDIR)$(BINDIR)/ && chmod 755 $(DESTDIR)$(BINDIR)/msi-sync
	cp pipelines/msi-sync.1 $(DESTDIR)$(MANDIR)/man1/ && chmod 644 $(DESTDIR)$(MANDIR)/man1/msi-sync.1

uninstall:
	for t in $(TOOLS) pipelines/msi-sync; do \
	    rm -f $(DESTDIR)$(BINDIR)/$${t##*/} $(DESTDIR)$(MANDIR)/man1/$${t##*/}.1; \
	done

clean:
	rm -rf $(B)
