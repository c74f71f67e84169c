/*
 * landed.c: msi-load's --changed-only state: what landed in Marketo, key
 * by key. Its owner (run.c, deletes.c) tells it what landed and what
 * went, and asks it what is known; it knows nothing of batches or calls.
 * The file is opened, locked, appended to and replaced through
 * common/statefile.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "digest.h"
#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "landed.h"
#include "msg.h"
#include "ndjson.h"

/*
 * The state is NDJSON, for jq as much as for msi-load. Its first line
 * names the object and the Marketo instance:
 *
 *	{"msi-load":"changed-only","object":"companies","instance":"https://.../rest"}
 *
 * then a line per record known to be in Marketo: the fields that name it
 * (its external id; a role's opportunity, person and role), what Marketo
 * needs to delete it (a lead's id, a role's leadId) and the digest of what
 * landed. A run appends a line for each record once Marketo confirmed it,
 * and {"...", "gone":true} for each record deleted (or listed as gone);
 * a later line of a key replaces an earlier one. At the end of a run the
 * file is written anew, a line a key in key order, and renamed over the
 * old one. A kill leaves the old lines and those appended, the last maybe
 * cut short: the next run drops that line (its record is sent again).
 */

#define HEADER "msi-load"
#define OWNER  "externalSalesPersonId"

/*
 * The key of a state line or a record, or NULL when it has none msi-load
 * can track; *made is a new reference to free (or NULL).
 */
static const char *
landed_key(const struct landed *s, json_t *rec, json_t **made)
{
	json_t *k;

	*made = NULL;
	if (s->is_lead) {
		k = json_object_get(rec, "externalPersonId");
		return json_is_string(k) && json_string_length(k) > 0 ? json_string_value(k)
		                                                      : NULL;
	}
	k = s->key(s->key_ctx, rec);
	if (!json_is_string(k) || json_string_length(k) == 0) {
		json_decref(k);
		return NULL;
	}
	*made = k;
	return json_string_value(k);
}

/* The state line of a record known to be in Marketo. A new reference. */
static json_t *
state_line(const struct landed *s, const char *key, json_t *digest)
{
	json_t *line, *extra = json_object_get(s->extra, key);

	if (json_is_object(extra)) { /* roles: the line as read or made */
		line = json_copy(extra);
	} else {
		line = json_object();
		json_object_set_new(
		    line, s->is_lead ? "externalPersonId" : s->obj->key[0], json_string(key));
		if (extra != NULL)
			json_object_set(line, "id", extra);
	}
	json_object_set(line, "digest", digest);
	return line;
}

/* The state line of a key known, with its digest. A new reference. */
json_t *
landed_line(const struct landed *s, const char *key)
{
	return state_line(s, key, json_object_get(s->digest, key));
}

static json_t *
header(const struct landed *s)
{
	return json_pack("{s:s, s:s, s:s}", HEADER, "changed-only", "object", s->obj->name,
	    "instance", s->instance);
}

static int
marketo_id(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) > 0;
}

/*
 * The first member of a record's state line that is not as msi-load writes
 * it (the file may have been edited, or be another's), or NULL: the fields
 * that name the record non-empty strings, a record's id and a role's
 * leadId Marketo ids, the digest an integer, gone true; no other member. A
 * forged id would send a delete to another record.
 */
static const char *
state_member_bad(const struct landed *s, json_t *line)
{
	const char *k, *why = NULL;
	json_t *v;
	size_t i;
	int named;

	json_object_foreach (line, k, v) {
		named = 0;
		for (i = 0; i < 3 && s->obj->key[i] != NULL; i++)
			named |= strcmp(k, s->obj->key[i]) == 0;
		if (s->is_lead)
			named |= strcmp(k, "externalPersonId") == 0;
		if (strcmp(k, "role") == 0 && s->obj->lead_ids)
			why = json_is_string(v) || json_is_null(v) ? NULL : k;
		else if (named)
			why = json_is_string(v) && json_string_length(v) > 0 ? NULL : k;
		else if (strcmp(k, "id") == 0 && !s->obj->lead_ids)
			why = marketo_id(v) ? NULL : k;
		else if (strcmp(k, "leadId") == 0 && s->obj->lead_ids)
			why = marketo_id(v) ? NULL : k;
		else if (strcmp(k, "digest") == 0)
			why = json_is_integer(v) ? NULL : k;
		else if (strcmp(k, "gone") == 0)
			why = json_is_true(v) ? NULL : k;
		else
			why = k;
		if (why != NULL)
			return why;
	}
	return NULL;
}

