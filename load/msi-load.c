/*
 * msi-load.c: Marketo records from msi-transform synced into Marketo, 300
 * to a call. main reads as the run goes: the options (options.c) and
 * their checks, the state opened, the run (run.c), the deletes
 * (deletes.c), the end (common/finish.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "exitcode.h"
#include "finish.h"
#include "fshut.h"
#include "load.h"
#include "mkcheck.h"
#include "msg.h"
#include "options.h"

/* The key the --changed-only state tracks a record by (landed.c asks). A new reference. */
static json_t *
record_key(const void *ctx, json_t *rec)
{
	return results_key(ctx, rec);
}

/* The run's parts as the options say; what is not set is 0 or NULL. */
static void
init(struct load *l, const struct options *o)
{
	l->obj = o->obj;
	l->is_lead = o->obj == &mkto_objects[MKTO_LEAD];
	l->action = o->action;
	l->lookup = o->lookup;
	l->fail_fast = o->fail_fast;
	l->unlink = o->unlink;
	l->in.files = o->files;
	l->results.out = stdout;
	l->results.out_name = "stdout";
	if (o->merge)
		l->results.merged = json_object();
	l->resends_end = &l->resends;
	deletes_init(
	    &l->deletes, o->obj, o->delete_mode, o->delete_leads, o->max_delete, o->deletes);
}

/* What the option files say: --hold-deletes, --keep, --retry. Returns 0 or an exit status. */
static int
read_option_files(struct load *l, const struct options *o)
{
	int i, status;

	if (o->hold != NULL)
		deletes_hold(&l->deletes, o->hold, 1);
	for (i = 0; i < o->nkeep; i++)
		if ((status = deletes_keep(&l->deletes, o->keep[i])) != 0)
			return status;
	if (o->retry != NULL && (status = retry_load(l, o->retry)) != 0)
		return status;
	return 0;
}

/*
 * Before a real run: Marketo's settings, the --changed-only state (locked
 * for the run), the checkpoint, and the outputs, added to after a resumed
 * run's. Returns 0 or an exit status.
 */
