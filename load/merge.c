/*
 * merge.c: the result lines and rejects of the runs before, joined by this
 * run's: a resumed run's --results file cut back to its checkpoint, a
 * --retry's lines put in place of the old (--merge).
 */
#include <errno.h>
#include <stdio.h>
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

/* A line of the results or rejects: this run's result line in its place, if it has one. */
static int
replace(void *ctx, json_t *line, json_t **instead)
{
	const char *file = json_string_value(json_object_get(line, "file"));
	json_t *n = json_object_get(line, "line");
	char key[4200];

	if (file == NULL || !json_is_integer(n))
		return 1;
	snprintf(key, sizeof key, "%s:%" JSON_INTEGER_FORMAT, file, json_integer_value(n));
	*instead = json_object_get(ctx, key);
	return *instead == NULL;
}

/* A reject of the runs before: it goes when its record was sent again. */
static int
not_sent_again(void *ctx, json_t *line, json_t **instead)
{
	int keep = replace(ctx, line, instead);

	*instead = NULL;
	return keep;
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
	if (ndjson_rewrite(results, replace, merged, NULL) != 0) {
		msg_syswarn("%s", results);
		return MSI_EXIT_IO;
	}
	if (rejects != NULL && ndjson_rewrite(rejects, not_sent_again, merged, fresh) != 0) {
		msg_syswarn("%s", rejects);
		return MSI_EXIT_IO;
	}
	return 0;
}
