/* mapfile.h: a map file read line by line: its words, where they are, what is wrong. */
#ifndef MSI_MAPFILE_H
#define MSI_MAPFILE_H

#include <stdio.h>

/*
 * The lexical grammar both --map grammars share (msi-formats(5)): lines of
 * words, a word plain characters and double-quoted parts, # to the end of
 * the line a comment, blank lines ignored. What the words mean is the
 * reader's: mapping.c (msi-transform, msi-extract --salesforce) and
 * msifields.c (msi-writeback, msi-apply).
 */
struct mapfile {
	const char *path;   /* as given, for the messages */
	unsigned long line; /* the line the last words are of */
	int status;         /* 0, or the exit status of the first thing wrong */
	FILE *fp;
	char *buf;
	size_t size;
};

int mapfile_open(struct mapfile *mf, const char *path);
int mapfile_next(struct mapfile *mf, char **word, int max);
void mapfile_error(struct mapfile *mf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int mapfile_close(struct mapfile *mf);

#endif
