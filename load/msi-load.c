/* msi-load.c: Marketo records from msi-transform synced into Marketo, 300 to a call. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "exitcode.h"
#include "fshut.h"
#include "load.h"
#include "msg.h"
#include "numarg.h"
#include "stats.h"

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-load [-hV] [--dry-run] [--fail-fast] [--no-unlink] [--progress]\n"
	      "                [-a action] [-c concurrency] [-C config] [-l lookup-field]\n"
	      "                [-m max-retries] [-n calls-per-window] [--own-window]\n"
	      "                [-r rejects] [--retry results] [-s state] [--stats-json file]\n"
	      "                [-t timeout] [-w window] [--window-dir dir]\n"
	      "                [--changed-only landed [--delete-missing | --delete-listed]\n"
	      "                 [--delete-leads] [--deletes file] [--hold-deletes reason]\n"
	      "                 [--keep file] [--max-delete percent]]\n"
	      "                object [file ...]\n",
	    fp);
	exit(status);
}

/* Sends b's call: its lookup while one is due (roles), else its records. */
static void
start_call(struct load *l, struct batch *b)
{
	b->looking = b->lookup.len > 0;
	if (b->looking)
		mkclient_start(&l->mk, &b->call, "/v1/leads.json?_method=GET", b->lookup.data,
		    b->lookup.len, "application/x-www-form-urlencoded");
	else
		mkclient_start(&l->mk, &b->call, l->obj->path, b->body, b->len, "application/json");
	b->call.owner = b;
	curl_multi_add_handle(l->multi, b->call.easy);
	b->state = FLYING;
	l->flying++;
}

/*
 * A call ended: what Marketo (or the network) said decides the batch's
 * fate. An answered resend batch has given its answers to the batches its
 * records came from, and goes. An answered lookup leaves the batch
 * waiting for its own call.
 */
static void
call_ended(struct load *l, struct batch *b, CURLcode rc)
{
	struct mkanswer a;

	mkclient_judge(&l->mk, &b->call, rc, &a);
	curl_multi_remove_handle(l->multi, b->call.easy);
	http_call_free(&b->call);
	l->flying--;
	b->state = WAITING;
	if (b->from == NULL && !b->looking)
		l->answers++;

	switch (mkclient_next(&l->mk, &a, &b->attempts, &b->renewals, &b->not_before)) {
	case RETRY_DONE:
		if (b->looking) {
			roles_answer(l, b, a.json);
			b->attempts = b->renewals = 0;
		} else {
			results_match(l, b, a.json);
		}
		break;
	case RETRY_REJECT:
		if (b->looking)
			roles_answer(l, b, NULL);
		results_fail(l, b, a.code, a.message, a.exhausted);
		break;
	default: break; /* sent again later; or calls stop (c->status) */
	}
	if (b->from != NULL && b->state == DONE)
		resend_drop(l, b);
	resend_due(l);
	if (mkclient_status(&l->mk) != 0)
		l->stopping = 1;
	json_decref(a.json);
}

/* Whether a batch of the queue is yet to be sent or answered, and so could add to a resend. */
static int
answers_to_come(const struct load *l)
{
	int i;

	for (i = 0; i < l->count; i++)
		if (batch_at(l, i)->state == WAITING || batch_at(l, i)->state == FLYING)
			return 1;
	return 0;
}

/* Reads batches ahead, up to the queue's size; a record too large alone fails at once. */
static void
fill_queue(struct load *l)
{
	struct batch *b;

	while (!l->input_done && !l->stopping && l->count < MAX_QUEUE) {
		if ((b = batch_read(l)) == NULL) {
			l->input_done = 1;
			break;
		}
		l->queue[(l->head + l->count++) % MAX_QUEUE] = b;
		if (b->len > MAX_BODY)
			results_fail(l, b, "size", "the record alone is over Marketo's 1 MB body limit",
			    0);
	}
}

/*
 * Starts the calls of waiting batches the window, the concurrency and
 * their backoff allow; returns how long to wait before looking again.
 * Resend batches go first: the batches their records came from hold the
 * output back. The open one goes when no answer to come could add to it.
 */
