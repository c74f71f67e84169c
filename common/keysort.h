/* keysort.h: lines sorted by a key with sort(1), in bounded memory, and scratch files. */
#ifndef MSI_KEYSORT_H
#define MSI_KEYSORT_H

#include <stdio.h>
#include <sys/types.h>

#include "jsonbuf.h"

/* The memory sort(1) is given (-S): what a tool's sort costs at most, whatever the input. */
#define KEYSORT_MEMORY "24M"

/*
 * One sort(1) child. Lines "KEY\tREST\n" go in (keysort_put), with KEY
 * escaped (keysort_key) so that it holds no tab or line break; once the
 * input is closed (keysort_sorted), they come back ordered by KEY in byte
 * order (LC_ALL=C), lines of one key in the order they were put when the
 * sort is stable. sort(1) keeps what does not fit its memory in temporary
 * files in TMPDIR, as it does on the command line.
 */
struct keysort {
	const char *what; /* named in messages: "the state of leads" */
	pid_t pid;
	FILE *in;  /* to sort(1), until keysort_sorted */
	FILE *out; /* from sort(1), after it */
	char *line;
	size_t size;
	unsigned long lines; /* put */
};

int keysort_start(struct keysort *ks, const char *what, int stable);
int keysort_put(struct keysort *ks, const char *key, const char *rest, size_t restlen);
int keysort_sorted(struct keysort *ks);
int keysort_get(struct keysort *ks, char **key, char **rest, size_t *restlen);
int keysort_end(struct keysort *ks);

const char *keysort_key(struct jsonbuf *b, const char *key);
FILE *scratch_file(const char *name);

#endif
