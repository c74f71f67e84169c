/*
 * merge.c: the result lines and rejects of the runs before, joined by this
 * run's: a resumed run's --results file cut back to its checkpoint, a
 * --retry's lines put in place of the old (--merge).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

#include "exitcode.h"
#include "fshut.h"
#include "load.h"
#include "msg.h"
#include "ndjson.h"

/*
 * Opens the --results file path: anew, or, for a resumed run (keep: the
 * result lines its checkpoint counts), cut back to its first keep lines
 * (those after them were written after the checkpoint) and added to.
 * Returns the stream, or NULL with errno set.
 */
FILE *
merge_results_open(const char *path, int resumed, unsigned long keep)
{
	FILE *fp;
	off_t at = 0;
	int c;

	if (!resumed)
		return fopen_private(path, 0);
	if ((fp = fopen(path, "r")) != NULL) {
		while (keep > 0 && (c = getc(fp)) != EOF) {
			at++;
			if (c == '\n')
				keep--;
		}
		if (ferror(fp) || fclose(fp) != 0 || truncate(path, at) != 0)
			return NULL;
	} else if (errno != ENOENT)
		return NULL;
	return fopen_private(path, 1);
}

/* The "file:line" key of a result line or reject (raw, len bytes), in key; 0 or -1. */
static int
line_key(const char *raw, size_t len, char *key, size_t size)
{
	json_t *j = json_loadb(raw, len, 0, NULL);
	const char *file = json_string_value(json_object_get(j, "file"));
	json_t *line = json_object_get(j, "line");
	int ok = file != NULL && json_is_integer(line);

	if (ok)
		snprintf(key, size, "%s:%lu", file, (unsigned long)json_integer_value(line));
	json_decref(j);
	return ok ? 0 : -1;
}

/*
 * The lines of path copied to out, but those whose record has a line in
 * merged ("file:line" -> this run's result line): replaced by it (replace),
 * or left out. A missing path is an empty one. Returns 0 or -1 (errno).
 */
static int
copy_lines(const char *path, FILE *out, json_t *merged, int replace)
{
	FILE *in = fopen(path, "r");
	char *buf = NULL, key[4200];
	size_t size = 0;
	ssize_t len;
	json_t *now;
	int status = 0;

	if (in == NULL)
		return errno == ENOENT ? 0 : -1;
	while (status == 0 && (len = getline(&buf, &size, in)) > 0) {
		now = merged != NULL && line_key(buf, (size_t)len, key, sizeof key) == 0
		          ? json_object_get(merged, key)
		          : NULL;
		if (now == NULL)
			status = fwrite(buf, 1, (size_t)len, out) == (size_t)len &&
			                 (buf[len - 1] == '\n' || putc('\n', out) != EOF)
			             ? 0
			             : -1;
		else if (replace)
			status = ndjson_write(out, now);
	}
	if (ferror(in))
		status = -1;
	free(buf);
	fclose(in);
	return status;
}

/* File path made anew (path.tmp, renamed over it) from its lines (copy_lines), then from's. */
static int
rewrite(const char *path, json_t *merged, int replace, const char *from)
{
	char tmp[4200];
	FILE *fp;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((fp = fopen_tmp(tmp)) == NULL)
		return -1;
	if (copy_lines(path, fp, merged, replace) != 0 ||
	    (from != NULL && copy_lines(from, fp, NULL, 0) != 0)) {
		fclose(fp);
		unlink(tmp);
		return -1;
	}
	if (fcommit(fp, tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * --merge, once a --retry ended without stopping: its result lines
 * (merged, borrowed) in place of the old ones in the results file, then
 * the rejects file rid of the records sent again, and the new rejects
 * (written to fresh, flushed) added. Returns 0 or an exit status.
 */
int
merge_retry(const char *results, json_t *merged, const char *rejects, const char *fresh)
{
	if (rewrite(results, merged, 1, NULL) != 0) {
		msg_syswarn("%s", results);
		return MSI_EXIT_IO;
	}
	if (rejects != NULL && rewrite(rejects, merged, 0, fresh) != 0) {
		msg_syswarn("%s", rejects);
		return MSI_EXIT_IO;
	}
	return 0;
}
