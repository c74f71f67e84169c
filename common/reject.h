/* reject.h: the one shape of a record a stage sets aside, with its reason and position. */
#ifndef MSI_REJECT_H
#define MSI_REJECT_H

#include <stdio.h>

#include <jansson.h>

struct reject {
	const char *stage;  /* "extract", "transform", "load", "writeback" */
	const char *status; /* "rejected", "skipped", "unlinked", "failed" */
	const char *reason;
	const char *code; /* the service's code, or NULL */
	int retryable; /* failed for the service after its retries: a later run may land it */
	const char *file; /* the stage's input position, or NULL */
	unsigned long line;
	const char *source; /* the record's position before this stage, or NULL */
	json_t *record;     /* borrowed, or NULL */
	json_t *extra;      /* more members, borrowed, or NULL (extract's raw text) */
};

int reject_write(FILE *fp, const char *name, const struct reject *r);

#endif
