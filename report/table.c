/*
 * table.c: the summary's table, one row an object, from the stages'
 * --stats-json files and msi-load's result lines (which a retry
 * rewrites), never from a message; then what the deletes did, the
 * writeback's attempts, and what can be sent again.
 *
 * Each column counts one thing, and they add up (msi-report(1)):
 * read = rejected + skipped + unchanged + sent + unsent, and
 * sent = created + updated + refused + failed, sent being the records
 * msi-load answered for (a result line each): 0 when no call was made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "report.h"

/* An object's counts, over its stages' stats files and its result lines. */
struct row {
	int seen; /* a stats file of it: a row in the table */
	json_int_t rows, xrej, written, trej, skipped, unlinked, calls, unchanged;
	json_int_t deleted, gone, refused, held, notdel, planned, needed;
	json_int_t refusals, undeleted; /* attempts whose deletes were refused, not all done */
	json_t *retries;                /* cause -> calls retried, over the load's attempts */
	char *held_why; /* "planned why", of the last attempt that held its deletes */
	json_int_t created, updated, mk_skipped, mk_failed, mk_retryable;
	json_int_t sent,
	    unsent; /* answered by msi-load; written and neither sent nor unchanged */
};

/* The retries as "cause n cause n", or "none". */
static char *
retries_text(const json_t *retries)
{
	const char *key;
	json_t *n;
	char *s = estrdup(""), *t, *v;

	json_object_foreach ((json_t *)retries, key, n) {
		v = interp(n);
		t = easprintf("%s%s%s %s", s, *s ? " " : "", key, v);
		free(s);
		free(v);
		s = t;
	}
	if (*s == '\0') {
		free(s);
		s = estrdup("none");
	}
	return s;
}

/* One attempt of msi-load: its calls, retries and deletes added to the row. */
static void
add_load(struct row *w, const json_t *s)
{
	const json_t *d = json_object_get(s, "deletes");
	const char *key;
	json_t *n;

	w->calls += num(json_object_get(s, "calls"));
	w->unchanged += num(json_object_get(s, "unchanged"));
	w->deleted += num(json_object_get(d, "deleted"));
	w->gone += num(json_object_get(d, "listed"));
	if (truthy(json_object_get(d, "refused"))) {
		w->refused += num(json_object_get(d, "planned"));
		w->refusals++;
	}
	if (num(json_object_get(d, "not_deleted")) > 0)
		w->undeleted++;
	if (truthy(json_object_get(d, "held"))) {
		const json_t *hw = json_object_get(d, "held_why");
		char *why = truthy(hw) ? interp(hw) : estrdup("");

		w->held++;
		free(w->held_why);
		w->held_why =
		    easprintf("%lld %s", (long long)num(json_object_get(d, "planned")), why);
		free(why);
	}
	w->notdel += num(json_object_get(d, "not_deleted"));
	w->planned += num(json_object_get(d, "planned"));
	if (num(json_object_get(d, "needed")) > w->needed)
		w->needed = num(json_object_get(d, "needed"));
	json_object_foreach (json_object_get(s, "retries"), key, n) {
		json_int_t was = num(json_object_get(w->retries, key));

		json_object_set_new(w->retries, key, json_integer(was + num(n)));
	}
}

/* A result line of msi-load: created, updated, skipped, failed, retryable. */
static int
add_result(void *ctx, json_t *res, unsigned long line)
{
	struct row *w = ctx;
	const char *st = json_string_value(json_object_get(res, "status"));

	(void)line;
	if (st != NULL) {
		w->created += strcmp(st, "created") == 0;
		w->updated += strcmp(st, "updated") == 0;
		w->mk_skipped += strcmp(st, "skipped") == 0;
		w->mk_failed += strcmp(st, "failed") == 0;
	}
	w->mk_retryable += json_is_true(json_object_get(res, "retryable"));
	return 0;
}

/* Whether a name is O.load.N.stats.json, N a number. */
static int
load_stats_name(const char *name, const char *o)
{
	size_t k = strlen(o), d;

	if (strncmp(name, o, k) != 0 || strncmp(name + k, ".load.", 6) != 0)
		return 0;
	d = strspn(name + k + 6, "0123456789");
	return d > 0 && strcmp(name + k + 6 + d, ".stats.json") == 0;
}

