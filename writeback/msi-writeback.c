/* msi-writeback.c: Marketo's MSI fields of each person, as Salesforce Lead and Contact updates.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "digests.h"
#include "ealloc.h"
#include "exitcode.h"
#include "finish.h"
#include "inputs.h"
#include "keysort.h"
#include "msifields.h"
#include "fshut.h"
#include "jsonbuf.h"
#include "mkclient.h"
#include "mkcheck.h"
#include "msg.h"
#include "progress.h"
#include "ndjson.h"
#include "numarg.h"
#include "objects.h"
#include "reject.h"
#include "sfid.h"
#include "sfout.h"
#include "stats.h"

#define MAX_IDS     300 /* filterValues a lead query takes */
#define MAX_QUERIES 64  /* queries in the line at most (and so in flight) */

struct person {
	char id[SFID_LEN + 1];
	const char *type;
	const char *file;
	unsigned long line;
	json_t *rec; /* the input record, for the rejects */
};

enum qstate { Q_WAITING, Q_FLYING, Q_ANSWERED };

/* The persons asked for in one query, and what became of it. */
struct query {
	struct person batch[MAX_IDS];
	size_t n;
	enum qstate state;
	struct jsonbuf form; /* the call's form; base bytes of it without a page's token */
	size_t base;
	struct http_call call;
	int attempts, renewals;
	double not_before;
	json_t *found; /* normalised externalPersonId -> [leads]; NULL when the query failed */
	char why[FIELDS_WHY_SIZE], code[16];
	int retryable;
};

struct writeback {
	struct mkclient mk;
	struct fields fs;
	struct sfout out;
	struct digests state;
	const char *id_field, *state_name;
	int changed_only, described;
	int stop; /* the run stops: a record rejected without --rejects (3), a write error (4)
	           */
	int retry_stop; /* persons not fetched for the service: status 5, said after the summary
	                 */
	char *query_fields; /* escaped, for the form */

	struct query *queue[MAX_QUERIES]; /* asked for, or to be; oldest first */
	int head, count, flying, concurrency;
	struct query *filling; /* the batch being read */
	int dropping;          /* calls stopped: the queries left are dropped */
	CURLM *multi;

	/* the input, read twice: first to find the persons that come again (find_repeats) */
	struct input *in;
	unsigned char *repeat; /* bit n: record n names a person an earlier record named */
	unsigned long planned; /* the records of the first reading */
	unsigned long record;  /* the records of the second so far */

	FILE *rejects, *missing;
	const char *rejects_name, *missing_name;
	const char *stop_file; /* where a stopped run left off */
	unsigned long stop_line;

	unsigned long persons, by_type[2], updates, unchanged, nmissing, rejected, failed,
	    retryable, duplicates;
};

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-writeback [-hV] [--changed-only] [--own-window] [--progress]\n"
	      "                     [--no-progress] [--progress-fd fd]\n"
	      "                     [-c concurrency] [-C config] [-d csv-dir] [-i id-field]\n"
	      "                     [-M map] [-m max-retries] [-N namespace]\n"
	      "                     [-n calls-per-window] [-r rejects] [-s state]\n"
	      "                     [--stats-json file] [-t timeout] [-u missing] [-w window]\n"
	      "                     [--window-dir dir] [file ...]\n"
	      "       msi-writeback -s state --forget ids\n"
	      "       msi-writeback --check [-C config] [-M map] [-N namespace] [-s state]\n",
	    fp);
	if (status == MSI_EXIT_OK)
		fputs(
		    "\n"
		    "      --changed-only       write only the updates that differ from the last (-s)\n"
		    "      --own-window         a window for this process alone (tests)\n" PROGRESS_HELP
		    "      --check              a token, the MSI fields Marketo has, -s readable; no person\n"
		    "  -c, --concurrency n      queries in flight at once, this machine's (default 8)\n"
		    "  -C, --config config      read the Marketo settings from config\n"
		    "  -d, --csv csv-dir        write Bulk API 2.0 CSV files into csv-dir\n"
		    "      --forget ids         write state without the persons listed in ids\n"
		    "  -h, --help               print this help and exit\n"
		    "  -i, --id-field field     take each record's Salesforce id from this field only\n"
		    "  -M, --map map            the MSI fields' Salesforce names (up to 16 maps)\n"
		    "  -m, --max-retries n      times a failed call is sent again (default 5)\n"
		    "  -N, --namespace prefix   put prefix before each custom field without one\n"
		    "  -n, --calls-per-window n  calls started a window, this machine's (default 80)\n"
		    "  -r, --rejects rejects    write each record set aside there\n"
		    "  -s, --state state        keep the digests of the updates written in state\n"
		    "      --stats-json file    write the counts to file as JSON at the end\n"
		    "  -t, --timeout seconds    seconds a call may take (default 60)\n"
		    "  -u, --missing missing    list the persons Marketo has no lead for there\n"
		    "  -V, --version            print the version and exit\n"
		    "  -w, --window seconds     the window, in seconds (default 20)\n"
		    "      --window-dir dir     the folder of the shared window files\n"
		    "\nSee msi-writeback(1).\n",
		    fp);
	usage_exit(status);
}

