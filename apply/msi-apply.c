/*
 * msi-apply.c: msi-writeback's Salesforce updates applied to the org: the
 * options, then the run: the input read and checked whole (input.c), the
 * target fields checked against each object's describe (describe.c),
 * then sObject Collections calls (collections.c) or a Bulk API 2.0 ingest
 * job an object (ingest.c), the input read again as they send it, a
 * result line for every input line, in input order (outcome.c); then its
 * end (finish_run).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "apply.h"
#include "exitcode.h"
#include "finish.h"
#include "fshut.h"
#include "msg.h"
#include "progress.h"
#include "ndjson.h"
#include "numarg.h"
#include "sfopts.h"

/* Below this many updates sObject Collections, from it on an ingest job. */
#define BULK_THRESHOLD 2000

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-apply [-hV] [-C config] [-c concurrency] [-M map] [-N namespace]\n"
	      "                 [-r rejects] [-s state] [--any-field] [--bulk | --no-bulk]\n"
	      "                 [--bulk-threshold n] [--max-retries n] [--merge]\n"
	      "                 [--poll-max seconds] [--stats] [--stats-json file]\n"
	      "                 [--no-progress] [--progress] [--progress-fd fd]\n"
	      "                 [--timeout seconds] [file ...]\n"
	      "       msi-apply --check [-C config] [-M map] [-N namespace] [--max-retries n]\n"
	      "                 [--timeout seconds]\n"
	      "       msi-apply --dry-run [-C config] [-M map] [-N namespace] [-r rejects]\n"
	      "                 [--any-field] [--max-retries n] [--stats] [--stats-json file]\n"
	      "                 [--timeout seconds] [file ...]\n",
	    fp);
	if (status == MSI_EXIT_OK)
		fputs(
		    "\n"
		    "  -C, --config config      read the org's connection settings from config\n"
		    "  -c, --concurrency n      Collections calls in flight at once, 1-25 (default 4)\n"
		    "  -h, --help               print this help and exit\n"
		    "  -M, --map map            msi-writeback's map: the fields it writes are sent\n"
		    "  -N, --namespace prefix   put prefix before each custom field without one\n"
		    "  -r, --rejects rejects    append every update failed or rejected there\n"
		    "  -s, --state state        keep the checkpoint and the jobs in state\n"
		    "      --any-field          any object and field, not only MSI's\n"
		    "      --check              a token and the describes, the MSI fields checked; no update\n"
		    "      --dry-run            the checks, then what would be sent, written; nothing sent\n" PROGRESS_HELP
		    "      --bulk               always a Bulk API 2.0 ingest job\n"
		    "      --no-bulk            always sObject Collections\n"
		    "      --bulk-threshold n   from n updates on, an ingest job (default 2000)\n"
		    "      --max-retries n      times a failed call is sent again (default 5)\n"
		    "      --merge              resumed: the rejects of updates not sent are dropped\n"
		    "      --poll-max seconds   the longest wait between two looks at a job (10)\n"
		    "      --stats              also print Salesforce's API usage at the end\n"
		    "      --stats-json file    write the counts to file as JSON at the end\n"
		    "      --timeout seconds    a call unanswered this long times out (default 120)\n"
		    "  -V, --version            print the version and exit\n"
		    "\nSee msi-apply(1).\n",
		    fp);
	usage_exit(status);
}

/* What the end of the run reports on. */
struct end {
	struct apply *a;
	const char *path;      /* "bulk" or "collections" */
	unsigned long pending; /* the updates to send */
	double t0;             /* when the run started: http_now() */
	int stats;             /* --stats */
	int check;             /* --check: the settings and the org, nothing read or sent */
};

/* A reject of the runs before: it goes when it says an update of this input was not sent. */
static int
not_resent(void *ctx, json_t *rej, json_t **instead)
{
	const struct apply *a = ctx;
	const char *file = json_string_value(json_object_get(rej, "file"));
	json_t *retryable = json_object_get(rej, "retryable");
	int i;

	(void)instead;
	if (retryable == NULL || json_is_null(retryable) || json_is_false(retryable) ||
	    file == NULL)
		return 1;
	for (i = 0; i < a->nfiles; i++)
		if (strcmp(file, a->files[i]) == 0)
			return 0;
	return 1;
}

/*
 * The run's start: the client, the rejects file, the state, the input
 * read and checked. Returns 0, or the exit status of a run that ends
 * before its first result line.
 */