/* Reads an object's stats files and result lines into its row. */
static void
read_row(struct run *r, const char *o, struct row *w)
{
	char *name, *pattern = easprintf("%s.load.*.stats.json", o);
	const char *f;
	json_t *s;
	size_t i = 0;

	w->retries = json_object();
	name = easprintf("%s.extract.stats.json", o);
	if ((s = run_json(r, name)) != NULL) {
		w->seen = 1;
		w->rows = num(json_object_get(s, "rows"));
		w->xrej = num(json_object_get(s, "rejected"));
	}
	json_decref(s);
	free(name);
	name = easprintf("%s.transform.stats.json", o);
	if ((s = run_json(r, name)) != NULL) {
		w->seen = 1;
		w->written = num(json_object_get(s, "written"));
		w->trej = num(json_object_get(s, "rejected"));
		w->skipped = transform_skipped(s);
		w->unlinked = num(json_object_get(s, "unlinked"));
	}
	json_decref(s);
	free(name);
	while ((f = run_next(r, &i, pattern)) != NULL) {
		if (!load_stats_name(f, o) || (s = run_json(r, f)) == NULL)
			continue;
		w->seen = 1;
		add_load(w, s);
		json_decref(s);
	}
	free(pattern);
	name = easprintf("%s.results.ndjson", o);
	run_each(r, name, add_result, w);
	free(name);
}

/*
 * What was sent and what was not yet: the records msi-load answered for
 * (its result lines), and the rows read that were neither set aside,
 * skipped, passed over unchanged nor sent (the run stopped first), as the
 * second table counts them (fates.c). A dry run sends nothing: sent is
 * what a run would send.
 */
static void
count_sent(const struct run *r, struct row *w)
{
	if (r->dry_run) {
		w->sent = w->written - w->unchanged;
		w->unsent = 0;
		return;
	}
	w->sent = w->created + w->updated + w->mk_skipped + w->mk_failed;
	w->unsent = w->rows - w->xrej - w->trej - w->skipped - w->unchanged - w->sent;
	if (w->unsent < 0)
		w->unsent = 0;
}

/* An object's line of the table; a dry run deletes nothing: the columns say what a run would.
 */
static void
print_row(struct run *r, const struct sf_def *sf, struct row *w, int unsent, struct verdict *v)
{
	char *retries = retries_text(w->retries);

	if (r->dry_run && w->refused == 0) {
		if (sf->mkto == MKTO_LEAD && !r->delete_leads)
			w->gone = w->planned;
		else
			w->deleted = w->planned;
	}
	v->retryable += (unsigned long)w->mk_retryable;
	printf("%-24s %7lld %8lld %7lld", sf->name, (long long)w->rows,
	    (long long)(w->xrej + w->trej), (long long)w->skipped);
	if (r->state)
		printf(" %9lld", (long long)w->unchanged);
	printf(" %7lld", (long long)w->sent);
	if (unsent)
		printf(" %6lld", (long long)w->unsent);
	printf(" %7lld %7lld %7lld %6lld %8lld", (long long)w->created, (long long)w->updated,
	    (long long)w->mk_skipped, (long long)w->mk_failed,
	    (long long)landed_unlinked(r, sf->name));
	if (r->state)
		printf(" %7lld", (long long)w->deleted);
	printf(" %6lld  %s\n", (long long)w->calls, retries);
	free(retries);
	if (r->state && w->refused + w->notdel + w->held > 0)
		v->failed = 1;
	if (w->xrej + w->trej + w->mk_failed + w->mk_skipped > 0)
		v->failed = 1;
}