/*
 * A person or line set aside with its reason: "rejected" for what the input
 * says, "failed" when Marketo's answer was the trouble (code, and retryable
 * when the service failed after the retries). The record is not changed.
 * Without --rejects each is a message, and the first rejected one stops
 * the run.
 */
static void
reject(struct writeback *w, const char *file, unsigned long line, json_t *rec, const char *why,
    const char *code, int retryable)
{
	struct reject r = {0};

	if (code == NULL) {
		w->rejected++;
	} else {
		w->failed++;
		w->retryable += retryable != 0;
	}
	if (w->rejects == NULL) {
		/* the input's fault stops the run; the service's is told and passed */
		msg_at(file, line, "%s", why);
		if (code == NULL)
			w->stop = MSI_EXIT_BADINPUT;
		return;
	}
	r.stage = "writeback";
	r.status = code == NULL ? "rejected" : "failed";
	r.reason = why;
	r.code = code;
	r.retryable = retryable;
	r.file = file;
	r.line = line;
	r.record = rec;
	if (reject_write(w->rejects, w->rejects_name, &r) != 0)
		exit(MSI_EXIT_IO);
}

/* The Salesforce id a record carries: --id-field, else Id, externalPersonId or key. */
static json_t *
record_id(const struct writeback *w, json_t *rec, const char **name)
{
	static const char *const names[] = {"Id", "externalPersonId", "key"};
	json_t *v;
	size_t i;

	if (w->id_field != NULL) {
		*name = w->id_field;
		return json_object_get(rec, w->id_field);
	}
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		*name = names[i];
		if ((v = json_object_get(rec, names[i])) != NULL)
			return v;
	}
	*name = NULL;
	return NULL;
}

/* Once a run, before the first query: the instance's names of the MSI fields. */
static int
describe(struct writeback *w)
{
	struct mkanswer a;
	char why[FIELDS_WHY_SIZE], *q;

	if (mkclient_call(&w->mk, "/v1/leads/describe2.json", NULL, 0, NULL, &a) !=
	    RETRY_DONE) {
		if (mkclient_status(&w->mk) == 0) {
			msg_warn("describe2: %s %s", a.code, a.message);
			mkclient_stop(&w->mk, MSI_EXIT_SERVICE);
		}
		json_decref(a.json);
		return -1;
	}
	if (fields_resolve(&w->fs, a.json, why) != 0) {
		msg_warn("%s", why);
		json_decref(a.json);
		mkclient_stop(&w->mk, MSI_EXIT_SERVICE);
		return -1;
	}
	json_decref(a.json);
	q = fields_query(&w->fs);
	w->query_fields = curl_easy_escape(NULL, q, 0);
	free(q);
	w->described = 1;
	return 0;
}

static void
progress(struct writeback *w, int last)
{
	mkclient_progress(&w->mk, last, w->persons, "persons",
	    "updates %lu, unchanged %lu, missing %lu, rejected %lu", w->updates, w->unchanged,
	    w->nmissing, w->rejected + w->failed);
}

static void build_form(struct writeback *w, struct query *q);

/*
 * The queries: batches of up to 300 persons, each asked for in one call,
 * or more when Marketo's answer has pages (a person with several leads).
 * Up to --concurrency of them are in flight at once, in the window shared
 * with the machine's other processes; their answers are written in the
 * order of the input, so the output is the same whatever the concurrency.
 */

/* Starts the calls the window and the concurrency allow; returns how long to wait. */
static double
start_queries(struct writeback *w)
{
	struct query *q;
	double now = http_now(), wait = 0.2, delay;
	int i;

	for (i = 0; i < w->count && w->flying < w->concurrency; i++) {
		q = w->queue[(w->head + i) % MAX_QUERIES];
		if (q->state != Q_WAITING || mkclient_status(&w->mk) != 0 ||
		    w->stop == MSI_EXIT_IO)
			continue;
		if (q->not_before > now) {
			wait = wait < q->not_before - now ? wait : q->not_before - now;
			continue;
		}
		if (!w->described && describe(w) != 0)
			break;
		if (q->form.len == 0)
			build_form(w, q);
		if (mkclient_token(&w->mk, 0) != 0)
			break;
		if ((delay = mkclient_turn(&w->mk)) > 0)
			return wait < delay ? wait : delay;
		mkclient_start(&w->mk, &q->call, "/v1/leads.json?_method=GET", q->form.data,
		    q->form.len, "application/x-www-form-urlencoded");
		q->call.owner = q;
		curl_multi_add_handle(w->multi, q->call.easy);
		q->state = Q_FLYING;
		w->flying++;
	}
	return wait;
}

