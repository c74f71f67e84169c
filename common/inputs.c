/*
 * inputs.c: input files read twice (msi-transform --known needs every
 * reference before the first record is written; msi-writeback, which
 * persons come again, before the first is asked for), so that what cannot
 * be read again is kept: standard input or a pipe is copied to a scratch
 * file in TMPDIR at the first reading; a file is opened again, and refused
 * if it changed in between.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "exitcode.h"
#include "inputs.h"
#include "keysort.h"
#include "msg.h"

/* An input named path ("-": standard input); twice says why it is read twice, for messages. */
void
input_init(struct input *in, const char *path, const char *twice)
{
	memset(in, 0, sizeof *in);
	in->path = path;
	in->name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	in->twice = twice;
}

/* Whether a file is the one the first reading had: same inode, size and time. */
static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* fp's bytes copied to a new scratch file, rewound; NULL after a message. */
static FILE *
spool(struct input *in, FILE *fp)
{
	char buf[1 << 16];
	size_t n;
	FILE *s;

	if ((s = scratch_file("input")) == NULL) {
		msg_syswarn("%s: a scratch file to keep it in (TMPDIR)", in->name);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		if (fwrite(buf, 1, n, s) != n) {
			msg_syswarn("%s: keeping it in a scratch file (TMPDIR)", in->name);
			fclose(s);
			return NULL;
		}
	if (ferror(fp)) {
		msg_syswarn("%s", in->name);
		fclose(s);
		return NULL;
	}
	if (fflush(s) != 0 || fseeko(s, 0, SEEK_SET) != 0) {
		msg_syswarn("%s: keeping it in a scratch file (TMPDIR)", in->name);
		fclose(s);
		return NULL;
	}
	return s;
}

/* The second reading: the scratch file, standard input from its start, or the file again. */
static FILE *
open_again(struct input *in, int *status)
{
	struct stat st;
	FILE *fp;

	if (in->spool != NULL) {
		if (fseeko(in->spool, 0, SEEK_SET) == 0)
			return in->spool;
		msg_syswarn("%s: its scratch file", in->name);
		*status = MSI_EXIT_IO;
		return NULL;
	}
	if (strcmp(in->path, "-") == 0) {
		if (fseeko(stdin, in->start, SEEK_SET) == 0)
			return stdin;
		msg_syswarn("%s", in->name);
		*status = MSI_EXIT_IO;
		return NULL;
	}
	if ((fp = fopen(in->path, "r")) == NULL)
		return NULL;
	if (fstat(fileno(fp), &st) != 0 || !same_file(&st, &in->st)) {
		msg_warn("%s: changed while it was read: %s", in->name, in->twice);
		fclose(fp);
		*status = MSI_EXIT_IO;
		return NULL;
	}
	return fp;
}

/*
 * The input opened for a reading. NULL with *status 0 and errno set when
 * it cannot be opened (the caller says so: the first of two readings
 * leaves that to the second), or with *status an exit status after a
 * message.
 */
FILE *
input_open(struct input *in, enum input_reading reading, int *status)
{
	struct stat st;
	FILE *fp;

	*status = 0;
	if (reading == INPUT_AGAIN)
		return open_again(in, status);
	if (strcmp(in->path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(in->path, "r")) == NULL)
		return NULL;
	if (reading == INPUT_ONCE)
		return fp;
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
	    (fp != stdin || (in->start = ftello(stdin)) >= 0)) {
		in->st = st;
		return fp;
	}
	in->spool = spool(in, fp);
	if (fp != stdin)
		fclose(fp);
	if (in->spool == NULL)
		*status = MSI_EXIT_IO;
	return in->spool;
}

/* The end of a reading: a file closed; standard input and a scratch file stay open. */
void
input_close(struct input *in, FILE *fp)
{
	if (fp != stdin && fp != in->spool)
		fclose(fp);
}

void
input_free(struct input *in)
{
	if (in->spool != NULL)
		fclose(in->spool);
	in->spool = NULL;
}
