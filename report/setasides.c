/*
 * setasides.c: what a run set aside, as sorted keys (--set-asides), and
 * which of them the previous finished run of the same runs folder did not
 * set aside (--new-set-asides): a night whose only set-asides are last
 * night's ends 0.
 *
 * A key is a line "object TAB id TAB stage TAB reason" for each thing
 * that makes the summary's status 1: a row or record rejected, refused or
 * failed, deletes refused, held or not all done, an export file missing,
 * a person the writeback set aside, an update not applied, a finding of
 * the verify. The reason is Marketo's code when there is one, else the
 * reason with its ids and numbers made alike, so that a record set aside
 * for the same cause two nights has the same key.
 */
#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ealloc.h"
#include "report.h"

/* Adds the key of its four parts to keys (a set), tabs and line ends in them made spaces. */
void
set_aside_add(
    json_t *keys, const char *object, const char *id, const char *stage, const char *reason)
{
	char *k = easprintf("%s\t%s\t%s\t%s", object, id, stage, reason), *c;
	size_t n = 0;

	for (c = k; *c != '\0'; c++)
		if ((*c == '\t' && ++n > 3) || *c == '\n' || *c == '\r')
			*c = ' ';
	json_object_set_new(keys, k, json_true());
	free(k);
}

/* The key of a string member of v, or of v's record, else NULL (borrowed). */
static const char *
member(const json_t *v, const char *name)
{
	const json_t *m = json_object_get(v, name);

	if (!json_is_string(m))
		m = json_object_get(json_object_get(v, "record"), name);
	return json_string_value(m);
}

/* Which record a line of a rejects file is: its key, id or Id, else where it was. New string.
 */