/* The query's form: the fields, then its persons' ids; pages add their token. */
static void
build_form(struct writeback *w, struct query *q)
{
	size_t i;

	jsonbuf_addstr(&q->form, "filterType=externalPersonId&batchSize=300&fields=");
	jsonbuf_addstr(&q->form, w->query_fields);
	jsonbuf_addstr(&q->form, "&filterValues=");
	for (i = 0; i < q->n; i++) {
		if (i > 0)
			jsonbuf_addstr(&q->form, "%2C");
		jsonbuf_addstr(&q->form, q->batch[i].id);
	}
	q->base = q->form.len;
}

/*
 * A query's call ended: its leads are kept by normalised externalPersonId
 * -> [leads]; a next page is asked for; a failure sets the query's
 * persons aside (why, code, retryable) or, when calls must stop, leaves
 * them unanswered.
 */
static void
query_ended(struct writeback *w, struct query *q, CURLcode rc)
{
	struct mkanswer a;
	json_t *lead, *list;
	const char *pid;
	char norm[SFID_LEN + 1], swhy[SFID_WHY_SIZE];
	size_t i;

	mkclient_judge(&w->mk, &q->call, rc, &a);
	curl_multi_remove_handle(w->multi, q->call.easy);
	http_call_free(&q->call);
	w->flying--;
	q->state = Q_WAITING;
	switch (mkclient_next(&w->mk, &a, &q->attempts, &q->renewals, &q->not_before)) {
	case RETRY_AGAIN: break;
	case RETRY_DONE:
		json_array_foreach (json_object_get(a.json, "result"), i, lead) {
			pid = json_string_value(json_object_get(lead, "externalPersonId"));
			if (pid == NULL ||
			    sfid_normalize(pid, strlen(pid), norm, swhy) > SFID_REPAIRED)
				continue; /* cannot be one of ours */
			if ((list = json_object_get(q->found, norm)) == NULL)
				json_object_set_new(q->found, norm, list = json_array());
			json_array_append(list, lead);
		}
		q->attempts = q->renewals = 0;
		if (!mkclient_next_page(a.json, &q->form, q->base))
			q->state = Q_ANSWERED;
		break;
	case RETRY_REJECT:
		snprintf(
		    q->why, sizeof q->why, "the lead query failed: %s %s", a.code, a.message);
		snprintf(q->code, sizeof q->code, "%s", a.code);
		q->retryable = a.exhausted;
		json_decref(q->found);
		q->found = NULL;
		q->state = Q_ANSWERED;
		break;
	default: break; /* calls stop: mkclient_status */
	}
	json_decref(a.json);
}

static void
write_missing(struct writeback *w, const struct person *p)
{
	json_t *entry;

	w->nmissing++;
	if (w->missing == NULL)
		return;
	entry = json_pack("{s:s, s:s, s:s, s:I}", "Id", p->id, "type", p->type, "file", p->file,
	    "line", (json_int_t)p->line);
	if (ndjson_emit(w->missing, w->missing_name, entry) != 0)
		exit(MSI_EXIT_IO);
}

/* An update written (update borrowed); a write error stops the run (status 4). */
static void
write_update(struct writeback *w, json_t *update)
{
	w->updates++;
	if (sfout_write(&w->out, update) != 0 && w->stop != MSI_EXIT_IO) {
		/* a CSV file's error is told when it is closed */
		if (w->out.dir == NULL)
			fwrite_failed(stdout, "stdout");
		w->stop = MSI_EXIT_IO;
	}
}

