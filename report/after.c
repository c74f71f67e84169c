/* after.c: the summary's lines of the stages after the writeback: msi-apply's updates,
 * msi-verify's findings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "report.h"

/*
 * The updates of the run and their last result line: who was sent, what
 * became of each (a lookup table a person: it grows with the updates, as
 * a person's last line may come in any later file).
 */
struct applied {
	json_t *sent; /* Id -> true, of the run's updates */
	json_t *last; /* key -> status of its last result line; "unconfirmed" when retryable */
	json_int_t rejected; /* result lines that name no update (a bad input line) */
};

static int
add_update(void *ctx, json_t *rec, unsigned long line)
{
	struct applied *a = ctx;
	const json_t *id = json_object_get(rec, "Id");

	(void)line;
	if (json_is_string(id))
		json_object_set_new(a->sent, json_string_value(id), json_true());
	return 0;
}

/* A result line of msi-apply, for unapplied: a resumed apply answers again what it had not
 * sent. */
static int
add_last(void *ctx, json_t *res, unsigned long line)
{
	struct applied *a = ctx;
	const json_t *key = json_object_get(res, "key"), *st = json_object_get(res, "status");

	(void)line;
	if (json_is_string(key))
		json_object_set(
		    a->last, json_string_value(key), st ? (json_t *)st : json_null());
	return 0;
}

/* A result line of msi-apply, for the apply line: what can be sent again is unconfirmed. */
static int
add_outcome(void *ctx, json_t *res, unsigned long line)
{
	struct applied *a = ctx;
	const json_t *key = json_object_get(res, "key"), *st = json_object_get(res, "status");
	char *k;

	(void)line;
	if (!truthy(key)) {
		a->rejected++;
		return 0;
	}
	k = interp(key);
	if (truthy(json_object_get(res, "retryable")))
		json_object_set_new(a->last, k, json_string("unconfirmed"));
	else
		json_object_set(a->last, k, st ? (json_t *)st : json_null());
	free(k);
	return 0;
}