/*
 * One line of the state file: its header, a record, or a record gone.
 * Returns 0, or an exit status after a message.
 */
static int
state_take(struct landed *s, json_t *line, unsigned long n)
{
	const char *key, *v;
	json_t *made, *extra;

	if (json_object_get(line, HEADER) != NULL) {
		v = json_string_value(json_object_get(line, "object"));
		if (v == NULL || strcmp(v, s->obj->name) != 0) {
			msg_at(s->path, n,
			    "the state of %s, not of %s: give each object a state of its own",
			    v ? v : "another object", s->obj->name);
			return MSI_EXIT_USAGE;
		}
		v = json_string_value(json_object_get(line, "instance"));
		if (s->instance != NULL && (v == NULL || strcmp(v, s->instance) != 0)) {
			msg_at(s->path, n,
			    "the state of the Marketo instance %s, not of %s: its records are not "
			    "known to be there; use a state file of this instance, or remove this "
			    "one to send everything",
			    v ? v : "(none)", s->instance);
			return MSI_EXIT_USAGE;
		}
		s->has_header = 1;
		return 0;
	}
	if ((v = state_member_bad(s, line)) != NULL) {
		msg_at(s->path, n,
		    "member \"%s\" is not as msi-load writes it (an edited or foreign state: see "
		    "msi-load(1), CHANGED ONLY AND DELETES)",
		    v);
		return MSI_EXIT_BADINPUT;
	}
	if ((key = landed_key(s, line, &made)) == NULL) {
		msg_at(s->path, n, "a state line without the fields that name its %s",
		    s->obj->label);
		return MSI_EXIT_BADINPUT;
	}
	if (json_is_true(json_object_get(line, "gone"))) {
		json_object_del(s->digest, key);
		json_object_del(s->extra, key);
	} else if (!json_is_integer(json_object_get(line, "digest"))) {
		msg_at(s->path, n, "a state line without its digest");
		json_decref(made);
		return MSI_EXIT_BADINPUT;
	} else {
		json_object_set(s->digest, key, json_object_get(line, "digest"));
		if (s->obj->lead_ids) {
			extra = json_copy(line);
			json_object_del(extra, "digest");
			json_object_set_new(s->extra, key, extra);
		} else if (json_is_integer(json_object_get(line, "id"))) {
			json_object_set(s->extra, key, json_object_get(line, "id"));
		}
	}
	json_decref(made);
	return 0;
}

/*
 * Reads the state's lines from fp; *whole says how many bytes of it are
 * whole lines. A line cut short (a kill while appending) ends it: its
 * record is sent again. A line that is not as msi-load writes it stops
 * the run.
 */
static void
state_read(struct landed *s, FILE *fp, off_t *whole)
{
	json_error_t err;
	json_t *line;
	char *buf = NULL;
	size_t size = 0;
	ssize_t len;
	unsigned long n = 0;
	int st;

	while ((len = getline(&buf, &size, fp)) > 0) {
		n++;
		if (buf[len - 1] != '\n') {
			msg_warn("%s:%lu: a line cut short (a run killed while writing it) is "
			         "dropped",
			    s->path, n);
			break;
		}
		*whole += len;
		if ((line = json_loadb(buf, (size_t)len, 0, &err)) == NULL ||
		    !json_is_object(line)) {
			msg_at(s->path, n, "%s", line ? "not a JSON object" : err.text);
			st = MSI_EXIT_BADINPUT;
		} else {
			st = state_take(s, line, n);
		}
		json_decref(line);
		if (st != 0) {
			free(buf);
			fclose(fp);
			landed_close(s);
			exit(st);
		}
	}
	if (ferror(fp))
		msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
	free(buf);
}

