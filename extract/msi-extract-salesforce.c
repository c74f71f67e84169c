/*
 * msi-extract-salesforce.c: what msi-extract --salesforce runs: one object
 * read from a live org (sfquery.c), written as msi-extract writes an
 * export's rows (records.c); --state's new mark written once the records
 * are out; or, with --check, the connection and the object's fields
 * checked (sfquery_check). A program of its own so that msi-extract,
 * reading files, loads neither libcurl nor libcrypto.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "exitcode.h"
#include "extract.h"
#include "finish.h"
#include "fshut.h"
#include "msg.h"
#include "numarg.h"
#include "sfopts.h"
#include "sfquery.h"
#include "sfstate.h"

/*
 * --lookback's default, in seconds: five minutes asked again before the
 * mark. A record's SystemModstamp is its transaction's time, so one a long
 * transaction writes shows up after later ones, below a mark already
 * taken; Salesforce's own replication calls allow for it (getUpdated()'s
 * latestDateCovered holds at the start of a long-running transaction until
 * it completes,
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getupdated_getupdatedresult.htm)
 * and are polled no more often than every five minutes, their seconds
 * truncated
 * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/polling_for_changes.htm).
 * Re-reading five minutes of changes costs little: msi-load
 * --changed-only passes over what did not change.
 */
#define LOOKBACK 300

static void
usage(FILE *fp, int status)
{
	fputs("usage: " EXTRACT_SALESFORCE_USAGE EXTRACT_SALESFORCE_CHECK_USAGE, fp);
	if (status == MSI_EXIT_OK)
		fputs("\n" EXTRACT_COMMON_HELP EXTRACT_SALESFORCE_HELP
		      "\nSee msi-extract-salesforce(1).\n",
		    fp);
	usage_exit(status);
}

/* The options and what a run needs besides them. */
struct run {
	struct extract x;
	struct sfquery_opts sq;
	const char *object, *stats_file;
	const char *commit_mark; /* --commit-mark: a run's state file */
	int stats, file_opts, nfiles;
	int check;   /* --check: the settings, the token, the describe and the fields */
	int writing; /* an option about what a run reads or writes, which --check does not */
	json_t *st;  /* --stats-json's counts, sfquery_run's first */
};

