/* fshut.c: closing an output stream so that a lost write is an error, not silence. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "fshut.h"
#include "msg.h"

/* Streams whose write error has been reported: one message a stream. */
static FILE *reported[8];

/*
 * Reports a failed write to fp (named name), errno saying why, unless one
 * was reported already; returns MSI_EXIT_IO. fshut then says nothing more
 * of fp, whose later errors are the same one.
 */
int
fwrite_failed(FILE *fp, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof reported / sizeof reported[0] && reported[i] != fp; i++)
		if (reported[i] == NULL) {
			reported[i] = fp;
			msg_syswarn("write error: %s", name);
			break;
		}
	return MSI_EXIT_IO;
}

/*
 * Whether everything written to fp so far reached its file: a flush, and
 * no write failed before it. A failure is said once (fwrite_failed: fshut
 * says no more of it). For what must wait until the output is out (a
 * mark, a state) while the stream stays open.
 */
int
fwritten(FILE *fp, const char *name)
{
	if (fflush(fp) == EOF) {
		fwrite_failed(fp, name); /* errno: fflush's */
		return 0;
	}
	if (ferror(fp)) {
		errno = EIO; /* as fshut says it */
		fwrite_failed(fp, name);
		return 0;
	}
	return 1;
}

/*
 * Flushes and closes fp. Returns 0, or -1 after a message naming name
 * when any write to fp failed (a full disk, a closed pipe, /dev/full)
 * that fwrite_failed has not reported.
 */
int
fshut(FILE *fp, const char *name)
{
	int failed = 0, saved = 0;
	size_t i;

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
	for (i = 0; i < sizeof reported / sizeof reported[0]; i++)
		if (reported[i] == fp) {
			reported[i] = NULL;
			return -1;
		}
	if (failed)
		msg_warn("write error: %s: %s", name, strerror(saved));
	return failed ? -1 : 0;
}

/*
 * Opens path for writing (append when append is set) as a file only its
 * user may read when it is made: rejects, states and stats hold an org's
 * records. An existing file keeps its mode. Returns NULL with errno set.
 */
FILE *
fopen_private(const char *path, int append)
{
	int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0600);
	FILE *fp;

	if (fd < 0)
		return NULL;
	if ((fp = fdopen(fd, append ? "a" : "w")) == NULL)
		close(fd);
	return fp;
}

/*
 * Makes tmp, the file a state or a stats file is written as before it is
 * renamed over its name: a stale one (a run killed while writing) is
 * removed first, and the new one is made with O_EXCL and O_NOFOLLOW, so
 * that a symbolic link or a file another user placed there is never
 * written through. Only its user may read it. Returns NULL with errno set.
 */
FILE *
fopen_tmp(const char *tmp)
{
	FILE *fp;
	int fd;

	if (unlink(tmp) != 0 && errno != ENOENT)
		return NULL;
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600); /* read back too (a state sorted anew) */
	if (fd < 0)
		return NULL;
	if ((fp = fdopen(fd, "w")) == NULL)
		close(fd);
	return fp;
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

/*
 * The end of a tool's usage or --help: exit with status, but 4 when the
 * help (status 0, on standard output) could not all be written: a full
 * disk or a closed pipe is a failure, as for any output.
 */
void
usage_exit(int status)
{
	if (status == MSI_EXIT_OK && fshut(stdout, "stdout") != 0)
		status = MSI_EXIT_IO;
	exit(status);
}
