/* fshut.c: closing an output stream so that a lost write is an error, not silence. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fshut.h"
#include "msg.h"

/*
 * Flushes and closes fp. Returns 0, or -1 after a message naming name
 * when any write to fp failed (a full disk, a closed pipe, /dev/full).
 */
int
fshut(FILE *fp, const char *name)
{
	int failed = 0, saved = 0;

	if (fflush(fp) == EOF) {
		failed = 1;
		saved = errno;
	}
	if (ferror(fp) && !failed) {
		failed = 1;
		saved = EIO;
	}
	if (fclose(fp) == EOF && !failed) {
		failed = 1;
		saved = errno;
	}
	if (failed)
		msg_warn("write error: %s: %s", name, strerror(saved));
	return failed ? -1 : 0;
}

/*
 * Finishes a file written as tmp beside its final name path: flushes it,
 * syncs it to disk, closes it and renames it over path, so that path is
 * always the old file or the whole new one. fp is closed in any case.
 * Returns 0, or -1 with errno set.
 */
int
fcommit(FILE *fp, const char *tmp, const char *path)
{
	int saved;

	if (fflush(fp) == EOF || fsync(fileno(fp)) != 0 || ferror(fp)) {
		saved = errno ? errno : EIO;
		fclose(fp);
		errno = saved;
		return -1;
	}
	if (fclose(fp) == EOF)
		return -1;
	return rename(tmp, path);
}
