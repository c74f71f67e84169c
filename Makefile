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

# Where npm installs jsforce (the Salesforce client the conformance case runs): see
# $(JSFORCE)'s rule. The sanitizer pass uses the normal build's.
NODE_DIR ?= $(B)/node
JSFORCE = $(NODE_DIR)/node_modules/@jsforce/jsforce-node/package.json

# jansson ships a .pc file; libcsv does not.
DEP_CFLAGS = $(shell $(PKG_CONFIG) --cflags jansson libcurl 2>/dev/null)
DEP_LIBS   = $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson) -lcsv \
	$(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl)

ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-DMSI_VERSION='"$(VERSION)"' -Icommon $(WARN) $(DEP_CFLAGS) $(CPPFLAGS) $(CFLAGS)

COMMON_SRC = common/convert.c common/csvin.c common/digest.c common/ealloc.c common/finish.c common/fshut.c common/http.c common/inputid.c common/inputs.c common/jsonbuf.c common/keysort.c common/jwt.c \
	common/mapfile.c common/mapping.c common/mkcheck.c common/mkclient.c common/mkconf.c common/msg.c common/msifields.c common/ndjson.c \
	common/numarg.c common/objects.c common/progress.c common/ratelimit.c common/reject.c common/retry.c \
	common/sfclient.c common/sfid.c common/sfopts.c common/sfout.c common/statefile.c \
	common/stats.c common/textenc.c common/words.c
COMMON_OBJ = $(COMMON_SRC:%.c=$(B)/%.o)
LIB        = $(B)/libmsi.a

TOOLS      = extract/msi-extract transform/msi-transform load/msi-load \
	writeback/msi-writeback apply/msi-apply verify/msi-verify report/msi-report
# Programs a tool runs, installed beside it, each with a page saying it is not run by hand:
# msi-extract --salesforce's, and msi-state, msi-sync's (its run.conf and state folder).
HELPERS    = extract/msi-extract-salesforce state/msi-state
BINS       = $(TOOLS:%=$(B)/%) $(HELPERS:%=$(B)/%)
MANS       = $(TOOLS:%=%.1) $(HELPERS:%=%.1) pipelines/msi-sync.1 common/msi-formats.5

UNIT_SRC   = $(wildcard tests/unit/test-*.c)
UNIT_BINS  = $(UNIT_SRC:%.c=$(B)/%)

BENCH_BINS = $(B)/tests/bench/gen-leads $(B)/tests/bench/maxrss $(B)/tests/bench/peak \
	$(B)/tests/bench/gen-scale

# A synthetic org export at any size (the demo's sample, the end-to-end test).
GEN_ORG = $(B)/tests/gen-org/gen-org

# Debian packages, by what needs them; make deps installs them all (each one of Debian's:
# apt-cache policy names it). A plain make needs the compiler and the libraries' headers:
BUILD_DEBS = build-essential pkg-config libcsv-dev libcurl4-openssl-dev libjansson-dev libssl-dev
# msi-sync at run time: jq (its other commands are bash's, coreutils' and util-linux's flock).
RUN_DEBS = jq
# The simulators the demos, the tests and the benchmarks run against.
SIM_DEBS = libmicrohttpd-dev
# make demo: the build, msi-sync's jq, the Marketo simulator; demo-live (and soak) also call the
# simulators with curl.
DEMO_DEBS = $(BUILD_DEBS) $(RUN_DEBS) $(SIM_DEBS)
DEMO_LIVE_DEBS = $(DEMO_DEBS) curl
# make bench: curl calls the simulators, miller (mlr) edits the generated CSV.
BENCH_DEBS = $(DEMO_DEBS) curl miller
# make check: the cases call the simulators (curl), make keys (openssl), edit CSV (miller) and
# add (bc); the runner lists processes (procps), lints pages (mandoc) and scripts
# (shellcheck) and runs valgrind.
CHECK_DEBS = $(DEMO_DEBS) bc curl groff-base mandoc miller openssl procps shellcheck valgrind
# make lint: the pages and the C code's layout.
LINT_DEBS = clang-format groff-base mandoc
DEBS = $(sort $(CHECK_DEBS) $(BENCH_DEBS) $(LINT_DEBS))

