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
#include "fields.h"
#include "fshut.h"
#include "jsonbuf.h"
#include "mkclient.h"
#include "msg.h"
#include "ndjson.h"
#include "numarg.h"
#include "objects.h"
#include "reject.h"
#include "sfid.h"
#include "sfout.h"
#include "stats.h"

#define MAX_IDS 300 /* filterValues a lead query takes */

struct person {
	char id[SFID_LEN + 1];
	const char *type;
	const char *file;
	unsigned long line;
	json_t *rec; /* the input record, for the rejects */
};

struct writeback {
	struct mkclient mk;
	struct fields fs;
	struct sfout out;
	struct digests state;
	const char *id_field, *state_name;
	int changed_only, described;
	int stop; /* the run stops: a record rejected without --rejects (3), a write error (4) */
	char *query_fields; /* escaped, for the form */

	struct person batch[MAX_IDS];
	size_t n;
	json_t *seen; /* ids met in this run */

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
	fputs(
	    "usage: msi-writeback [-hV] [--changed-only] [--progress] [-C config]\n"
	    "                     [-d csv-dir] [-i id-field] [-M map] [-m max-retries]\n"
	    "                     [-N namespace] [-n calls-per-window] [-r rejects] [-s state]\n"
	    "                     [--stats-json file] [-t timeout] [-u missing] [-w window]\n"
	    "                     [file ...]\n",
	    fp);
	exit(status);
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

/*
 * Asks Marketo for the batch's persons, following nextPageToken when the
 * leads are more than a page (a person with several leads). Returns an object of normalised
 * externalPersonId -> [leads], or NULL when the call failed: why and code
 * say so (and *retryable, when the service failed after the retries) when
 * the batch's persons are to be set aside; mkclient_status when calls must
 * stop.
 */
static json_t *
fetch(struct writeback *w, char why[FIELDS_WHY_SIZE], char code[16], int *retryable)
{
	struct jsonbuf form = {0};
	struct mkanswer a;
	json_t *found = json_object(), *lead, *list;
	const char *pid;
	char norm[SFID_LEN + 1], swhy[SFID_WHY_SIZE];
	size_t i, base;
	int more;

	jsonbuf_addstr(&form, "filterType=externalPersonId&batchSize=300&fields=");
	jsonbuf_addstr(&form, w->query_fields);
	jsonbuf_addstr(&form, "&filterValues=");
	for (i = 0; i < w->n; i++) {
		if (i > 0)
			jsonbuf_addstr(&form, "%2C");
		jsonbuf_addstr(&form, w->batch[i].id);
	}
	base = form.len;
	for (;;) {
		if (mkclient_call(&w->mk, "/v1/leads.json?_method=GET", form.data, form.len,
		        "application/x-www-form-urlencoded", &a) != RETRY_DONE) {
			snprintf(why, FIELDS_WHY_SIZE, "the lead query failed: %s %s", a.code,
			    a.message);
			snprintf(code, 16, "%s", a.code);
			*retryable = a.exhausted;
			json_decref(a.json);
			json_decref(found);
			found = NULL;
			break;
		}
		json_array_foreach(json_object_get(a.json, "result"), i, lead)
		{
			pid = json_string_value(json_object_get(lead, "externalPersonId"));
			if (pid == NULL ||
			    sfid_normalize(pid, strlen(pid), norm, swhy) > SFID_REPAIRED)
				continue; /* cannot be one of ours */
			if ((list = json_object_get(found, norm)) == NULL)
				json_object_set_new(found, norm, list = json_array());
			json_array_append(list, lead);
		}
		more = mkclient_next_page(a.json, &form, base);
		json_decref(a.json);
		if (!more)
			break;
	}
	jsonbuf_free(&form);
	return found;
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

/* Fetches the batch and writes an update, a miss or a reject for each of its persons. */
static void
flush_batch(struct writeback *w)
{
	char why[FIELDS_WHY_SIZE], ids[200], code[16];
	struct person *p;
	json_t *found = NULL, *leads, *update;
	size_t i, k;
	int len, retryable = 0;

	if (w->n == 0)
		return;
	if (mkclient_status(&w->mk) == 0 && (w->described || describe(w) == 0))
		found = fetch(w, why, code, &retryable);
	if (found == NULL && mkclient_status(&w->mk) != 0) {
		/* calls stopped: these persons are not answered */
		w->stop_file = w->batch[0].file;
		w->stop_line = w->batch[0].line;
		for (i = 0; i < w->n; i++)
			json_decref(w->batch[i].rec);
		w->n = 0;
		return;
	}
	for (i = 0; i < w->n; i++) {
		p = &w->batch[i];
		leads = found ? json_object_get(found, p->id) : NULL;
		if (found == NULL) {
			reject(w, p->file, p->line, p->rec, why, code, retryable);
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
			if (w->state_name != NULL &&
			    !digests_changed(&w->state, p->id, update) && w->changed_only) {
				w->unchanged++;
			} else {
				w->updates++;
				if (sfout_write(&w->out, update) != 0 && w->stop != MSI_EXIT_IO) {
					/* a CSV file's error is told when it is closed */
					if (w->out.dir == NULL)
						fwrite_failed(stdout, "stdout");
					w->stop = MSI_EXIT_IO;
				}
			}
			json_decref(update);
		}
		json_decref(p->rec);
	}
	json_decref(found);
	w->n = 0;
}

static void
progress(struct writeback *w, int last)
{
	mkclient_progress(&w->mk, last, w->persons, "persons",
	    "%lu persons (updates %lu, unchanged %lu, missing %lu, rejected %lu)", w->persons,
	    w->updates, w->unchanged, w->nmissing, w->rejected + w->failed);
}

/* One input record: its person joins the batch, or is rejected or counted as a repeat. */
static void
take(struct writeback *w, json_t *rec, const char *file, unsigned long line)
{
	char why[FIELDS_WHY_SIZE], swhy[SFID_WHY_SIZE], norm[SFID_LEN + 1];
	const char *name, *type = NULL;
	enum sfid_status st;
	struct person *p;
	json_t *v = record_id(w, rec, &name);
	const struct sf_def *sf;

	if (!json_is_string(v)) {
		if (name == NULL)
			snprintf(why, sizeof why, "no Id, externalPersonId or key field");
		else
			snprintf(why, sizeof why, "%s is %s", name,
			    v == NULL ? "missing" : "not a string (a Salesforce id)");
		reject(w, file, line, rec, why, NULL, 0);
		json_decref(rec);
		return;
	}
	st = sfid_normalize(json_string_value(v), json_string_length(v), norm, swhy);
	if (st == SFID_INVALID || st == SFID_NULL) {
		snprintf(why, sizeof why, "%s \"%.40s\" is not a Salesforce id: %s", name,
		    json_string_value(v), st == SFID_NULL ? "the null id" : swhy);
		reject(w, file, line, rec, why, NULL, 0);
		json_decref(rec);
		return;
	}
	/* MSI writes to the Salesforce objects that become Marketo leads */
	if ((sf = sf_by_prefix(norm)) != NULL && sf->mkto == MKTO_LEAD)
		type = sf->name;
	if (type == NULL) {
		snprintf(why, sizeof why,
		    "%s %s has key prefix %.3s: not a Lead (00Q) or a Contact (003)", name,
		    norm, norm);
		reject(w, file, line, rec, why, NULL, 0);
		json_decref(rec);
		return;
	}
	if (json_object_get(w->seen, norm) != NULL) {
		w->duplicates++; /* already asked for in this run */
		json_decref(rec);
		return;
	}
	json_object_set_new(w->seen, norm, json_null());
	w->persons++;
	w->by_type[strcmp(type, "Lead") == 0 ? 0 : 1]++;
	p = &w->batch[w->n++];
	memcpy(p->id, norm, sizeof p->id);
	p->type = type;
	p->file = file;
	p->line = line;
	p->rec = rec;
	if (w->n == MAX_IDS)
		flush_batch(w);
}

static void
read_input(struct writeback *w, char **files)
{
	struct ndjson_reader r;
	enum ndjson_result res;
	const char *name;
	json_t *rec;
	FILE *fp;
	int i;

	for (i = 0; files[i] != NULL && mkclient_status(&w->mk) == 0 && w->stop == 0; i++) {
		name = strcmp(files[i], "-") == 0 ? "<stdin>" : files[i];
		fp = strcmp(files[i], "-") == 0 ? stdin : fopen(files[i], "r");
		if (fp == NULL)
			msg_sysfatal(MSI_EXIT_IO, "%s", files[i]);
		ndjson_reader_init(&r, fp, name);
		while (mkclient_status(&w->mk) == 0 && w->stop == 0 &&
		       (res = ndjson_read(&r, &rec)) != NDJSON_EOF) {
			if (res == NDJSON_READERR)
				msg_sysfatal(MSI_EXIT_IO, "%s", name);
			if (res == NDJSON_BADLINE)
				reject(w, name, r.line, NULL, r.error, NULL, 0);
			else
				take(w, rec, name, r.line);
			progress(w, 0);
		}
		if (mkclient_status(&w->mk) != 0 && w->stop_file == NULL) {
			w->stop_file = name;
			w->stop_line = r.line + 1;
		}
		ndjson_reader_free(&r);
		if (fp != stdin)
			fclose(fp);
	}
	if (mkclient_status(&w->mk) == 0 && w->stop != MSI_EXIT_IO)
		flush_batch(w); /* after a rejected line too: what was read before it */
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

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"changed-only", no_argument, NULL, 'X'},
	    {"csv", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {"id-field", required_argument, NULL, 'i'},
	    {"map", required_argument, NULL, 'M'},
	    {"missing", required_argument, NULL, 'u'},
	    {"namespace", required_argument, NULL, 'N'},
	    {"rejects", required_argument, NULL, 'r'},
	    {"state", required_argument, NULL, 's'},
	    {"stats-json", required_argument, NULL, 'S'},
	    {"version", no_argument, NULL, 'V'},
	    MKOPTS_LONG,
	    {NULL, 0, NULL, 0},
	};
	static struct writeback w;
	char *stdin_only[] = {"-", NULL}, why[MKCONF_WHY_SIZE], **files;
	const char *csv_dir = NULL, *ns = NULL, *stats = NULL;
	const char *maps[16];
	struct mkopts mo;
	int ch, nmaps = 0, i, status;

	msg_init(argv[0]);
	fields_defaults(&w.fs);
	mkopts_init(&mo);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:hi:M:N:r:s:u:V" MKOPTS_SHORT, longopts, NULL)) !=
	       -1) {
		if (mkopts_parse(&mo, ch, optarg, usage))
			continue;
		switch (ch) {
		case 'd': csv_dir = optarg; break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'i': w.id_field = optarg; break;
		case 'M':
			if (nmaps == (int)(sizeof maps / sizeof maps[0])) {
				msg_warn("at most %d map files", nmaps);
				usage(stderr, MSI_EXIT_USAGE);
			}
			maps[nmaps++] = optarg;
			break;
		case 'N': ns = optarg; break;
		case 'r': w.rejects_name = optarg; break;
		case 's': w.state_name = optarg; break;
		case 'S': stats = optarg; break;
		case 'u': w.missing_name = optarg; break;
		case 'V': printf("msi-writeback %s\n", MSI_VERSION); return MSI_EXIT_OK;
		case 'X': w.changed_only = 1; break;
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	files = optind < argc ? argv + optind : stdin_only;
	if (w.changed_only && w.state_name == NULL) {
		msg_warn("--changed-only needs --state: the digests of what was sent before");
		usage(stderr, MSI_EXIT_USAGE);
	}
	for (i = 0; i < nmaps; i++)
		if ((status = fields_load(&w.fs, maps[i])) != 0)
			return status;
	if (ns != NULL)
		fields_namespace(&w.fs, ns);
	if (mkclient_init(&w.mk, &mo, why) != 0)
		msg_fatal(MSI_EXIT_USAGE, "%s", why);
	if (w.state_name != NULL)
		digests_load(&w.state, w.state_name);
	if (w.state_name != NULL && access(dirname_of(w.state_name), W_OK) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s: cannot write the state there", w.state_name);
	if (w.rejects_name != NULL)
		w.rejects = open_out(w.rejects_name);
	if (w.missing_name != NULL)
		w.missing = open_out(w.missing_name);
	sfout_open(&w.out, csv_dir, &w.fs);
	w.seen = json_object();

	read_input(&w, files);

	progress(&w, 1);
	status = mkclient_status(&w.mk) ? mkclient_status(&w.mk) : w.stop;
	if (w.stop_file != NULL)
		msg_warn(
		    "stopped: no person from %s:%lu on was fetched; run again to fetch them",
		    w.stop_file, w.stop_line);
	if (sfout_close(&w.out) != 0 || fshut(stdout, "stdout") != 0 ||
	    (w.rejects && fshut(w.rejects, w.rejects_name) != 0) ||
	    (w.missing && fshut(w.missing, w.missing_name) != 0)) {
		if (status == 0)
			status = MSI_EXIT_IO;
	} else if (w.state_name != NULL && status == 0) {
		/* only once every update is out: a stopped run sends them all again */
		digests_save(&w.state);
	}
	fprintf(stderr,
	    "%s: persons: %lu (Lead %lu, Contact %lu); updates: %lu; unchanged: %lu; "
	    "missing: %lu; rejected: %lu; repeated: %lu; ",
	    msg_prog, w.persons, w.by_type[0], w.by_type[1], w.updates, w.unchanged, w.nmissing,
	    w.rejected + w.failed, w.duplicates);
	mkclient_summary(&w.mk, stderr);
	fputc('\n', stderr);
	if (status == 0 && w.retryable > 0) {
		msg_warn("%lu persons were not fetched: the service failed after the retries",
		    w.retryable);
		status = MSI_EXIT_SERVICE;
	}
	if (status == 0 && (w.rejected > 0 || w.failed > 0))
		status = MSI_EXIT_REJECTS;
	if (stats != NULL) {
		json_t *counts = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		    "tool", "msi-writeback", "persons", (json_int_t)w.persons, "lead",
		    (json_int_t)w.by_type[0], "contact", (json_int_t)w.by_type[1], "updates",
		    (json_int_t)w.updates, "unchanged", (json_int_t)w.unchanged, "missing",
		    (json_int_t)w.nmissing, "rejected", (json_int_t)w.rejected, "failed",
		    (json_int_t)w.failed, "retryable", (json_int_t)w.retryable, "repeated",
		    (json_int_t)w.duplicates);

		mkclient_stats(&w.mk, counts);
		json_object_set_new(counts, "stopped",
		    json_boolean(mkclient_status(&w.mk) != 0 || w.stop != 0));
		json_object_set_new(counts, "status", json_integer(status));
		if (stats_write(stats, counts) != 0 && status == 0)
			status = MSI_EXIT_IO;
	}
	mkclient_free(&w.mk);
	curl_free(w.query_fields);
	json_decref(w.seen);
	if (w.state_name != NULL)
		digests_free(&w.state);
	fields_free(&w.fs);
	return status;
}
