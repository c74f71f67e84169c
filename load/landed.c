/*
 * landed.c: msi-load's --changed-only state: what landed in Marketo, key
 * by key. Its owner (run.c, deletes.c) tells it what landed and what
 * went, and asks it what is known; it knows nothing of batches or calls.
 * The file is opened, locked, appended to and replaced through
 * common/statefile.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "digest.h"
#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "keysort.h"
#include "landed.h"
#include "msg.h"
#include "ndjson.h"

/*
 * The state is NDJSON, for jq as much as for msi-load. Its first line
 * names the object and the Marketo instance, and says its lines are in
 * key order:
 *
 *	{"msi-load":"changed-only","object":"companies","instance":"https://.../rest","order":"key"}
 *
 * then a line per record known to be in Marketo, one a key, in the byte
 * order of their keys (LC_ALL=C sort(1)'s): the fields that name it (its
 * external id; a role's opportunity, person and role), what Marketo needs
 * to delete it (a lead's id, a role's leadId), the digest of what landed,
 * and for a lead the digest of its line's text as msi-transform writes it
 * ("text": an unchanged line is told so without parsing it). A run
 * appends a line for each record once Marketo confirmed it, and
 * {"...", "gone":true} for each record deleted (or listed as gone); a
 * later line of a key replaces an earlier one (a lead's id kept when the
 * later line has none). At the end of a run that appended, the appended
 * lines are sorted (sort(1)) and merged with the old ones into a new file,
 * renamed over the old one. A kill leaves the old lines and those
 * appended, the last maybe cut short: the next run drops that line (its
 * record is sent again) and, finding lines out of order, sorts and merges
 * them first. A state without "order" (written before it was kept sorted)
 * is read the same way, once, and rewritten. Nothing of it is held in
 * memory: the input's keys are sorted by sort(1) and merged with it.
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

static json_t *
header(const struct landed *s)
{
	return json_pack("{s:s, s:s, s:s?, s:s}", HEADER, "changed-only", "object",
	    s->obj->name, "instance", s->instance, "order", "key");
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
		else if (strcmp(k, "digest") == 0 || strcmp(k, "text") == 0)
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

/* Stops the run after a message: the state cannot be read or written. */
static void
io_fatal(const struct landed *s)
{
	msg_sysfatal(MSI_EXIT_IO, "%s", s->path);
}

/*
 * The header of a state: of this object and this instance, or the run
 * stops (status 2). Returns whether it says the lines are in key order.
 */
static int
header_take(const struct landed *s, json_t *line, unsigned long n)
{
	const char *v = json_string_value(json_object_get(line, "object"));

	if (v == NULL || strcmp(v, s->obj->name) != 0) {
		msg_at(s->path, n,
		    "the state of %s, not of %s: give each object a state of its own",
		    v ? v : "another object", s->obj->name);
		exit(MSI_EXIT_USAGE);
	}
	v = json_string_value(json_object_get(line, "instance"));
	if (s->instance != NULL && (v == NULL || strcmp(v, s->instance) != 0)) {
		msg_at(s->path, n,
		    "the state of the Marketo instance %s, not of %s: its records are not "
		    "known to be there; use a state file of this instance, or remove this "
		    "one to send everything",
		    v ? v : "(none)", s->instance);
		exit(MSI_EXIT_USAGE);
	}
	v = json_string_value(json_object_get(line, "order"));
	return v != NULL && strcmp(v, "key") == 0;
}

/*
 * A record's line of the state, checked: its key (r->key), or the run
 * stops (status 3) naming the line. r->line is borrowed.
 */
static void
line_take(struct landed *s, json_t *line, unsigned long n, struct landed_rec *r)
{
	const char *v;

	r->line = line;
	r->made = NULL;
	if ((v = state_member_bad(s, line)) != NULL) {
		msg_at(s->path, n,
		    "member \"%s\" is not as msi-load writes it (an edited or foreign state: see "
		    "msi-load(1), CHANGED ONLY AND DELETES)",
		    v);
		exit(MSI_EXIT_BADINPUT);
	}
	if ((r->key = landed_key(s, line, &r->made)) == NULL) {
		msg_at(s->path, n, "a state line without the fields that name its %s",
		    s->obj->label);
		exit(MSI_EXIT_BADINPUT);
	}
	if (!json_is_true(json_object_get(line, "gone")) &&
	    !json_is_integer(json_object_get(line, "digest"))) {
		msg_at(s->path, n, "a state line without its digest");
		exit(MSI_EXIT_BADINPUT);
	}
}