static double
start_calls(struct load *l)
{
	struct batch *b, *resend;
	double now = http_now(), wait = 0.2, delay;
	int i = 0;

	if (l->open != NULL && !l->stopping && !answers_to_come(l))
		resend_close(l);
	for (resend = l->resends; !l->stopping && l->flying < l->concurrency;) {
		if (resend != NULL) {
			b = resend;
			resend = resend->next;
		} else if (i < l->count) {
			b = batch_at(l, i++);
		} else {
			break;
		}
		if (b->state != WAITING || (b->after && b != l->resends))
			continue;
		if (b->not_before > now) {
			wait = fmin(wait, b->not_before - now);
			continue;
		}
		if (l->obj->lead_ids && !b->resolved && b->lookup.len == 0 &&
		    roles_ask(l, b) < 0)
			continue; /* its persons are being asked for by another lookup */
		if (mkclient_token(&l->mk, 0) != 0) {
			l->stopping = 1;
			break;
		}
		if ((delay = mkclient_turn(&l->mk)) > 0)
			return fmin(wait, delay);
		start_call(l, b);
	}
	return wait;
}

/* The progress line (--progress); the unlinked, when there are any. */
static void
progress(struct load *l, int last)
{
	if (l->unlinked > 0)
		mkclient_progress(&l->mk, last, l->records, "records",
		    "%lu done (created %lu, updated %lu, skipped %lu, failed %lu; unlinked %lu)",
		    l->records, l->created, l->updated, l->skipped, l->failed, l->unlinked);
	else
		mkclient_progress(&l->mk, last, l->records, "records",
		    "%lu done (created %lu, updated %lu, skipped %lu, failed %lu)", l->records,
		    l->created, l->updated, l->skipped, l->failed);
}

static void
ended(void *ctx, struct http_call *c, CURLcode rc)
{
	call_ended(ctx, c->owner, rc);
}

/* The event loop: read ahead, send within the limits, take the answers, write results. */
static void
run(struct load *l)
{
	double wait;

	for (;;) {
		fill_queue(l);
		results_emit(l);
		progress(l, 0);
		if (l->count == 0 && (l->input_done || l->stopping))
			break;
		if (l->stopping && l->flying == 0)
			break;
		wait = start_calls(l);
		/* an answer may free a place, end the run or let a batch go: look at once */
		if (http_multi_step(l->multi, ended, l) == 0 && (l->flying > 0 || wait > 0))
			curl_multi_poll(l->multi, NULL, 0, (int)(wait * 1000) + 1, NULL);
	}
}

/*
 * Prints each call's body instead of sending it, the delete calls' too;
 * the deletes file and the stats say what would be done. Returns the exit
 * status.
 */
static int
dry_run(struct load *l, const char *stats)
{
	struct batch *b;
	unsigned long calls = 0, records = 0, too_large = 0;
	json_t *counts;
	int status;

	landed_report(l, 0);

	while ((b = batch_read(l)) != NULL) {
		records += b->n;
		l->unchanged += b->unchanged;
		if (b->len > MAX_BODY) {
			/* the real run fails it without a call: say so, send nothing */
			msg_at(b->file, b->lines[0],
			    "the record alone is over Marketo's 1 MB body limit; it would fail");
			too_large++;
		} else {
			if (fwrite(b->body, 1, b->len, stdout) != b->len || putchar('\n') == EOF)
				exit(fwrite_failed(stdout, "stdout"));
			calls++;
		}
		batch_free(b);
	}
	input_close(l);
	l->unchanged += l->unchanged_ahead;
	if (l->landed.path != NULL && l->landed.delete_missing && l->input_status == 0) {
		landed_deletes(l, 1);
		if (l->landed.refused)
			msg_warn("dry run: the deletes would be refused (--max-delete)");
		else if (l->landed.planned > 0)
			msg_warn("dry run: %s: %lu; calls: %lu",
			    l->is_lead && !l->landed.delete_leads ? "gone, to be listed"
			                                          : "to be deleted",
			    l->landed.planned, l->landed.calls);
	}
	if (l->landed.path != NULL)
		msg_warn("dry run: unchanged since they landed, not sent: %lu", l->unchanged);
	if (too_large > 0)
		msg_warn("dry run: records: %lu, calls: %lu (to %s); too large to send: %lu",
		    records, calls, l->obj->path, too_large);
	else
		msg_warn("dry run: records: %lu, calls: %lu (to %s)", records, calls, l->obj->path);
	status = l->input_status ? l->input_status
	         : too_large > 0 || l->landed.refused || l->landed.held ? MSI_EXIT_REJECTS
	                                             : MSI_EXIT_OK;
	if (fshut(stdout, "stdout") != 0)
		status = MSI_EXIT_IO;
	if (l->landed.out != NULL && fshut(l->landed.out, l->landed.out_name) != 0)
		status = MSI_EXIT_IO;
	if (stats != NULL) {
		counts = json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:b, s:i}", "tool", "msi-load",
		    "object", l->obj->name, "dry_run", 1, "records", (json_int_t)records, "calls",
		    (json_int_t)(calls + l->landed.calls), "too_large", (json_int_t)too_large,
		    "stopped", l->input_status != 0, "status", status);
		if (l->landed.path != NULL)
			landed_stats(l, counts);
		if (stats_write(stats, counts) != 0 && status == 0)
			status = MSI_EXIT_IO;
	}
	if (l->landed.path != NULL)
		landed_close(l);
	return status;
}