/* The options together make sense: else a message, and the usage. */
static void
check_options(struct run *r)
{
	struct sfquery_opts *sq = &r->sq;

	if (r->object == NULL) {
		msg_warn("--salesforce needs --object: the object to read");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (r->nfiles > 0 || r->file_opts) {
		msg_warn(
		    "--salesforce reads the org, not files: no file, --delimiter, --encoding "
		    "or --max-row-size");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if ((sq->soql != NULL) + (sq->fields != NULL) + (sq->map != NULL) > 1) {
		msg_warn("one of --fields, --map and --soql");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (sq->lookback >= 0 && sq->state == NULL) {
		msg_warn("--lookback is how far before --state's mark to ask again: only with "
		         "--state");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (sq->soql != NULL && sq->state != NULL) {
		msg_warn("--state asks for what changed since its mark, which it adds to the "
		         "query it makes: not with --soql");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (r->commit_mark != NULL &&
	    (sq->state == NULL || sq->soql != NULL || sq->fields != NULL || sq->map != NULL ||
	        sq->all_rows || sq->lookback >= 0)) {
		msg_warn(
		    "--commit-mark puts a run's mark in the --state file, reading nothing: with "
		    "--state, not with --all-rows, --fields, --lookback, --map or --soql");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (r->check && (r->writing || r->commit_mark != NULL)) {
		msg_warn("--check reads no records and writes nothing: only -C, --fields, "
		         "--map, --soql, --state, --max-retries and --timeout");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (sq->lookback < 0)
		sq->lookback = LOOKBACK;
	sq->object = r->object;
	sq->stats = r->stats;
}

/*
 * --salesforce: object read from the org, written as an export's rows are;
 * --state's new mark is written once the records are out. Returns 0 or an
 * exit status.
 */
static int
extract_live(struct run *r)
{
	struct extract *x = &r->x;
	int status, cst, out;

	if (x->rejects_name != NULL && (x->rejects = fopen_private(x->rejects_name, 0)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", x->rejects_name);
	r->st = json_object();
	status = sfquery_run(x, &r->sq, r->st);
	out = fwritten(stdout, "stdout");
	if (x->rejects != NULL && !fwritten(x->rejects, x->rejects_name))
		out = 0;
	if (!out && status == 0)
		status = MSI_EXIT_IO;
	/* the records are out: now, and only now, the mark moves */
	if ((cst = sfquery_commit(status == 0)) != 0 && status == 0)
		status = cst;
	return status;
}

/*
 * --commit-mark: the object's mark of a run's state file put in the state
 * file, unless its mark is later; says which on stdout ("committed" or
 * "kept"). Returns 0 or an exit status.
 */
static int
commit_mark(struct run *r)
{
	struct sfstate s;
	int kept, status;

	r->st = json_object();
	if ((status = sfstate_open(&s, r->sq.state, r->object, "")) == 0 &&
	    (status = sfstate_take(&s, r->commit_mark, &kept)) == 0)
		printf("%s\n", kept ? "kept" : "committed");
	sfstate_close(&s);
	return status;
}

/* --stats: the rows. */
static void
summary(void *ctx, int status)
{
	const struct run *r = ctx;

	(void)status;
	if (r->stats)
		msg_warn("rows: %lu read, %lu written, %lu rejected", r->x.rows, r->x.written,
		    r->x.rejected);
}

/* --stats-json's counts: the Salesforce side's, then the rows (a new reference). */
static json_t *
counts(void *ctx, int status)
{
	const struct run *r = ctx;

	(void)status;
	json_object_update_new(
	    r->st, json_pack("{s:s, s:I, s:I, s:I}", "tool", "msi-extract", "rows",
	               (json_int_t)r->x.rows, "written", (json_int_t)r->x.written, "rejected",
	               (json_int_t)r->x.rejected));
	return json_incref(r->st);
}

/* The options, into r; check_options checks them against each other. */
static void
parse_options(int argc, char *argv[], struct run *r)
{
	static const struct option longopts[] = {
	    {"all-rows", no_argument, NULL, 'A'},
	    {"check", no_argument, NULL, 'X'},
	    {"commit-mark", required_argument, NULL, 'K'},
	    {"delimiter", required_argument, NULL, 'd'},
	    {"encoding", required_argument, NULL, 'e'},
	    {"fields", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {"lookback", required_argument, NULL, 'B'},
	    {"map", required_argument, NULL, 'M'},
	    {"max-records", required_argument, NULL, 'R'},
	    {"max-row-size", required_argument, NULL, 'm'},
	    {"object", required_argument, NULL, 'o'},
	    {"rejects", required_argument, NULL, 'r'},
	    {"salesforce", no_argument, NULL, 'L'},
	    {"soql", required_argument, NULL, 'Q'},
	    {"state", required_argument, NULL, 'T'},
	    {"stats", no_argument, NULL, 's'},
	    {"stats-json", required_argument, NULL, 'S'},
	    {"version", no_argument, NULL, 'V'},
	    SFOPTS_LONG,
	    {NULL, 0, NULL, 0},
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(
	            argc, argv, ":" SFOPTS_SHORT "d:e:hm:o:r:sV", longopts, NULL)) != -1) {
		if (sfopts_parse(&r->sq.sf, ch, optarg, usage))
			continue;
		r->writing |= ch > 0 && ch < 128 && strchr("ABRrsS", ch) != NULL;
		switch (ch) {
		case 'A': r->sq.all_rows = 1; break;
		case 'B':
			r->sq.lookback = numarg_range_or_usage(
			    optarg, "--lookback", 0, 86400, "seconds from 0 to 86400", usage);
			break;
		case 'd':
		case 'e':
		case 'm': r->file_opts = 1; break;
		case 'F': r->sq.fields = optarg; break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'K': r->commit_mark = optarg; break;
		case 'L': break;
		case 'M': r->sq.map = optarg; break;
		case 'o':
			if ((r->object = object_arg(optarg)) == NULL)
				usage(stderr, MSI_EXIT_USAGE);
			break;
		case 'Q': r->sq.soql = optarg; break;
		case 'R':
			r->sq.max_records = numarg_range_or_usage(optarg, "--max-records", 1,
			    100000000, "a number of rows from 1", usage);
			break;
		case 'r': r->x.rejects_name = optarg; break;
		case 's': r->stats = 1; break;
		case 'S': r->stats_file = optarg; break;
		case 'T': r->sq.state = optarg; break;
		case 'V': printf("msi-extract %s\n", MSI_VERSION); exit(MSI_EXIT_OK);
		case 'X': r->check = 1; break;
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	r->nfiles = argc - optind;
}

int
main(int argc, char *argv[])
{
	struct run r;
	int status;

	/* its messages are those of msi-extract --salesforce, however it was started */
	msg_init("msi-extract");
	memset(&r, 0, sizeof r);
	r.x.id_col = (size_t)-1;
	sfopts_init(&r.sq.sf);
	r.sq.max_records = 50000;
	r.sq.lookback = -1; /* not given: LOOKBACK with --state */
	parse_options(argc, argv, &r);
	check_options(&r);
	if (r.check) {
		/* one line a check on standard output; no rejects, no counts */
		status = sfquery_check(&r.sq);
		if (fshut(stdout, "stdout") != 0 && status == 0)
			status = MSI_EXIT_IO;
		return status;
	}
	status = r.commit_mark != NULL ? commit_mark(&r) : extract_live(&r);
	status = finish_run(&(struct finish){r.x.rejects, r.x.rejects_name, r.x.rejected,
	                        "rows", r.stats_file, summary, counts, &r},
	    status);
	json_decref(r.st);
	jsonbuf_free(&r.x.out);
	jsonbuf_free(&r.x.prefix);
	jsonbuf_free(&r.x.keys);
	free(r.x.keyoff);
	return status;
}