static int
start_run(struct apply *a)
{
	char why[MKCONF_WHY_SIZE];
	struct sferror e;
	int status;

	a->unsent = SIZE_MAX;
	if (sfopts_client(&a->sf, &a->sfo, why) != 0) {
		msg_warn("%s", why);
		return MSI_EXIT_USAGE;
	}
	/* a dry run fails on wrong settings as a run would, before reading anything */
	if (a->dry_run && (status = sfclient_token(&a->sf, &e)) != 0) {
		msg_warn("Salesforce token: %s: %s", e.message,
		    sfclient_token_hint(&a->sf, status, &e));
		return status;
	}
	/* --merge: a resumed run sends now what the rejects say it did not send */
	if (a->merge && a->rejects_name != NULL && a->state_name != NULL &&
	    access(a->state_name, F_OK) == 0 &&
	    ndjson_rewrite(a->rejects_name, not_resent, a, NULL) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", a->rejects_name);
	if (a->rejects_name != NULL && (a->rejects = fopen_private(a->rejects_name, 1)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", a->rejects_name);
	if (a->state_name != NULL && (status = state_open(a)) != 0)
		return status;
	if (a->jobs == NULL)
		a->jobs = json_array();
	return input_read(a);
}

/*
 * --dry-run: the updates checked against the org's describes as a run
 * checks them, then a result line each, "would update" with the fields it
 * would send; nothing sent. Returns 0 or an exit status.
 */
static int
dry_run(struct apply *a, struct end *e)
{
	size_t i, end;
	int status;

	if (e->pending > 0 && (status = describe_check(a)) != 0)
		return status;
	/* the input read again a window at a time, its result lines written */
	do {
		end = input_load(a, a->base + a->nw + 4096);
		for (i = a->written; i < end; i++)
			if (UPD(a, i)->status == U_PENDING)
				UPD(a, i)->status = U_WOULD;
		if (outcome_flush(a) != 0)
			return MSI_EXIT_IO;
	} while (end < a->n);
	return 0;
}

/*
 * --check: the settings, a token, Lead's and Contact's describes against
 * the MSI fields, a line each on standard output; nothing read or sent.
 */
static int
check(struct apply *a, const struct sfopts *o)
{
	char why[MKCONF_WHY_SIZE];
	const char *config = o->config ? o->config : getenv("SALESFORCE_CONFIG");
	int status;

	if (sfopts_client(&a->sf, o, why) != 0) {
		msg_line(stdout, "salesforce: settings: %s", why);
		return MSI_EXIT_USAGE;
	}
	msg_line(stdout, "salesforce: settings: ok (%s, %s flow)",
	    config && *config ? config : "the environment",
	    a->sf.jwt ? "JWT bearer" : "client credentials");
	status = describe_probe(a, stdout);
	if (fshut(stdout, "stdout") != 0 && status == 0)
		status = MSI_EXIT_IO;
	return status;
}

/*
 * The updates checked against the org and sent, by sObject Collections
 * or by ingest jobs (those of a stopped run always by jobs), and the
 * result line of every input line written. Returns 0 or an exit status.
 */
static int
send_updates(struct apply *a, struct end *e)
{
	int k, status, bulk;

	for (k = 0; k < a->nobj; k++)
		e->pending += a->obj[k].pending;
	bulk = json_array_size(a->jobs) > 0 ||
	       (a->bulk < 0 ? e->pending >= a->threshold : a->bulk == 1);
	e->path = a->dry_run ? "none" : bulk ? "bulk" : "collections";
	if (a->dry_run)
		return dry_run(a, e);
	/* the answers of the run before the state names: in the window from the start */
	input_load(a, a->answered_hi);
	if (e->pending > 0 && (status = describe_check(a)) != 0) {
		if (status != MSI_EXIT_SERVICE && status != MSI_EXIT_QUOTA)
			return status; /* the settings, the org's fields: not to send again */
		/* the service stopped the run before its first update: each one is unsent */
		a->stopped = status;
		snprintf(
		    a->stop_why, sizeof a->stop_why, "the describe failed: nothing was sent");
	} else if (e->pending > 0 || json_array_size(a->jobs) > 0) {
		if (bulk)
			ingest_run(a);
		else
			collections_run(a);
	}
	if (outcome_unsent(a) != 0 || outcome_flush(a) != 0)
		return MSI_EXIT_IO;
	if (a->ingest_done) {
		/* the jobs' result lines all out: the jobs leave the state (ingest.c) */
		a->frozen = 0;
		json_array_clear(a->jobs);
		state_write(a);
	}
	if (a->stopped != 0)
		return a->stopped;
	return a->job_failed ? MSI_EXIT_SERVICE : 0;
}

/* A dry run's summary on stderr: what would be sent; with --stats, the API usage. */
static void
dry_summary(const struct end *e)
{
	const struct apply *a = e->a;

	msg_warn("dry run: updates: %lu; would update: %lu; rejected: %lu; nothing was sent; "
	         "calls: %lu (describes); retries: %lu; %.1f s",
	    (unsigned long)a->n, a->would, a->rejected, a->sf.calls, a->sf.retries,
	    http_now() - e->t0);
	if (e->stats && a->sf.usage[0] != '\0')
		msg_warn("Salesforce API usage: %s", a->sf.usage);
}

/* The run's summary on stderr: the counts, the path, the calls; with --stats, the API usage. */
static void
summary(void *ctx, int status)
{
	const struct end *e = ctx;
	const struct apply *a = e->a;

	(void)status;
	if (a->dry_run) {
		dry_summary(e);
		return;
	}
	if (a->failed > APPLY_FAIL_MESSAGES)
		msg_warn("%lu records more refused by Salesforce%s",
		    a->failed - APPLY_FAIL_MESSAGES,
		    a->rejects_name ? ": see the rejects" : "");
	if (a->unsent_n > 0)
		msg_warn("%lu updates not confirmed for the stop: retryable%s", a->unsent_n,
		    a->state_name ? "; run again with the same state to send or follow them"
		                  : "");
	msg_warn(
	    "updates: %lu; updated: %lu; failed: %lu; rejected: %lu; unconfirmed: %lu; path: %s; "
	    "calls: %lu (Collections %lu, ingest jobs %lu); retries: %lu; %.1f s",
	    (unsigned long)a->n, a->updated, a->failed, a->rejected, a->unsent_n, e->path,
	    a->sf.calls, a->calls_coll, a->jobs_made, a->sf.retries, http_now() - e->t0);
	if (e->stats && a->sf.usage[0] != '\0')
		msg_warn("Salesforce API usage: %s", a->sf.usage);
}

/* --stats-json's counts (a new object). */
static json_t *
counts(void *ctx, int status)
{
	const struct end *e = ctx;
	const struct apply *a = e->a;
	json_t *st;

	st = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:I, s:I, "
	               "s:I, s:b, s:f}",
	    "tool", "msi-apply", "status", status, "records", (json_int_t)a->n, "to_send",
	    (json_int_t)e->pending, "updated", (json_int_t)a->updated, "failed",
	    (json_int_t)a->failed, "rejected", (json_int_t)a->rejected, "unconfirmed",
	    (json_int_t)a->unsent_n, "answered_before", (json_int_t)(a->skip + a->answered_n),
	    "path", e->path, "calls", (json_int_t)a->sf.calls, "collections_calls",
	    (json_int_t)a->calls_coll, "ingest_jobs", (json_int_t)a->jobs_made, "retries",
	    (json_int_t)a->sf.retries, "stopped", a->stopped != 0, "seconds",
	    http_now() - e->t0);
	if (a->dry_run) {
		json_object_set_new(st, "dry_run", json_true());
		json_object_set_new(st, "would_update", json_integer((json_int_t)a->would));
	}
	if (a->sf.usage[0] != '\0')
		json_object_set_new(st, "salesforce",
		    json_pack(
		        "{s:s}", "api_usage", a->sf.usage + strcspn(a->sf.usage, "=") + 1));
	return st;
}

/* Frees what the run holds; closes the state file. */
static void
apply_free(struct apply *a)
{
	size_t i;
	int k;

	for (i = 0; i < a->nw; i++)
		json_decref(a->u[i].reasons);
	free(a->u);
	free(a->held);
	json_decref(a->held_reasons);
	free(a->rep);
	spool_free(a);
	for (k = 0; k < a->nobj; k++)
		json_decref(a->obj[k].fields);
	fields_free(&a->fs);
	json_decref(a->jobs);
	json_decref(a->answered_loaded);
	inputs_free(&a->inputs);
	if (a->state_fd >= 0)
		close(a->state_fd);
}

/*
 * --check and --dry-run against the other options: --check reads and
 * writes nothing, so takes only those of the connection and the fields;
 * a dry run keeps no state, which would say updates were sent.
 */
static void
check_modes(const struct apply *a, const struct end *end, int sending, int nfiles)
{
	if (end->check && a->dry_run) {
		msg_warn("one of --check and --dry-run");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (end->check && (sending || nfiles > 0)) {
		msg_warn("--check reads no updates and sends nothing: only -C, -M, -N, "
		         "--max-retries and --timeout");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (a->dry_run && (a->state_name != NULL || a->merge)) {
		msg_warn(
		    "--dry-run sends nothing, so it keeps no state: not with -s or --merge");
		usage(stderr, MSI_EXIT_USAGE);
	}
}

/* The options, checked; the input files in a->files. */
static void
parse_options(int argc, char *argv[], struct apply *a, struct fields_opts *fo, struct end *end,
    const char **stats_file)
{
	static const struct option longopts[] = {
	    {"any-field", no_argument, NULL, 'A'},
	    {"bulk", no_argument, NULL, 'B'},
	    {"bulk-threshold", required_argument, NULL, 'T'},
	    {"check", no_argument, NULL, 'K'},
	    {"concurrency", required_argument, NULL, 'c'},
	    {"dry-run", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {"merge", no_argument, NULL, 'G'},
	    {"no-bulk", no_argument, NULL, 'b'},
	    {"rejects", required_argument, NULL, 'r'},
	    {"state", required_argument, NULL, 's'},
	    {"stats", no_argument, NULL, 'S'},
	    {"stats-json", required_argument, NULL, 'J'},
	    {"version", no_argument, NULL, 'V'},
	    FIELDS_OPTS_LONG,
	    SFOPTS_LONG,
	    {NULL, 0, NULL, 0},
	};
	static char *const std_in[] = {"-", NULL};
	int ch, i, sending = 0;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":" SFOPTS_SHORT "c:hr:s:V" FIELDS_OPTS_SHORT,
	            longopts, NULL)) != -1) {
		if (sfopts_parse(&a->sfo, ch, optarg, usage) ||
		    fields_opts_parse(fo, ch, optarg, usage))
			continue;
		/* the options about what is read, sent and written: not with --check */
		sending |= ch > 0 && ch < 128 && strchr("ABbcGJrsST", ch) != NULL;
		switch (ch) {
		case 'A': a->any_field = 1; break;
		case 'B': a->bulk = 1; break;
		case 'b': a->bulk = 0; break;
		case 'D': a->dry_run = 1; break;
		case 'K': end->check = 1; break;
		case 'c':
			a->concurrency = (int)numarg_range_or_usage(
			    optarg, "--concurrency", 1, 25, "calls from 1 to 25", usage);
			break;
		case 'G': a->merge = 1; break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'J': *stats_file = optarg; break;
		case 'r': a->rejects_name = optarg; break;
		case 's': a->state_name = optarg; break;
		case 'S': end->stats = 1; break;
		case 'T':
			a->threshold =
			    (unsigned long)numarg_range_or_usage(optarg, "--bulk-threshold", 1,
			        100000000, "a number of updates from 1", usage);
			break;
		case 'V': printf("msi-apply %s\n", MSI_VERSION); exit(MSI_EXIT_OK);
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	check_modes(a, end, sending, argc - optind);
	a->files = optind < argc ? argv + optind : std_in;
	a->nfiles = optind < argc ? argc - optind : 1;
	if (a->nfiles > 1000) {
		msg_warn("at most 1000 files");
		usage(stderr, MSI_EXIT_USAGE);
	}
	for (i = 0; a->state_name != NULL && i < a->nfiles; i++)
		if (strcmp(a->files[i], "-") == 0) {
			msg_warn("--state is bound to the input files' size and content, read "
			         "again by a resumed run: give files, not standard input");
			usage(stderr, MSI_EXIT_USAGE);
		}
}

int
main(int argc, char *argv[])
{
	struct fields_opts fo = {{NULL}, 0, NULL};
	struct apply a;
	struct end end;
	const char *stats_file = NULL;
	int status;

	msg_init(argv[0]);
	memset(&a, 0, sizeof a);
	memset(&end, 0, sizeof end);
	a.bulk = -1;
	a.threshold = BULK_THRESHOLD;
	a.concurrency = 4;
	a.state_fd = -1;
	sfopts_init(&a.sfo);
	parse_options(argc, argv, &a, &fo, &end, &stats_file);
	if ((status = fields_setup(&a.fs, &fo)) != 0) {
		fields_free(&a.fs);
		return status;
	}
	a.ns = fo.ns;
	end.a = &a;
	end.t0 = http_now();
	if (end.check)
		status = check(&a, &a.sfo);
	else if ((status = start_run(&a)) == 0) {
		status = send_updates(&a, &end);
		status = finish_run(&(struct finish){a.rejects, a.rejects_name,
		                        a.failed + a.rejected + a.unsent_n, NULL, stats_file,
		                        summary, counts, &end},
		    status);
	}
	sfclient_free(&a.sf);
	apply_free(&a);
	return status;
}
