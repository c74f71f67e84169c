/*
 * applystate.c: msi-apply's --state: how many input lines at the start are
 * answered, and the ingest jobs a stopped run left with Salesforce, so
 * that the next run sends the rest and follows those jobs instead of
 * sending their records again. One JSON object, rewritten whole (a new
 * file, synced, renamed over the old) and locked for the run.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apply.h"
#include "exitcode.h"
#include "inputid.h"
#include "msg.h"
#include "sfid.h"
#include "statefile.h"

/*
 * The state file (common/statefile.c). apply.h's struct apply keeps the
 * locked descriptor (a->state_fd, closed by msi-apply.c at the end); the
 * handle that names it, and the new file while it is written, is here.
 */
static struct statefile state_file;

/* Whether v (borrowed) is an integer from 0 to max. */
static int
count_in(const json_t *v, uint64_t max)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 &&
	       (uint64_t)json_integer_value(v) <= max;
}

/* Whether s (may be NULL) could name an object (struct aobj): [A-Za-z0-9_]{1,63}. */
static int
object_name(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return i > 0 && i < sizeof((struct aobj *)0)->name;
}

/* Whether s is a count as answered_past writes a line's: digits, no leading 0. */
static int
line_key(const char *s, uint64_t *n)
{
	size_t i;

	*n = 0;
	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0') || strlen(s) > 19)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*n = *n * 10 + (uint64_t)(s[i] - '0');
	}
	return 1;
}

/* Whether v (borrowed) is a result's reasons: [{"code","message"[,"fields"]}]. */
static int
reasons_ok(const json_t *v)
{
	const json_t *r, *fields, *f;
	size_t i, j;

	if (!json_is_array(v))
		return 0;
	json_array_foreach (v, i, r) {
		fields = json_object_get(r, "fields");
		if (!json_is_string(json_object_get(r, "code")) ||
		    !json_is_string(json_object_get(r, "message")) ||
		    (fields != NULL && !json_is_array(fields)))
			return 0;
		json_array_foreach (fields, j, f)
			if (!json_is_string(f))
				return 0;
	}
	return 1;
}

/*
 * The "answered" member (borrowed; may be NULL): line -> {"status",
 * "retryable","written"[,"reasons"]}, each line past the checkpoint
 * (acked) and within the input (records). 0, or -1 with what is wrong.
 */
static int
answered_ok(const json_t *ans, uint64_t acked, uint64_t records, char *why, size_t size)
{
	const char *key, *status;
	const json_t *v, *reasons;
	uint64_t line;

	if (ans == NULL)
		return 0;
	if (!json_is_object(ans)) {
		snprintf(why, size, "answered: not an object");
		return -1;
	}
	json_object_foreach ((json_t *)ans, key, v) {
		if (!line_key(key, &line)) {
			snprintf(why, size, "answered: a key is not a line's number");
			return -1;
		}
		if (line < acked || line >= records) {
			snprintf(why, size,
			    "answered: line %s is not past the checkpoint and within the input",
			    key);
			return -1;
		}
		status = json_string_value(json_object_get(v, "status"));
		reasons = json_object_get(v, "reasons");
		if (status == NULL ||
		    (strcmp(status, "updated") != 0 && strcmp(status, "failed") != 0) ||
		    !json_is_boolean(json_object_get(v, "retryable")) ||
		    !json_is_boolean(json_object_get(v, "written")) ||
		    (reasons != NULL && !reasons_ok(reasons))) {
			snprintf(why, size,
			    "answered.%s: not {\"status\": updated or failed, \"retryable\", "
			    "\"written\", \"reasons\"}",
			    key);
			return -1;
		}
	}
	return 0;
}

/*
 * Job i of the "jobs" member (borrowed): {"object","id","first","count",
 * "state"}: an object's name, an 18-character job id not met before
 * (ids), its updates [first, first+count) among those past the checkpoint
 * (at most past of them), a state msi-apply writes. 0, or -1 with what is
 * wrong.
 */
