/* landed.c: msi-load's --changed-only: what landed in Marketo, key by key; the deletes it makes. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "load.h"
#include "msg.h"
#include "reject.h"
#include "sfid.h"

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

/* The key of a state line or a record, or NULL when it has none msi-load can track. */
static const char *
key_of(struct load *l, json_t *rec, json_t **made)
{
	json_t *k;

	*made = NULL;
	if (l->is_lead) {
		k = json_object_get(rec, "externalPersonId");
		return json_is_string(k) && json_string_length(k) > 0 ? json_string_value(k) : NULL;
	}
	k = results_key(l, rec);
	if (!json_is_string(k) || json_string_length(k) == 0) {
		json_decref(k);
		return NULL;
	}
	*made = k;
	return json_string_value(k);
}

/* The state line of a record known to be in Marketo. A new reference. */
static json_t *
state_line(struct load *l, const char *key, json_t *digest)
{
	json_t *line, *extra = json_object_get(l->landed.extra, key);

	if (json_is_object(extra)) { /* roles: the line as read or made */
		line = json_copy(extra);
	} else {
		line = json_object();
		json_object_set_new(line, l->is_lead ? "externalPersonId" : l->obj->key[0],
		    json_string(key));
		if (extra != NULL)
			json_object_set(line, "id", extra);
	}
	json_object_set(line, "digest", digest);
	return line;
}

static json_t *
header(struct load *l)
{
	return json_pack("{s:s, s:s, s:s}", HEADER, "changed-only", "object", l->obj->name,
	    "instance", l->landed.instance);
}