/* The table's first line, what its columns count and how they add up; then their names. */
static void
print_header(const struct run *r, int unsent)
{
	printf("per object: read = rejected + skipped (by rule)%s + sent (to Marketo)%s; "
	       "sent = created + updated + refused (by Marketo) + failed (for the service); "
	       "unlinked: created or updated without a link%s\n",
	    r->state ? " + unchanged (as it landed before)" : "",
	    unsent ? " + unsent (the run stopped first)" : "",
	    r->state ? "; deleted: in Marketo" : "");
	printf("%-24s %7s %8s %7s", "object", "read", "rejected", "skipped");
	if (r->state)
		printf(" %9s", "unchanged");
	printf(" %7s", "sent");
	if (unsent)
		printf(" %6s", "unsent");
	printf(" %7s %7s %7s %6s %8s", "created", "updated", "refused", "failed", "unlinked");
	if (r->state)
		printf(" %7s", "deleted");
	printf(" %6s  %s\n", "calls", "retries");
}

/* Appends to *list, a growing string, what fmt makes. */
static void
append(char **list, const char *fmt, const char *o, json_int_t n, json_int_t m)
{
	char *add = easprintf(fmt, o, (long long)n, (long long)m), *t;

	t = easprintf("%s%s", *list ? *list : "", add);
	free(*list);
	free(add);
	*list = t;
}

/* What the deletes did not do, and the objects not in the export. */
static void
print_notes(struct run *r, struct row *rows, struct verdict *v)
{
	char *refused = NULL, *held = NULL, *gone = NULL, *missing = NULL, *stage;
	int i;

	for (i = 0; i < SF_OBJECTS; i++) {
		struct row *w = &rows[i];
		const char *o = sf_objects[i].name;

		stage = easprintf("missing %s", o);
		if (run_done(r, stage))
			append(&missing, " %s.csv,", o, 0, 0);
		free(stage);
		if (!w->seen || !r->state)
			continue;
		if (w->refused > 0)
			append(&refused, " %s %lld (--max-delete %lld lets them),", o,
			    w->refused, w->needed);
		if (w->held_why != NULL) {
			char *sp = strchr(w->held_why, ' ');

			*sp = '\0';
			stage = easprintf(
			    "%s  %s %s: %s\n", held ? held : "", o, w->held_why, sp + 1);
			free(held);
			held = stage;
		}
		if (w->gone > 0)
			append(&gone, " %s %lld,", o, w->gone, 0);
	}
	if (missing != NULL) {
		missing[strlen(missing) - 1] = '\0';
		printf("not in the export folder, not synced:%s\n", missing);
		v->failed = 1;
	}
	if (r->dry_run)
		printf(
		    "dry run: nothing was sent; sent, deleted and calls are what a run would do; "
		    "the calls are in O.dry-run.ndjson, the deletes in O.deletes.ndjson\n");
	if (refused != NULL) {
		refused[strlen(refused) - 1] = '\0';
		printf(
		    "deletes refused, over --max-delete %s%%:%s; if the exports are whole, run with it\n",
		    r->max_delete, refused);
	}
	if (held != NULL)
		printf(
		    "deletes held, none made (listed in the deletes files below):\n%s", held);
	if (gone != NULL) {
		gone[strlen(gone) - 1] = '\0';
		printf(
		    "%sgone from Salesforce, left in Marketo (--delete-leads deletes them):%s; "
		    "listed in the deletes files below\n",
		    r->dry_run ? "dry run: " : "", gone);
	}
	free(missing), free(refused), free(held), free(gone);
}

/* One line a writeback attempt, in their order: a retry asks for other persons than the first.
 */
