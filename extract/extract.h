/* extract.h: CSV rows written as NDJSON records, from files or from Salesforce's pages. */
#ifndef MSI_EXTRACT_H
#define MSI_EXTRACT_H

#include <stdio.h>

#include "csvin.h"
#include "jsonbuf.h"

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

int valid_type(const char *s, size_t n);
const char *object_arg(const char *arg);
int extract_header(void *ctx, const struct csvin_row *row);
int extract_row(void *ctx, const struct csvin_row *row);
int extract_reject(struct extract *x, const struct csvin_row *row, const char *reason);

#endif
