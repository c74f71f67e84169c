/* mapfile.c: a map file read line by line: its words, where they are, what is wrong. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "exitcode.h"
#include "mapfile.h"
#include "msg.h"
#include "words.h"

/* Opens path. Returns 0, or MSI_EXIT_IO after a message naming it. */
int
mapfile_open(struct mapfile *mf, const char *path)
{
	memset(mf, 0, sizeof *mf);
	mf->path = path;
	if ((mf->fp = fopen(path, "r")) == NULL) {
		msg_syswarn("%s", path);
		return mf->status = MSI_EXIT_IO;
	}
	return 0;
}

/*
 * The words of the next line that has any, at most max of them, into
 * word (they point into the reader's buffer, valid until the next call);
 * mf->line is their line. Returns their count, -1 for a line of more than
 * max words (the caller says what its lines hold), or 0 at the end and
 * once something is wrong: mf->status is then 0 or the exit status.
 */
int
mapfile_next(struct mapfile *mf, char **word, int max)
{
	int n;

	while (mf->status == 0 && getline(&mf->buf, &mf->size, mf->fp) != -1) {
		mf->line++;
		if ((n = words_split(mf->buf, word, max)) == 0)
			continue;
		if (n != -2)
			return n;
		mapfile_error(mf, "a quote is not closed");
	}
	return 0;
}

/* Says what is wrong with the line at hand, "prog: file:line: what", and stops the reading. */
void
mapfile_error(struct mapfile *mf, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = evasprintf(fmt, ap);
	va_end(ap);
	msg_at(mf->path, mf->line, "%s", what);
	free(what);
	if (mf->status == 0)
		mf->status = MSI_EXIT_USAGE;
}

/*
 * Closes the file. Returns mf->status: 0, the status of the first thing
 * wrong, or MSI_EXIT_IO after a message when the file could not be read.
 */
int
mapfile_close(struct mapfile *mf)
{
	if (mf->fp == NULL)
		return mf->status;
	if (mf->status == 0 && ferror(mf->fp)) {
		msg_syswarn("%s", mf->path);
		mf->status = MSI_EXIT_IO;
	}
	fclose(mf->fp);
	free(mf->buf);
	mf->fp = NULL;
	mf->buf = NULL;
	return mf->status;
}