static int
start(struct load *l, struct options *o)
{
	char why[MKCONF_WHY_SIZE];
	int status;

	if (mkclient_init(&l->mk, &o->mk, why) != 0)
		msg_fatal(MSI_EXIT_USAGE, "%s", why);
	l->concurrency = (int)o->mk.concurrency;
	if (o->landed != NULL)
		landed_open(&l->landed, o->landed, l->obj, l->mk.conf.base_url, record_key, l);
	if (o->state != NULL) {
		if ((status = checkpoint_read(&l->checkpoint, o->state, l->obj, l->in.files)) !=
		    0)
			return status;
		l->in.skip = l->checkpoint.skip;
	}
	if (o->landed != NULL)
		input_plan(l);
	deletes_report(&l->deletes, l->in.skip > 0);
	if (o->results != NULL) {
		l->results.out_name = o->results;
		l->results.out = merge_results_open(
		    o->results, l->in.skip > 0, l->checkpoint.results_before);
		if (l->results.out == NULL)
			msg_sysfatal(MSI_EXIT_IO, "%s", o->results);
	}
	/* a resumed run adds to the rejects of the runs before; --merge's go beside them */
	if (o->merge && o->rejects != NULL)
		snprintf(l->fresh, sizeof l->fresh, "%s.new", o->rejects);
	if (results_open(&l->results, o->merge && o->rejects != NULL ? l->fresh : o->rejects,
	        l->in.skip > 0) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", o->rejects);
	return 0;
}

/* How a run ended, for its summary and its stats. */
struct end {
	struct load *l;
	int stopped; /* before the end of its input, or of its deletes */
	int service; /* records failed for the service after their retries: status 5 */
	unsigned long records, calls, too_large; /* a dry run's */
};

/* The summary line; then why the status is 5 when records failed for the service. */
static void
summary(void *ctx, int status)
{
	struct end *e = ctx;
	struct load *l = e->l;

	(void)status;
	fprintf(stderr,
	    "%s: records: %lu (created %lu, updated %lu, skipped %lu, failed %lu); ", msg_prog,
	    l->results.records, l->results.created, l->results.updated, l->results.skipped,
	    l->results.failed);
	if (l->landed.path != NULL) {
		fprintf(stderr, "unchanged: %lu; ", l->unchanged);
		if (!l->deletes.mode)
			;
		else if (l->deletes.refused)
			fprintf(stderr, "deletes refused: %lu; ", l->deletes.planned);
		else if (l->deletes.held)
			fprintf(stderr, "deletes held: %lu; ", l->deletes.planned);
		else if (l->deletes.listed > 0 || (l->is_lead && !l->deletes.leads))
			fprintf(stderr, "gone, listed: %lu; ", l->deletes.listed);
		else
			fprintf(stderr, "deleted: %lu; ", l->deletes.deleted);
	}
	if (l->results.unlinked > 0)
		fprintf(stderr, "unlinked: %lu; ", l->results.unlinked);
	mkclient_summary(&l->mk, stderr);
	fputc('\n', stderr);
	if (e->service)
		msg_warn("%lu records failed for the service after their retries; --retry with "
		         "these results sends them again",
		    l->results.retryable);
}

/* The counts for --stats-json: a new reference (finish_run adds the status). */
static json_t *
counts(void *ctx, int status)
{
	struct end *e = ctx;
	struct load *l = e->l;
	json_t *c = results_stats(&l->results, l->obj->name);

	(void)status;
	if (l->in.retry != NULL)
		json_object_set_new(
		    c, "passed_over", json_integer((json_int_t)l->in.passed_over));
	if (l->landed.path != NULL) {
		json_object_set_new(c, "unchanged", json_integer((json_int_t)l->unchanged));
		deletes_stats(&l->deletes, c);
	}
	mkclient_stats(&l->mk, c);
	json_object_set_new(c, "stopped", json_boolean(e->stopped));
	return c;
}

/*
 * The end of a real run: the deletes of a whole input that was all
 * answered, the state written anew, then the outputs closed, the
 * summary, the stats (finish_run). Returns the exit status.
 */
static int
finish(struct load *l, const struct options *o, int stopped)
{
	struct end e = {l, stopped, 0, 0, 0, 0};
	int status = mkclient_status(&l->mk) ? mkclient_status(&l->mk) : l->in.status;
	unsigned long rejected;
	int merged;

	if (l->landed.path != NULL) {
		/* the plan read the input first: what it read must be what the run read */
		if (l->in.planned != l->in.seq)
			deletes_hold(&l->deletes,
			    "the input changed while it was read (its records: first read "
			    "stopped or differed, then read again)",
			    1);
		if (!stopped && status == 0 && l->deletes.mode &&
		    (status = deletes_run(&l->deletes, &l->landed, &l->mk, 0)) != 0)
			e.stopped = 1;
		landed_commit(&l->landed);
		landed_close(&l->landed);
	}
	if (deletes_close(&l->deletes) != 0 && status == 0)
		status = MSI_EXIT_IO;
	if (status == 0 && l->results.retryable > 0) {
		e.service = 1;
		status = MSI_EXIT_SERVICE;
	}
	if (l->results.out != stdout && fshut(l->results.out, l->results.out_name) != 0 &&
	    (status == 0 || status == MSI_EXIT_SERVICE))
		status = MSI_EXIT_IO;
	if (o->merge && !e.stopped && (status == 0 || status == MSI_EXIT_SERVICE)) {
		results_flush(&l->results);
		if ((merged = merge_retry(o->retry, l->results.merged, o->rejects, l->fresh)) !=
		    0)
			status = merged;
	}
	rejected = results_rejected(&l->results) || l->deletes.refused || l->deletes.held ||
	           l->deletes.not_deleted > 0;
	status = finish_run(&(struct finish){l->results.rejects, l->results.rejects_name,
	                        rejected, NULL, o->stats, summary, counts, &e},
	    status);
	json_decref(l->in.retry);
	json_decref(l->results.merged);
	if (l->fresh[0] != '\0')
		unlink(l->fresh);
	mkclient_free(&l->mk);
	checkpoint_free(&l->checkpoint);
	return status;
}

/* A dry run's counts for --stats-json: a new reference. */
static json_t *
dry_counts(void *ctx, int status)
{
	struct end *e = ctx;
	struct load *l = e->l;
	json_t *c = json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:b, s:i}", "tool", "msi-load",
	    "object", l->obj->name, "dry_run", 1, "records", (json_int_t)e->records, "calls",
	    (json_int_t)(e->calls + l->deletes.calls), "too_large", (json_int_t)e->too_large,
	    "stopped", l->in.status != 0 || mkclient_status(&l->mk) != 0, "status", status);

	if (l->landed.path != NULL) {
		json_object_set_new(c, "unchanged", json_integer((json_int_t)l->unchanged));
		deletes_stats(&l->deletes, c);
	}
	return c;
}

