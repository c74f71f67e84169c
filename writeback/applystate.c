/*
 * applystate.c: msi-apply's --state: how many input lines at the start are
 * answered, and the ingest jobs a stopped run left with Salesforce, so
 * that the next run sends the rest and follows those jobs instead of
 * sending their records again. One JSON object, rewritten whole (a new
 * file, synced, renamed over the old) and locked for the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "exitcode.h"
#include "fshut.h"
#include "msg.h"

/* The inputs as named, which a resumed run must name again. A new reference. */
static json_t *
input_names(const struct apply *a)
{
	json_t *names = json_array();
	int i;

	for (i = 0; i < a->nfiles; i++)
		json_array_append_new(names, json_string(a->files[i]));
	return names;
}

/*
 * Opens and locks the state; its lines answered become a->skip and its
 * jobs a->jobs. A state of other inputs is refused (status 2); one another
 * msi-apply holds, status 7. Returns 0 or the exit status after a message.
 */
int
state_open(struct apply *a)
{
	json_error_t err;
	struct stat fst, pst;
	json_t *doc, *names, *jobs;
	int fd, ours;

	for (;;) {
		if ((fd = open(a->state_name, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
			msg_syswarn("%s", a->state_name);
			return MSI_EXIT_IO;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			msg_warn("%s: another msi-apply is using this state file; try again when it "
			         "has ended",
			    a->state_name);
			close(fd);
			return MSI_EXIT_BUSY;
		}
		/* the holder before may have renamed a new state over the one opened */
		if (fstat(fd, &fst) != 0 || stat(a->state_name, &pst) != 0) {
			msg_syswarn("%s", a->state_name);
			close(fd);
			return MSI_EXIT_IO;
		}
		if (fst.st_ino == pst.st_ino && fst.st_dev == pst.st_dev)
			break;
		close(fd);
	}
	if (!S_ISREG(fst.st_mode)) {
		msg_warn("%s: not a regular file", a->state_name);
		close(fd);
		return MSI_EXIT_USAGE;
	}
	a->state_fd = fd;
	if (fst.st_size == 0) {
		a->jobs = json_array();
		return 0;
	}
	if ((doc = json_loadfd(fd, 0, &err)) == NULL) {
		msg_at(a->state_name, (unsigned long)err.line, "not a state file of msi-apply: %s",
		    err.text);
		return MSI_EXIT_BADINPUT;
	}
	names = input_names(a);
	jobs = json_object_get(doc, "jobs");
	ours = json_object_get(doc, "msi-apply") != NULL &&
	       json_is_integer(json_object_get(doc, "acknowledged")) && json_is_array(jobs);
	if (!ours) {
		msg_at(a->state_name, 1, "not a state file of msi-apply");
		json_decref(names);
		json_decref(doc);
		return MSI_EXIT_BADINPUT;
	}
	if (!json_equal(json_object_get(doc, "input"), names)) {
		msg_warn("%s: the state of another input; give the same files, or remove it to "
		         "start afresh",
		    a->state_name);
		json_decref(names);
		json_decref(doc);
		return MSI_EXIT_USAGE;
	}
	a->skip = (unsigned long)json_integer_value(json_object_get(doc, "acknowledged"));
	a->jobs = json_incref(jobs);
	if (json_is_object(json_object_get(doc, "answered")))
		a->answered_loaded = json_incref(json_object_get(doc, "answered"));
	json_decref(names);
	json_decref(doc);
	if (a->skip > 0 || json_array_size(a->jobs) > 0 || json_object_size(a->answered_loaded) > 0)
		msg_warn("%s: resuming after %lu lines answered before%s%s", a->state_name, a->skip,
		    json_object_size(a->answered_loaded) > 0 ? " and some past them" : "",
		    json_array_size(a->jobs) > 0 ? "; following the ingest jobs sent before" : "");
	return 0;
}

/*
 * The updates answered past the checkpoint (later batches that ended
 * before earlier ones; those after a stop's first unsent one): line ->
 * {"status","reasons","retryable","written"}, so that a resumed run sends
 * none of them again and writes the result lines not yet written. A new
 * reference.
 */
static json_t *
answered_past(const struct apply *a, size_t from)
{
	json_t *ans = json_object(), *one;
	const struct upd *u;
	char key[32];
	size_t i;

	for (i = from; i < a->n; i++) {
		u = &a->u[i];
		if (u->status != U_UPDATED && u->status != U_FAILED)
			continue;
		one = json_pack("{s:s, s:b, s:b}", "status", u->status == U_UPDATED ? "updated" : "failed",
		    "retryable", u->retryable != 0, "written", i < a->written);
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
	char tmp[4096], *text;
	size_t acked = a->written, len, off;
	ssize_t w;
	json_t *doc;
	FILE *fp;
	int fd;

	if (a->state_name == NULL)
		return;
	if (a->unsent < acked)
		acked = a->unsent;
	doc = json_pack("{s:i, s:o, s:I, s:O}", "msi-apply", 1, "input", input_names(a),
	    "acknowledged", (json_int_t)(a->skip + acked), "jobs", a->jobs);
	if (json_array_size(a->jobs) > 0) {
		/* the jobs' updates are counted from the checkpoint they were made at */
		json_object_set_new(doc, "acknowledged", json_integer((json_int_t)a->skip));
		if (a->answered_loaded != NULL)
			json_object_set(doc, "answered", a->answered_loaded);
	} else {
		json_object_set_new(doc, "answered", answered_past(a, acked));
	}
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	len = strlen(text);
	text[len++] = '\n'; /* json_dumps leaves room: its NUL */
	snprintf(tmp, sizeof tmp, "%s.tmp", a->state_name);
	if ((fp = fopen_tmp(tmp)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", tmp);
	fd = fileno(fp);
	if (flock(fd, LOCK_EX) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", tmp);
	for (off = 0; off < len; off += (size_t)w)
		if ((w = write(fd, text + off, len - off)) < 0 && errno != EINTR)
			msg_sysfatal(MSI_EXIT_IO, "%s", tmp);
		else if (w < 0)
			w = 0;
	free(text);
	if (fsync(fd) != 0 || rename(tmp, a->state_name) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", a->state_name);
	/* the new file's descriptor holds the lock now: the stream goes, the descriptor stays */
	close(a->state_fd);
	if ((a->state_fd = dup(fd)) < 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", a->state_name);
	fclose(fp);
}