/* An answered query: an update, a miss or a reject for each of its persons. */
static void
write_query(struct writeback *w, struct query *q)
{
	char why[FIELDS_WHY_SIZE], ids[200];
	struct person *p;
	json_t *leads, *update;
	size_t i, k;
	int len;

	for (i = 0; i < q->n; i++) {
		p = &q->batch[i];
		leads = q->found ? json_object_get(q->found, p->id) : NULL;
		if (q->found == NULL) {
			reject(w, p->file, p->line, p->rec, q->why, q->code, q->retryable);
		} else if (leads == NULL) {
			write_missing(w, p);
		} else if (json_array_size(leads) > 1) {
			len = 0;
			for (k = 0; k < json_array_size(leads) && len < (int)sizeof ids - 24;
			     k++)
				len += snprintf(ids + len, sizeof ids - (size_t)len,
				    "%s%" JSON_INTEGER_FORMAT, k ? ", " : "",
				    json_integer_value(
				        json_object_get(json_array_get(leads, k), "id")));
			snprintf(why, sizeof why,
			    "%zu Marketo leads (%s) have externalPersonId %s; merge them in Marketo",
			    json_array_size(leads), ids, p->id);
			reject(w, p->file, p->line, p->rec, why, "duplicate", 0);
		} else if ((update = fields_update(&w->fs, json_array_get(leads, 0), p->type,
		                p->id, why)) == NULL) {
			reject(w, p->file, p->line, p->rec, why, "value", 0);
		} else {
			/* --changed-only: written once the state tells whether it changed */
			if (w->state_name != NULL)
				digests_add(&w->state, p->id, update, w->changed_only);
			if (!w->changed_only)
				write_update(w, update);
			json_decref(update);
		}
	}
}

static void
query_free(struct query *q)
{
	size_t i;

	if (q->state == Q_FLYING)
		http_call_free(&q->call);
	for (i = 0; i < q->n; i++)
		json_decref(q->batch[i].rec);
	json_decref(q->found);
	jsonbuf_free(&q->form);
	free(q);
}

/*
 * Writes the answered queries at the head of the line, in input order.
 * Once calls have stopped and none is in flight, the first query not
 * answered is where the run left off: it and every query after it,
 * answered or not, are dropped, so that the output is all the persons
 * before that point and none after it.
 */
static void
write_answered(struct writeback *w)
{
	struct query *q;

	while (w->count > 0) {
		q = w->queue[w->head];
		if (q->state != Q_ANSWERED && !w->dropping) {
			if ((mkclient_status(&w->mk) == 0 && w->stop != MSI_EXIT_IO) ||
			    w->flying > 0)
				break;
			w->dropping = 1;
			if (w->stop_file == NULL && mkclient_status(&w->mk) != 0) {
				w->stop_file = q->batch[0].file;
				w->stop_line = q->batch[0].line;
			}
		}
		if (!w->dropping && w->stop != MSI_EXIT_IO)
			write_query(w, q);
		query_free(q);
		w->head = (w->head + 1) % MAX_QUERIES;
		w->count--;
	}
}

/*
 * Sends what may go, takes the answers that came and writes them; then,
 * while more than keep queries are in the line, waits for more (keep 0:
 * until every query is answered, or dropped after a stop).
 */
static void
ended(void *ctx, struct http_call *c, CURLcode rc)
{
	query_ended(ctx, c->owner, rc);
}

static void
run_queries(struct writeback *w, int keep)
{
	double wait;
	int answers;

	for (;;) {
		wait = start_queries(w);
		answers = http_multi_step(w->multi, ended, w);
		write_answered(w);
		progress(w, 0);
		/* once calls stop, every query in flight is waited for and dropped */
		if (w->count <= keep && (w->flying == 0 || mkclient_status(&w->mk) == 0))
			return;
		/* an answer may free a place or let a next page go: look at once */
		if (answers == 0 && (w->flying > 0 || wait > 0))
			curl_multi_poll(w->multi, NULL, 0, (int)(wait * 1000) + 1, NULL);
	}
}

/* The batch being filled joins the line; the line is kept to what can fly, and one more. */
static void
flush_batch(struct writeback *w)
{
	if (w->filling == NULL)
		return;
	w->queue[(w->head + w->count++) % MAX_QUERIES] = w->filling;
	w->filling = NULL;
	run_queries(w, w->concurrency);
}

/*
 * The person a record names: its normalised id into norm and its type
 * (Lead or Contact), or -1 with why it names none (not an id, not a Lead
 * or a Contact).
 */
static int
person_of(const struct writeback *w, json_t *rec, char norm[SFID_LEN + 1], const char **type,
    char why[FIELDS_WHY_SIZE])
{
	char swhy[SFID_WHY_SIZE];
	const char *name;
	enum sfid_status st;
	json_t *v = record_id(w, rec, &name);
	const struct sf_def *sf;

	if (!json_is_string(v)) {
		if (name == NULL)
			snprintf(why, FIELDS_WHY_SIZE, "no Id, externalPersonId or key field");
		else
			snprintf(why, FIELDS_WHY_SIZE, "%s is %s", name,
			    v == NULL ? "missing" : "not a string (a Salesforce id)");
		return -1;
	}
	st = sfid_normalize(json_string_value(v), json_string_length(v), norm, swhy);
	if (st == SFID_INVALID || st == SFID_NULL) {
		snprintf(why, FIELDS_WHY_SIZE, "%s \"%.40s\" is not a Salesforce id: %s", name,
		    json_string_value(v), st == SFID_NULL ? "the null id" : swhy);
		return -1;
	}
	/* MSI writes to the Salesforce objects that become Marketo leads */
	*type = NULL;
	if ((sf = sf_by_prefix(norm)) != NULL && sf->mkto == MKTO_LEAD)
		*type = sf->name;
	if (*type == NULL) {
		snprintf(why, FIELDS_WHY_SIZE,
		    "%s %s has key prefix %.3s: not a Lead (00Q) or a Contact (003)", name,
		    norm, norm);
		return -1;
	}
	return 0;
}

