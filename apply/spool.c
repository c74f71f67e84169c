/*
 * spool.c: the updates' records kept in a scratch file (TMPDIR), not in
 * memory: written by the input's first reading (input.c) with each line's
 * file and number, read again in order by its second, and a record read
 * back by its place in it when it is sent or written to the rejects.
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

/*
 * Keeps input line (file, line) at the end of the scratch file: "FILE
 * LINE R OBJECT ID\tRECORD\n" for an update (rec, borrowed; ok its object
 * and Id as checked), "FILE LINE X\tRECORD\n" for a record rejected,
 * "FILE LINE B\tWHY\n" for a line that is none (bad, as a JSON string).
 * Stops the run on failure.
 */
void
spool_put(struct apply *a, int file, unsigned long line, json_t *rec, const char *bad,
    const struct upd *ok)
{
	json_t *why = rec == NULL ? json_string(bad ? bad : "") : NULL;
	char *text = json_dumps(rec ? rec : why, DUMP_FLAGS | JSON_ENCODE_ANY);
	int head;
	size_t n;

	json_decref(why);
	if (text == NULL)
		msg_fatal(MSI_EXIT_IO, "out of memory");
	if (a->spool == NULL && (a->spool = scratch_file("updates")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "a scratch file for the updates (TMPDIR)");
	n = strlen(text);
	if (rec != NULL && ok != NULL)
		head = fprintf(a->spool, "%d %lu R %d %s\t", file, line, ok->obj, ok->id);
	else
		head = fprintf(a->spool, "%d %lu %c\t", file, line, rec ? 'X' : 'B');
	if (head < 0 || fwrite(text, 1, n, a->spool) != n || putc('\n', a->spool) == EOF)
		msg_sysfatal(MSI_EXIT_IO, "the updates' scratch file (TMPDIR)");
	a->spooled += (off_t)head + (off_t)n + 1;
	free(text);
}

/* The lines are all written: what is buffered goes to the file, to be read from its start. */
void
spool_done(struct apply *a)
{
	if (a->spool != NULL && (fflush(a->spool) != 0 || fseeko(a->spool, 0, SEEK_SET) != 0))
		msg_sysfatal(MSI_EXIT_IO, "the updates' scratch file (TMPDIR)");
	a->readat = 0;
}

/*
 * The second reading: the next line kept, its file, line and place in u;
 * 'R' for an update (its object and Id in u), 'X' for a record rejected
 * (*rec, a new reference, to be checked again for why), 'B' for a line
 * that is none (*bad, why, a new reference); 0 at the end.
 */
int
spool_next(struct apply *a, struct upd *u, json_t **rec, json_t **bad)
{
	ssize_t got;
	char *tab, *end, kind;
	unsigned long file, line, obj;
	size_t head;

	*rec = *bad = NULL;
	if (a->spool == NULL || (got = getline(&a->line, &a->linecap, a->spool)) < 0) {
		if (a->spool != NULL && ferror(a->spool))
			msg_sysfatal(MSI_EXIT_IO, "the updates' scratch file (TMPDIR)");
		return 0;
	}
	file = strtoul(a->line, &end, 10);
	line = strtoul(end, &end, 10);
	kind = end[0] == ' ' ? end[1] : '\0';
	tab = strchr(a->line, '\t');
	if (kind == 'R') {
		obj = strtoul(end + 2, &end, 10);
		if (obj >= APPLY_OBJECTS || tab == NULL || tab - end != 19)
			tab = NULL;
		else {
			u->obj = (unsigned char)obj;
			memcpy(u->id, end + 1, 18);
			u->id[18] = '\0';
			end += 19;
		}
	} else {
		end += 2;
	}
	if (tab == NULL || tab != end || (kind != 'R' && kind != 'X' && kind != 'B') ||
	    a->line[got - 1] != '\n')
		msg_fatal(
		    MSI_EXIT_IO, "the updates' scratch file (TMPDIR): a line not written");
	head = (size_t)(tab + 1 - a->line);
	u->file = (unsigned short)file;
	u->line = line;
	u->at = a->readat + (off_t)head;
	u->len = kind != 'B' ? (unsigned)((size_t)got - 1 - head) + 1 : 0;
	a->readat += got;
	if (kind == 'X')
		*rec = json_loadb(tab + 1, (size_t)got - 1 - head, 0, NULL);
	else if (kind == 'B')
		*bad = json_loadb(tab + 1, (size_t)got - 1 - head, JSON_DECODE_ANY, NULL);
	if (kind != 'R' && *rec == NULL && *bad == NULL)
		msg_fatal(
		    MSI_EXIT_IO, "the updates' scratch file (TMPDIR): a line not written");
	return kind;
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
	free(a->line);
	a->line = NULL;
	if (a->spool != NULL)
		fclose(a->spool);
	a->spool = NULL;
}