static void
print_writeback(struct run *r)
{
	static const char *const members[] = {"persons", "lead", "contact", "updates",
	    "unchanged", "missing", "rejected", "repeated", "calls"};
	char *text[9], *retries, *name, *attempt;
	unsigned long n, last = 0;
	size_t i, k;
	json_t *s;
	const char *f;

	for (i = 0; (f = run_next(r, &i, "writeback.*.stats.json")) != NULL;)
		if (strspn(f + 10, "0123456789") > 0 &&
		    (n = strtoul(f + 10, NULL, 10)) > last &&
		    strcmp(f + 10 + strspn(f + 10, "0123456789"), ".stats.json") == 0)
			last = n;
	for (n = 1; n <= last; n++) {
		name = easprintf("writeback.%lu.stats.json", n);
		if ((s = run_json(r, name)) != NULL) {
			for (k = 0; k < 9; k++)
				text[k] = interp(json_object_get(s, members[k]));
			free(text[6]);
			text[6] =
			    easprintf("%lld", (long long)(num(json_object_get(s, "rejected")) +
			                                  num(json_object_get(s, "failed"))));
			retries = retries_text(json_object_get(s, "retries"));
			attempt = n == 1 ? estrdup("") : easprintf(" (attempt %lu)", n);
			printf(
			    "writeback%s: persons: %s (Lead %s, Contact %s); updates: %s; "
			    "unchanged: %s; missing: %s; rejected: %s; repeated: %s; calls: %s; "
			    "retries: %s\n",
			    attempt, text[0], text[1], text[2], text[3], text[4], text[5],
			    text[6], text[7], text[8], retries);
			free(attempt);
			for (k = 0; k < 9; k++)
				free(text[k]);
			free(retries);
		}
		json_decref(s);
		free(name);
	}
}

/* Counts writeback.rejects.ndjson's persons that failed for the service. */
static int
count_retryable(void *ctx, json_t *rec, unsigned long line)
{
	(void)line;
	*(unsigned long *)ctx += json_is_true(json_object_get(rec, "retryable"));
	return 0;
}

/* The table, what the deletes did not do, the writeback's attempts. */
void
table_print(struct run *r, struct verdict *v)
{
	struct row rows[SF_OBJECTS];
	int i, unsent = 0;

	memset(rows, 0, sizeof rows);
	for (i = 0; i < SF_OBJECTS; i++) {
		read_row(r, sf_objects[i].name, &rows[i]);
		count_sent(r, &rows[i]);
		unsent |= rows[i].seen && rows[i].unsent > 0;
	}
	print_header(r, unsent);
	for (i = 0; i < SF_OBJECTS; i++)
		if (rows[i].seen)
			print_row(r, &sf_objects[i], &rows[i], unsent, v);
	print_notes(r, rows, v);
	print_writeback(r);
	for (i = 0; i < SF_OBJECTS; i++) {
		json_decref(rows[i].retries);
		free(rows[i].held_why);
	}
}

/* What failed for the service, everywhere: the writeback's persons too. */
void
retryable_print(struct run *r, struct verdict *v)
{
	if (run_size(r, "writeback.rejects.ndjson") > 0) {
		unsigned long n = 0;

		run_each(r, "writeback.rejects.ndjson", count_retryable, &n);
		v->retryable += n;
		v->failed = 1;
	}
	if (v->retryable > 0)
		printf(
		    "failed for the service after their retries: %lu; msi-sync --resume %s sends "
		    "them again\n",
		    v->retryable, r->dir);
}

/*
 * What the deletes of object o did not do, over its load's attempts (with
 * a state; setasides.c keys them): DELETES_REFUSED over --max-delete,
 * DELETES_HELD, DELETES_NOT_ALL done; 0 when none.
 */
unsigned
deletes_undone(struct run *r, const char *o)
{
	struct row w;
	unsigned what = 0;

	if (!r->state)
		return 0;
	memset(&w, 0, sizeof w);
	read_row(r, o, &w);
	what |= w.refused > 0 ? DELETES_REFUSED : 0;
	what |= w.held > 0 ? DELETES_HELD : 0;
	what |= w.notdel > 0 ? DELETES_NOT_ALL : 0;
	json_decref(w.retries);
	free(w.held_why);
	return what;
}

/*
 * What keeps object's extract mark out of the state (msi-sync
 * --from-salesforce -S): a result line to send again ("retryable"), else
 * deletes refused, held or not all done in an attempt ("deletes"); else
 * nothing.
 */
void
undone_print(struct run *r, const char *object)
{
	struct row w;

	memset(&w, 0, sizeof w);
	read_row(r, object, &w);
	if (w.mk_retryable > 0)
		printf("retryable\n");
	else if (w.refusals + w.held + w.undeleted > 0)
		printf("deletes\n");
	json_decref(w.retries);
	free(w.held_why);
}