/*
 * Reads the state at path (none yet: an empty one) of obj's records, then
 * opens it to append, locked for the run: one run at a time appends to it.
 * instance is the Marketo REST URL this run calls, or NULL (a dry run,
 * which does not check it, takes no lock and writes nothing). key names
 * the records of objects other than leads. Stops the run on failure.
 */
void
landed_open(struct landed *s, const char *path, const struct mkto_def *obj,
    const char *instance, landed_key_fn *key, const void *key_ctx)
{
	off_t whole = 0;
	FILE *fp;
	int st;

	memset(s, 0, sizeof *s);
	s->path = path;
	s->obj = obj;
	s->is_lead = obj == &mkto_objects[MKTO_LEAD];
	s->key = key;
	s->key_ctx = key_ctx;
	s->instance = instance;
	s->digest = json_object();
	s->extra = json_object();
	s->seen = json_object();
	if (instance != NULL)
		st = statefile_lock(&s->file, path, STATEFILE_NOFOLLOW | STATEFILE_APPEND,
		    "another msi-load is using it; try again when it has ended");
	else
		st = statefile_open(&s->file, path, 0);
	if (st != 0 || (st = statefile_regular(&s->file, MSI_EXIT_IO)) != 0)
		exit(st);
	if (s->file.fd >= 0) {
		if ((fp = statefile_reader(&s->file)) == NULL)
			msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
		state_read(s, fp, &whole);
		fclose(fp);
	}
	s->known = json_object_size(s->digest);
	if (instance == NULL)
		return;
	/* the state is for its user only, as the records it names; a line cut short goes */
	if (statefile_journal(&s->file, whole) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
	if (!s->has_header) {
		if (ndjson_emit(s->file.journal, s->path, header(s)) != 0)
			exit(MSI_EXIT_IO);
	}
}

/*
 * A record of the input: remembered as there, and whether it is as it
 * landed last (then it is not sent). A record msi-load cannot key is
 * always sent.
 */
int
landed_same(struct landed *s, json_t *rec)
{
	json_t *made, *old;
	const char *key;
	int same;

	if ((key = landed_key(s, rec, &made)) == NULL)
		return 0;
	/*
	 * A key twice in the input: both records go, as they would without a
	 * state, and its digest becomes one no record has, so that next time
	 * the first goes too rather than the second alone over it.
	 */
	if (json_object_get(s->seen, key) != NULL) {
		json_object_set_new(s->seen, key, json_false());
		if (json_object_get(s->digest, key) != NULL)
			json_object_set_new(s->digest, key, json_integer(0));
		json_decref(made);
		return 0;
	}
	json_object_set_new(s->seen, key, json_true());
	old = json_object_get(s->digest, key);
	same = old != NULL && json_integer_value(old) == digest_of(rec);
	json_decref(made);
	return same;
}

/* Appends a line (stolen) to the state; stops the run when it cannot be written. */
static void
append(struct landed *s, json_t *line)
{
	if (s->file.journal == NULL)
		json_decref(line);
	else if (ndjson_emit(s->file.journal, s->path, line) != 0)
		exit(MSI_EXIT_IO);
}

/*
 * Marketo confirmed rec: it is known to be there as sent. A record landed
 * without its sales person (unlinked, 718) is recorded as it landed, so
 * that it goes again, linked, once the sales person is there. id
 * (borrowed, may be NULL) is what a delete will name it by: a role's
 * person's leadId; the others' Marketo id (the answer's "id").
 */
void
landed_record(struct landed *s, json_t *rec, int unlinked, json_t *id)
{
	json_t *made, *dg, *as_sent = NULL, *extra;
	const char *key;

	if (s->digest == NULL || (key = landed_key(s, rec, &made)) == NULL)
		return;
	if (unlinked) {
		as_sent = json_copy(rec);
		json_object_del(as_sent, OWNER);
	}
	/* a key twice in the input keeps the digest no record has (landed_same) */
	if (json_is_false(json_object_get(s->seen, key)))
		dg = json_integer(0);
	else
		dg = json_integer(digest_of(as_sent ? as_sent : rec));
	json_decref(as_sent);
	json_object_set(s->digest, key, dg);
	if (s->obj->lead_ids) {
		extra = json_object();
		json_object_set(extra, "externalOpportunityId",
		    json_object_get(rec, "externalOpportunityId"));
		json_object_set(
		    extra, "externalPersonId", json_object_get(rec, "externalPersonId"));
		json_object_set(extra, "role", json_object_get(rec, "role"));
		if (json_is_integer(id))
			json_object_set(extra, "leadId", id);
		json_object_set_new(s->extra, key, extra);
	} else if (json_is_integer(id)) {
		json_object_set(s->extra, key, id);
	}
	append(s, state_line(s, key, dg));
	json_decref(dg);
	json_decref(made);
}

/*
 * The record of key left Marketo (or is listed as gone): a line says so,
 * out on the file before the state forgets it.
 */
void
landed_gone(struct landed *s, const char *key)
{
	json_t *gone;

	gone = state_line(s, key, json_object_get(s->digest, key));
	json_object_del(gone, "digest");
	json_object_set_new(gone, "gone", json_true());
	append(s, gone);
	if (s->file.journal != NULL && fflush(s->file.journal) == EOF)
		exit(fwrite_failed(s->file.journal, s->path));
	/* key may be the digest table's own: the table that owns it goes last */
	json_object_del(s->extra, key);
	json_object_del(s->digest, key);
}

/* Whether this run's input had the record of key. */
int
landed_seen(const struct landed *s, const char *key)
{
	return json_object_get(s->seen, key) != NULL;
}

/* What else the state holds of key (borrowed): a lead's Marketo id, a role's line; or NULL. */
json_t *
landed_extra(const struct landed *s, const char *key)
{
	return json_object_get(s->extra, key);
}

/* How many records were known to be in Marketo when the run began. */
unsigned long
landed_known(const struct landed *s)
{
	return s->known;
}

/* How many records are known to be in Marketo now. */
size_t
landed_count(const struct landed *s)
{
	return json_object_size(s->digest);
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The keys known, sorted (state files and delete lists come out the same
 * each time): an array to free, of keys borrowed from the state, valid
 * while the state keeps them.
 */
const char **
landed_keys(const struct landed *s, size_t *n)
{
	const char **keys = emalloc((json_object_size(s->digest) + 1) * sizeof *keys), *k;
	json_t *v;

	*n = 0;
	json_object_foreach (s->digest, k, v)
		keys[(*n)++] = k;
	qsort(keys, *n, sizeof *keys, by_key);
	return keys;
}

/* Flushes what was appended to the disk: before a checkpoint may say it is out. */
void
landed_sync(struct landed *s)
{
	if (statefile_sync(&s->file) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
}

/*
 * Writes the state anew, a line a key in key order, and renames it over
 * the file appended to: a crash leaves one or the other whole. The lock
 * passes to the new file. A dry run writes nothing.
 */
void
landed_commit(struct landed *s)
{
	const char **keys;
	size_t n, i;
	FILE *fp;

	if (s->file.journal == NULL)
		return;
	if (fflush(s->file.journal) == EOF)
		msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
	if ((fp = statefile_begin(&s->file)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", s->file.tmp);
	if (ndjson_emit(fp, s->file.tmp, header(s)) != 0)
		exit(MSI_EXIT_IO);
	keys = landed_keys(s, &n);
	for (i = 0; i < n; i++)
		if (ndjson_emit(fp, s->file.tmp, landed_line(s, keys[i])) != 0)
			exit(MSI_EXIT_IO);
	free(keys);
	if (statefile_commit(&s->file) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
}

/* Lets the state go: its tables, and the file (and its lock). */
void
landed_close(struct landed *s)
{
	statefile_close(&s->file);
	json_decref(s->digest);
	json_decref(s->extra);
	json_decref(s->seen);
	s->digest = s->extra = s->seen = NULL;
}
