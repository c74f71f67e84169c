/*
 * msi-extract-salesforce.c: what msi-extract --salesforce runs: one object
 * read from a live org (sfquery.c), written as msi-extract writes an
 * export's rows (records.c); --state's new mark written once the records
 * are out. A program of its own so that msi-extract, reading files, loads
 * neither libcurl nor libcrypto.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ealloc.h"
#include "exitcode.h"
#include "extract.h"
#include "fshut.h"
#include "msg.h"
#include "numarg.h"
#include "sfquery.h"
#include "stats.h"

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
	fputs("usage: msi-extract --salesforce -o object [-hsV] [-C config] [-r rejects]\n"
	      "                   [--all-rows] [--fields list | --map map | --soql query]\n"
	      "                   [--lookback seconds] [--max-records n] [--max-retries n]\n"
	      "                   [--poll-max seconds] [--state file] [--stats-json file]\n"
	      "                   [--timeout seconds]\n",
	    fp);
	exit(status);
}

/*
 * --salesforce: object read from the org, written as an export's rows are;
 * --state's new mark is written once the records are out.
 */
static int
extract_live(struct extract *x, struct sfquery_opts *sq, const char *object, int nfiles,
    int file_opts, int stats, const char *stats_file)
{
	json_t *st;
	int status, cst;

	if (object == NULL) {
		msg_warn("--salesforce needs --object: the object to read");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (nfiles > 0 || file_opts) {
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
	if (sq->lookback < 0)
		sq->lookback = LOOKBACK;
	sq->object = object;
	sq->stats = stats;
	if (x->rejects_name != NULL && (x->rejects = fopen_private(x->rejects_name, 0)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", x->rejects_name);
	st = json_object();
	status = sfquery_run(x, sq, st);
	if (fshut(stdout, "stdout") != 0 && status == 0)
		status = MSI_EXIT_IO;
	if (x->rejects != NULL && fshut(x->rejects, x->rejects_name) != 0 && status == 0)
		status = MSI_EXIT_IO;
	/* the records are out: now, and only now, the mark moves */
	if ((cst = sfquery_commit(status == 0)) != 0 && status == 0)
		status = cst;
	if (stats)
		msg_warn("rows: %lu read, %lu written, %lu rejected", x->rows, x->written,
		    x->rejected);
	if (status == 0 && x->rejected > 0) {
		msg_warn("rows rejected: %lu, see %s", x->rejected, x->rejects_name);
		status = MSI_EXIT_REJECTS;
	}
	json_object_update_new(
	    st, json_pack("{s:s, s:I, s:I, s:I, s:i}", "tool", "msi-extract", "rows",
	            (json_int_t)x->rows, "written", (json_int_t)x->written, "rejected",
	            (json_int_t)x->rejected, "status", status));
	if (stats_file == NULL)
		json_decref(st);
	else if (stats_write(stats_file, st) != 0 && status == 0)
		status = MSI_EXIT_IO;
	jsonbuf_free(&x->out);
	jsonbuf_free(&x->prefix);
	jsonbuf_free(&x->keys);
	free(x->keyoff);
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"all-rows", no_argument, NULL, 'A'},
	    {"config", required_argument, NULL, 'C'},
	    {"delimiter", required_argument, NULL, 'd'},
	    {"encoding", required_argument, NULL, 'e'},
	    {"fields", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {"lookback", required_argument, NULL, 'B'},
	    {"map", required_argument, NULL, 'M'},
	    {"max-records", required_argument, NULL, 'R'},
	    {"max-retries", required_argument, NULL, 'y'},
	    {"max-row-size", required_argument, NULL, 'm'},
	    {"object", required_argument, NULL, 'o'},
	    {"poll-max", required_argument, NULL, 'P'},
	    {"rejects", required_argument, NULL, 'r'},
	    {"salesforce", no_argument, NULL, 'L'},
	    {"soql", required_argument, NULL, 'Q'},
	    {"state", required_argument, NULL, 'T'},
	    {"stats", no_argument, NULL, 's'},
	    {"stats-json", required_argument, NULL, 'S'},
	    {"timeout", required_argument, NULL, 't'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct sfquery_opts sq = {0};
	struct extract x;
	const char *object = NULL, *stats_file = NULL;
	int ch, stats = 0, file_opts = 0;

	/* its messages are those of msi-extract --salesforce, however it was started */
	msg_init("msi-extract");
	memset(&x, 0, sizeof x);
	x.id_col = (size_t)-1;
	sq.max_records = 50000;
	sq.timeout_ms = 120000;
	sq.max_retries = 5;
	sq.poll_max = 10;
	sq.lookback = -1; /* not given: LOOKBACK with --state */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":C:d:e:hm:o:r:sV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'A': sq.all_rows = 1; break;
		case 'B':
			sq.lookback = numarg_range_or_usage(
			    optarg, "--lookback", 0, 86400, "seconds from 0 to 86400", usage);
			break;
		case 'C': sq.config = optarg; break;
		case 'd':
		case 'e':
		case 'm': file_opts = 1; break;
		case 'F': sq.fields = optarg; break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'L': break;
		case 'M': sq.map = optarg; break;
		case 'o':
			if ((object = object_arg(optarg)) == NULL)
				usage(stderr, MSI_EXIT_USAGE);
			break;
		case 'P':
			sq.poll_max = (double)numarg_range_or_usage(
			    optarg, "--poll-max", 1, 3600, "seconds from 1 to 3600", usage);
			break;
		case 'Q': sq.soql = optarg; break;
		case 'R':
			sq.max_records = numarg_range_or_usage(optarg, "--max-records", 1,
			    100000000, "a number of rows from 1", usage);
			break;
		case 'r': x.rejects_name = optarg; break;
		case 's': stats = 1; break;
		case 'S': stats_file = optarg; break;
		case 'T': sq.state = optarg; break;
		case 't':
			sq.timeout_ms = 1000 * numarg_range_or_usage(optarg, "--timeout", 1,
			                           86400, "seconds from 1", usage);
			break;
		case 'V': printf("msi-extract %s\n", MSI_VERSION); return MSI_EXIT_OK;
		case 'y':
			sq.max_retries = (int)numarg_range_or_usage(
			    optarg, "--max-retries", 0, 100, "a number from 0 to 100", usage);
			break;
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	return extract_live(&x, &sq, object, argc - optind, file_opts, stats, stats_file);
}