void
landed_rec_free(struct landed_rec *r)
{
	json_decref(r->made);
	json_decref(r->line);
	r->made = r->line = NULL;
}

/* A line of JSON text (no line end), parsed: a new reference, or NULL. */
static json_t *
parse(const char *text, size_t len)
{
	json_t *v = json_loadb(text, len, 0, NULL);

	if (v != NULL && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* Writes "key\tdigest\ttext" to the index of the lines written (text "-": none). */
static void
index_write(struct landed *s, FILE *index, const char *enc, json_int_t digest, int has_text,
    json_int_t text)
{
	int n = has_text
	            ? fprintf(index, "%s\t%" JSON_INTEGER_FORMAT "\t%" JSON_INTEGER_FORMAT "\n",
	                  enc, digest, text)
	            : fprintf(index, "%s\t%" JSON_INTEGER_FORMAT "\t-\n", enc, digest);

	if (n < 0)
		msg_sysfatal(MSI_EXIT_IO, "%s: a scratch file (TMPDIR)", s->path);
}

/* The index line of a record's line (borrowed). */
static void
index_put(struct landed *s, FILE *index, const char *enc, json_t *line)
{
	json_t *text = json_object_get(line, "text");

	index_write(s, index, enc, json_integer_value(json_object_get(line, "digest")),
	    json_is_integer(text), json_integer_value(text));
}

/* The lines of a state in key order, read beside their index. */
struct known_reader {
	FILE *body, *index;
	char *line, *iline;
	size_t size, isize;
	ssize_t len; /* of line, without its line end */
	char *key;   /* in iline */
	json_int_t digest;
	json_int_t text; /* the digest of its text as it was read, if has_text */
	int has_text;
};

/* The next known line: 1, or 0 at the end. */
static int
known_next(struct landed *s, struct known_reader *k)
{
	ssize_t n;
	char *tab;

	if (k->index == NULL || (n = getline(&k->iline, &k->isize, k->index)) <= 0)
		return 0;
	if ((k->len = getline(&k->line, &k->size, k->body)) <= 0 ||
	    (tab = strchr(k->iline, '\t')) == NULL)
		msg_fatal(MSI_EXIT_IO, "%s: changed while it was read", s->path);
	k->line[--k->len] = '\0';
	*tab = '\0';
	k->key = k->iline;
	k->digest = strtoll(tab + 1, &tab, 10);
	k->has_text = tab[0] == '\t' && tab[1] != '-';
	k->text = k->has_text ? strtoll(tab + 1, NULL, 10) : 0;
	return 1;
}

/* Reads from the first known line. */
static void
known_rewind(struct landed *s, struct known_reader *k)
{
	memset(k, 0, sizeof *k);
	k->body = s->body;
	k->index = s->index;
	if (s->index == NULL)
		return;
	if (fseeko(s->body, s->body_at, SEEK_SET) != 0 || fseeko(s->index, 0, SEEK_SET) != 0)
		io_fatal(s);
}

static void
known_free(struct known_reader *k)
{
	free(k->line);
	free(k->iline);
}

/* The next line of a sort: 1, or 0 at its end; stops the run when sort(1) failed. */
static int
sorted_next(struct keysort *ks, char **key, char **text, size_t *len)
{
	int got = keysort_get(ks, key, text, len);

	if (got < 0)
		exit(MSI_EXIT_IO);
	return got;
}

/* Moves member name of line, if there, to its end. */
static void
last(json_t *line, const char *name)
{
	json_t *v = json_object_get(line, name);

	if (v == NULL)
		return;
	json_incref(v);
	json_object_del(line, name);
	json_object_set_new(line, name, v);
}

/*
 * Writes to out (and "key\tdigest" to index) the known lines of k with the
 * lines of ch applied, ch's in key order, stably: a later line of a key
 * replaces an earlier one (a record's Marketo id kept when the later has
 * none; a role's line is whole), a line "gone" removes it. The known lines
 * no change names are copied as they are. Returns the lines written.
 */
static unsigned long
fold(struct landed *s, struct known_reader *k, struct keysort *ch, FILE *out, FILE *index)
{
	struct jsonbuf key = {0};
	char *ck = NULL, *ctext = NULL;
	size_t clen = 0;
	int hk = known_next(s, k), hc = sorted_next(ch, &ck, &ctext, &clen), c;
	json_t *base, *line, *id;
	unsigned long n = 0;

	while (hk || hc) {
		c = !hc ? -1 : !hk ? 1 : strcmp(k->key, ck);
		if (c < 0) {
			if (fprintf(out, "%s\n", k->line) < 0)
				break; /* told by the caller (ferror) */
			index_write(s, index, k->key, k->digest, k->has_text, k->text);
			n++;
			hk = known_next(s, k);
			continue;
		}
		key.len = 0;
		jsonbuf_add(&key, ck, strlen(ck) + 1);
		base = NULL;
		if (c == 0) {
			base = parse(k->line, (size_t)k->len);
			hk = known_next(s, k);
		}
		for (; hc && strcmp(ck, key.data) == 0;
		     hc = sorted_next(ch, &ck, &ctext, &clen)) {
			if ((line = parse(ctext, clen)) == NULL)
				msg_fatal(
				    MSI_EXIT_IO, "%s: a line could not be read back", s->path);
			if (json_is_true(json_object_get(line, "gone"))) {
				json_decref(line);
				line = NULL;
			} else if (!s->obj->lead_ids && json_object_get(line, "id") == NULL &&
			           (id = json_object_get(base, "id")) != NULL) {
				json_object_set(line, "id", id);
				/* the digests last, as landed_record writes them */
				last(line, "digest");
				last(line, "text");
			}
			json_decref(base);
			base = line;
		}
		if (base != NULL) {
			if (ndjson_write(out, base) != 0)
				break;
			index_put(s, index, key.data, base);
			n++;
			json_decref(base);
		}
	}
	jsonbuf_free(&key);
	return n;
}

/* The key of a line as sort(1) orders it: borrowed, valid until the next call. */
static const char *
enc(struct landed *s, const char *key)
{
	return keysort_key(&s->kb, key);
}

/* A new scratch file, or the run stops. */
static FILE *
scratch(const struct landed *s, const char *name)
{
	FILE *fp = scratch_file(name);

	if (fp == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s: a scratch file (TMPDIR)", s->path);
	return fp;
}

/*
 * The digits of a JSON integer at p, as jansson writes one from 0 (or,
 * positive, from 1) to 2^63 - 1: its value in *v and the first byte after
 * it, or NULL when p holds no such number.
 */
static char *
plain_number(char *p, int positive, json_int_t *v)
{
	char *end;

	if (*p < (positive ? '1' : '0') || *p > '9' ||
	    (*p == '0' && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	errno = 0;
	*v = strtoll(p, &end, 10);
	return errno == 0 ? end : NULL;
}

/*
 * A record's line exactly as landed_record writes it for an object other
 * than roles, {"KEYFIELD":"KEY","id":N,"digest":D,"text":T} ("id" and
 * "text" may be absent), its
 * key plain (no backslash, no control character): the key, in buf, and
 * *digest; else NULL, and the line is read by the JSON parser. A state of
 * a million lines is read without making a million JSON objects.
 */
static const char *
plain_line(struct landed *s, char *buf, size_t len, json_int_t *digest, int *has_text,
    json_int_t *text)
{
	const char *field = s->is_lead ? "externalPersonId" : s->obj->key[0];
	size_t flen = strlen(field);
	char *p = buf, *key, *end;
	json_int_t id;

	if (s->obj->lead_ids || len < flen + 20 || buf[len - 1] != '\n' || p[0] != '{' ||
	    p[1] != '"' || strncmp(p + 2, field, flen) != 0 ||
	    strncmp(p + 2 + flen, "\":\"", 3) != 0)
		return NULL;
	key = p = p + flen + 5;
	while (
	    *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x7f) /* ASCII: no UTF-8 to check */
		p++;
	if (*p != '"' || p == key)
		return NULL;
	end = p++;
	if (strncmp(p, ",\"id\":", 6) == 0 && (p = plain_number(p + 6, 1, &id)) == NULL)
		return NULL;
	if (strncmp(p, ",\"digest\":", 10) != 0 ||
	    (p = plain_number(p + 10, 0, digest)) == NULL)
		return NULL;
	*has_text = strncmp(p, ",\"text\":", 8) == 0;
	if (*has_text && (p = plain_number(p + 8, 0, text)) == NULL)
		return NULL;
	if (strcmp(p, "}\n") != 0)
		return NULL;
	*end = '\0';
	return key;
}

/*
 * Reads the state's record lines from fp (after the header, at *whole):
 * each is checked, and its key and digest go to the index. *whole grows by
 * the bytes read whole: a line cut short (a kill while appending) ends it,
 * and its record is sent again. Returns whether the lines were in key
 * order, one a key, none "gone": else they must be sorted and merged.
 */
static int
read_known(struct landed *s, FILE *fp, off_t *whole, unsigned long n)
{
	struct landed_rec r;
	struct jsonbuf prev = {0};
	char *buf = NULL;
	size_t size = 0;
	ssize_t len;
	json_t *line;
	const char *e;
	json_int_t digest, text;
	int sorted = 1, has_text;

	while ((len = getline(&buf, &size, fp)) > 0) {
		n++;
		if (buf[len - 1] != '\n') {
			msg_warn("%s:%lu: a line cut short (a run killed while writing it) is "
			         "dropped",
			    s->path, n);
			break;
		}
		*whole += len;
		if ((e = plain_line(s, buf, (size_t)len, &digest, &has_text, &text)) != NULL) {
			/* as landed_record writes it: no need of the JSON parser */
			if (prev.len > 0 && strcmp(prev.data, e) >= 0)
				sorted = 0;
			prev.len = 0;
			jsonbuf_add(&prev, e, strlen(e) + 1);
			if (sorted)
				index_write(s, s->index, e, digest, has_text, text);
			s->known++;
			continue;
		}
		if ((line = parse(buf, (size_t)len)) == NULL) {
			msg_at(s->path, n, "not a JSON object");
			exit(MSI_EXIT_BADINPUT);
		}
		if (json_object_get(line, HEADER) != NULL) {
			header_take(s, line, n);
			json_decref(line);
			sorted = 0; /* a header within: lines of two runs */
			continue;
		}
		line_take(s, line, n, &r);
		e = enc(s, r.key);
		if (json_is_true(json_object_get(line, "gone")) ||
		    (prev.len > 0 && strcmp(prev.data, e) >= 0))
			sorted = 0;
		prev.len = 0;
		jsonbuf_add(&prev, e, strlen(e) + 1);
		if (sorted)
			index_put(s, s->index, e, line);
		s->known++;
		landed_rec_free(&r);
	}
	if (ferror(fp))
		io_fatal(s);
	free(buf);
	jsonbuf_free(&prev);
	return sorted;
}

/*
 * Puts the state's record lines between offsets from and to of fp through
 * a stable sort by key (header lines left out): ch is then sorted.
 */
static void
sort_lines(struct landed *s, FILE *fp, off_t from, off_t to, struct keysort *ch)
{
	struct landed_rec r;
	char *buf = NULL;
	size_t size = 0;
	ssize_t len;
	json_t *line;

	if (keysort_start(ch, s->path, 1) != 0)
		exit(MSI_EXIT_IO);
	if (fseeko(fp, from, SEEK_SET) != 0)
		io_fatal(s);
	while (from < to && (len = getline(&buf, &size, fp)) > 0 && buf[len - 1] == '\n') {
		from += len;
		if ((line = parse(buf, (size_t)len)) == NULL)
			msg_fatal(MSI_EXIT_IO, "%s: a line could not be read back", s->path);
		if (json_object_get(line, HEADER) != NULL) {
			json_decref(line);
			continue;
		}
		line_take(s, line, 0, &r);
		if (keysort_put(ch, enc(s, r.key), buf, (size_t)len - 1) != 0)
			exit(MSI_EXIT_IO);
		landed_rec_free(&r);
	}
	if (ferror(fp))
		io_fatal(s);
	free(buf);
	if (keysort_sorted(ch) != 0)
		exit(MSI_EXIT_IO);
}

/*
 * Writes the state anew from the known lines (in key order) and the lines
 * of ch: to the state's new file, renamed over the old one (the lock
 * passes to it), or, in a dry run, to a scratch file. The body and the
 * index are then the new file's; lines are appended after its end.
 */
static void
rewrite(struct landed *s, struct keysort *ch)
{
	struct known_reader k;
	FILE *out, *index = scratch(s, "index");

	known_rewind(s, &k);
	if (s->instance == NULL)
		out = scratch(s, "state");
	else if ((out = statefile_begin(&s->file)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", s->file.tmp);
	if (s->instance != NULL && ndjson_emit(out, s->file.tmp, header(s)) != 0)
		exit(MSI_EXIT_IO);
	s->body_at = ftello(out);
	s->known = fold(s, &k, ch, out, index);
	s->journal_at = ftello(out);
	known_free(&k);
	if (keysort_end(ch) != 0)
		exit(MSI_EXIT_IO);
	if (ferror(index) || fflush(index) == EOF)
		msg_sysfatal(MSI_EXIT_IO, "%s: a scratch file (TMPDIR)", s->path);
	if (s->index != NULL)
		fclose(s->index);
	s->index = index;
	if (s->body != NULL)
		fclose(s->body);
	if (s->instance == NULL) {
		if (fflush(out) == EOF || ferror(out))
			msg_sysfatal(MSI_EXIT_IO, "%s: a scratch file (TMPDIR)", s->path);
		s->body = out;
		return;
	}
	if (statefile_commit(&s->file) != 0)
		io_fatal(s);
	if ((s->body = statefile_reader(&s->file)) == NULL)
		io_fatal(s);
}

/*
 * Reads the header, the state's first line. Returns whether it says the
 * lines are in key order; *at is where the record lines begin.
 */
static int
read_header(struct landed *s, off_t *at)
{
	char *buf = NULL;
	size_t size = 0;
	ssize_t len = getline(&buf, &size, s->body);
	json_t *line = len > 0 && buf[len - 1] == '\n' ? parse(buf, (size_t)len) : NULL;
	int ordered = 0;

	*at = 0;
	if (line != NULL && json_object_get(line, HEADER) != NULL) {
		ordered = header_take(s, line, 1);
		*at = len;
	}
	json_decref(line);
	free(buf);
	if (fseeko(s->body, *at, SEEK_SET) != 0)
		io_fatal(s);
	return ordered;
}

/*
 * Reads the state at path (none yet: an empty one) of obj's records, then
 * opens it to append, locked for the run: one run at a time appends to it.
 * instance is the Marketo REST URL this run calls, or NULL (a dry run,
 * which does not check it, takes no lock and writes nothing). key names
 * the records of objects other than leads. Lines out of order (a run
 * killed, a state of an older msi-load) are sorted and merged first, and
 * the state rewritten. Stops the run on failure.
 */
void
landed_open(struct landed *s, const char *path, const struct mkto_def *obj,
    const char *instance, landed_key_fn *key, const void *key_ctx)
{
	struct keysort ch;
	off_t whole = 0;
	int st, ordered;

	memset(s, 0, sizeof *s);
	s->path = path;
	s->obj = obj;
	s->is_lead = obj == &mkto_objects[MKTO_LEAD];
	s->key = key;
	s->key_ctx = key_ctx;
	s->instance = instance;
	s->dups = json_object();
	if (instance != NULL)
		st = statefile_lock(&s->file, path, STATEFILE_NOFOLLOW | STATEFILE_APPEND,
		    "another msi-load is using it; try again when it has ended");
	else
		st = statefile_open(&s->file, path, 0);
	if (st != 0 || (st = statefile_regular(&s->file, MSI_EXIT_IO)) != 0)
		exit(st);
	if (s->file.fd >= 0 && s->file.st.st_size > 0) {
		if ((s->body = statefile_reader(&s->file)) == NULL)
			io_fatal(s);
		s->index = scratch(s, "index");
		ordered = read_header(s, &s->body_at);
		whole = s->body_at;
		s->journal_at = whole;
		if (!read_known(s, s->body, &whole, s->body_at > 0) || !ordered) {
			/* lines of a run killed, or a state written before it was kept sorted
			 */
			sort_lines(s, s->body, s->body_at, whole, &ch);
			fclose(s->index);
			s->index = NULL;
			rewrite(s, &ch);
			whole = s->journal_at;
		}
		s->journal_at = whole;
		if (fflush(s->index) == EOF || ferror(s->index))
			msg_sysfatal(MSI_EXIT_IO, "%s: a scratch file (TMPDIR)", s->path);
	}
	if (instance == NULL)
		return;
	/* the state is for its user only, as the records it names; a line cut short goes */
	if (statefile_journal(&s->file, whole) != 0)
		io_fatal(s);
	if (whole == 0) {
		if (ndjson_emit(s->file.journal, s->path, header(s)) != 0 ||
		    fflush(s->file.journal) == EOF)
			exit(MSI_EXIT_IO);
		s->body_at = s->journal_at = ftello(s->file.journal);
	}
}

/* Appends a line (stolen) to the state; stops the run when it cannot be written. */
static void
append(struct landed *s, json_t *line)
{
	if (s->file.journal == NULL) {
		json_decref(line);
		return;
	}
	if (ndjson_emit(s->file.journal, s->path, line) != 0)
		exit(MSI_EXIT_IO);
	s->appended++;
}

/* The input's records are planned: their keys and digests go to a sort. */
void
landed_plan_begin(struct landed *s)
{
	if (keysort_start(&s->plan, s->path, 0) != 0)
		exit(MSI_EXIT_IO);
}

/* Makes room in the bitmap for the record at position seq. */
static void
plan_room(struct landed *s, unsigned long seq)
{
	size_t old, size;

	if (seq < s->records)
		return;
	old = (s->records + 7) / 8;
	size = (seq + 8) / 8 * 2;
	s->same = erealloc(s->same, size);
	memset(s->same + old, 0, size - old);
	s->records = size * 8;
}

/* Puts a record's key, its position and how to tell it unchanged ('c': its digest). */
static void
plan_put(struct landed *s, const char *key, unsigned long seq, char kind, json_int_t v)
{
	char rest[64];
	int n = snprintf(rest, sizeof rest, "%lu %c %" JSON_INTEGER_FORMAT, seq, kind, v);

	plan_room(s, seq);
	if (keysort_put(&s->plan, enc(s, key), rest, (size_t)n) != 0)
		exit(MSI_EXIT_IO);
}

/* The record of the input at position seq (from 0, in the order read), parsed. */
void
landed_plan_add(struct landed *s, json_t *rec, unsigned long seq)
{
	json_t *made;
	const char *key = landed_key(s, rec, &made);

	plan_room(s, seq);
	if (key != NULL)
		plan_put(s, key, seq, 'c', digest_of(rec));
	json_decref(made);
}

/*
 * The line of the record at position seq, len bytes of text (its line end
 * cut off), not parsed: when it is a lead's written as msi-transform
 * writes one, its key first, {"externalPersonId":"KEY",... with the key
 * plain ASCII, it is planned by the digest of its text (the state's
 * "text", landed_record's digest_written) and 1 is returned; else 0, and
 * the caller parses it (landed_plan_add). A million unchanged persons are
 * told unchanged without parsing them.
 */
int
landed_plan_text(struct landed *s, const char *text, size_t len, unsigned long seq)
{
	static const char head[] = "{\"externalPersonId\":\"";
	const char *p, *key;

	if (!s->is_lead || len < sizeof head + 1 || memcmp(text, head, sizeof head - 1) != 0)
		return 0;
	key = p = text + sizeof head - 1;
	while (p < text + len && *p != '"' && *p != '\\' && *p >= 0x20 && *p < 0x7f)
		p++;
	if (p == key || p + 1 >= text + len || *p != '"' || (p[1] != ',' && p[1] != '}'))
		return 0;
	s->kb2.len = 0;
	jsonbuf_add(&s->kb2, key, (size_t)(p - key));
	jsonbuf_add(&s->kb2, "", 1);
	plan_put(s, s->kb2.data, seq, 't', digest_text(text, len));
	return 1;
}

/*
 * A key in the input more than once: both records go, as they would
 * without a state, and its digest becomes one no record has, so that next
 * time the first goes too rather than the second alone over it. k is the
 * known line of the key, or NULL.
 */
static void
dup_key(struct landed *s, const char *key, struct known_reader *k)
{
	json_t *line = k != NULL ? parse(k->line, (size_t)k->len) : json_true();

	if (line == NULL)
		io_fatal(s);
	if (k != NULL)
		json_object_set_new(line, "digest", json_integer(0));
	json_object_set_new(s->dups, key, line);
}

/*
 * A record planned by its text whose text is not the one that landed, its
 * key known with digest: the run parses it and compares (landed_recheck).
 * Kept in order of position, zero-padded so that sort(1) orders it so.
 */
static void
recheck_put(struct landed *s, unsigned long seq, json_int_t digest)
{
	char key[32], rest[32];
	int n;

	if (!s->rechecking && keysort_start(&s->recheck, s->path, 0) != 0)
		exit(MSI_EXIT_IO);
	s->rechecking = 1;
	snprintf(key, sizeof key, "%020lu", seq);
	n = snprintf(rest, sizeof rest, "%" JSON_INTEGER_FORMAT, digest);
	if (keysort_put(&s->recheck, key, rest, (size_t)n) != 0)
		exit(MSI_EXIT_IO);
}

/* The records to compare, sorted by position into a scratch file: sort(1) ends before the run.
 */
static void
recheck_sorted(struct landed *s)
{
	char *key, *rest;
	size_t len;

	if (!s->rechecking)
		return;
	if (keysort_sorted(&s->recheck) != 0)
		exit(MSI_EXIT_IO);
	s->rechecks = scratch(s, "recheck");
	while (sorted_next(&s->recheck, &key, &rest, &len))
		if (fprintf(s->rechecks, "%s %s\n", key, rest) < 0)
			msg_sysfatal(MSI_EXIT_IO, "%s: a scratch file (TMPDIR)", s->path);
	if (keysort_end(&s->recheck) != 0)
		exit(MSI_EXIT_IO);
	if (fflush(s->rechecks) == EOF || fseeko(s->rechecks, 0, SEEK_SET) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s: a scratch file (TMPDIR)", s->path);
	s->next_recheck = (unsigned long)-1;
}

/*
 * The record at position seq, parsed (rec) and read as text (len bytes),
 * not told unchanged by its text: when the plan could not tell (its text
 * is not the one that landed, its key known), whether its fields are as
 * they landed (its digest the state's); if so a line with the digest of its
 * text goes to the state, so that next time its text tells. Returns 1 when
 * it is as it landed (it is not sent).
 */
int
landed_recheck(struct landed *s, unsigned long seq, json_t *rec, const char *text, size_t len)
{
	json_t *made, *line;
	const char *key;
	char buf[64], *p;

	if (s->rechecks == NULL)
		return 0;
	while (s->next_recheck == (unsigned long)-1 || s->next_recheck < seq) {
		if (fgets(buf, sizeof buf, s->rechecks) == NULL) {
			fclose(s->rechecks);
			s->rechecks = NULL;
			return 0;
		}
		s->next_recheck = strtoul(buf, &p, 10);
		s->next_digest = strtoll(p, NULL, 10);
	}
	if (s->next_recheck != seq || digest_of(rec) != s->next_digest ||
	    (key = landed_key(s, rec, &made)) == NULL)
		return 0;
	line = json_pack("{s:s, s:I, s:I}", "externalPersonId", key, "digest", s->next_digest,
	    "text", digest_text(text, len));
	append(s, line);
	json_decref(made);
	return 1;
}

/*
 * Merges the input's keys, sorted, with the known lines: a record whose
 * key is known with its digest is as it landed last (landed_same); the
 * known lines whose key the input lacks are kept for the deletes
 * (landed_unseen_next).
 */
void
landed_plan_end(struct landed *s)
{
	struct known_reader k;
	struct jsonbuf key = {0};
	char *ik = NULL, *rest = NULL, *p;
	size_t len = 0;
	unsigned long seq = 0, count;
	json_int_t digest = 0;
	const char *dk;
	json_t *v;
	int hk, hi, c;
	char kind = 'c';

	if (keysort_sorted(&s->plan) != 0)
		exit(MSI_EXIT_IO);
	s->unseen = scratch(s, "unseen");
	known_rewind(s, &k);
	hk = known_next(s, &k);
	hi = sorted_next(&s->plan, &ik, &rest, &len);
	while (hk || hi) {
		c = !hi ? -1 : !hk ? 1 : strcmp(k.key, ik);
		if (c < 0) {
			if (fprintf(s->unseen, "%s\n", k.line) < 0)
				msg_sysfatal(
				    MSI_EXIT_IO, "%s: a scratch file (TMPDIR)", s->path);
			hk = known_next(s, &k);
			continue;
		}
		key.len = 0;
		jsonbuf_add(&key, ik, strlen(ik) + 1);
		for (count = 0; hi && strcmp(ik, key.data) == 0; count++) {
			seq = strtoul(rest, &p, 10);
			kind = p[1];
			digest = strtoll(p + 3, NULL, 10);
			hi = sorted_next(&s->plan, &ik, &rest, &len);
		}
		if (count > 1)
			dup_key(s, key.data, c == 0 ? &k : NULL);
		else if (c == 0 &&
		         (kind == 'c' ? digest == k.digest : k.has_text && digest == k.text))
			s->same[seq / 8] |= (unsigned char)(1u << (seq % 8));
		else if (c == 0 && kind == 't') /* its text differs: its fields may not */
			recheck_put(s, seq, k.digest);
		if (c == 0)
			hk = known_next(s, &k);
	}
	known_free(&k);
	jsonbuf_free(&key);
	if (keysort_end(&s->plan) != 0)
		exit(MSI_EXIT_IO);
	/* appended once the known lines are read: the file's reader and its journal share an
	 * offset */
	json_object_foreach (s->dups, dk, v)
		if (json_is_object(v))
			append(s, json_incref(v));
	if (fflush(s->unseen) == EOF || ferror(s->unseen))
		msg_sysfatal(MSI_EXIT_IO, "%s: a scratch file (TMPDIR)", s->path);
	recheck_sorted(s);
}

/* Whether the record at position seq of the input is as it landed last (then it is not sent).
 */
int
landed_same(const struct landed *s, unsigned long seq)
{
	return seq < s->records && s->same != NULL && (s->same[seq / 8] >> (seq % 8) & 1);
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
	json_t *made, *line, *as_sent = NULL;
	const char *key;
	json_int_t dg;

	if (s->file.journal == NULL || (key = landed_key(s, rec, &made)) == NULL)
		return;
	if (unlinked) {
		as_sent = json_copy(rec);
		json_object_del(as_sent, OWNER);
	}
	/* a key twice in the input keeps the digest no record has (dup_key) */
	dg = json_object_get(s->dups, enc(s, key)) != NULL ? 0
	                                                   : digest_of(as_sent ? as_sent : rec);
	json_decref(as_sent);
	line = json_object();
	if (s->obj->lead_ids) {
		json_object_set(line, "externalOpportunityId",
		    json_object_get(rec, "externalOpportunityId"));
		json_object_set(
		    line, "externalPersonId", json_object_get(rec, "externalPersonId"));
		json_object_set(line, "role", json_object_get(rec, "role"));
		if (json_is_integer(id))
			json_object_set(line, "leadId", id);
	} else {
		json_object_set_new(
		    line, s->is_lead ? "externalPersonId" : s->obj->key[0], json_string(key));
		if (json_is_integer(id))
			json_object_set(line, "id", id);
	}
	json_object_set_new(line, "digest", json_integer(dg));
	/* the digest of its text, as msi-transform writes it: a dup's or an unlinked's none */
	if (dg != 0 && !unlinked && s->is_lead)
		json_object_set_new(line, "text", json_integer(digest_written(rec)));
	append(s, line);
	json_decref(made);
}

/*
 * The record of a known line (borrowed) left Marketo (or is listed as
 * gone): a line says so, out on the file before the run goes on.
 */
void
landed_gone(struct landed *s, json_t *line)
{
	json_t *gone = json_copy(line);

	json_object_del(gone, "digest");
	json_object_set_new(gone, "gone", json_true());
	append(s, gone);
	if (s->file.journal != NULL && fflush(s->file.journal) == EOF)
		exit(fwrite_failed(s->file.journal, s->path));
}

/* Reads the known lines the input lacks from the first (landed_unseen_next). */
void
landed_unseen_rewind(struct landed *s)
{
	if (s->unseen != NULL && fseeko(s->unseen, 0, SEEK_SET) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s: a scratch file (TMPDIR)", s->path);
}

/*
 * The next known line whose key the input lacks, in key order: 1 with r
 * set (free it: landed_rec_free), or 0 at their end.
 */
int
landed_unseen_next(struct landed *s, struct landed_rec *r)
{
	char *buf = NULL;
	size_t size = 0;
	ssize_t len;
	json_t *line;

	memset(r, 0, sizeof *r);
	if (s->unseen == NULL || (len = getline(&buf, &size, s->unseen)) <= 0) {
		free(buf);
		return 0;
	}
	line = parse(buf, (size_t)len);
	free(buf);
	if (line == NULL)
		msg_fatal(
		    MSI_EXIT_IO, "%s: a scratch file (TMPDIR) could not be read back", s->path);
	line_take(s, line, 0, r);
	return 1;
}

/* How many records were known to be in Marketo when the run began. */
unsigned long
landed_known(const struct landed *s)
{
	return s->known;
}

/* Flushes what was appended to the disk: before a checkpoint may say it is out. */
void
landed_sync(struct landed *s)
{
	if (statefile_sync(&s->file) != 0)
		io_fatal(s);
}

/*
 * Writes the state anew when the run appended to it: the lines appended
 * sorted by key (sort(1), stably) and merged with the known ones into a
 * new file, renamed over the file appended to: a crash leaves one or the
 * other whole. The lock passes to the new file. A dry run writes nothing.
 */
void
landed_commit(struct landed *s)
{
	struct keysort ch;
	FILE *fp;

	if (s->file.journal == NULL || s->appended == 0)
		return;
	if (fflush(s->file.journal) == EOF)
		io_fatal(s);
	if ((fp = statefile_reader(&s->file)) == NULL)
		io_fatal(s);
	sort_lines(s, fp, s->journal_at, (off_t)1 << 62, &ch);
	fclose(fp);
	rewrite(s, &ch);
}

/* Lets the state go: its scratch files, and the file (and its lock). */
void
landed_close(struct landed *s)
{
	statefile_close(&s->file);
	if (s->body != NULL)
		fclose(s->body);
	if (s->index != NULL)
		fclose(s->index);
	if (s->unseen != NULL)
		fclose(s->unseen);
	if (s->plan.pid > 0)
		keysort_end(&s->plan);
	if (s->rechecking && s->recheck.pid > 0)
		keysort_end(&s->recheck);
	if (s->rechecks != NULL)
		fclose(s->rechecks);
	s->rechecks = NULL;
	jsonbuf_free(&s->kb2);
	s->body = s->index = s->unseen = NULL;
	free(s->same);
	s->same = NULL;
	json_decref(s->dups);
	s->dups = NULL;
	jsonbuf_free(&s->kb);
}