/*
 * One input record, the seq-th: its person joins the batch, or is
 * rejected or counted as a repeat (find_repeats marked it).
 */
static void
take(struct writeback *w, json_t *rec, const char *file, unsigned long line, unsigned long seq)
{
	char why[FIELDS_WHY_SIZE], norm[SFID_LEN + 1];
	const char *type;
	struct person *p;

	if (person_of(w, rec, norm, &type, why) != 0) {
		reject(w, file, line, rec, why, NULL, 0);
		json_decref(rec);
		return;
	}
	if (w->repeat[seq / 8] >> seq % 8 & 1) {
		w->duplicates++; /* already asked for in this run */
		json_decref(rec);
		return;
	}
	w->persons++;
	w->by_type[strcmp(type, "Lead") == 0 ? 0 : 1]++;
	if (w->filling == NULL) {
		w->filling = ecalloc(1, sizeof *w->filling);
		w->filling->found = json_object();
	}
	p = &w->filling->batch[w->filling->n++];
	memcpy(p->id, norm, sizeof p->id);
	p->type = type;
	p->file = file;
	p->line = line;
	p->rec = rec;
	if (w->filling->n == MAX_IDS)
		flush_batch(w);
}

/*
 * The first reading of the input: which records name a person an earlier
 * record named, a bit each, so that a person is asked for once a run
 * without a table of every id in memory. Each person's (id, record
 * number) goes to sort(1) (keysort.c), stable, so that of the records of
 * one id the first in input order comes first and the others are marked.
 * A pipe is kept in a scratch file for the second reading (inputs.c); a
 * file that cannot be opened ends this reading, and the second says so
 * when it gets there, after the persons before it, as a single reading did.
 */
static void
find_repeats(struct writeback *w, char **files)
{
	char norm[SFID_LEN + 1], prev[SFID_LEN + 1] = "", why[FIELDS_WHY_SIZE], num[24];
	char *key, *rest;
	struct ndjson_reader r;
	enum ndjson_result res;
	struct keysort ks;
	const char *type;
	unsigned long seq;
	size_t i, n, len;
	json_t *rec;
	FILE *fp;
	int status, rc;

	for (n = 0; files[n] != NULL; n++)
		;
	w->in = ecalloc(n + 1, sizeof *w->in);
	for (i = 0; i < n; i++)
		input_init(
		    &w->in[i], files[i], "it is read twice, for the persons that come again");
	if (keysort_start(&ks, "the persons' ids", 1) != 0)
		exit(MSI_EXIT_IO);
	for (i = 0; i < n; i++) {
		if ((fp = input_open(&w->in[i], INPUT_FIRST, &status)) == NULL) {
			if (status != 0)
				exit(status);
			break; /* told by read_input */
		}
		ndjson_reader_init(&r, fp, w->in[i].name);
		while ((res = ndjson_read(&r, &rec)) != NDJSON_EOF) {
			if (res == NDJSON_READERR)
				msg_sysfatal(MSI_EXIT_IO, "%s", w->in[i].name);
			if (res == NDJSON_OBJECT && person_of(w, rec, norm, &type, why) == 0 &&
			    keysort_put(&ks, norm, num,
			        (size_t)snprintf(num, sizeof num, "%lu", w->planned)) != 0)
				exit(MSI_EXIT_IO);
			json_decref(rec);
			w->planned++;
		}
		ndjson_reader_free(&r);
		input_close(&w->in[i], fp);
	}
	if (keysort_sorted(&ks) != 0)
		exit(MSI_EXIT_IO);
	w->repeat = ecalloc(w->planned / 8 + 1, 1);
	while ((rc = keysort_get(&ks, &key, &rest, &len)) > 0) {
		if (strlen(key) != SFID_LEN)
			break;
		if (strcmp(prev, key) == 0 && (seq = strtoul(rest, NULL, 10)) < w->planned)
			w->repeat[seq / 8] |= (unsigned char)(1u << seq % 8);
		memcpy(prev, key, sizeof prev);
	}
	if (rc != 0 || keysort_end(&ks) != 0) {
		if (rc > 0)
			msg_warn("the persons' ids: sort(1) gave a line that was not put");
		exit(MSI_EXIT_IO);
	}
}