/* Whether v is an id Marketo gives a record: a positive integer. */
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
state_member_bad(struct load *l, json_t *line)
{
	const char *k, *why = NULL;
	json_t *v;
	size_t i;
	int named;

	json_object_foreach(line, k, v)
	{
		named = 0;
		for (i = 0; i < 3 && l->obj->key[i] != NULL; i++)
			named |= strcmp(k, l->obj->key[i]) == 0;
		if (l->is_lead)
			named |= strcmp(k, "externalPersonId") == 0;
		if (strcmp(k, "role") == 0 && l->obj->lead_ids)
			why = json_is_string(v) || json_is_null(v) ? NULL : k;
		else if (named)
			why = json_is_string(v) && json_string_length(v) > 0 ? NULL : k;
		else if (strcmp(k, "id") == 0 && !l->obj->lead_ids)
			why = marketo_id(v) ? NULL : k;
		else if (strcmp(k, "leadId") == 0 && l->obj->lead_ids)
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
state_take(struct load *l, json_t *line, unsigned long n)
{
	struct landed *s = &l->landed;
	const char *key, *v;
	json_t *made, *extra;

	if (json_object_get(line, HEADER) != NULL) {
		v = json_string_value(json_object_get(line, "object"));
		if (v == NULL || strcmp(v, l->obj->name) != 0) {
			msg_at(s->path, n, "the state of %s, not of %s: give each object a state of its own",
			    v ? v : "another object", l->obj->name);
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
	if ((v = state_member_bad(l, line)) != NULL) {
		msg_at(s->path, n,
		    "member \"%s\" is not as msi-load writes it (an edited or foreign state: see "
		    "msi-load(1), CHANGED ONLY AND DELETES)",
		    v);
		return MSI_EXIT_BADINPUT;
	}
	if ((key = key_of(l, line, &made)) == NULL) {
		msg_at(s->path, n, "a state line without the fields that name its %s", l->obj->label);
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
		if (l->obj->lead_ids) {
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
 * Reads the state (none yet: an empty one), then opens it to append.
 * instance is the Marketo REST URL this run calls, or NULL (a dry run,
 * which does not check it and writes nothing).
 */
void
landed_open(struct load *l, const char *instance)
{
	struct landed *s = &l->landed;
	json_error_t err;
	struct stat sb, now;
	json_t *line;
	char *buf = NULL;
	size_t size = 0;
	ssize_t len;
	off_t whole = 0;
	unsigned long n = 0;
	FILE *fp;
	int fd, st;

	s->instance = instance;
	s->digest = json_object();
	s->extra = json_object();
	s->seen = json_object();
	s->keep = s->keep ? s->keep : json_object();
	/* one run at a time appends to it (a dry run only reads: a line cut short is dropped) */
	fd = -1;
	while (instance != NULL) {
		if ((fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0600)) < 0)
			msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
		if (flock(fd, LOCK_EX | LOCK_NB) != 0)
			msg_fatal(errno == EWOULDBLOCK ? MSI_EXIT_BUSY : MSI_EXIT_IO,
			    "%s: %s", s->path,
			    errno == EWOULDBLOCK ? "another msi-load is using it; try again when it has ended"
			                         : strerror(errno));
		/* the file locked must be the one the name gives: a run ending renames a new one over it */
		if (fstat(fd, &sb) == 0 && stat(s->path, &now) == 0 && sb.st_dev == now.st_dev &&
		    sb.st_ino == now.st_ino)
			break;
		close(fd);
	}
	if ((fp = fopen(s->path, "r")) == NULL && errno != ENOENT)
		msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
	if (fp != NULL) {
		if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode))
			msg_fatal(MSI_EXIT_IO, "%s: not a regular file", s->path);
		while ((len = getline(&buf, &size, fp)) > 0) {
			n++;
			if (buf[len - 1] != '\n') {
				/* cut short by a kill while appending: its record goes again */
				msg_warn("%s:%lu: a line cut short (a run killed while writing it) is "
				         "dropped",
				    s->path, n);
				break;
			}
			whole += len;
			if ((line = json_loadb(buf, (size_t)len, 0, &err)) == NULL ||
			    !json_is_object(line)) {
				msg_at(s->path, n, "%s", line ? "not a JSON object" : err.text);
				st = MSI_EXIT_BADINPUT;
			} else {
				st = state_take(l, line, n);
			}
			json_decref(line);
			if (st != 0) {
				free(buf);
				fclose(fp);
				landed_close(l);
				exit(st);
			}
		}
		if (ferror(fp))
			msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
		free(buf);
		fclose(fp);
	}
	s->known = json_object_size(s->digest);
	if (instance == NULL)
		return;
	/* the state is for its user only, as the records it names; a line cut short goes */
	if (ftruncate(fd, whole) != 0 || (s->journal = fdopen(fd, "a")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
	if (!s->has_header) {
		if (ndjson_emit(s->journal, s->path, header(l)) != 0)
			exit(MSI_EXIT_IO);
	}
}

/*
 * A record of the input: remembered as there, and whether it is as it
 * landed last (then it is not sent). A record msi-load cannot key is
 * always sent.
 */
int
landed_same(struct load *l, json_t *rec)
{
	struct landed *s = &l->landed;
	json_t *made, *old;
	const char *key;
	int same;

	if ((key = key_of(l, rec, &made)) == NULL)
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
append(struct load *l, json_t *line)
{
	if (l->landed.journal == NULL)
		json_decref(line);
	else if (ndjson_emit(l->landed.journal, l->landed.path, line) != 0)
		exit(MSI_EXIT_IO);
}

/*
 * Marketo confirmed rec (its result line): it is known to be there as
 * sent. A record landed without its sales person (718) is recorded as it
 * landed, so that it goes again, linked, once the sales person is there.
 */
void
landed_confirm(struct load *l, json_t *rec, json_t *result)
{
	struct landed *s = &l->landed;
	json_t *made, *dg, *as_sent = NULL, *v, *extra;
	const char *key;

	if (s->digest == NULL || (key = key_of(l, rec, &made)) == NULL)
		return;
	if (json_object_get(result, "unlinked") != NULL) {
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
	if (l->obj->lead_ids) {
		extra = json_object();
		json_object_set(extra, "externalOpportunityId",
		    json_object_get(rec, "externalOpportunityId"));
		json_object_set(extra, "externalPersonId", json_object_get(rec, "externalPersonId"));
		json_object_set(extra, "role", json_object_get(rec, "role"));
		v = json_object_get(l->lead_ids, json_string_value(json_object_get(rec,
		                                      "externalPersonId")));
		if (json_is_integer(v))
			json_object_set(extra, "leadId", v);
		json_object_set_new(s->extra, key, extra);
	} else if (json_is_integer(v = json_object_get(result, "id"))) {
		json_object_set(s->extra, key, v);
	}
	append(l, state_line(l, key, dg));
	json_decref(dg);
	json_decref(made);
}

/*
 * Opens the --deletes file: anew, or to add to after a resumed run's
 * (then a last line cut short by a kill goes first).
 */
void
landed_report(struct load *l, int append)
{
	struct landed *s = &l->landed;
	struct stat sb;
	off_t end;
	char c;
	int fd;

	if (s->out_name == NULL)
		return;
	if ((s->out = fopen_private(s->out_name, append)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", s->out_name);
	if (!append || fstat(fileno(s->out), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0)
		return;
	if ((fd = open(s->out_name, O_RDONLY | O_NOFOLLOW)) < 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", s->out_name);
	for (end = sb.st_size; end > 0; end--) {
		if (pread(fd, &c, 1, end - 1) != 1)
			msg_sysfatal(MSI_EXIT_IO, "%s", s->out_name);
		if (c == '\n')
			break;
	}
	close(fd);
	if (end < sb.st_size && ftruncate(fileno(s->out), end) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", s->out_name);
}

/* Flushes what was appended to the disk: before a checkpoint may say it is out. */
void
landed_flush(struct load *l)
{
	FILE *fp = l->landed.journal;

	if (fp != NULL && (fflush(fp) == EOF || fsync(fileno(fp)) != 0))
		msg_sysfatal(MSI_EXIT_IO, "%s", l->landed.path);
}

/*
 * Deletes are held, for why (--hold-deletes, or a record set aside that
 * says the export may lack records): they are listed, none is made. The
 * first reason is the one told, with how many more there were.
 */
void
landed_hold(struct load *l, const char *why, int listed_too)
{
	struct landed *s = &l->landed;

	/* IsDeleted and IsConverted say positively what went: a damaged row holds none of them */
	if (!listed_too && s->delete_missing == DELETE_LISTED)
		return;
	s->hold_listed |= listed_too;
	if (s->holds++ == 0)
		snprintf(s->hold, sizeof s->hold, "%s", why);
}

/* Keeps the Id id (any case, 15 or 18 characters) of a record still in Salesforce. */
static void
keep_id(struct load *l, const char *v)
{
	char id[SFID_LEN + 1], why[SFID_WHY_SIZE];
	enum sfid_status st = sfid_normalize(v, strlen(v), id, why);

	if (st != SFID_NULL && st != SFID_INVALID)
		json_object_set_new(l->landed.keep, id, json_true());
}

/* --keep: a record set aside this run but still in Salesforce is not deleted. */
static int
keep_add(void *ctx, json_t *line, unsigned long n)
{
	struct load *l = ctx;
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
		landed_hold(l, json_string_value(json_object_get(line, "holds_deletes")), 0);
	if (!l->obj->lead_ids)
		json_array_foreach(ids, i, v) if (json_is_string(v)) keep_id(l, json_string_value(v));
	if (l->obj->lead_ids && json_is_string(opp)) {
		/* a role set aside: its opportunity's roles stay, the role's own key unknown; */
		/* a role deleted in Salesforce goes, by the key msi-transform made of it */
		if (skip == NULL || strcmp(skip, "deleted") != 0)
			json_object_set_new(l->landed.keep, json_string_value(opp), json_true());
		else if (json_is_string(key))
			json_object_set_new(l->landed.keep, json_string_value(key), json_string(skip));
		return 0;
	}
	if (!json_is_string(key) && json_is_string(json_object_get(line, "id")) &&
	    !l->obj->lead_ids) {
		/* a row msi-extract could not read, but whose Id it could */
		const char *id = json_string_value(json_object_get(line, "id"));
		char norm[SFID_LEN + 1], why[SFID_WHY_SIZE];
		enum sfid_status st = sfid_normalize(id, strlen(id), norm, why);

		if (st != SFID_NULL && st != SFID_INVALID) {
			json_object_set_new(l->landed.keep, norm, json_true());
			return 0;
		}
	}
	if (!json_is_string(key)) {
		/* a record not known by key could be any of them */
		if (skip == NULL || strcmp(skip, "deleted") != 0)
			l->landed.unkeyed++;
		return 0;
	}
	if (skip != NULL && (strcmp(skip, "deleted") == 0 || strcmp(skip, "converted") == 0))
		json_object_set_new(l->landed.keep, json_string_value(key), json_string(skip));
	else
		json_object_set_new(l->landed.keep, json_string_value(key), json_true());
	return 0;
}

int
landed_keep(struct load *l, const char *path)
{
	if (l->landed.keep == NULL)
		l->landed.keep = json_object();
	return ndjson_each(path, keep_add, l);
}

/* Whether a role's opportunity is among those kept (a role of it was set aside). */
static int
role_kept(struct load *l, json_t *extra)
{
	const char *opp = json_string_value(json_object_get(extra, "externalOpportunityId"));
	json_t *k = opp ? json_object_get(l->landed.keep, opp) : NULL;

	return json_is_true(k);
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of an object, sorted: state files and delete lists come out the same each time. */
static const char **
sorted_keys(json_t *o, size_t *n)
{
	const char **keys = emalloc((json_object_size(o) + 1) * sizeof *keys), *k;
	json_t *v;

	*n = 0;
	json_object_foreach(o, k, v) keys[(*n)++] = k;
	qsort(keys, *n, sizeof *keys, by_key);
	return keys;
}

/* What a delete call's input names the record by. A new reference. */
static json_t *
delete_input(struct load *l, const char *key)
{
	json_t *extra = json_object_get(l->landed.extra, key);

	if (l->is_lead)
		return json_is_integer(extra) ? json_pack("{s:O}", "id", extra) : NULL;
	if (l->obj->lead_ids)
		return json_is_integer(json_object_get(extra, "leadId"))
		           ? json_pack("{s:O, s:O, s:O}", "externalOpportunityId",
		                 json_object_get(extra, "externalOpportunityId"), "leadId",
		                 json_object_get(extra, "leadId"), "role",
		                 json_object_get(extra, "role"))
		           : NULL;
	return json_pack("{s:s}", l->obj->key[0], key);
}

/* The delete call's path: the sync call's, .json made /delete.json. */
static void
delete_path(struct load *l, char *buf, size_t size)
{
	size_t n = strlen(l->obj->path) - strlen(".json");

	snprintf(buf, size, "%.*s/delete.json", (int)n, l->obj->path);
}

/* A line of the deletes file (reasons, if any, stolen); the record leaves the state when it left Marketo. */
static void
delete_done(struct load *l, const char *key, const char *why, const char *status,
    json_t *reasons)
{
	struct landed *s = &l->landed;
	json_t *line, *gone;

	line = json_pack("{s:s, s:s, s:s, s:o}", "key", key, "why", why, "status", status,
	    "record", state_line(l, key, json_object_get(s->digest, key)));
	if (reasons != NULL)
		json_object_set_new(line, "reasons", reasons);
	/* the line is out before the state forgets the record: a kill loses neither */
	if (s->out == NULL)
		json_decref(line);
	else if (ndjson_emit(s->out, s->out_name, line) != 0 || fflush(s->out) == EOF)
		exit(fwrite_failed(s->out, s->out_name));
	if (strcmp(status, "deleted") == 0 || strcmp(status, "gone") == 0 ||
	    strcmp(status, "not in Marketo") == 0) {
		gone = state_line(l, key, json_object_get(s->digest, key));
		json_object_del(gone, "digest");
		json_object_set_new(gone, "gone", json_true());
		append(l, gone);
		if (s->journal != NULL && fflush(s->journal) == EOF)
			exit(fwrite_failed(s->journal, s->path));
		/* key may be the digest table's own: the table that owns it goes last */
		json_object_del(s->extra, key);
		json_object_del(s->digest, key);
		if (strcmp(status, "gone") == 0)
			s->listed++;
		else if (strcmp(status, "deleted") == 0)
			s->deleted++;
	} else if (strcmp(status, "would delete") != 0 && strcmp(status, "would list") != 0 &&
	           strcmp(status, "not sent") != 0 && strcmp(status, "held") != 0) {
		s->not_deleted++;
	}
}

/* Whether a delete answer's reason says the record is not there (so it left already). */
static int
not_found(json_t *item)
{
	json_t *one;
	size_t i;

	json_array_foreach(json_object_get(item, "reasons"), i, one)
	{
		const char *code = json_string_value(json_object_get(one, "code"));
		if (code != NULL && (strcmp(code, "1013") == 0 || strcmp(code, "1004") == 0))
			return 1;
	}
	return 0;
}

/* Sends the deletes of keys[0..n) (whys alike), 300 a call, or prints them (dry run). */
static int
send_deletes(struct load *l, const char **keys, const char **whys, size_t n, int dry)
{
	struct mkanswer a;
	json_t *body, *input, *in, *item;
	const char *batch[MAX_RECORDS], *bwhy[MAX_RECORDS];
	char path[256], *text;
	size_t i = 0, m, j;
	int status = 0;

	delete_path(l, path, sizeof path);
	while (i < n) {
		input = json_array();
		for (m = 0; i < n && m < MAX_RECORDS; i++) {
			if ((in = delete_input(l, keys[i])) == NULL) {
				delete_done(l, keys[i], whys[i], "failed",
				    json_pack("[{s:s, s:s}]", "code", "state", "message",
				        l->is_lead ? "the state has no Marketo id of this lead"
				                   : "the state has no leadId of this role"));
				continue;
			}
			batch[m] = keys[i];
			bwhy[m++] = whys[i];
			json_array_append_new(input, in);
		}
		if (m == 0) {
			json_decref(input);
			continue;
		}
		body = l->is_lead ? json_pack("{s:o}", "input", input)
		                  : json_pack("{s:s, s:o}", "deleteBy", "dedupeFields", "input", input);
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		l->landed.calls++;
		if (dry) {
			if (puts(text) == EOF)
				exit(fwrite_failed(stdout, "stdout"));
			for (j = 0; j < m; j++)
				delete_done(l, batch[j], bwhy[j], "would delete", NULL);
			free(text);
			continue;
		}
		if (mkclient_call(&l->mk, path, text, strlen(text), "application/json", &a) !=
		    RETRY_DONE) {
			/* refused, the next call may go; calls stopped, a resumed run sends them */
			status = mkclient_status(&l->mk);
			for (j = 0; j < m; j++)
				delete_done(l, batch[j], bwhy[j], status ? "not sent" : "failed",
				    json_pack("[{s:s, s:s}]", "code", a.code, "message", a.message));
			json_decref(a.json);
			free(text);
			if (status == 0)
				continue;
			for (; i < n; i++) /* the rest stay known, and go then too */
				delete_done(l, keys[i], whys[i], "not sent",
				    json_pack("[{s:s, s:s}]", "code", "stopped", "message",
				        "the calls stopped before this delete was sent"));
			return status;
		}
		for (j = 0; j < m; j++) {
			item = json_array_get(json_object_get(a.json, "result"), j);
			if (json_is_string(json_object_get(item, "status")) &&
			    strcmp(json_string_value(json_object_get(item, "status")), "deleted") == 0)
				delete_done(l, batch[j], bwhy[j], "deleted", NULL);
			else if (item != NULL && not_found(item))
				delete_done(l, batch[j], bwhy[j], "not in Marketo",
				    json_incref(json_object_get(item, "reasons")));
			else
				delete_done(l, batch[j], bwhy[j], item ? "skipped" : "failed",
				    item ? json_incref(json_object_get(item, "reasons"))
				         : json_pack("[{s:s, s:s}]", "code", "answer", "message",
				               "no result for this record in Marketo's answer"));
		}
		json_decref(a.json);
		free(text);
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
landed_deletes(struct load *l, int dry)
{
	struct landed *s = &l->landed;
	const char **keys, **gone, **whys, *k;
	json_t *kept;
	size_t n, i, m = 0;
	int status = 0;

	char why[256];

	if (s->unkeyed > 0) {
		snprintf(why, sizeof why,
		    "%lu records were set aside without a key this run, and could be any of the %lu "
		    "known; a run without them lets the deletes go",
		    s->unkeyed, (unsigned long)json_object_size(s->digest));
		landed_hold(l, why, 0);
	}
	keys = sorted_keys(s->digest, &n);
	gone = emalloc((n + 1) * sizeof *gone);
	whys = emalloc((n + 1) * sizeof *whys);
	for (i = 0; i < n; i++) {
		k = keys[i];
		if (json_object_get(s->seen, k) != NULL)
			continue;
		kept = json_object_get(s->keep, k);
		if (json_is_true(kept))
			continue;
		/* an input of what changed: the others are there still, unchanged */
		if (s->delete_missing == DELETE_LISTED && !json_is_string(kept))
			continue;
		if (l->obj->lead_ids && role_kept(l, json_object_get(s->extra, k)))
			continue;
		whys[m] = json_is_string(kept) && strcmp(json_string_value(kept), "deleted") == 0
		              ? "deleted in Salesforce (IsDeleted)"
		          : json_is_string(kept) ? "converted in Salesforce (IsConverted)"
		                                 : "not in the export";
		gone[m++] = k;
	}
	s->planned = m;
	if (s->holds > 0 && m > 0) {
		/* the tool cannot be sure they left Salesforce: listed, kept in Marketo */
		s->held = 1;
		msg_warn("deletes held: %zu %s record%s not in the input stay%s in Marketo, listed "
		         "in the deletes file: %s%s",
		    m, l->obj->label, m == 1 ? "" : "s", m == 1 ? "s" : "", s->hold,
		    s->holds > 1 ? " (and other reasons: see the records set aside)" : "");
		for (i = 0; i < m; i++)
			delete_done(l, gone[i], whys[i], "held",
			    json_pack("[{s:s, s:s}]", "code", "held", "message", s->hold));
	} else if (m > 0 && (double)m * 100.0 > s->max_delete * (double)s->known) {
		msg_warn("%zu of the %lu %s records known to be in Marketo (%.1f%%) are gone from "
		         "the input, over --max-delete %g%%: none deleted; if the export is whole, "
		         "run again with --max-delete %.0f",
		    m, s->known, l->obj->label, 100.0 * (double)m / (double)s->known, s->max_delete,
		    ceil(100.0 * (double)m / (double)s->known));
		for (i = 0; i < m; i++)
			delete_done(l, gone[i], whys[i], "refused",
			    json_pack("[{s:s, s:s}]", "code", "max-delete", "message",
			        "more than --max-delete of the known records would go"));
		s->refused = 1;
		s->needed = ceil(100.0 * (double)m / (double)s->known);
	} else if (l->is_lead && !s->delete_leads) {
		/* a lead's activity history goes with it: listed, left in Marketo */
		for (i = 0; i < m; i++)
			delete_done(l, gone[i], whys[i], dry ? "would list" : "gone", NULL);
	} else if (m > 0) {
		status = send_deletes(l, gone, whys, m, dry);
	}
	free(keys);
	free(gone);
	free(whys);
	return status;
}

/*
 * Writes the state anew, a line a key in key order, and renames it over
 * the file appended to: a crash leaves one or the other whole.
 */
void
landed_close(struct load *l)
{
	struct landed *s = &l->landed;
	char tmp[4096];
	const char **keys;
	size_t n, i;
	FILE *fp;

	if (s->journal != NULL) {
		/* the lock (on the journal) is held till the new file is in place */
		if (fflush(s->journal) == EOF)
			msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
		snprintf(tmp, sizeof tmp, "%s.tmp", s->path);
		if ((fp = fopen_tmp(tmp)) == NULL)
			msg_sysfatal(MSI_EXIT_IO, "%s", tmp);
		if (ndjson_emit(fp, tmp, header(l)) != 0)
			exit(MSI_EXIT_IO);
		keys = sorted_keys(s->digest, &n);
		for (i = 0; i < n; i++)
			if (ndjson_emit(fp, tmp,
			        state_line(l, keys[i], json_object_get(s->digest, keys[i]))) != 0)
				exit(MSI_EXIT_IO);
		free(keys);
		if (fcommit(fp, tmp, s->path) != 0)
			msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
		fclose(s->journal); /* the old file, replaced: what it held is in the new */
		s->journal = NULL;
	}
	json_decref(s->digest);
	json_decref(s->extra);
	json_decref(s->seen);
	json_decref(s->keep);
}

/* The counts for --stats-json. */
void
landed_stats(const struct load *l, json_t *stats)
{
	const struct landed *s = &l->landed;

	json_object_set_new(stats, "unchanged", json_integer((json_int_t)l->unchanged));
	json_object_set_new(stats, "deletes",
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:b, s:b}", "planned", (json_int_t)s->planned,
	        "deleted", (json_int_t)s->deleted, "listed", (json_int_t)s->listed, "not_deleted",
	        (json_int_t)s->not_deleted, "calls", (json_int_t)s->calls, "refused", s->refused,
	        "held", s->held));
	if (s->held) /* what held them, and what lets them go */
		json_object_set_new(json_object_get(stats, "deletes"), "held_why",
		    json_string(s->hold));
	if (s->refused) /* the --max-delete that would have let them go */
		json_object_set_new(json_object_get(stats, "deletes"), "needed",
		    json_integer((json_int_t)s->needed));
}