/* Reads the run's updates (outcomes 0) or not (1), and msi-apply's result lines. */
static void
read_applied(struct run *r, struct applied *a, int outcomes)
{
	const char *f;
	size_t i;

	a->sent = json_object();
	a->last = json_object();
	if (!outcomes) {
		if (run_has(r, "updates.ndjson"))
			run_each(r, "updates.ndjson", add_update, a);
		for (i = 0; (f = run_next(r, &i, "updates.[0-9]*.ndjson")) != NULL;)
			run_each(r, f, add_update, a);
	}
	for (i = 0; (f = run_next(r, &i, "apply.*.results.ndjson")) != NULL;)
		run_each(r, f, outcomes ? add_outcome : add_last, a);
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The persons whose update did not land: each of the run's updates whose Id
 * has no last result line "updated". An update with no result line at all,
 * as when an apply ended before its first answer, did not land either.
 * Returns a new reference: their Ids, sorted.
 */
json_t *
unapplied(struct run *r)
{
	struct applied a = {0};
	json_t *ids = json_array(), *v;
	const char *id, **list;
	size_t n = 0, i;

	read_applied(r, &a, 0);
	list = emalloc((json_object_size(a.sent) + 1) * sizeof *list);
	json_object_foreach (a.sent, id, v) {
		const char *last = json_string_value(json_object_get(a.last, id));

		if (last == NULL || strcmp(last, "updated") != 0)
			list[n++] = id;
	}
	qsort(list, n, sizeof *list, by_string);
	for (i = 0; i < n; i++)
		json_array_append_new(ids, json_string(list[i]));
	free(list);
	json_decref(a.sent);
	json_decref(a.last);
	return ids;
}

/* How many of the outcomes are st. */
static json_int_t
count_status(const json_t *last, const char *st)
{
	const char *key;
	json_t *v;
	json_int_t n = 0;

	json_object_foreach ((json_t *)last, key, v)
		n += json_is_string(v) && strcmp(json_string_value(v), st) == 0;
	return n;
}

/* The apply's stats files: their calls summed, their paths (sorted, once each); whether each is
 * done. */
static char *
apply_calls(struct run *r, const char **again)
{
	json_t *paths = json_object(), *s, *v;
	json_int_t calls = 0;
	const char *f, *key, **list;
	char *tag, *text, *t;
	size_t i, n = 0;

	for (i = 0; (f = run_next(r, &i, "apply.*.stats.json")) != NULL;) {
		tag = easprintf("apply %.*s", (int)(strlen(f) - 17), f + 6);
		if (!run_done(r, tag))
			*again = "--resume sends them";
		free(tag);
		if ((s = run_json(r, f)) == NULL)
			continue;
		calls += num(json_object_get(s, "calls"));
		t = interp(json_object_get(s, "path"));
		json_object_set_new(paths, t, json_true());
		free(t);
		json_decref(s);
	}
	list = emalloc((json_object_size(paths) + 1) * sizeof *list);
	json_object_foreach (paths, key, v)
		list[n++] = key;
	qsort(list, n, sizeof *list, by_string);
	text = easprintf("%lld (", (long long)calls);
	for (i = 0; i < n; i++) {
		t = easprintf("%s%s%s", text, i ? ", " : "", list[i]);
		free(text);
		text = t;
	}
	t = easprintf("%s)", text);
	free(text);
	free(list);
	json_decref(paths);
	return t;
}

/*
 * The apply's line: each person by its last result line. What sends the
 * unconfirmed again: --resume while an apply is not done; once done, the
 * next run (they are not in the writeback state).
 */
void
apply_print(struct run *r, struct verdict *v)
{
	const char *again = "the next run sends them again (not kept as applied)";
	struct applied a = {0};
	json_int_t failed, unconfirmed;
	json_t *ids;
	size_t i = 0;
	char *calls;

	if (!r->apply || run_next(r, &i, "apply.*.stats.json") == NULL)
		return;
	calls = apply_calls(r, &again);
	read_applied(r, &a, 1);
	failed = count_status(a.last, "failed");
	unconfirmed = count_status(a.last, "unconfirmed");
	printf("apply: updates: %lld; updated: %lld; failed: %lld; rejected: %lld; "
	       "unconfirmed: %lld; calls: %s%s%s%s\n",
	    (long long)(json_object_size(a.last) + a.rejected),
	    (long long)count_status(a.last, "updated"), (long long)failed,
	    (long long)(a.rejected + count_status(a.last, "rejected")), (long long)unconfirmed,
	    calls,
	    failed > 0
	        ? "; the failed not kept in the writeback state: the next run sends them again"
	        : "",
	    unconfirmed > 0 ? "; the unconfirmed: " : "", unconfirmed > 0 ? again : "");
	free(calls);
	json_decref(a.sent);
	json_decref(a.last);
	ids = unapplied(r);
	if (json_array_size(ids) > 0)
		v->failed = 1;
	json_decref(ids);
}

/* The sum over msi-verify's objects of a member, or of two. */
static json_int_t
objects_sum(const json_t *s, const char *m1, const char *m2)
{
	const json_t *objs = json_object_get(s, "objects"), *o;
	json_int_t n = 0;
	const char *key;
	size_t i;

	if (json_is_array(objs))
		json_array_foreach (objs, i, o)
			n += num(json_object_get(o, m1)) +
			     (m2 ? num(json_object_get(o, m2)) : 0);
	else
		json_object_foreach ((json_t *)objs, key, o)
			n += num(json_object_get(o, m1)) +
			     (m2 ? num(json_object_get(o, m2)) : 0);
	return n;
}

/* msi-verify's line: its findings by check, what it checked, its calls. */
void
verify_print(struct run *r, struct verdict *v)
{
	json_t *s, *n;
	const char *key;
	char *findings, *calls, *sample;
	int first = 1;

	if ((s = run_json(r, "verify.stats.json")) == NULL)
		return;
	findings = interp(json_object_get(s, "findings"));
	printf("verify: %s findings", findings);
	if (num(json_object_get(s, "findings")) > 0) {
		json_object_foreach (json_object_get(s, "checks"), key, n)
			if (num(n) > 0) {
				printf(
				    "%s%s %lld", first ? " (" : ", ", key, (long long)num(n));
				first = 0;
			}
		printf("%s", first ? " ()" : ")");
	}
	printf("; records checked: %lld", (long long)objects_sum(s, "checked", "from_state"));
	if (truthy(json_object_get(s, "state")))
		printf(" (%lld unchanged since they landed, %lld known from the state)",
		    (long long)objects_sum(s, "unchanged", NULL),
		    (long long)objects_sum(s, "from_state", NULL));
	calls = interp(json_object_get(s, "calls"));
	printf("; calls: %s", calls);
	if (truthy(json_object_get(s, "sample"))) {
		sample = interp(json_object_get(s, "sample"));
		printf("; a sample of %s persons", sample);
		free(sample);
	}
	printf("; %s/verify.findings.ndjson\n", r->dir);
	n = json_object_get(s, "findings");
	if (n != NULL && !json_is_null(n) && !(json_is_number(n) && num(n) == 0))
		v->failed = 1;
	free(findings);
	free(calls);
	json_decref(s);
}
