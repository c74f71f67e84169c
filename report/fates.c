/*
 * fates.c: what became of each row read, object by object, from the stats
 * files, msi-load's result lines and the records set aside (never a
 * message): landed in Marketo (created or updated), of them unlinked,
 * skipped on purpose (by msi-transform's reasons), not landed (rejected by
 * msi-extract or msi-transform, skipped by Marketo, failed); then the top
 * reasons of what did not land or landed unlinked, counted, ids and
 * numbers made alike so that alike reasons count as one.
 *
 * A record msi-transform sent unlinked landed unlinked only if Marketo
 * took it: msi-transform writes a record for each line it neither rejects
 * nor skips, so the line it went to in O.mkto.ndjson, which msi-load's
 * result names, is its input line less the lines set aside before it.
 * msi-load's "unlinked" (sent again without a link Marketo refused, 718)
 * are the lines its rejects mark so, each counted once; those its stats
 * count and its rejects do not list are added.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "jsonbuf.h"
#include "report.h"

/* An object's rows, as its stages' files account for them. */
struct fate {
	int read; /* its extract's stats are there: a row of the table */
	json_int_t rows, xrej, trej, tskip, load_unlinked, load_listed, unchanged;
	json_int_t set_aside, landed, lost, waiting;
	json_t *skip_by; /* reason -> count (msi-transform's) */
	json_t *why;     /* reason -> count, in the order met */
	json_t
	    *sent_unlinked; /* line in O.mkto.ndjson -> why, sent unlinked by msi-transform */
	json_t *unlinked;   /* line in O.mkto.ndjson -> why, landed unlinked */
	json_t *lines;      /* lines in O.mkto.ndjson that landed -> true: grows with the */
	                    /* results, as whether a record sent unlinked landed needs it */
};

/* A byte of a word, as a regular expression's \b sees it (any non-ASCII byte is taken for a
 * letter's). */