.SECONDARY:

.PHONY: gen-org all check check-build check-asan check-asan-build fuzz soak demo demo-live install \
	uninstall clean bench bench-scale deps debs debs-check debs-demo debs-demo-live debs-bench debs-lint lint

# A plain make builds the tools and gen-org (a test export of any size; not installed); only deps,
# check, demo, demo-live, soak, bench and lint install packages, each those it needs.
all: $(BINS) $(GEN_ORG)

# The packages: $(DEBS), and jsforce for the conformance case (below).
deps: debs $(JSFORCE)

debs: PKGS = $(DEBS)
debs-check: PKGS = $(CHECK_DEBS)
debs-demo: PKGS = $(DEMO_DEBS)
debs-demo-live: PKGS = $(DEMO_LIVE_DEBS)
debs-bench: PKGS = $(BENCH_DEBS)
debs-lint: PKGS = $(LINT_DEBS)

# Installs whatever of $(PKGS) is missing: apt-get as root, sudo otherwise.
debs debs-check debs-demo debs-demo-live debs-bench debs-lint:
	@command -v dpkg-query >/dev/null 2>&1 || { \
	    echo "make $@: not a Debian system; install by hand: $(PKGS)" >&2; exit 1; }; \
	missing=; for p in $(PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null 2>&1; then sudo=sudo; \
	else echo "make $@: missing packages:$$missing; run make as root or install sudo" >&2; exit 1; fi; \
	echo "make $@: installing$$missing"; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing

$(B)/%.o: %.c $(wildcard common/*.h extract/*.h transform/*.h load/*.h writeback/*.h apply/*.h verify/*.h report/*.h state/*.h tests/marketo-sim/*.h tests/salesforce-sim/*.h tests/simlib/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $(COMMON_OBJ)

EXTRACT_OBJ = $(B)/extract/msi-extract.o $(B)/extract/rowpipe.o $(B)/extract/records.o

$(B)/extract/msi-extract: $(EXTRACT_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(EXTRACT_OBJ) $(LIB) $(DEP_LIBS) -lpthread

# What msi-extract --salesforce runs: the only part of it that links libcurl
# and libcrypto.
SFEXTRACT_OBJ = $(B)/extract/msi-extract-salesforce.o $(B)/extract/records.o \
	$(B)/extract/sfquery.o $(B)/extract/sfstate.o

$(B)/extract/msi-extract-salesforce: $(SFEXTRACT_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(SFEXTRACT_OBJ) $(LIB) $(DEP_LIBS) -lcrypto

TRANSFORM_OBJ = $(B)/transform/msi-transform.o $(B)/transform/known.o

$(B)/transform/msi-transform: $(TRANSFORM_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(TRANSFORM_OBJ) $(LIB) $(DEP_LIBS)

LOAD_OBJ = $(B)/load/msi-load.o $(B)/load/answer.o $(B)/load/batch.o $(B)/load/checkpoint.o \
	$(B)/load/deletes.o $(B)/load/landed.o $(B)/load/merge.o $(B)/load/options.o $(B)/load/results.o \
	$(B)/load/roles.o $(B)/load/run.o

$(B)/load/msi-load: $(LOAD_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(LOAD_OBJ) $(LIB) $(DEP_LIBS) -lm

WRITEBACK_OBJ = $(B)/writeback/msi-writeback.o $(B)/writeback/digests.o

$(B)/writeback/msi-writeback: $(WRITEBACK_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(WRITEBACK_OBJ) $(LIB) $(DEP_LIBS)

APPLY_OBJ = $(B)/apply/msi-apply.o $(B)/apply/applystate.o $(B)/apply/collections.o \
	$(B)/apply/describe.o $(B)/apply/ingest.o $(B)/apply/input.o $(B)/apply/outcome.o \
	$(B)/apply/spool.o

$(B)/apply/msi-apply: $(APPLY_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(APPLY_OBJ) $(LIB) $(DEP_LIBS) -lcrypto

VERIFY_OBJ = $(B)/verify/msi-verify.o $(B)/verify/keyfile.o

$(B)/verify/msi-verify: $(VERIFY_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(VERIFY_OBJ) $(LIB) $(DEP_LIBS)

REPORT_OBJ = $(B)/report/msi-report.o $(B)/report/after.o $(B)/report/fates.o $(B)/report/notes.o \
	$(B)/report/rundir.o $(B)/report/setasides.o $(B)/report/table.o

$(B)/report/msi-report: $(REPORT_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(REPORT_OBJ) $(LIB) $(DEP_LIBS)

STATE_OBJ = $(B)/state/msi-state.o $(B)/state/prune.o $(B)/state/runconf.o $(B)/state/statedir.o \
	$(B)/state/syncopts.o

$(B)/state/msi-state: $(STATE_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(STATE_OBJ) $(LIB) $(DEP_LIBS)

# The Marketo simulator the network stages are tested against.
SIM_OBJ = $(B)/tests/marketo-sim/marketo-sim.o $(B)/tests/marketo-sim/store.o \
	$(B)/tests/simlib/form.o
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

# The Salesforce simulator msi-extract --salesforce is tested against.
SFSIM_SRC = $(wildcard tests/salesforce-sim/*.c) tests/simlib/form.c
SFSIM = $(B)/tests/salesforce-sim/salesforce-sim

$(SFSIM): $(SFSIM_SRC:%.c=$(B)/%.o) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(SFSIM_SRC:%.c=$(B)/%.o) $(LIB) $(DEP_LIBS) $(MHD_LIBS) -lcrypto -lpthread -lm

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

# It reads the state files through the tools' own code, which it includes.
$(B)/tests/unit/test-statefiles.o: load/checkpoint.c load/checkpoint.h apply/applystate.c \
	writeback/digests.c

# make gen-org: the generator alone (tests/gen-org/gen-org.c), for a test export of any size.
gen-org: $(GEN_ORG)

$(GEN_ORG): $(B)/tests/gen-org/gen-org.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB)

$(B)/tests/bench/%: $(B)/tests/bench/%.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB)

# gen-scale writes the digests msi-load takes (common/digest.c, with jansson).
$(B)/tests/bench/gen-scale: $(B)/tests/bench/gen-scale.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

# jsforce (npm's @jsforce/jsforce-node 3, as tests/salesforce-sim/node/package-lock.json
# pins it), the real client that tests/cases/salesforce-sim/jsforce runs against
# salesforce-sim, installed into $(NODE_DIR). check-build depends on it, so that npm
# runs beside the compiles (3-5 s with an empty npm cache, 2.5-3.5 s with a warm one,
# nothing once installed). Without node or npm, or when npm cannot reach the registry,
# nothing is installed and $(NODE_DIR)/skipped says why: the case is then skipped, not
# failed, and the next make tries again.
NPM_FLAGS = --prefer-offline --no-audit --no-fund --loglevel=error --fetch-retries=1 \
	--fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=5000 --fetch-timeout=30000

$(JSFORCE): tests/salesforce-sim/node/package.json tests/salesforce-sim/node/package-lock.json
	@mkdir -p $(NODE_DIR) && rm -f $(NODE_DIR)/skipped && \
	cp tests/salesforce-sim/node/package.json tests/salesforce-sim/node/package-lock.json $(NODE_DIR)/ && \
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	    echo "node or npm not found" > $(NODE_DIR)/skipped; \
	elif ! (cd $(NODE_DIR) && timeout 300 npm ci $(NPM_FLAGS)) > $(NODE_DIR)/npm.log 2>&1; then \
	    echo "npm ci failed (is the registry reachable?): $(NODE_DIR)/npm.log" > $(NODE_DIR)/skipped; \
	fi; \
	if [ -f $(NODE_DIR)/skipped ]; then \
	    echo "make: jsforce not installed: $$(cat $(NODE_DIR)/skipped)" >&2; \
	else touch $@; fi

check-build: $(BINS) $(UNIT_BINS) $(SIM) $(SFSIM) $(OACHECK) $(NETCHECK) $(GEN_ORG) $(B)/tests/bench/maxrss \
	$(JSFORCE)

# The suite three times: the normal build, an ASan + UBSan build of the
# same, and the tools' own cases under valgrind (uninitialised reads, which
# ASan does not see); then a short fuzz run of the ASan build.
#   normal build: PLAIN_CHECKS, the unit tests, man pages, scripts, the
#     simulator's cases, the tools' own cases valgrind skips (VALGRIND_SKIPS;
#     valgrind runs the others on this same build, outputs compared), every
#     msi-extract and msi-transform case (valgrind runs a sample of them:
#     VALGRIND_CHECKS), and
#     PLAIN_ONLY: the cases whose point is msi-sync's own handling
#     (folders, names, lock, run.conf, secrets, options passed on, resume
#     after a kill, a quota stop or a service failure, the export kinds,
#     --verify, the state folder, the whole sync end to end, missing
#     files, the sync from a live org, --apply), msi-extract's live cases of
#     timing, a kill and credentials and its live-equals-export comparison
#     (msi-extract/sf-valgrind runs those paths under ASan and valgrind),
#     msi-apply's resumes after kills and limits and its 450-update
#     comparison of both ways (msi-apply/valgrind and failures-replayable
#     run those paths under the sanitizers), msi-load's resumes after
#     kill -9 (its other
#     cases run the same code under ASan) and msi-verify's sample, which ask nothing of the tools'
#     memory that the tools' own cases do not ask under ASan;
#   ASan build: every other case, the rest of the hostile corpus among
#     them, each with the ASan build of the simulator (a sanitizer
#     report there is its exit status, which the cases print);
#   valgrind: the unit tests and the tools' own cases but those marked
#     valgrind-skip and but a sample of msi-extract's and msi-transform's
#     (VALGRIND_CHECKS), on the normal build: so every case runs on the
#     build users run, once at least, and under a sanitizer, once at least.
# Debian packages first, then every build, NPROC compiles at a time (and
# jsforce's npm install beside them). The passes
# compute more than they wait, so they run one after the other, each with
# its checks side by side (tests/run.sh: MSI_TEST_JOBS, two a processor
# by default).
NPROC = $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
ASAN_FLAGS = CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	LDFLAGS="-fsanitize=address,undefined"
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
PLAIN_ONLY = 'hostile/05-*' 'hostile/06-*' 'hostile/09-*' 'hostile/10-*' 'hostile/11-*' \
	'hostile/12-*' 'hostile/21-*' 'hostile/held-secrets-nowhere' 'msi-sync/kill-9-resume' \
	'msi-sync/quota-resume' 'msi-sync/service-failure-stops' \
	'msi-sync/service-failures-retried' 'msi-sync/export-kinds' 'msi-sync/export-defects' \
	'msi-sync/encoding-date-order-role' 'msi-sync/verify' 'msi-verify/sample' \
	'msi-sync/state-dir' 'msi-sync/state-dir-kill-9-resume' 'msi-sync/end-to-end' \
	'msi-sync/missing-files-unlinked' 'msi-sync/from-salesforce' \
	'msi-extract/sf-incremental' 'msi-extract/sf-auth-faults' \
	'msi-load/changed-only-kill-9-607-resume' 'msi-load/unlinked-kill-9-resume' \
	'msi-load/state-kill-9-resume' 'msi-apply/resume' 'msi-sync/apply-loop' \
	'msi-extract/sf-equals-export' 'msi-apply/both-paths' 'msi-sync/stale-resume-refused' \
	'msi-sync/damaged-export-holds-deletes' 'msi-sync/writeback-kill-window' \
	'msi-sync/export-folder-missing-files' 'msi-sync/source-change-holds-deletes' \
	'msi-sync/state-folder-private' 'msi-sync/apply-unconfirmed-next-run' 'msi-sync/soak-short' \
	'msi-sync/interrupt-resume' 'msi-sync/keep-runs' 'msi-sync/new-set-asides' \
	'msi-sync/check-mistakes' 'msi-sync/progress'
VALGRIND_SKIPS = $(shell cd tests/cases && for f in msi-*/*/valgrind-skip; do \
	[ -f "$$f" ] && echo "'$${f%/valgrind-skip}'"; done)
PLAIN_CHECKS = 'unit/*' 'man/*' 'shellcheck/*' 'marketo-sim/*' 'salesforce-sim/*' $(VALGRIND_SKIPS) \
	'msi-extract/*' 'msi-transform/*' $(PLAIN_ONLY)
# What valgrind runs: the unit tests, and the tools' own cases but
# msi-extract's and msi-transform's, of which a sample: most of theirs are
# one short run of one parser each (an option, a delimiter, a type's
# format), whose modules' unit tests (csvin, textenc, convert) run under
# valgrind; valgrind's start alone is 0.6 s a run. The plain and ASan
# passes run them all.
VALGRIND_CHECKS = 'unit/*' 'msi-load/*' 'msi-writeback/*' 'msi-apply/*' 'msi-verify/*' 'msi-report/*' \
	'msi-state/*' \
	'msi-extract/weekly-export' 'msi-extract/accounting-several-files' \
	'msi-extract/bom-multiline' 'msi-extract/encoding-auto-cp1252' \
	'msi-extract/encoding-auto-utf16' 'msi-extract/latin1' 'msi-extract/nul-bytes-dropped' \
	'msi-extract/invalid-utf8-rejects' 'msi-extract/malformed-quote-rejects' \
	'msi-extract/unterminated-quote-rejects' 'msi-extract/multiline-row-rejected-crlf' \
	'msi-extract/stdout-full' 'msi-extract/sf-valgrind' \
	'msi-transform/types-every-format' 'msi-transform/types-excel-dates-dmy' \
	'msi-transform/types-rejects' 'msi-transform/ids-converted-repaired-null' \
	'msi-transform/ids-invalid-rejects' 'msi-transform/map-file' \
	'msi-transform/known-references' 'msi-transform/skips-to-rejects-file' \
	'msi-transform/pipe-from-extract' 'msi-transform/role-empty-sent-as-other' \
	'msi-transform/lead-without-account-skip' 'msi-transform/stdout-full' \
	'msi-transform/bad-lines-rejects'
FUZZ_CHECK_SECONDS = 3

check: debs-check
	@$(MAKE) --no-print-directory -j$(NPROC) check-build
	@$(MAKE) --no-print-directory -j$(NPROC) B=$(B)/asan NODE_DIR=$(NODE_DIR) $(ASAN_FLAGS) check-build
	sh tests/run.sh $(B) $(PLAIN_CHECKS)
	$(ASAN_ENV) sh tests/run.sh $(B)/asan $(PLAIN_ONLY:'%'='!%') '!marketo-sim/*' '!salesforce-sim/*'
	VALGRIND=1 sh tests/run.sh $(B) $(VALGRIND_CHECKS)
	sh tests/fuzz.sh $(B)/asan $(FUZZ_CHECK_SECONDS)

# The ASan + UBSan build of the tools and the test programs, in $(B)/asan.
check-asan-build: debs-check
	@$(MAKE) --no-print-directory -j$(NPROC) B=$(B)/asan $(ASAN_FLAGS) check-build

check-asan: check-asan-build
	$(ASAN_ENV) sh tests/run.sh $(B)/asan

# The mutation fuzzer on the ASan build, FUZZ_SECONDS long (default 600).
fuzz: check-asan-build
	sh tests/fuzz.sh $(B)/asan $${FUZZ_SECONDS:-600}

# A randomised bad week of msi-sync --apply against both simulators
# (tests/soak.sh), SOAK_NIGHTS nights (default 60) of seed SOAK_SEED
# (default 1), on the normal build.
soak: debs-demo-live
	@$(MAKE) --no-print-directory -j$(NPROC) all $(SIM) $(SFSIM) $(GEN_ORG)
	sh tests/soak.sh $(B) $${SOAK_NIGHTS:-60} $${SOAK_SEED:-1}

# Each script prints its figures and exits non-zero when a target is missed;
# both run either way.
bench: debs-bench
	@$(MAKE) --no-print-directory -j$(NPROC) all $(BENCH_BINS) $(SIM) $(SFSIM) $(GEN_ORG)
	@st=0; sh tests/bench/extract.sh $(B) || st=1; \
	sh tests/bench/transform.sh $(B) || st=1; \
	sh tests/bench/sim.sh $(B) || st=1; \
	sh tests/bench/load.sh $(B) || st=1; \
	sh tests/bench/writeback.sh $(B) || st=1; \
	sh tests/bench/sync.sh $(B) || st=1; \
	sh tests/bench/incremental.sh $(B) || st=1; \
	sh tests/bench/sf-extract.sh $(B) || st=1; \
	sh tests/bench/apply.sh $(B) || st=1; \
	sh tests/bench/scale.sh $(B) || st=1; exit $$st

# A million persons a night in bounded memory (issue 29): msi-load's landed state at 1,000,000
# and 10,000,000 keys, a whole msi-sync -S at 1,000,000 persons, the peak memory of each process
# tree (tests/bench/peak.c); part of make bench. Some 35 minutes on 2 cores.
bench-scale: debs-bench
	@$(MAKE) --no-print-directory -j$(NPROC) all $(BENCH_BINS) $(SIM) $(GEN_ORG)
	sh tests/bench/scale.sh $(B)

# The whole sync (pipelines/msi-sync) on the bundled sample export against
# the local simulator: pipelines/demo.sh.
demo: debs-demo
	@$(MAKE) --no-print-directory -j$(NPROC) all $(SIM)
	sh pipelines/demo.sh $(B)

# The same sync read from a live org: msi-sync --from-salesforce with a state
# folder, three nights, against the Salesforce and Marketo simulators:
# pipelines/demo-live.sh.
demo-live: debs-demo-live
	@$(MAKE) --no-print-directory -j$(NPROC) all $(SIM) $(SFSIM)
	sh pipelines/demo-live.sh $(B)

# The pages (mandoc, and groff as man(1) renders them: a warning, such as a line it cannot
# break, fails), and the C code as .clang-format lays it out (clang-format -i on a file fixes it).
lint: debs-lint
	mandoc -Tlint -Wwarning $(MANS)
	@st=0; for p in $(MANS); do \
	    w=$$(groff -mandoc -Tutf8 -ww -z $$p 2>&1); [ -z "$$w" ] || { echo "$$w" >&2; st=1; }; \
	done; exit $$st
	@command -v clang-format >/dev/null 2>&1 || { echo "make lint: clang-format not installed (apt-get install clang-format)" >&2; exit 1; }
	clang-format --dry-run --Werror $$(find common extract transform load writeback apply verify report state tests -name '*.[ch]')

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	for t in $(TOOLS); do \
	    cp $(B)/$$t $(DESTDIR)$(BINDIR)/ && chmod 755 $(DESTDIR)$(BINDIR)/$${t##*/}; \
	    cp $$t.1 $(DESTDIR)$(MANDIR)/man1/ && chmod 644 $(DESTDIR)$(MANDIR)/man1/$${t##*/}.1; \
	done
	for t in $(HELPERS); do \
	    cp $(B)/$$t $(DESTDIR)$(BINDIR)/ && chmod 755 $(DESTDIR)$(BINDIR)/$${t##*/}; \
	    cp $$t.1 $(DESTDIR)$(MANDIR)/man1/ && chmod 644 $(DESTDIR)$(MANDIR)/man1/$${t##*/}.1; \
	done
	cp pipelines/msi-sync $(DESTDIR)$(BINDIR)/ && chmod 755 $(DESTDIR)$(BINDIR)/msi-sync
	cp pipelines/msi-sync.1 $(DESTDIR)$(MANDIR)/man1/ && chmod 644 $(DESTDIR)$(MANDIR)/man1/msi-sync.1
	mkdir -p $(DESTDIR)$(MANDIR)/man5
	cp common/msi-formats.5 $(DESTDIR)$(MANDIR)/man5/ && chmod 644 $(DESTDIR)$(MANDIR)/man5/msi-formats.5

uninstall:
	for t in $(TOOLS) $(HELPERS) pipelines/msi-sync; do \
	    rm -f $(DESTDIR)$(BINDIR)/$${t##*/} $(DESTDIR)$(MANDIR)/man1/$${t##*/}.1; \
	done
	rm -f $(DESTDIR)$(MANDIR)/man5/msi-formats.5

clean:
	rm -rf $(B)
