/* options.h: msi-load's command line, as given and cross-checked. */
#ifndef MSI_LOAD_OPTIONS_H
#define MSI_LOAD_OPTIONS_H

#include "mkclient.h"
#include "objects.h"

#define MAX_KEEP 16 /* --keep files at most */

struct options {
	const struct mkto_def *obj; /* the object operand */
	char **files;               /* the file operands; "-" alone when none */
	const char *action; /* -a: createOrUpdate (the default), createOnly, updateOnly */
	const char *lookup; /* -l: leads' lookupField; email by default */
	int dry, fail_fast;
	int check;                    /* --check: Marketo's read-only calls */
	int check_objs[MKTO_OBJECTS]; /* the objects --check describes */
	int unlink; /* a record refused for its sales person goes again without it */
	const char *rejects, *retry, *state, *stats;
	const char *results; /* --results: the result lines' file, not standard output */
	int merge;           /* --merge: a --retry's lines put in its results file */
	const char *landed;  /* --changed-only */
	int delete_mode;     /* DELETE_MISSING, DELETE_LISTED (deletes.h), or 0 */
	int delete_leads;
	double max_delete;   /* percent; 10 by default */
	const char *deletes; /* --deletes */
	const char *hold;    /* --hold-deletes */
	const char *keep[MAX_KEEP];
	int nkeep;
	struct mkopts mk;
};

void options_parse(struct options *o, int argc, char *argv[]);

#endif
