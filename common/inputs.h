/* inputs.h: input files read once, or twice (msi-transform --known, msi-writeback). */
#ifndef MSI_INPUTS_H
#define MSI_INPUTS_H

#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

enum input_reading {
	INPUT_ONCE,  /* the only reading */
	INPUT_FIRST, /* the first of two: a pipe is kept in a scratch file */
	INPUT_AGAIN  /* the second: the scratch file, or the file if it is unchanged */
};

struct input {
	const char *path;  /* as named; "-" standard input */
	const char *name;  /* for messages: path, or "<stdin>" */
	const char *twice; /* why it is read twice, for messages */
	FILE *spool;       /* what a pipe gave, for the second reading */
	struct stat st;    /* a file's identity at the first reading */
	off_t start;       /* where standard input began, when it is a file */
};

void input_init(struct input *in, const char *path, const char *twice);
FILE *input_open(struct input *in, enum input_reading reading, int *status);
void input_close(struct input *in, FILE *fp);
void input_free(struct input *in);

#endif