static int
job_ok(const json_t *job, size_t i, uint64_t past, json_t *ids, char *why, size_t size)
{
	const char *object = json_string_value(json_object_get(job, "object")),
	           *id = json_string_value(json_object_get(job, "id")),
	           *state = json_string_value(json_object_get(job, "state"));
	char norm[SFID_LEN + 1], idwhy[SFID_WHY_SIZE];
	uint64_t first;

	if (!object_name(object)) {
		snprintf(why, size, "jobs[%zu].object: not an object's name", i);
		return -1;
	}
	if (id == NULL || sfid_normalize(id, strlen(id), norm, idwhy) != SFID_VALID ||
	    json_object_get(ids, id) != NULL) {
		snprintf(why, size, "jobs[%zu].id: not a job's 18-character id, once", i);
		return -1;
	}
	if (!count_in(json_object_get(job, "first"), past)) {
		snprintf(why, size, "jobs[%zu].first: not a count from 0 to %" PRIu64, i, past);
		return -1;
	}
	/* first + count checked without the sum: a count near 2^63 must not wrap */
	first = (uint64_t)json_integer_value(json_object_get(job, "first"));
	if (!count_in(json_object_get(job, "count"), past - first)) {
		snprintf(why, size,
		    "jobs[%zu].count: not a count from 0 to %" PRIu64
		    " (the updates past the checkpoint, after first)",
		    i, past - first);
		return -1;
	}
	if (state == NULL ||
	    (strcmp(state, "Open") != 0 && strcmp(state, "UploadComplete") != 0)) {
		snprintf(why, size, "jobs[%zu].state: not Open or UploadComplete", i);
		return -1;
	}
	json_object_set_new(ids, id, json_true());
	return 0;
}

/* The "jobs" member (borrowed): an array of jobs, each job_ok. 0, or -1 with what is wrong. */
static int
jobs_ok(const json_t *jobs, uint64_t past, char *why, size_t size)
{
	json_t *ids;
	size_t i;
	int st = 0;

	if (!json_is_array(jobs)) {
		snprintf(why, size, "jobs: not an array");
		return -1;
	}
	ids = json_object();
	for (i = 0; i < json_array_size(jobs) && st == 0; i++)
		st = job_ok(json_array_get(jobs, i), i, past, ids, why, size);
	json_decref(ids);
	return st;
}

/*
 * The state read back (doc, borrowed), each member checked as if edited
 * by hand: msi-apply's, of these inputs (inputs_compare), its counts,
 * lines and jobs within them. Sets a->skip, a->jobs, a->answered_loaded.
 * Returns 0, or an exit status after a message: 3 for a state msi-apply
 * did not write, 2 for one of other inputs not settled.
 */
static int
state_check(struct apply *a, const json_t *doc, const struct stat *fst)
{
	const json_t *acked = json_object_get(doc, "acknowledged"),
	             *jobs = json_object_get(doc, "jobs"),
	             *ans = json_object_get(doc, "answered");
	enum inputs_verdict verdict;
	uint64_t records, n;
	char why[1200];
	int pending;

	if (!json_is_integer(json_object_get(doc, "msi-apply")) ||
	    json_integer_value(json_object_get(doc, "msi-apply")) != 1) {
		msg_at(a->state_name, 1, "not a state file of msi-apply");
		return MSI_EXIT_BADINPUT;
	}
	if ((verdict = inputs_compare(&a->inputs, doc, fst, &records, why, sizeof why)) ==
	    INPUTS_BAD)
		goto bad;
	if (!count_in(acked, records)) {
		if (records == UINT64_MAX)
			snprintf(why, sizeof why, "acknowledged: not a count of lines");
		else
			snprintf(why, sizeof why,
			    "acknowledged: not a count of lines from 0 to the input's %" PRIu64,
			    records);
		goto bad;
	}
	n = (uint64_t)json_integer_value(acked);
	if (jobs_ok(jobs, records - n, why, sizeof why) != 0 ||
	    answered_ok(ans, n, records, why, sizeof why) != 0)
		goto bad;
	if (verdict == INPUTS_OTHER) {
		/* what a new input would miss: lines passed over, jobs, answers kept */
		pending = json_array_size(jobs) > 0 || json_object_size(ans) > 0;
		return inputs_other(&a->inputs, a->state_name, why,
		    pending        ? NULL
		    : n == records ? "whose run answered all its input"
		    : n == 0       ? "in which nothing was answered"
		                   : NULL);
	}
	a->skip = (unsigned long)n;
	a->jobs = json_incref((json_t *)jobs);
	if (ans != NULL)
		a->answered_loaded = json_incref((json_t *)ans);
	return 0;
bad:
	msg_warn("%s: %s", a->state_name, why);
	return MSI_EXIT_BADINPUT;
}

/*
 * Opens and locks the state, and identifies the input (read once whole);
 * the state's lines answered become a->skip and its jobs a->jobs. A state
 * of other inputs is refused (status 2) unless it leaves nothing out; one
 * another msi-apply holds, status 7. Returns 0 or the exit status after a
 * message.
 */