static void
read_input(struct writeback *w, char **files)
{
	struct ndjson_reader r;
	enum ndjson_result res;
	const char *name;
	json_t *rec;
	FILE *fp;
	int i, status;

	find_repeats(w, files);
	for (i = 0; files[i] != NULL && mkclient_status(&w->mk) == 0 && w->stop == 0; i++) {
		name = w->in[i].name;
		if ((fp = input_open(&w->in[i], INPUT_AGAIN, &status)) == NULL) {
			if (status != 0)
				exit(status);
			msg_sysfatal(MSI_EXIT_IO, "%s", files[i]);
		}
		ndjson_reader_init(&r, fp, name);
		while (mkclient_status(&w->mk) == 0 && w->stop == 0 &&
		       (res = ndjson_read(&r, &rec)) != NDJSON_EOF) {
			if (res == NDJSON_READERR)
				msg_sysfatal(MSI_EXIT_IO, "%s", name);
			if (w->record >= w->planned)
				msg_fatal(MSI_EXIT_IO, "%s: changed while it was read: %s",
				    name, w->in[i].twice);
			if (res == NDJSON_BADLINE)
				reject(w, name, r.line, NULL, r.error, NULL, 0);
			else
				take(w, rec, name, r.line, w->record);
			w->record++;
			progress(w, 0);
		}
		if (mkclient_status(&w->mk) != 0 && w->stop_file == NULL &&
		    w->filling != NULL) {
			w->stop_file = w->filling->batch[0].file; /* read, not yet asked for */
			w->stop_line = w->filling->batch[0].line;
		} else if (mkclient_status(&w->mk) != 0 && w->stop_file == NULL) {
			w->stop_file = name;
			w->stop_line = r.line + 1;
		}
		ndjson_reader_free(&r);
		input_close(&w->in[i], fp);
	}
	if (mkclient_status(&w->mk) == 0 && w->stop != MSI_EXIT_IO)
		flush_batch(w); /* after a rejected line too: what was read before it */
	run_queries(w, 0);
	if (w->filling != NULL) {
		query_free(w->filling); /* not asked for: the run stopped */
		w->filling = NULL;
	}
}

/* The folder a file is in, for checking early that the state can be written there. */
static const char *
dirname_of(const char *path)
{
	static char dir[4096];
	char *slash;

	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return ".";
	if (slash == dir)
		slash++;
	*slash = '\0';
	return dir;
}