static char *
record_id(const json_t *rec)
{
	static const char *const names[] = {"key", "id", "Id"};
	const char *id, *file;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if ((id = member(rec, names[i])) != NULL && *id != '\0')
			return estrdup(id);
	if ((file = member(rec, "source")) != NULL)
		return estrdup(strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
	file = json_string_value(json_object_get(rec, "file"));
	file = file == NULL ? "?" : strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	return easprintf("%s:%lld", file, (long long)num(json_object_get(rec, "line")));
}

/* Why, as a key says it: "status (code)", else "status: the reason made alike". New string. */
static char *
key_reason(const char *status, const json_t *code, const json_t *reason)
{
	char *c, *r, *a, *w;

	if (truthy(code)) {
		c = interp(code);
		w = easprintf("%s (%s)", status, c);
		free(c);
		return w;
	}
	r = truthy(reason) ? interp(reason) : estrdup("no reason given");
	a = alike(r);
	w = easprintf("%s: %s", status, a);
	free(r), free(a);
	return w;
}

/* What a rejects file's line holds: object and stage come with it, through ctx. */
struct where {
	json_t *keys;
	const char *object;
};

/* A line of a rejects file: a key, but for records skipped on purpose or sent unlinked. */
static int
add_reject(void *ctx, json_t *rec, unsigned long line)
{
	struct where *w = ctx;
	const char *st = json_string_value(json_object_get(rec, "status"));
	const char *stage = json_string_value(json_object_get(rec, "stage"));
	char *id, *why;

	(void)line;
	if (st == NULL)
		st = "rejected";
	if (strcmp(st, "unlinked") == 0 ||
	    (strcmp(st, "skipped") == 0 && stage != NULL && strcmp(stage, "transform") == 0))
		return 0;
	id = record_id(rec);
	why = key_reason(st, json_object_get(rec, "code"), json_object_get(rec, "reason"));
	set_aside_add(w->keys, w->object, id, stage ? stage : "?", why);
	free(id), free(why);
	return 0;
}

/* A result line of msi-load: a key when Marketo refused the record or its call failed. */
static int
add_result(void *ctx, json_t *res, unsigned long line)
{
	struct where *w = ctx;
	const char *st = json_string_value(json_object_get(res, "status"));
	const json_t *first = json_array_get(json_object_get(res, "reasons"), 0);
	char *id, *why;

	(void)line;
	if (st == NULL || (strcmp(st, "skipped") != 0 && strcmp(st, "failed") != 0))
		return 0;
	id = record_id(res);
	why = key_reason(strcmp(st, "skipped") == 0 ? "refused" : "failed",
	    json_object_get(first, "code"), json_object_get(first, "message"));
	set_aside_add(w->keys, w->object, id, "load", why);
	free(id), free(why);
	return 0;
}

/* A finding of msi-verify: its object, key and check. */
static int
add_finding(void *ctx, json_t *f, unsigned long line)
{
	struct where *w = ctx;
	const char *o = json_string_value(json_object_get(f, "object"));
	const char *check = json_string_value(json_object_get(f, "check"));
	char *id = record_id(f);

	(void)line;
	set_aside_add(w->keys, o ? o : "?", id, "verify", check ? check : "?");
	free(id);
	return 0;
}

/* An object's export file missing, its deletes refused, held or not all done (with a state). */
static void
object_set_asides(struct run *r, const char *o, json_t *keys)
{
	char *stage = easprintf("missing %s", o);
	unsigned undone = deletes_undone(r, o);

	if (run_done(r, stage))
		set_aside_add(keys, o, "-", "extract", "not in the export folder");
	free(stage);
	if (undone & DELETES_REFUSED)
		set_aside_add(keys, o, "-", "deletes", "refused over --max-delete");
	if (undone & DELETES_HELD)
		set_aside_add(keys, o, "-", "deletes", "held");
	if (undone & DELETES_NOT_ALL)
		set_aside_add(keys, o, "-", "deletes", "not all done");
}

static int
by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What the run set aside: a new reference, the keys as an array, sorted as the C locale sorts.
 */
json_t *
set_asides(struct run *r)
{
	json_t *keys = json_object(), *list = json_array(), *v;
	struct where w = {keys, NULL};
	const char **sorted, *key;
	size_t i, n = 0;
	char *name;
	int k;

	for (k = 0; k < SF_OBJECTS; k++) {
		w.object = sf_objects[k].name;
		name = easprintf("%s.extract-rejects.ndjson", w.object);
		run_each(r, name, add_reject, &w);
		free(name);
		name = easprintf("%s.transform-rejects.ndjson", w.object);
		run_each(r, name, add_reject, &w);
		free(name);
		name = easprintf("%s.results.ndjson", w.object);
		run_each(r, name, add_result, &w);
		free(name);
	}
	for (k = 0; k < SF_OBJECTS; k++)
		object_set_asides(r, sf_objects[k].name, keys);
	w.object = "writeback";
	run_each(r, "writeback.rejects.ndjson", add_reject, &w);
	if (r->apply) {
		json_t *ids = unapplied(r);

		json_array_foreach (ids, i, v)
			set_aside_add(
			    keys, "apply", json_string_value(v), "apply", "not applied");
		json_decref(ids);
	}
	if (run_size(r, "verify.stats.json") >= 0)
		run_each(r, "verify.findings.ndjson", add_finding, &w);
	sorted = emalloc((json_object_size(keys) + 1) * sizeof *sorted);
	json_object_foreach (keys, key, v)
		sorted[n++] = key;
	qsort(sorted, n, sizeof *sorted, by_key);
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_string(sorted[i]));
	free(sorted);
	json_decref(keys);
	return list;
}

/* --set-asides: the keys, a line each. */
void
set_asides_print(struct run *r)
{
	json_t *list = set_asides(r), *v;
	size_t i;

	json_array_foreach (list, i, v)
		printf("%s\n", json_string_value(v));
	json_decref(list);
}

/*
 * Orders run folders' names as msi-sync makes them, YYYYmmdd-HHMMSS then
 * -2, -3 and on for a name taken (the same second): by time, then by that
 * number; names of another shape as strcmp orders them.
 */
static int
run_order(const char *a, const char *b)
{
	static const char *const pattern = "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-"
	                                   "[0-9][0-9][0-9][0-9][0-9][0-9]*";
	unsigned long na = 1, nb = 1;
	int c;

	if (fnmatch(pattern, a, 0) != 0 || fnmatch(pattern, b, 0) != 0 ||
	    (c = strncmp(a, b, 15)) != 0)
		return strcmp(a, b);
	if (a[15] == '-')
		na = strtoul(a + 16, NULL, 10);
	if (b[15] == '-')
		nb = strtoul(b + 16, NULL, 10);
	if (na != nb)
		return na < nb ? -1 : 1;
	return strcmp(a, b);
}

