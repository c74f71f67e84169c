/* sfopts.h: the options every tool that calls Salesforce shares: defaults, parser. */
#ifndef MSI_SFOPTS_H
#define MSI_SFOPTS_H

#include <getopt.h>
#include <stdio.h>

#include "mkconf.h"
#include "progress.h"
#include "sfclient.h"

/* The options of every tool that calls Salesforce, as given; sfopts_init sets the defaults. */
struct sfopts {
	const char *config; /* -C, or NULL: $SALESFORCE_CONFIG, else the environment */
	long timeout;       /* --timeout: seconds a call may take */
	long max_retries;   /* --max-retries: of a call the service failed */
	double poll_max;    /* --poll-max: seconds between two polls of a job, at most */
	struct progress_opts progress; /* --progress, --no-progress, --progress-fd */
};

/* Their letters, for a tool's getopt_long string and option table: -C, the rest long only. */
#define SFOPTS_SHORT "C:"
/* an initializer list in a macro, laid out as the tables it goes in */
/* clang-format off */
#define SFOPTS_LONG \
	{"config", required_argument, NULL, 'C'}, \
	{"max-retries", required_argument, NULL, SFOPTS_MAX_RETRIES}, \
	{"poll-max", required_argument, NULL, SFOPTS_POLL_MAX}, \
	PROGRESS_LONG, \
	{"timeout", required_argument, NULL, SFOPTS_TIMEOUT}
/* clang-format on */
#define SFOPTS_MAX_RETRIES 0x200
#define SFOPTS_POLL_MAX    0x201
#define SFOPTS_TIMEOUT     0x202

void sfopts_init(struct sfopts *o);
int sfopts_parse(struct sfopts *o, int ch, const char *arg, void (*usage)(FILE *, int));
int sfopts_client(struct sfclient *c, const struct sfopts *o, char why[MKCONF_WHY_SIZE]);

#endif