static FILE *
open_out(const char *path)
{
	FILE *fp = fopen_private(path, 0);

	if (fp == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", path);
	return fp;
}

/*
 * --forget: the state without the persons listed in ids (one Salesforce id
 * a line, - for standard input), so that the next run writes their updates
 * again, as for persons whose update did not land; nothing is asked of
 * Marketo. The state is written as a run writes it, whole or not at all.
 */
static int
forget(const char *state_name, const char *ids)
{
	char *line = NULL, norm[SFID_LEN + 1], why[SFID_WHY_SIZE];
	const char *name = strcmp(ids, "-") == 0 ? "<stdin>" : ids;
	unsigned long n = 0;
	struct digests d;
	size_t size = 0;
	ssize_t len;
	FILE *fp = strcmp(ids, "-") == 0 ? stdin : fopen(ids, "r");

	if (fp == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", ids);
	digests_load(&d, state_name);
	while ((len = getline(&line, &size, fp)) >= 0) {
		n++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (sfid_normalize(line, (size_t)len, norm, why) > SFID_REPAIRED) {
			msg_at(name, n, "\"%.40s\" is not a Salesforce id: %s", line, why);
			exit(MSI_EXIT_BADINPUT);
		}
		digests_drop(&d, norm);
	}
	if (ferror(fp))
		msg_sysfatal(MSI_EXIT_IO, "%s", name);
	if (fp != stdin)
		fclose(fp);
	free(line);
	digests_merge(&d, 1);
	digests_save(&d);
	msg_warn("%s: %lu persons forgotten, %lu kept", state_name, d.forgotten,
	    d.loaded - d.forgotten);
	digests_free(&d);
	return MSI_EXIT_OK;
}

/* The options that are not the run's own state. */
struct wbopts {
	const char *csv_dir, *stats, *forget_ids;
	int check; /* --check */
	struct fields_opts fo;
	struct mkopts mo;
};

/* The options, checked against each other; returns the input files. */
static char **
parse_options(int argc, char *argv[], struct writeback *w, struct wbopts *o)
{
	static const struct option longopts[] = {
	    {"changed-only", no_argument, NULL, 'X'},
	    {"check", no_argument, NULL, 'Q'},
	    {"csv", required_argument, NULL, 'd'},
	    {"forget", required_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {"id-field", required_argument, NULL, 'i'},
	    {"missing", required_argument, NULL, 'u'},
	    {"rejects", required_argument, NULL, 'r'},
	    {"state", required_argument, NULL, 's'},
	    {"stats-json", required_argument, NULL, 'S'},
	    {"version", no_argument, NULL, 'V'},
	    FIELDS_OPTS_LONG,
	    MKOPTS_LONG,
	    {NULL, 0, NULL, 0},
	};
	static char *stdin_only[] = {"-", NULL};
	int ch;

	mkopts_init(&o->mo);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:hi:r:s:u:V" FIELDS_OPTS_SHORT MKOPTS_SHORT,
	            longopts, NULL)) != -1) {
		if (mkopts_parse(&o->mo, ch, optarg, usage) ||
		    fields_opts_parse(&o->fo, ch, optarg, usage))
			continue;
		switch (ch) {
		case 'd': o->csv_dir = optarg; break;
		case 'F': o->forget_ids = optarg; break;
		case 'Q': o->check = 1; break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'i': w->id_field = optarg; break;
		case 'r': w->rejects_name = optarg; break;
		case 's': w->state_name = optarg; break;
		case 'S': o->stats = optarg; break;
		case 'u': w->missing_name = optarg; break;
		case 'V': printf("msi-writeback %s\n", MSI_VERSION); exit(MSI_EXIT_OK);
		case 'X': w->changed_only = 1; break;
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	if (o->forget_ids != NULL && (w->state_name == NULL || optind < argc)) {
		msg_warn("--forget takes the state (-s) and the file of ids, and nothing else");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (o->check &&
	    (optind < argc || o->forget_ids != NULL || o->csv_dir != NULL || w->changed_only ||
	        w->rejects_name != NULL || w->missing_name != NULL || o->stats != NULL)) {
		msg_warn(
		    "--check reads no persons and writes no file: it takes -C, -M, -N and -s");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (w->changed_only && w->state_name == NULL) {
		msg_warn("--changed-only needs --state: the digests of what was sent before");
		usage(stderr, MSI_EXIT_USAGE);
	}
	return optind < argc ? argv + optind : stdin_only;
}

/* The fields, the client, the state and the outputs. Returns 0 or an exit status. */
static int
start(struct writeback *w, struct wbopts *o)
{
	char why[MKCONF_WHY_SIZE];
	int status;

	if ((status = fields_setup(&w->fs, &o->fo)) != 0)
		return status;
	if (mkclient_init(&w->mk, &o->mo, why) != 0)
		msg_fatal(MSI_EXIT_USAGE, "%s", why);
	w->concurrency =
	    o->mo.concurrency < MAX_QUERIES - 1 ? (int)o->mo.concurrency : MAX_QUERIES - 1;
	w->multi = curl_multi_init();
	if (w->state_name != NULL)
		digests_load(&w->state, w->state_name);
	if (w->state_name != NULL && access(dirname_of(w->state_name), W_OK) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s: cannot write the state there", w->state_name);
	if (w->rejects_name != NULL)
		w->rejects = open_out(w->rejects_name);
	if (w->missing_name != NULL)
		w->missing = open_out(w->missing_name);
	sfout_open(&w->out, o->csv_dir, &w->fs);
	return 0;
}

/*
 * --check: after start (the fields, the settings, the state readable and
 * its folder writable), a token and the describe of leads: the MSI fields
 * the instance has, each with the Salesforce field it is written to.
 */
static int
check(struct writeback *w)
{
	size_t i;

	if (mkcheck_token(&w->mk, stdout) == 0 && describe(w) == 0)
		for (i = 0; i < w->fs.n; i++)
			printf("marketo: MSI field %s: ok, written to %s\n", w->fs.f[i].use,
			    w->fs.f[i].sf);
	if (w->state_name != NULL && mkclient_status(&w->mk) == 0)
		printf(
		    "writeback: state %s: ok (%lu persons)\n", w->state_name, w->state.loaded);
	return finish_run(&(struct finish){NULL}, mkclient_status(&w->mk));
}

/*
 * After the input, with a state: the run's updates merged with it; with
 * --changed-only those that changed are written now, in the order they
 * came, the others counted. The new state is begun only for a run that
 * did not stop (wind_down saves it once the outputs are closed).
 */
static void
settle(struct writeback *w, int status)
{
	json_t *update;
	int changed;

	digests_merge(&w->state, status == 0);
	if (!w->changed_only)
		return;
	while (digests_next(&w->state, &update, &changed)) {
		if (w->stop == MSI_EXIT_IO)
			; /* not written: the state is not saved, so it stays to send */
		else if (changed)
			write_update(w, update);
		else
			w->unchanged++;
		json_decref(update);
	}
}

/*
 * After the input: the run's status, the outputs out, and only then, of a
 * whole run, the state (a stopped run sends every update again).
 */
static int
wind_down(struct writeback *w)
{
	int status = mkclient_status(&w->mk) ? mkclient_status(&w->mk) : w->stop;
	int out;

	if (w->state_name != NULL && (w->changed_only || status == 0)) {
		settle(w, status);
		status = mkclient_status(&w->mk) ? mkclient_status(&w->mk) : w->stop;
	}
	progress(w, 1);
	if (w->stop_file != NULL)
		msg_warn(
		    "stopped: no person from %s:%lu on was fetched; run again to fetch them",
		    w->stop_file, w->stop_line);
	out = sfout_close(&w->out) == 0 && fwritten(stdout, "stdout") &&
	      (w->rejects == NULL || fwritten(w->rejects, w->rejects_name)) &&
	      (w->missing == NULL || fshut(w->missing, w->missing_name) == 0);
	w->missing = NULL;
	if (!out && status == 0)
		status = MSI_EXIT_IO;
	else if (w->state_name != NULL && status == 0)
		digests_save(&w->state);
	if (status == 0 && w->retryable > 0) {
		w->retry_stop = 1;
		status = MSI_EXIT_SERVICE;
	}
	return status;
}

/* The summary line, and why the run is a service failure. */
static void
summary(void *ctx, int status)
{
	struct writeback *w = ctx;

	(void)status;
	fprintf(stderr,
	    "%s: persons: %lu (Lead %lu, Contact %lu); updates: %lu; unchanged: %lu; "
	    "missing: %lu; rejected: %lu; repeated: %lu; ",
	    msg_prog, w->persons, w->by_type[0], w->by_type[1], w->updates, w->unchanged,
	    w->nmissing, w->rejected + w->failed, w->duplicates);
	mkclient_summary(&w->mk, stderr);
	fputc('\n', stderr);
	if (w->retry_stop)
		msg_warn("%lu persons were not fetched: the service failed after the retries",
		    w->retryable);
}

/* --stats-json's counts (a new reference). */
static json_t *
counts(void *ctx, int status)
{
	struct writeback *w = ctx;
	json_t *c = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tool",
	    "msi-writeback", "persons", (json_int_t)w->persons, "lead",
	    (json_int_t)w->by_type[0], "contact", (json_int_t)w->by_type[1], "updates",
	    (json_int_t)w->updates, "unchanged", (json_int_t)w->unchanged, "missing",
	    (json_int_t)w->nmissing, "rejected", (json_int_t)w->rejected, "failed",
	    (json_int_t)w->failed, "retryable", (json_int_t)w->retryable, "repeated",
	    (json_int_t)w->duplicates);

	(void)status;
	mkclient_stats(&w->mk, c);
	json_object_set_new(
	    c, "stopped", json_boolean(mkclient_status(&w->mk) != 0 || w->stop != 0));
	return c;
}

static void
writeback_free(struct writeback *w)
{
	size_t i;

	curl_multi_cleanup(w->multi);
	mkclient_free(&w->mk);
	curl_free(w->query_fields);
	for (i = 0; w->in != NULL && w->in[i].path != NULL; i++)
		input_free(&w->in[i]);
	free(w->in);
	free(w->repeat);
	if (w->state_name != NULL)
		digests_free(&w->state);
	fields_free(&w->fs);
}

int
main(int argc, char *argv[])
{
	static struct writeback w;
	struct wbopts o = {NULL, NULL, NULL, 0, {{NULL}, 0, NULL}, {0}};
	char **files;
	int status;

	msg_init(argv[0]);
	files = parse_options(argc, argv, &w, &o);
	if (o.forget_ids != NULL)
		return finish_run(&(struct finish){0}, forget(w.state_name, o.forget_ids));
	if ((status = start(&w, &o)) != 0)
		return status;
	if (o.check) {
		status = check(&w);
		writeback_free(&w);
		return status;
	}

	/* the total of the progress line: the persons, a line each, when the input is files */
	if (progress_on(&w.mk.progress))
		progress_total(&w.mk.progress, progress_count_files(files));
	read_input(&w, files);

	status = wind_down(&w);
	status = finish_run(&(struct finish){w.rejects, w.rejects_name, w.rejected + w.failed,
	                        NULL, o.stats, summary, counts, &w},
	    status);
	writeback_free(&w);
	return status;
}
