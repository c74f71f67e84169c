/*
 * deletes.c: msi-load's deletes. At the end of a whole input
 * (--delete-missing), or of one of what changed (--delete-listed), the
 * records the --changed-only state knows that went from Salesforce are
 * deleted in Marketo (or listed, or held, or refused), each told on a line
 * of the --deletes file, and then forgotten by the state.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deletes.h"
#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "msg.h"
#include "ndjson.h"
#include "sfid.h"

#define PER_CALL 300 /* a delete call's records at most */

/* A record the deletes take: its state line, and why it goes. */
struct gone {
	struct landed_rec r;
	const char *why;
};

/* What --keep, --hold-deletes and the other delete options set; defaults: none. */
void
deletes_init(struct deletes *d, const struct mkto_def *obj, int mode, int leads,
    double max_delete, const char *out_name)
{
	memset(d, 0, sizeof *d);
	d->obj = obj;
	d->is_lead = obj == &mkto_objects[MKTO_LEAD];
	d->mode = mode;
	d->leads = leads;
	d->max_delete = max_delete;
	d->out_name = out_name;
	d->keep = json_object();
}

/*
 * Opens the --deletes file: anew, or to add to after a resumed run's
 * (then a last line cut short by a kill goes first).
 */
void
deletes_report(struct deletes *d, int append)
{
	struct stat sb;
	off_t end;
	char c;
	int fd;

	if (d->out_name == NULL)
		return;
	if ((d->out = fopen_private(d->out_name, append)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", d->out_name);
	if (!append || fstat(fileno(d->out), &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size == 0)
		return;
	if ((fd = open(d->out_name, O_RDONLY | O_NOFOLLOW)) < 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", d->out_name);
	for (end = sb.st_size; end > 0; end--) {
		if (pread(fd, &c, 1, end - 1) != 1)
			msg_sysfatal(MSI_EXIT_IO, "%s", d->out_name);
		if (c == '\n')
			break;
	}
	close(fd);
	if (end < sb.st_size && ftruncate(fileno(d->out), end) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", d->out_name);
}

/*
 * Deletes are held, for why (--hold-deletes, or a record set aside that
 * says the export may lack records): they are listed, none is made. The
 * first reason is the one told, with how many more there were.
 */
void
deletes_hold(struct deletes *d, const char *why, int listed_too)
{

	/* IsDeleted and IsConverted say positively what went: a damaged row holds none of them
	 */
	if (!listed_too && d->mode == DELETE_LISTED)
		return;
	d->hold_listed |= listed_too;
	if (d->holds++ == 0)
		snprintf(d->hold, sizeof d->hold, "%s", why);
}

/* Keeps the Id id (any case, 15 or 18 characters) of a record still in Salesforce. */
static void
keep_id(struct deletes *d, const char *v)
{
	char id[SFID_LEN + 1], why[SFID_WHY_SIZE];
	enum sfid_status st = sfid_normalize(v, strlen(v), id, why);

	if (st != SFID_NULL && st != SFID_INVALID)
		json_object_set_new(d->keep, id, json_true());
}

/* --keep: a record set aside this run but still in Salesforce is not deleted. */
static int
keep_add(void *ctx, json_t *line, unsigned long n)
{
	struct deletes *d = ctx;
	const char *skip = json_string_value(json_object_get(line, "skip"));
	const char *status = json_string_value(json_object_get(line, "status"));
	json_t *key = json_object_get(line, "key"), *opp = json_object_get(line, "opportunity");
	json_t *ids = json_object_get(line, "ids"), *v;
	size_t i;

	(void)n;
	if (status != NULL && strcmp(status, "unlinked") == 0)
		return 0; /* written all the same: in the input */
	/* msi-extract: a row that may hold other rows (a stray quote) or a file cut short */
	if (json_is_string(json_object_get(line, "holds_deletes")))
		deletes_hold(d, json_string_value(json_object_get(line, "holds_deletes")), 0);
	if (!d->obj->lead_ids)
		json_array_foreach (ids, i, v)
			if (json_is_string(v))
				keep_id(d, json_string_value(v));
	if (d->obj->lead_ids && json_is_string(opp)) {
		/* a role set aside: its opportunity's roles stay, the role's own key unknown;
		 */
		/* a role deleted in Salesforce goes, by the key msi-transform made of it */
		if (skip == NULL || strcmp(skip, "deleted") != 0)
			json_object_set_new(d->keep, json_string_value(opp), json_true());
		else if (json_is_string(key))
			json_object_set_new(d->keep, json_string_value(key), json_string(skip));
		return 0;
	}
	if (!json_is_string(key) && json_is_string(json_object_get(line, "id")) &&
	    !d->obj->lead_ids) {
		/* a row msi-extract could not read, but whose Id it could */
		const char *id = json_string_value(json_object_get(line, "id"));
		char norm[SFID_LEN + 1], why[SFID_WHY_SIZE];
		enum sfid_status st = sfid_normalize(id, strlen(id), norm, why);

		if (st != SFID_NULL && st != SFID_INVALID) {
			json_object_set_new(d->keep, norm, json_true());
			return 0;
		}
	}
	if (!json_is_string(key)) {
		/* a record not known by key could be any of them */
		if (skip == NULL || strcmp(skip, "deleted") != 0)
			d->unkeyed++;
		return 0;
	}
	if (skip != NULL && (strcmp(skip, "deleted") == 0 || strcmp(skip, "converted") == 0))
		json_object_set_new(d->keep, json_string_value(key), json_string(skip));
	else
		json_object_set_new(d->keep, json_string_value(key), json_true());
	return 0;
}

/* Reads a --keep file (a stage's rejects). Returns 0, or an exit status after a message. */
int
deletes_keep(struct deletes *d, const char *path)
{
	return ndjson_each(path, keep_add, d);
}

/* Whether a role's opportunity is among those kept (a role of it was set aside). */
static int
role_kept(const struct deletes *d, json_t *extra)
{
	const char *opp = json_string_value(json_object_get(extra, "externalOpportunityId"));
	json_t *k = opp ? json_object_get(d->keep, opp) : NULL;

	return json_is_true(k);
}

/* What the state keeps of a record besides its key: a lead's Marketo id, a role's line. */
static json_t *
extra_of(const struct deletes *d, const struct landed_rec *r)
{
	return d->obj->lead_ids ? r->line : json_object_get(r->line, "id");
}

/* What a delete call's input names the record by. A new reference. */
static json_t *
delete_input(const struct deletes *d, const struct landed_rec *r)
{
	json_t *extra = extra_of(d, r);
	const char *key = r->key;

	if (d->is_lead)
		return json_is_integer(extra) ? json_pack("{s:O}", "id", extra) : NULL;
	if (d->obj->lead_ids)
		return json_is_integer(json_object_get(extra, "leadId"))
		           ? json_pack("{s:O, s:O, s:O}", "externalOpportunityId",
		                 json_object_get(extra, "externalOpportunityId"), "leadId",
		                 json_object_get(extra, "leadId"), "role",
		                 json_object_get(extra, "role"))
		           : NULL;
	return json_pack("{s:s}", d->obj->key[0], key);
}

/*
 * What a dry run reads back to name a record it would delete: the fields
 * that tell a person what it is, by the field the delete names it by (a
 * lead by its Marketo id). Roles are named by their key already.
 */
static const char *const name_fields[MKTO_OBJECTS] = {
    "externalSalesPersonId,email,firstName,lastName",
    "externalCompanyId,company",
    "id,externalPersonId,email,firstName,lastName",
    "externalOpportunityId,name",
    NULL,
};

/* The value a delete names record key by, as Marketo's query answers it: "" if none. */
static const char *
filter_value(const struct deletes *d, const struct landed_rec *r, char *buf, size_t size)
{
	json_t *extra = extra_of(d, r);

	if (!d->is_lead)
		return r->key;
	if (!json_is_integer(extra))
		return "";
	snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(extra));
	return buf;
}

/* One record the dry run's query found, filed by the value it was asked by. */
static void
preview_found(void *ctx, json_t *rec)
{
	struct deletes *d = ctx;
	json_t *v = json_object_get(rec, d->is_lead ? "id" : d->obj->id_field);
	char buf[32];

	if (json_is_integer(v)) {
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		json_object_set(d->found, buf, rec);
	} else if (json_is_string(v)) {
		json_object_set(d->found, json_string_value(v), rec);
	}
}

/* What Marketo has of record key, read back by the dry run: its record, or null. Borrowed. */
static json_t *
preview_of(const struct deletes *d, const struct landed_rec *r)
{
	char buf[32];
	json_t *rec = json_object_get(d->found, filter_value(d, r, buf, sizeof buf));

	return rec != NULL ? rec : json_null();
}

/*
 * A dry run's batch of deletes, g[0..n), read back from Marketo so that
 * the preview names each (d->found); 0, or -1 when calls must stop.
 */
static int
preview_read(struct deletes *d, struct mkclient *mk, const struct gone *g, size_t n)
{
	const char *ids[PER_CALL];
	char bufs[PER_CALL][32];
	size_t i, m = 0;

	json_decref(d->found);
	d->found = json_object();
	for (i = 0; i < n; i++)
		if (*(ids[m] = filter_value(d, &g[i].r, bufs[m], sizeof bufs[m])) != '\0')
			m++;
	if (m == 0)
		return 0;
	return mkclient_query(mk, d->obj->label, d->obj->path,
	    d->is_lead ? "id" : d->obj->id_field, name_fields[d->obj - mkto_objects], ids, m,
	    preview_found, d);
}

/* The delete call's path: the sync call's, .json made /delete.json. */
static void
delete_path(const struct deletes *d, char *buf, size_t size)
{
	size_t n = strlen(d->obj->path) - strlen(".json");

	snprintf(buf, size, "%.*s/delete.json", (int)n, d->obj->path);
}

/* A line of the deletes file (reasons, if any, stolen); the record leaves the state when it
 * left Marketo. */
static void
delete_done(struct deletes *d, struct landed *s, const struct gone *g, const char *status,
    json_t *reasons)
{
	json_t *line;

	line = json_pack("{s:s, s:s, s:s, s:o}", "key", g->r.key, "why", g->why, "status",
	    status, "record", json_copy(g->r.line));
	if (reasons != NULL)
		json_object_set_new(line, "reasons", reasons);
	if (d->found != NULL)
		json_object_set(line, "marketo", preview_of(d, &g->r));
	/* the line is out before the state forgets the record: a kill loses neither */
	if (d->out == NULL)
		json_decref(line);
	else if (ndjson_emit(d->out, d->out_name, line) != 0 || fflush(d->out) == EOF)
		exit(fwrite_failed(d->out, d->out_name));
	if (strcmp(status, "deleted") == 0 || strcmp(status, "gone") == 0 ||
	    strcmp(status, "not in Marketo") == 0) {
		if (strcmp(status, "gone") == 0)
			d->listed++;
		else if (strcmp(status, "deleted") == 0)
			d->deleted++;
		landed_gone(s, g->r.line);
	} else if (strcmp(status, "would delete") != 0 && strcmp(status, "would list") != 0 &&
	           strcmp(status, "not sent") != 0 && strcmp(status, "held") != 0) {
		d->not_deleted++;
	}
}

/*
 * The next record to go: a known one the input lacks, not kept (--keep,
 * a role of an opportunity set aside) and, with an input of what changed,
 * listed as deleted or converted. 1 with g set (its line to free), or 0.
 */
static int
next_gone(const struct deletes *d, struct landed *s, struct gone *g)
{
	json_t *kept;

	while (landed_unseen_next(s, &g->r)) {
		kept = json_object_get(d->keep, g->r.key);
		if (json_is_true(kept) ||
		    /* an input of what changed: the others are there still, unchanged */
		    (d->mode == DELETE_LISTED && !json_is_string(kept)) ||
		    (d->obj->lead_ids && role_kept(d, g->r.line))) {
			landed_rec_free(&g->r);
			continue;
		}
		g->why = json_is_string(kept) && strcmp(json_string_value(kept), "deleted") == 0
		             ? "deleted in Salesforce (IsDeleted)"
		         : json_is_string(kept) ? "converted in Salesforce (IsConverted)"
		                                : "not in the export";
		return 1;
	}
	return 0;
}

/* Each record still to go gets the line of status, with a reason of code (NULL: none). */
static void
rest_done(struct deletes *d, struct landed *s, const char *status, const char *code,
    const char *message)
{
	struct gone g;

	while (next_gone(d, s, &g)) {
		delete_done(d, s, &g, status,
		    code ? json_pack("[{s:s, s:s}]", "code", code, "message", message) : NULL);
		landed_rec_free(&g.r);
	}
}

/* Whether a delete answer's reason says the record is not there (so it left already). */
static int
not_found(json_t *item)
{
	json_t *one;
	size_t i;

	json_array_foreach (json_object_get(item, "reasons"), i, one) {
		const char *code = json_string_value(json_object_get(one, "code"));
		if (code != NULL && (strcmp(code, "1013") == 0 || strcmp(code, "1004") == 0))
			return 1;
	}
	return 0;
}

/* Frees the lines of a batch of n. */
static void
batch_let_go(struct gone *batch, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++)
		landed_rec_free(&batch[j].r);
}

/* Sends the deletes of the records to go, 300 a call, or prints them (dry run). */
static int
send_deletes(struct deletes *d, struct landed *s, struct mkclient *mk, int dry)
{
	struct mkanswer a;
	json_t *body, *input, *in, *item;
	struct gone batch[PER_CALL];
	char path[256], *text;
	size_t m, j;
	int status = 0, more = 1;

	delete_path(d, path, sizeof path);
	while (more) {
		input = json_array();
		for (m = 0; m < PER_CALL && (more = next_gone(d, s, &batch[m])) != 0;) {
			if ((in = delete_input(d, &batch[m].r)) == NULL) {
				delete_done(d, s, &batch[m], "failed",
				    json_pack("[{s:s, s:s}]", "code", "state", "message",
				        d->is_lead ? "the state has no Marketo id of this lead"
				                   : "the state has no leadId of this role"));
				landed_rec_free(&batch[m].r);
				continue;
			}
			json_array_append_new(input, in);
			m++;
		}
		if (m == 0) {
			json_decref(input);
			continue;
		}
		body = d->is_lead ? json_pack("{s:o}", "input", input)
		                  : json_pack("{s:s, s:o}", "deleteBy", "dedupeFields", "input",
		                        input);
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		d->calls++;
		if (dry && d->name && name_fields[d->obj - mkto_objects] != NULL &&
		    preview_read(d, mk, batch, m) != 0) {
			free(text);
			batch_let_go(batch, m);
			return mkclient_status(mk);
		}
		if (dry) {
			if (puts(text) == EOF)
				exit(fwrite_failed(stdout, "stdout"));
			for (j = 0; j < m; j++)
				delete_done(d, s, &batch[j], "would delete", NULL);
			json_decref(d->found);
			d->found = NULL;
			free(text);
			batch_let_go(batch, m);
			continue;
		}
		if (mkclient_call(mk, path, text, strlen(text), "application/json", &a) !=
		    RETRY_DONE) {
			/* refused, the next call may go; calls stopped, a resumed run sends
			 * them */
			status = mkclient_status(mk);
			for (j = 0; j < m; j++)
				delete_done(d, s, &batch[j], status ? "not sent" : "failed",
				    json_pack(
				        "[{s:s, s:s}]", "code", a.code, "message", a.message));
			json_decref(a.json);
			free(text);
			batch_let_go(batch, m);
			if (status == 0)
				continue;
			/* the rest stay known, and go then too */
			rest_done(d, s, "not sent", "stopped",
			    "the calls stopped before this delete was sent");
			return status;
		}
		for (j = 0; j < m; j++) {
			item = json_array_get(json_object_get(a.json, "result"), j);
			if (json_is_string(json_object_get(item, "status")) &&
			    strcmp(json_string_value(json_object_get(item, "status")),
			        "deleted") == 0)
				delete_done(d, s, &batch[j], "deleted", NULL);
			else if (item != NULL && not_found(item))
				delete_done(d, s, &batch[j], "not in Marketo",
				    json_incref(json_object_get(item, "reasons")));
			else
				delete_done(d, s, &batch[j], item ? "skipped" : "failed",
				    item
				        ? json_incref(json_object_get(item, "reasons"))
				        : json_pack("[{s:s, s:s}]", "code", "answer", "message",
				              "no result for this record in Marketo's answer"));
		}
		json_decref(a.json);
		free(text);
		batch_let_go(batch, m);
	}
	return status;
}

/*
 * The end of a complete input (--delete-missing): each record known to be
 * in Marketo that the input lacks and that was not set aside this run is
 * gone from Salesforce: deleted in Marketo; a lead listed as gone, and
 * deleted only with --delete-leads. More than --max-delete percent of the
 * known records at once is refused: an export cut short must not empty
 * Marketo. Returns 0 or an exit status.
 */
int
deletes_run(struct deletes *d, struct landed *s, struct mkclient *mk, int dry)
{
	double known = (double)landed_known(s); /* when the run began */
	struct gone g;
	size_t m = 0;
	int status = 0;
	char why[256];

	if (d->unkeyed > 0) {
		snprintf(why, sizeof why,
		    "%lu records were set aside without a key this run, and could be any of the %lu "
		    "known; a run without them lets the deletes go",
		    d->unkeyed, landed_known(s));
		deletes_hold(d, why, 0);
	}
	/* counted first: what is done with them depends on how many they are */
	landed_unseen_rewind(s);
	for (; next_gone(d, s, &g); m++)
		landed_rec_free(&g.r);
	landed_unseen_rewind(s);
	d->planned = m;
	if (d->holds > 0 && m > 0) {
		/* the tool cannot be sure they left Salesforce: listed, kept in Marketo */
		d->held = 1;
		msg_warn(
		    "deletes held: %zu %s record%s not in the input stay%s in Marketo, listed "
		    "in the deletes file: %s%s",
		    m, d->obj->label, m == 1 ? "" : "s", m == 1 ? "s" : "", d->hold,
		    d->holds > 1 ? " (and other reasons: see the records set aside)" : "");
		rest_done(d, s, "held", "held", d->hold);
	} else if (m > 0 && (double)m * 100.0 > d->max_delete * known) {
		msg_warn(
		    "%zu of the %lu %s records known to be in Marketo (%.1f%%) are gone from "
		    "the input, over --max-delete %g%%: none deleted; if the export is whole, "
		    "run again with --max-delete %.0f",
		    m, landed_known(s), d->obj->label, 100.0 * (double)m / known, d->max_delete,
		    ceil(100.0 * (double)m / known));
		rest_done(d, s, "refused", "max-delete",
		    "more than --max-delete of the known records would go");
		d->refused = 1;
		d->needed = ceil(100.0 * (double)m / known);
	} else if (d->is_lead && !d->leads) {
		/* a lead's activity history goes with it: listed, left in Marketo */
		rest_done(d, s, dry ? "would list" : "gone", NULL, NULL);
	} else if (m > 0) {
		status = send_deletes(d, s, mk, dry);
	}
	return status;
}

/* Closes the --deletes file, lets the --keep keys go: 0, or -1 after a message (a lost write).
 */
int
deletes_close(struct deletes *d)
{
	int st = 0;

	if (d->out != NULL)
		st = fshut(d->out, d->out_name);
	d->out = NULL;
	json_decref(d->keep);
	d->keep = NULL;
	json_decref(d->found);
	d->found = NULL;
	return st;
}

/* The counts for --stats-json. */
void
deletes_stats(const struct deletes *d, json_t *stats)
{
	json_object_set_new(stats, "deletes",
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:b, s:b}", "planned", (json_int_t)d->planned,
	        "deleted", (json_int_t)d->deleted, "listed", (json_int_t)d->listed,
	        "not_deleted", (json_int_t)d->not_deleted, "calls", (json_int_t)d->calls,
	        "refused", d->refused, "held", d->held));
	if (d->held) /* what held them, and what lets them go */
		json_object_set_new(
		    json_object_get(stats, "deletes"), "held_why", json_string(d->hold));
	if (d->refused) /* the --max-delete that would have let them go */
		json_object_set_new(json_object_get(stats, "deletes"), "needed",
		    json_integer((json_int_t)d->needed));
}