/* What a dry run would delete, by the state read (not locked) and the input; 0 or a status. */
static int
dry_deletes(struct load *l)
{
	int status = deletes_run(&l->deletes, &l->landed, &l->mk, 1);

	if (l->deletes.refused)
		msg_warn("dry run: the deletes would be refused (--max-delete)");
	else if (l->deletes.planned > 0)
		msg_warn("dry run: %s: %lu; calls: %lu",
		    l->is_lead && !l->deletes.leads ? "gone, to be listed" : "to be deleted",
		    l->deletes.planned, l->deletes.calls);
	return status;
}

/*
 * --check: Marketo's settings, a token, and the describe of each object
 * asked for (common/mkcheck.c), a line each on standard output; no record
 * is read or written. Returns 0, or the exit status of what is wrong.
 */
static int
check(struct load *l, const struct options *o)
{
	char why[MKCONF_WHY_SIZE];
	json_t *desc;
	int i;

	if (mkclient_init(&l->mk, &o->mk, why) != 0)
		msg_fatal(MSI_EXIT_USAGE, "%s", why);
	if (mkcheck_token(&l->mk, stdout) == 0)
		for (i = 0; i < MKTO_OBJECTS && mkclient_status(&l->mk) == 0; i++)
			if (o->check_objs[i]) {
				desc = mkcheck_describe(
				    &l->mk, (enum mkto_object)i, o->lookup, stdout);
				json_decref(desc);
			}
	i = finish_run(&(struct finish){NULL}, mkclient_status(&l->mk));
	mkclient_free(&l->mk);
	return i;
}

/*
 * --dry-run: prints each call's body instead of sending it, the delete
 * calls' too; the deletes file and the stats say what would be done.
 * Returns the exit status.
 */
static int
dry_run(struct load *l, const struct options *o)
{
	struct end e = {l, 0, 0, 0, 0, 0};
	char why[MKCONF_WHY_SIZE];
	json_t *desc;
	int status;

	if (o->check) { /* the read-only calls: a token, the describe, the deletes read back */
		if (mkclient_init(&l->mk, &o->mk, why) != 0)
			msg_fatal(MSI_EXIT_USAGE, "%s", why);
		if (mkcheck_token(&l->mk, stderr) != 0 ||
		    (desc = mkcheck_describe(
		         &l->mk, l->obj - mkto_objects, l->lookup, stderr)) == NULL) {
			status = finish_run(&(struct finish){NULL}, mkclient_status(&l->mk));
			mkclient_free(&l->mk);
			return status;
		}
		json_decref(desc);
		l->deletes.name = 1;
	}
	if (o->landed != NULL) {
		landed_open(&l->landed, o->landed, l->obj, NULL, record_key, l);
		input_plan(l);
	}
	deletes_report(&l->deletes, 0);
	status = run_dry(l, &e.records, &e.calls, &e.too_large);
	if (l->landed.path != NULL && l->deletes.mode && status == 0)
		status = dry_deletes(l);
	if (l->landed.path != NULL)
		msg_warn("dry run: unchanged since they landed, not sent: %lu", l->unchanged);
	if (e.too_large > 0)
		msg_warn("dry run: records: %lu, calls: %lu (to %s); too large to send: %lu",
		    e.records, e.calls, l->obj->path, e.too_large);
	else
		msg_warn("dry run: records: %lu, calls: %lu (to %s)", e.records, e.calls,
		    l->obj->path);
	if (l->landed.path != NULL)
		landed_close(&l->landed);
	if (deletes_close(&l->deletes) != 0)
		status = MSI_EXIT_IO;
	status = finish_run(&(struct finish){NULL, NULL,
	                        e.too_large > 0 || l->deletes.refused || l->deletes.held, NULL,
	                        o->stats, NULL, dry_counts, &e},
	    status);
	json_decref(l->in.retry);
	if (o->check)
		mkclient_free(&l->mk);
	return status;
}

int
main(int argc, char *argv[])
{
	static struct load l;
	struct options o;
	int status;

	msg_init(argv[0]);
	options_parse(&o, argc, argv);
	init(&l, &o);
	if ((status = read_option_files(&l, &o)) != 0)
		return status;
	if (o.check && !o.dry)
		return check(&l, &o);
	if (o.dry)
		return dry_run(&l, &o);
	if ((status = start(&l, &o)) != 0)
		return status;
	return finish(&l, &o, run(&l));
}