/* After a stop: says where the unsent records start, and frees what is left. */
static void
wind_down(struct load *l)
{
	struct batch *b;

	if (l->input_status == 0 && (l->count > 0 || l->carry != NULL || !l->input_done)) {
		if (l->count > 0 && batch_at(l, 0)->state == HELD)
			msg_warn(
			    "stopped: nothing from %s:%lu on was written: records refused for "
			    "their sales person were not yet sent again without it; run again "
			    "to send them",
			    batch_at(l, 0)->file, batch_at(l, 0)->lines[0]);
		else if (l->count > 0)
			msg_warn("stopped: nothing from %s:%lu on was sent or answered; run again "
			         "to send it",
			    batch_at(l, 0)->file, batch_at(l, 0)->lines[0]);
		else if (l->name != NULL)
			msg_warn("stopped: nothing after %s:%lu was sent; run again to send it",
			    l->name, l->reader.line);
	}
	/* resend batches first: they point into the batches of the queue */
	while ((b = l->resends) != NULL) {
		if (b->state == FLYING)
			curl_multi_remove_handle(l->multi, b->call.easy);
		resend_drop(l, b);
	}
	if (l->open != NULL)
		batch_free(l->open);
	l->open = NULL;
	while (l->count > 0) {
		b = batch_at(l, 0);
		if (b->state == FLYING)
			curl_multi_remove_handle(l->multi, b->call.easy);
		batch_free(b);
		l->head = (l->head + 1) % MAX_QUEUE;
		l->count--;
	}
	input_close(l);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"action", required_argument, NULL, 'a'},
	    {"changed-only", required_argument, NULL, 'K'},
	    {"delete-leads", no_argument, NULL, 'E'},
	    {"delete-listed", no_argument, NULL, 'I'},
	    {"delete-missing", no_argument, NULL, 'M'},
	    {"deletes", required_argument, NULL, 'G'},
	    {"dry-run", no_argument, NULL, 'D'},
	    {"keep", required_argument, NULL, 'P'},
	    {"max-delete", required_argument, NULL, 'X'},
	    {"fail-fast", no_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {"hold-deletes", required_argument, NULL, 'H'},
	    {"lookup-field", required_argument, NULL, 'l'},
	    {"no-unlink", no_argument, NULL, 'U'},
	    {"rejects", required_argument, NULL, 'r'},
	    {"retry", required_argument, NULL, 'R'},
	    {"state", required_argument, NULL, 's'},
	    {"stats-json", required_argument, NULL, 'S'},
	    {"version", no_argument, NULL, 'V'},
	    MKOPTS_LONG,
	    {NULL, 0, NULL, 0},
	};
	static struct load l;
	char *stdin_only[] = {"-", NULL}, why[MKCONF_WHY_SIZE];
	const char *retry = NULL, *stats = NULL, *keep[16], *hold = NULL;
	char *end;
	int nkeep = 0, i;
	struct mkopts mo;
	json_t *counts;
	int ch, dry = 0, status, stopped;

	msg_init(argv[0]);
	mkopts_init(&mo);
	l.action = "createOrUpdate";
	l.lookup = "email";
	l.unlink = 1;
	l.resends_end = &l.resends;
	l.landed.max_delete = 10;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":a:hl:r:s:V" MKOPTS_SHORT, longopts, NULL)) !=
	       -1) {
		if (mkopts_parse(&mo, ch, optarg, usage))
			continue;
		switch (ch) {
		case 'a':
			if (strcmp(optarg, "createOrUpdate") != 0 &&
			    strcmp(optarg, "createOnly") != 0 && strcmp(optarg, "updateOnly") != 0) {
				msg_warn("--action takes createOrUpdate, createOnly or updateOnly");
				usage(stderr, MSI_EXIT_USAGE);
			}
			l.action = optarg;
			break;
		case 'D': dry = 1; break;
		case 'E': l.landed.delete_leads = 1; break;
		case 'G': l.landed.out_name = optarg; break;
		case 'K': l.landed.path = optarg; break;
		case 'I':
		case 'M':
			if (l.landed.delete_missing != 0) {
				msg_warn("one of --delete-missing and --delete-listed");
				usage(stderr, MSI_EXIT_USAGE);
			}
			l.landed.delete_missing = ch == 'M' ? DELETE_MISSING : DELETE_LISTED;
			break;
		case 'P':
			if (nkeep == (int)(sizeof keep / sizeof keep[0])) {
				msg_warn("--keep: at most 16 files");
				usage(stderr, MSI_EXIT_USAGE);
			}
			keep[nkeep++] = optarg;
			break;
		case 'X':
			l.landed.max_delete = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(l.landed.max_delete >= 0) ||
			    l.landed.max_delete > 100) {
				msg_warn("--max-delete takes a percent from 0 to 100, not \"%s\"", optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			break;
		case 'F': l.fail_fast = 1; break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'H': hold = optarg; break;
		case 'l': l.lookup = optarg; break;
		case 'r': l.rejects_name = optarg; break;
		case 'R': retry = optarg; break;
		case 's': l.state_name = optarg; break;
		case 'S': stats = optarg; break;
		case 'U': l.unlink = 0; break;
		case 'V': printf("msi-load %s\n", MSI_VERSION); return MSI_EXIT_OK;
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		msg_warn("which object: salespersons, companies, leads, opportunities or roles?");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if ((l.obj = mkto_by_name(argv[0])) == NULL) {
		msg_warn("unknown object \"%s\": salespersons, companies, leads, opportunities or "
		         "roles",
		    argv[0]);
		usage(stderr, MSI_EXIT_USAGE);
	}
	l.is_lead = l.obj == &mkto_objects[MKTO_LEAD];
	/* sales persons are what 718 is about; roles name none */
	if (l.obj == &mkto_objects[MKTO_SALESPERSON] || l.obj == &mkto_objects[MKTO_ROLE])
		l.unlink = 0;
	l.files = argc > 1 ? argv + 1 : stdin_only;
	if (l.landed.path == NULL && (l.landed.delete_missing || l.landed.delete_leads ||
	                                 l.landed.out_name != NULL || nkeep > 0 || hold != NULL)) {
		msg_warn("--delete-missing, --delete-listed, --delete-leads, --deletes, --hold-deletes "
		         "and --keep go with --changed-only, whose state says what is in Marketo");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (l.landed.delete_leads && l.is_lead && strcmp(l.lookup, "externalPersonId") != 0) {
		/* by email, a Lead and its Contact can be one Marketo lead: deleting it for one */
		/* would delete the other's */
		msg_warn("--delete-leads needs -l externalPersonId: by %s, Salesforce persons may "
		         "share one Marketo lead",
		    l.lookup);
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (l.landed.delete_missing && retry != NULL) {
		msg_warn("--delete-missing and --delete-listed need the whole input, not a --retry "
		         "of some of it");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (l.landed.path != NULL && l.state_name != NULL &&
	    strcmp(l.landed.path, l.state_name) == 0) {
		msg_warn("--changed-only and --state are two files: the same name is given to both");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (hold != NULL)
		landed_hold(&l, hold, 1);
	for (i = 0; i < nkeep; i++)
		if ((status = landed_keep(&l, keep[i])) != 0)
			return status;
	if (retry != NULL && (status = retry_load(&l, retry)) != 0)
		return status;
	if (dry) {
		if (l.landed.path != NULL)
			landed_open(&l, NULL);
		return dry_run(&l, stats);
	}
	if (mkclient_init(&l.mk, &mo, why) != 0)
		msg_fatal(MSI_EXIT_USAGE, "%s", why);
	l.concurrency = (int)mo.concurrency;
	if (l.landed.path != NULL)
		landed_open(&l, l.mk.conf.base_url);
	if (l.state_name != NULL && (status = checkpoint_read(&l)) != 0)
		return status;
	landed_report(&l, l.skip > 0);
	/* a resumed run adds to the rejects of the runs before */
	if (l.rejects_name != NULL &&
	    (l.rejects = fopen_private(l.rejects_name, l.skip > 0)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", l.rejects_name);
	l.multi = curl_multi_init();
	l.lead_ids = json_object();

	run(&l);

	stopped = mkclient_status(&l.mk) != 0 || l.input_status != 0 || l.count > 0 ||
	          l.carry != NULL || !l.input_done;
	wind_down(&l);
	progress(&l, 1);
	status = mkclient_status(&l.mk) ? mkclient_status(&l.mk) : l.input_status;
	if (l.landed.path != NULL) {
		if (!stopped && status == 0 && l.landed.delete_missing &&
		    (status = landed_deletes(&l, 0)) != 0)
			stopped = 1;
		landed_close(&l);
	}
	curl_multi_cleanup(l.multi);
	json_decref(l.lead_ids);
	json_decref(l.retry);

	if (fshut(stdout, "stdout") != 0 && status == 0)
		status = MSI_EXIT_IO;
	if (l.rejects != NULL && fshut(l.rejects, l.rejects_name) != 0 && status == 0)
		status = MSI_EXIT_IO;
	if (l.landed.out != NULL && fshut(l.landed.out, l.landed.out_name) != 0 && status == 0)
		status = MSI_EXIT_IO;
	fprintf(stderr, "%s: records: %lu (created %lu, updated %lu, skipped %lu, failed %lu); ",
	    msg_prog, l.records, l.created, l.updated, l.skipped, l.failed);
	if (l.landed.path != NULL) {
		fprintf(stderr, "unchanged: %lu; ", l.unchanged);
		if (!l.landed.delete_missing)
			;
		else if (l.landed.refused)
			fprintf(stderr, "deletes refused: %lu; ", l.landed.planned);
		else if (l.landed.held)
			fprintf(stderr, "deletes held: %lu; ", l.landed.planned);
		else if (l.landed.listed > 0 || (l.is_lead && !l.landed.delete_leads))
			fprintf(stderr, "gone, listed: %lu; ", l.landed.listed);
		else
			fprintf(stderr, "deleted: %lu; ", l.landed.deleted);
	}
	if (l.unlinked > 0)
		fprintf(stderr, "unlinked: %lu; ", l.unlinked);
	mkclient_summary(&l.mk, stderr);
	fputc('\n', stderr);
	if (status == 0 && l.retryable > 0) {
		msg_warn("%lu records failed for the service after their retries; --retry with "
		         "these results sends them again",
		    l.retryable);
		status = MSI_EXIT_SERVICE;
	}
	if (status == 0 && (l.skipped > 0 || l.failed > 0 || l.landed.refused || l.landed.held ||
	                       l.landed.not_deleted > 0))
		status = MSI_EXIT_REJECTS;
	if (stats != NULL) {
		counts = results_stats(&l);
		mkclient_stats(&l.mk, counts);
		json_object_set_new(counts, "stopped", json_boolean(stopped));
		json_object_set_new(counts, "status", json_integer(status));
		if (stats_write(stats, counts) != 0 && status == 0)
			status = MSI_EXIT_IO;
	}
	mkclient_free(&l.mk);
	inputs_free(&l.inputs);
	return status;
}
