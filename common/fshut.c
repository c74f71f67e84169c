/* fshut.c: closing an output stream so that a lost write is an error, not silence. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
