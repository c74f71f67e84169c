/*
 * spool.c: the updates' records kept in a scratch file (TMPDIR), not in
 * memory, and read back by their place in it: a million updates are a
 * file of their records, and twelve bytes each in memory for where their
 * record is. Written while the input is read, then only read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "apply.h"
#include "ealloc.h"
#include "exitcode.h"
#include "keysort.h"
#include "msg.h"

/* Numbers as msi-writeback writes them: 2.6 stays 2.6. */
#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* Keeps rec (borrowed) as u's record, at the end of the scratch file. Stops the run on failure.
 */
void
spool_put(struct apply *a, struct upd *u, json_t *rec)
{
	char *text = json_dumps(rec, DUMP_FLAGS);
	size_t n;

	if (text == NULL)
		msg_fatal(MSI_EXIT_IO, "out of memory");
	if (a->spool == NULL && (a->spool = scratch_file("updates")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "a scratch file for the updates (TMPDIR)");
	n = strlen(text);
	u->at = a->spooled;
	u->len = (unsigned)n + 1; /* 0 is no record */
	if (fwrite(text, 1, n, a->spool) != n)
		msg_sysfatal(MSI_EXIT_IO, "the updates' scratch file (TMPDIR)");
	a->spooled += n;
	free(text);
}

/* The records are all written: what is buffered goes to the file, to be read. */
void
spool_done(struct apply *a)
{
	if (a->spool != NULL && fflush(a->spool) != 0)
		msg_sysfatal(MSI_EXIT_IO, "the updates' scratch file (TMPDIR)");
}

/* u's record read back: a new reference, or NULL when the line was no record. */
json_t *
spool_get(const struct apply *a, const struct upd *u)
{
	size_t n = u->len > 0 ? u->len - 1 : 0, got = 0;
	char *buf;
	ssize_t r;
	json_t *rec;

	if (u->len == 0 || a->spool == NULL)
		return NULL;
	buf = emalloc(n + 1);
	while (got < n) {
		r = pread(fileno(a->spool), buf + got, n - got, u->at + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			msg_sysfatal(MSI_EXIT_IO, "the updates' scratch file (TMPDIR)");
		got += (size_t)r;
	}
	buf[n] = '\0';
	rec = json_loadb(buf, n, 0, NULL);
	free(buf);
	return rec;
}

/* The length of u's record as kept (0 for none): what an upload of it costs, about. */
size_t
spool_len(const struct upd *u)
{
	return u->len > 0 ? u->len - 1 : 0;
}

void
spool_free(struct apply *a)
{
	if (a->spool != NULL)
		fclose(a->spool);
	a->spool = NULL;
}