static int
word(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* A Salesforce id (a word of 15 or 18 letters and digits, a digit among them) as <id>. */
static void
alike_ids(const char *s, struct jsonbuf *b)
{
	size_t i = 0, j, k;
	int alnum, digit;

	while (s[i] != '\0') {
		if (!word((unsigned char)s[i])) {
			jsonbuf_add(b, s + i++, 1);
			continue;
		}
		alnum = 1, digit = 0;
		for (j = i; s[j] != '\0' && word((unsigned char)s[j]); j++) {
			alnum &=
			    isalnum((unsigned char)s[j]) != 0 && (unsigned char)s[j] < 0x80;
			digit |= isdigit((unsigned char)s[j]) != 0;
		}
		k = j - i;
		if (alnum && digit && (k == 15 || k == 18))
			jsonbuf_addstr(b, "<id>");
		else
			jsonbuf_add(b, s + i, k);
		i = j;
	}
}

/*
 * Where a number that starts at s + i ends (digits, and more after a dot
 * or comma, up to a word's end), or 0: none starts there, as the
 * expression (?<![A-Za-z]-)\b[0-9]+(?:[.,][0-9]+)*\b finds them.
 */
static size_t
number_end(const char *s, size_t i)
{
	size_t e = i, end = 0;

	if (!isdigit((unsigned char)s[i]) || (i > 0 && word((unsigned char)s[i - 1])) ||
	    (i > 1 && s[i - 1] == '-' && isalpha((unsigned char)s[i - 2])))
		return 0;
	for (;;) {
		while (isdigit((unsigned char)s[e]))
			e++;
		if (!word((unsigned char)s[e]))
			end = e; /* the longest that ends a word */
		if ((s[e] != '.' && s[e] != ',') || !isdigit((unsigned char)s[e + 1]))
			return end;
		e++;
	}
}

/* A reason made alike: its ids <id>, its numbers N. Returns a new string. */
char *
alike(const char *s)
{
	struct jsonbuf ids = {0}, out = {0};
	size_t i = 0, e;

	alike_ids(s, &ids);
	jsonbuf_add(&ids, "", 1);
	while (ids.data[i] != '\0') {
		if ((e = number_end(ids.data, i)) > 0) {
			jsonbuf_add(&out, "N", 1);
			i = e;
		} else {
			jsonbuf_add(&out, ids.data + i++, 1);
		}
	}
	jsonbuf_add(&out, "", 1);
	jsonbuf_free(&ids);
	return out.data;
}

/* Why a record was set aside: "stage status (code): reason", the reason made alike. New string.
 */
static char *
reason_of(const json_t *r)
{
	const json_t *stage = json_object_get(r, "stage"),
	             *status = json_object_get(r, "status");
	const json_t *code = json_object_get(r, "code"), *reason = json_object_get(r, "reason");
	char *st = truthy(stage) ? interp(stage) : estrdup("?");
	char *ss = truthy(status) ? interp(status) : estrdup("?");
	char *cd = truthy(code) ? interp(code) : NULL;
	char *rs = truthy(reason) ? interp(reason) : estrdup("no reason given");
	char *al = alike(rs), *w;

	w = easprintf(
	    "%s %s%s%s%s: %s", st, ss, cd ? " (" : "", cd ? cd : "", cd ? ")" : "", al);
	free(st), free(ss), free(cd), free(rs), free(al);
	return w;
}

/* Adds 1 to a reason's count. */
static void
count_why(json_t *reasons, const json_t *r)
{
	char *w = reason_of(r);

	json_object_set_new(reasons, w, json_integer(num(json_object_get(reasons, w)) + 1));
	free(w);
}

/* A record msi-extract set aside. */
static int
extract_reject(void *ctx, json_t *r, unsigned long line)
{
	struct fate *f = ctx;

	(void)line;
	count_why(f->why, r);
	return 0;
}

/* A record msi-transform set aside, or sent unlinked: which line of O.mkto.ndjson it went to.
 */
static int
transform_reject(void *ctx, json_t *r, unsigned long line)
{
	struct fate *f = ctx;
	const char *st = json_string_value(json_object_get(r, "status"));
	char key[32], *w;

	(void)line;
	if (st != NULL && strcmp(st, "unlinked") == 0) {
		snprintf(key, sizeof key, "%lld",
		    (long long)(num(json_object_get(r, "line")) - f->set_aside));
		w = reason_of(r);
		json_object_set_new(f->sent_unlinked, key, json_string(w));
		free(w);
		return 0;
	}
	f->set_aside++;
	if (st == NULL || strcmp(st, "skipped") != 0)
		count_why(f->why, r);
	return 0;
}

/* A result line of msi-load: landed (created or updated, its line kept) or not. */
static int
load_result(void *ctx, json_t *r, unsigned long line)
{
	struct fate *f = ctx;
	const char *st = json_string_value(json_object_get(r, "status"));
	const json_t *n = json_object_get(r, "line");
	char key[32];

	(void)line;
	if (st == NULL || (strcmp(st, "created") != 0 && strcmp(st, "updated") != 0) ||
	    !json_is_integer(n)) {
		f->lost++;
		return 0;
	}
	f->landed++;
	snprintf(key, sizeof key, "%lld", (long long)json_integer_value(n));
	json_object_set_new(f->lines, key, json_true());
	return 0;
}

/* A record msi-load set aside, or sent again without a link Marketo refused (718). */
static int
load_reject(void *ctx, json_t *r, unsigned long line)
{
	struct fate *f = ctx;
	const char *st = json_string_value(json_object_get(r, "status"));
	char *key, *w;

	(void)line;
	if (st == NULL || strcmp(st, "unlinked") != 0) {
		count_why(f->why, r);
		return 0;
	}
	key = interp(json_object_get(r, "line"));
	w = reason_of(r);
	json_object_set_new(f->unlinked, key, json_string(w));
	f->load_listed++;
	free(key);
	free(w);
	return 0;
}

/*
 * What msi-transform's stats (borrowed) say it skipped on purpose:
 * "skipped", or the sum of its reasons when "skipped" is the reasons
 * themselves, or "skipped_by"'s. Both tables count skips by it.
 */
json_int_t
transform_skipped(const json_t *stats)
{
	const json_t *sk = json_object_get(stats, "skipped"), *v;
	const char *key;
	json_int_t n = 0;

	if (json_is_number(sk))
		return num(sk);
	if (!json_is_object(sk))
		sk = json_object_get(stats, "skipped_by");
	json_object_foreach ((json_t *)sk, key, v)
		n += num(v);
	return n;
}

/* The stats files of an object: its rows, what its stages set aside or skipped. */
static void
read_stats(struct run *r, const char *o, struct fate *f)
{
	char *name = easprintf("%s.extract.stats.json", o), *pattern;
	const json_t *sk, *v;
	const char *file;
	json_t *s;
	size_t i = 0;

	if ((s = run_json(r, name)) != NULL) {
		f->read = 1;
		f->rows = num(json_object_get(s, "rows"));
		f->xrej = num(json_object_get(s, "rejected"));
		json_decref(s);
	}
	free(name);
	name = easprintf("%s.transform.stats.json", o);
	if ((s = run_json(r, name)) != NULL) {
		/* skips by reason: "skipped_by", or "skipped" itself when an object */
		sk = json_object_get(s, "skipped");
		v = json_is_object(sk) ? sk : json_object_get(s, "skipped_by");
		json_decref(f->skip_by);
		f->skip_by = json_is_object(v) ? json_incref((json_t *)v) : json_object();
		f->trej = num(json_object_get(s, "rejected"));
		f->tskip = transform_skipped(s);
		json_decref(s);
	}
	free(name);
	pattern = easprintf("%s.load.*.stats.json", o);
	while ((file = run_next(r, &i, pattern)) != NULL) {
		if ((s = run_json(r, file)) == NULL)
			continue;
		f->load_unlinked += num(json_object_get(s, "unlinked"));
		f->unchanged += num(json_object_get(s, "unchanged"));
		json_decref(s);
	}
	free(pattern);
}

/* Everything an object's files say of its rows, in the order the stages wrote them. */
static void
read_fate(struct run *r, const char *o, struct fate *f)
{
	char *name;
	const char *key;
	json_t *v;

	f->why = json_object();
	f->sent_unlinked = json_object();
	f->unlinked = json_object();
	f->lines = json_object();
	read_stats(r, o, f);
	name = easprintf("%s.extract-rejects.ndjson", o);
	run_each(r, name, extract_reject, f);
	free(name);
	name = easprintf("%s.transform-rejects.ndjson", o);
	run_each(r, name, transform_reject, f);
	free(name);
	name = easprintf("%s.results.ndjson", o);
	if (run_has(r, name)) {
		run_each(r, name, load_result, f);
		json_object_foreach (f->sent_unlinked, key, v)
			if (json_object_get(f->lines, key) != NULL)
				json_object_set(f->unlinked, key, v);
	}
	free(name);
	name = easprintf("%s.load-rejects.ndjson", o);
	run_each(r, name, load_reject, f);
	free(name);
}

/* A reason and its count; n orders alike counts as they came. */
struct reason {
	const char *text;
	json_int_t count;
	size_t n;
};

static int
by_count(const void *a, const void *b)
{
	const struct reason *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if ((c = strcmp(x->text, y->text)) != 0)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* msi-load's unlinked that its rejects do not list. */
static json_int_t
unlisted(const struct fate *f)
{
	return f->load_unlinked > f->load_listed ? f->load_unlinked - f->load_listed : 0;
}

/*
 * The records of an object that landed unlinked: sent by msi-transform
 * naming a record not in the export and taken by Marketo, or sent again
 * by msi-load without a link Marketo refused (718), each once. The one
 * count of "unlinked", in both tables.
 */
static json_int_t
fate_unlinked(const struct fate *f)
{
	return (json_int_t)json_object_size(f->unlinked) + unlisted(f);
}

static void
fate_free(struct fate *f)
{
	json_decref(f->skip_by), json_decref(f->why);
	json_decref(f->sent_unlinked), json_decref(f->unlinked);
	json_decref(f->lines);
}

/* The records of object o that landed unlinked (fate_unlinked), read from the run folder. */
json_int_t
landed_unlinked(struct run *r, const char *o)
{
	struct fate f;
	json_int_t n;

	memset(&f, 0, sizeof f);
	read_fate(r, o, &f);
	n = fate_unlinked(&f);
	fate_free(&f);
	return n;
}

static int
by_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * An object's reasons, most frequent first: why its records were set aside,
 * why they landed unlinked (alike reasons as one), and the unlinked its
 * load's rejects do not list. Returns them, *n of them; the caller frees.
 */
static struct reason *
reasons(const struct fate *f, size_t *n)
{
	size_t size = json_object_size(f->why) + json_object_size(f->unlinked) + 1, k = 0, i, j;
	struct reason *list = emalloc(size * sizeof *list);
	const char **texts = emalloc(size * sizeof *texts), *key;
	json_t *v;

	*n = 0;
	json_object_foreach (f->why, key, v) {
		list[*n] = (struct reason){key, num(v), *n};
		(*n)++;
	}
	json_object_foreach (f->unlinked, key, v)
		texts[k++] = json_string_value(v);
	qsort(texts, k, sizeof *texts, by_text);
	for (i = 0; i < k; i = j) {
		for (j = i; j < k && strcmp(texts[j], texts[i]) == 0; j++)
			;
		list[*n] = (struct reason){texts[i], (json_int_t)(j - i), *n};
		(*n)++;
	}
	if (unlisted(f) > 0) {
		list[*n] = (struct reason){
		    "load unlinked: not listed in the load rejects", unlisted(f), *n};
		(*n)++;
	}
	free(texts);
	qsort(list, *n, sizeof *list, by_count);
	return list;
}

/* The top five reasons of an object, and how many others. */
static void
print_reasons(const char *o, const struct fate *f)
{
	size_t n, i;
	struct reason *list = reasons(f, &n);
	json_int_t rest = 0;

	for (i = 0; i < n && i < 5; i++)
		printf("%7lld  %s: %s\n", (long long)list[i].count, o, list[i].text);
	for (; i < n; i++)
		rest += list[i].count;
	if (n > 5)
		printf("%7lld  %s: %zu other reasons\n", (long long)rest, o, n - 5);
	free(list);
}

/* The skips of an object by reason, "deleted 3, converted 2", or NULL. New string. */
static char *
skips(const struct fate *f)
{
	json_int_t by = 0;
	const char *key;
	json_t *v;
	char *s = NULL, *t, *k, *c, *val;

	json_object_foreach (f->skip_by, key, v) {
		by += num(v);
		if (num(v) <= 0)
			continue;
		k = estrdup(key);
		for (c = k; *c; c++)
			*c = *c == '_' ? ' ' : *c;
		val = interp(v);
		t = easprintf("%s%s%s %s", s ? s : "", s ? ", " : "", k, val);
		free(s), free(k), free(val);
		s = t;
	}
	if (f->tskip - by > 0) {
		t = easprintf(
		    "%s%sother %lld", s ? s : "", s ? ", " : "", (long long)(f->tskip - by));
		free(s);
		s = t;
	}
	return s;
}

/* A line of the table: what became of an object's rows, or of all of them. */
static void
print_line(const char *o, const struct fate *f, json_int_t unlinked, int unsent)
{
	printf("  %-24s %7lld %7lld %8lld %7lld %10lld", o, (long long)f->rows,
	    (long long)f->landed, (long long)unlinked, (long long)f->tskip, (long long)f->lost);
	if (unsent)
		printf(" %6lld", (long long)f->waiting);
	printf("\n");
}

/* Appends "o text" to a list, after sep. */
static void
list_add(char **list, const char *sep, const char *o, const char *text)
{
	char *t = easprintf("%s%s%s %s", *list ? *list : "", *list ? sep : "", o, text);

	free(*list);
	*list = t;
}

/* The lines under the table: the skips by reason, the top reasons. */
static void
print_after(struct fate *fates, json_int_t lost, json_int_t unlinked)
{
	char *skipped = NULL, *t;
	int i;

	for (i = 0; i < SF_OBJECTS; i++) {
		if (!fates[i].read)
			continue;
		if ((t = skips(&fates[i])) != NULL)
			list_add(&skipped, "; ", sf_objects[i].name, t);
		free(t);
	}
	if (skipped != NULL)
		printf("skipped on purpose: %s\n", skipped);
	free(skipped);
	if (lost + unlinked == 0)
		return;
	if (lost > 0)
		printf("not landed (%lld)%s", (long long)lost, unlinked > 0 ? " or " : "");
	if (unlinked > 0)
		printf("landed unlinked (%lld)", (long long)unlinked);
	printf(", the top reasons:\n");
	for (i = 0; i < SF_OBJECTS; i++)
		if (fates[i].read)
			print_reasons(sf_objects[i].name, &fates[i]);
}

/* What became of the rows read: the table, then what did not land and why. */
void
fates_print(struct run *r)
{
	struct fate fates[SF_OBJECTS], all;
	json_int_t unlinked[SF_OBJECTS], all_unlinked = 0;
	int i, any = 0, unsent;

	memset(fates, 0, sizeof fates);
	memset(&all, 0, sizeof all);
	for (i = 0; i < SF_OBJECTS; i++) {
		struct fate *f = &fates[i];

		read_fate(r, sf_objects[i].name, f);
		f->landed += f->unchanged;
		f->lost += f->xrej + f->trej;
		unlinked[i] = fate_unlinked(f);
		f->waiting = f->rows - f->landed - f->tskip - f->lost;
		if (f->waiting < 0)
			f->waiting = 0;
		if (!f->read)
			continue;
		any = 1;
		all.rows += f->rows, all.landed += f->landed, all.tskip += f->tskip;
		all.lost += f->lost, all.waiting += f->waiting, all_unlinked += unlinked[i];
	}
	if (any) {
		unsent = all.waiting != 0;
		printf(
		    "what became of the rows read: read = landed + skipped + not landed%s; "
		    "landed = created + updated%s, unlinked of them; not landed = rejected + "
		    "refused + failed\n",
		    unsent ? " + unsent" : "", r->state ? " + unchanged" : "");
		printf("  %-24s %7s %7s %8s %7s %10s", "object", "read", "landed", "unlinked",
		    "skipped", "not landed");
		printf(unsent ? " %6s\n" : "\n", "unsent");
		for (i = 0; i < SF_OBJECTS; i++)
			if (fates[i].read)
				print_line(sf_objects[i].name, &fates[i], unlinked[i], unsent);
		print_line("all", &all, all_unlinked, unsent);
		print_after(fates, all.lost, all_unlinked);
	}
	for (i = 0; i < SF_OBJECTS; i++)
		fate_free(&fates[i]);
}