/* Whether a folder is a run that finished: its summary written, not stopped, not a dry run. */
static int
finished_run(const char *dir)
{
	char *path = easprintf("%s/summary.txt", dir), line[64];
	struct stat st;
	int ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	FILE *fp;

	free(path);
	path = easprintf("%s/stopped", dir);
	ok = ok && stat(path, &st) != 0;
	free(path);
	path = easprintf("%s/run.conf", dir);
	if (ok && (fp = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, fp) != NULL)
			if (strcmp(line, "dry_run=1\n") == 0)
				ok = 0;
		fclose(fp);
	} else
		ok = 0;
	free(path);
	return ok;
}

/*
 * The previous run of r: the newest run folder beside it (in its runs
 * folder) whose name comes before its own and that finished. A new
 * string, its path as r's is given; NULL when there is none.
 */
static char *
previous_run(const struct run *r)
{
	char *dir = estrdup(r->dir), *base, *slash, *parent, *path, *best = NULL;
	struct dirent *e;
	DIR *d;

	for (slash = dir + strlen(dir); slash > dir + 1 && slash[-1] == '/';)
		*--slash = '\0';
	if ((slash = strrchr(dir, '/')) == NULL) {
		parent = estrdup(".");
		base = dir;
	} else {
		parent =
		    slash == dir ? estrdup("/") : easprintf("%.*s", (int)(slash - dir), dir);
		base = slash + 1;
	}
	if ((d = opendir(parent)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.' || run_order(e->d_name, base) >= 0 ||
			    (best != NULL && run_order(e->d_name, best) <= 0))
				continue;
			path = easprintf("%s/%s", parent, e->d_name);
			if (finished_run(path)) {
				free(best);
				best = estrdup(e->d_name);
			}
			free(path);
		}
		closedir(d);
	}
	path = best == NULL ? NULL
	       : slash == NULL
	           ? estrdup(best)
	           : easprintf("%s/%s", strcmp(parent, "/") == 0 ? "" : parent, best);
	free(best), free(parent), free(dir);
	return path;
}

/* A key for people: after lead, its parts parted by spaces. */
static void
print_key(const char *lead, const char *key)
{
	char *k = estrdup(key), *c;

	for (c = k; *c != '\0'; c++)
		if (*c == '\t')
			*c = ' ';
	printf("%s%s\n", lead, k);
	free(k);
}

/*
 * With --new-set-asides: the line of what was set aside, and of it what
 * the previous run did not set aside, each new key under it (ten at
 * most). Returns whether the status stays 1: something is new, or what
 * was set aside has no key (it cannot be told from last night's).
 */
int
new_set_asides_print(struct run *r)
{
	json_t *now = set_asides(r), *before = json_object(), *old, *v;
	char *prev = previous_run(r);
	size_t i, n = 0;
	struct run p;

	if (prev != NULL) {
		run_open(&p, prev);
		old = set_asides(&p);
		json_array_foreach (old, i, v)
			json_object_set(before, json_string_value(v), json_true());
		json_decref(old);
		run_close(&p);
	}
	json_array_foreach (now, i, v)
		n += json_object_get(before, json_string_value(v)) == NULL;
	if (json_array_size(now) > 0) {
		if (prev != NULL)
			printf("%zu set aside, %zu of them new since %s\n",
			    json_array_size(now), n, prev);
		else
			printf(
			    "%zu set aside, all new: no finished run before this one beside it\n",
			    json_array_size(now));
		n = 0;
		json_array_foreach (now, i, v) {
			if (json_object_get(before, json_string_value(v)) != NULL)
				continue;
			if (n++ < 10)
				print_key("  new: ", json_string_value(v));
		}
		if (n > 10)
			printf(
			    "  and %zu more new: msi-report --set-asides %s\n", n - 10, r->dir);
	}
	free(prev);
	json_decref(before);
	i = json_array_size(now);
	json_decref(now);
	return n > 0 || i == 0;
}
