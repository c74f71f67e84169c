/* extract.h: CSV rows written as NDJSON records, from files or from Salesforce's pages. */
#ifndef MSI_EXTRACT_H
#define MSI_EXTRACT_H

#include <stdio.h>

#include "csvin.h"
#include "jsonbuf.h"
#include "progress.h"

struct extract {
	/* per file or page */
	const char *file;      /* as named on the command line, <stdin>, or a job's page */
	struct jsonbuf prefix; /* {"attributes":{"type":...,"file":...,"line": */
	struct jsonbuf keys;   /* ,"Name": for each column, end to end */
	size_t *keyoff;        /* where column i's key starts in keys */
	size_t nkeys;
	size_t id_col; /* the column named Id, or (size_t)-1 */

	/* per run */
	struct jsonbuf out; /* the record being written */
	FILE *rejects;
	const char *rejects_name;
	unsigned long rows, written, rejected;
};

/* The longest object name: Salesforce's API names are at most 80 characters. */
#define EXTRACT_MAX_TYPE 80

/* What --salesforce runs, found on PATH, else beside msi-extract. */
#define EXTRACT_SALESFORCE "msi-extract-salesforce"

/*
 * Its usage, msi-extract's second form: once, for both programs' usage()
 * (after "usage: " in msi-extract-salesforce's, after as many spaces in
 * msi-extract's), as msi-extract.1 and msi-extract-salesforce.1 spell it.
 */
#define EXTRACT_SALESFORCE_USAGE                                                        \
	"msi-extract --salesforce -o object [-hsV] [-C config] [-r rejects]\n"          \
	"                   [--all-rows] [--commit-mark file]\n"                        \
	"                   [--fields list | --map map | --soql query]\n"               \
	"                   [--lookback seconds] [--max-records n] [--max-retries n]\n" \
	"                   [--poll-max seconds] [--state file] [--stats-json file]\n"  \
	"                   [--no-progress] [--progress] [--progress-fd fd]\n"          \
	"                   [--timeout seconds]\n"
/* msi-extract-salesforce's usage goes on with --check's form, which its page spells. */
#define EXTRACT_SALESFORCE_CHECK_USAGE                                    \
	"       msi-extract --salesforce --check -o object [-C config]\n" \
	"                   [--fields list | --map map | --soql query]\n" \
	"                   [--max-retries n] [--state file] [--timeout seconds]\n"

/* The options both forms take, a line each, for both programs' --help. */
#define EXTRACT_COMMON_HELP                                                          \
	"  -h, --help               print this help and exit\n"                      \
	"  -r, --rejects rejects    write bad rows to rejects and go on\n"           \
	"  -s, --stats              print the counts on standard error at the end\n" \
	"      --stats-json file    write the counts to file as JSON at the end\n"   \
	"  -V, --version            print the version and exit\n"

/* Its options, a line each, for both programs' --help (after msi-extract's own). */
#define EXTRACT_SALESFORCE_HELP                                                                            \
	"      --salesforce         read the object from the org (Bulk API 2.0 queries)\n"                 \
	"      --check              a token and the object's describe, the fields checked\n" PROGRESS_HELP \
	"  -o, --object object      the Salesforce object to read\n"                                       \
	"  -C, --config config      read the org's connection settings from config\n"                      \
	"      --all-rows           deleted and archived rows too (queryAll)\n"                            \
	"      --commit-mark file   read nothing: put a run's mark (file) in the --state\n"                \
	"      --fields list        query these fields (comma-separated), Id among them\n"                 \
	"      --map map            query the fields msi-transform's map file names too\n"                 \
	"      --soql query         run this query as it is\n"                                             \
	"      --lookback seconds   with --state: ask again this long before the mark\n"                   \
	"      --max-records n      rows a results page, at most (default 50000)\n"                        \
	"      --max-retries n      times a failed call is sent again (default 5)\n"                       \
	"      --poll-max seconds   the longest pause between two looks at a job\n"                        \
	"      --state file         only what changed since the mark kept in file\n"                       \
	"      --timeout seconds    a call unanswered this long times out (default 120)\n"

int valid_type(const char *s, size_t n);
const char *object_arg(const char *arg);
int extract_header(void *ctx, const struct csvin_row *row);
int extract_row(void *ctx, const struct csvin_row *row);
int extract_reject(struct extract *x, const struct csvin_row *row, const char *reason);

#endif
