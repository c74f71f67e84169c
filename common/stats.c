/* stats.c: a tool's counts as one JSON object in a file, for scripts (--stats-json). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "msg.h"
#include "ndjson.h"
#include "stats.h"

/*
 * Writes stats (stolen) to path as one line, replacing the file whole: a
 * reader sees the old file or the new one, never a part. The file is
 * private to its user, as everything a run writes. A path that is not a
 * regular file (/dev/stdout, a pipe) is written to, not replaced. Returns 0, or
 * MSI_EXIT_IO after a message.
 */
int
stats_write(const char *path, json_t *stats)
{
	size_t n = strlen(path) + 5;
	char *tmp = emalloc(n);
	struct stat st;
	FILE *fp = NULL;
	int status = 0;

	snprintf(tmp, n, "%s.tmp", path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* /dev/stdout, a pipe: written to, never replaced */
		if ((fp = fopen(path, "w")) == NULL || ndjson_write(fp, stats) != 0 ||
		    fshut(fp, path) != 0) {
			if (fp == NULL)
				msg_syswarn("%s", path);
			status = MSI_EXIT_IO;
		}
	} else if ((fp = fopen_tmp(tmp)) == NULL) {
		msg_syswarn("%s", tmp);
		status = MSI_EXIT_IO;
	} else if ((ndjson_write(fp, stats) | fcommit(fp, tmp, path)) != 0) {
		/* fcommit closes fp in any case, and renames only a whole file */
		msg_syswarn("%s", path);
		unlink(tmp);
		status = MSI_EXIT_IO;
	}
	json_decref(stats);
	free(tmp);
	return status;
}