int
state_open(struct apply *a)
{
	json_error_t err;
	struct stat fst;
	json_t *doc;
	int status;

	if ((status = statefile_lock(&state_file, a->state_name, 0,
	         "another msi-apply is using this state file; try again when it has ended")) !=
	    0)
		return status;
	fst = state_file.st;
	if ((status = statefile_regular(&state_file, MSI_EXIT_USAGE)) != 0) {
		statefile_close(&state_file);
		return status;
	}
	a->state_fd = state_file.fd;
	if ((status = inputs_identify(&a->inputs, a->files, a->nfiles)) != 0)
		return status;
	if (fst.st_size == 0) {
		a->jobs = json_array();
		return 0;
	}
	if ((doc = json_loadfd(state_file.fd, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		msg_at(a->state_name, (unsigned long)err.line,
		    "not a state file of msi-apply: %s", err.text);
		return MSI_EXIT_BADINPUT;
	}
	status = state_check(a, doc, &fst);
	json_decref(doc);
	if (status != 0)
		return status;
	if (a->jobs == NULL)
		a->jobs = json_array(); /* started afresh */
	if (a->skip > 0 || json_array_size(a->jobs) > 0 ||
	    json_object_size(a->answered_loaded) > 0)
		msg_warn("%s: resuming after %lu lines answered before%s%s", a->state_name,
		    a->skip,
		    json_object_size(a->answered_loaded) > 0 ? " and some past them" : "",
		    json_array_size(a->jobs) > 0 ? "; following the ingest jobs sent before"
		                                 : "");
	return 0;
}

/*
 * The updates answered past the checkpoint (later batches that ended
 * before earlier ones; those after a stop's first unsent one): line ->
 * {"status","reasons","retryable","written"}, so that a resumed run sends
 * none of them again and writes the result lines not yet written. A new
 * reference. It looks no further than the last update answered
 * (a->answered_hi), not at every update yet to send: written after each
 * call, it would otherwise cost the square of the updates.
 */
static json_t *
answered_past(const struct apply *a, size_t from)
{
	json_t *ans = json_object(), *one;
	const struct upd *u;
	char key[32];
	size_t i;

	/* in the window: read up to answered_hi, none dropped from acked on */
	if (from < a->answered_hi && (a->answered_hi > a->base + a->nw || from < a->base))
		msg_fatal(MSI_EXIT_IO, "the updates answered are not in memory");
	for (i = from; i < a->answered_hi && i < a->n; i++) {
		u = UPD(a, i);
		if (u->status != U_UPDATED && u->status != U_FAILED)
			continue;
		one = json_pack("{s:s, s:b, s:b}", "status",
		    u->status == U_UPDATED ? "updated" : "failed", "retryable",
		    u->retryable != 0, "written", i < a->written);
		if (u->reasons != NULL)
			json_object_set(one, "reasons", u->reasons);
		snprintf(key, sizeof key, "%lu", a->skip + (unsigned long)i);
		json_object_set_new(ans, key, one);
	}
	return ans;
}

/*
 * Writes the state: the lines answered (the result lines written, up to
 * the first record a stopped run did not send), those answered past them,
 * and the jobs still to follow. The new file is locked before it takes the old one's name, so
 * that the lock holds across the rename. Stops the run on failure: a
 * state that cannot be kept must not let records go unrecorded.
 */
void
state_write(struct apply *a)
{
	size_t acked = a->written;
	json_t *doc;
	char *text;
	FILE *fp;

	if (a->state_name == NULL || a->frozen)
		return;
	if (a->unsent < acked)
		acked = a->unsent;
	doc =
	    json_pack("{s:i, s:o, s:I, s:O}", "msi-apply", 1, "input", inputs_names(&a->inputs),
	        "acknowledged", (json_int_t)(a->skip + acked), "jobs", a->jobs);
	if (json_array_size(a->jobs) > 0) {
		/* the jobs' updates are counted from the checkpoint they were made at */
		json_object_set_new(doc, "acknowledged", json_integer((json_int_t)a->skip));
		if (a->answered_loaded != NULL)
			json_object_set(doc, "answered", a->answered_loaded);
	} else {
		json_object_set_new(doc, "answered", answered_past(a, acked));
	}
	json_object_set_new(doc, "identity", inputs_identity(&a->inputs));
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	/* the descriptor msi-apply holds is the one locked (state_open) */
	state_file.fd = a->state_fd;
	if ((fp = statefile_begin(&state_file)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", state_file.tmp);
	if (fputs(text, fp) == EOF || fputc('\n', fp) == EOF)
		msg_sysfatal(MSI_EXIT_IO, "%s", state_file.tmp);
	free(text);
	if (statefile_commit(&state_file) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", a->state_name);
	/* the new file's descriptor holds the lock now */
	a->state_fd = state_file.fd;
}
