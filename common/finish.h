/* finish.h: the end of every tool's run, one way: outputs closed, the summary, rejects to
 * status, --stats-json. */
#ifndef MSI_FINISH_H
#define MSI_FINISH_H

#include <stdio.h>

#include <jansson.h>

struct finish {
	FILE *rejects;            /* the rejects file, closed here; NULL if none */
	const char *rejects_name; /* its name, for the messages */
	unsigned long rejected;   /* records set aside: status 1 (MSI_EXIT_REJECTS) */
	const char
	    *noun; /* what was set aside ("rows", "records"): the message's; NULL: none */
	const char *stats_file; /* --stats-json, or NULL */
	/* the summary on stderr, after the outputs are closed; NULL: none */
	void (*summary)(void *ctx, int status);
	/* the counts for stats_file (a new object: "status" is added here) */
	json_t *(*stats)(void *ctx, int status);
	void *ctx;
};

int finish_run(const struct finish *f, int status);

#endif
