/*
 * sfopts.c: the options every tool that calls Salesforce shares
 * (msi-extract --salesforce, msi-apply): their defaults here and nowhere
 * else, one parser, and the client made from them.
 */
#include <string.h>

#include "numarg.h"
#include "sfopts.h"

/*
 * The defaults: two minutes a call, five retries of a call the service
 * failed, and a job polled at least every ten seconds once the pauses
 * between polls have grown.
 */
void
sfopts_init(struct sfopts *o)
{
	memset(o, 0, sizeof *o); /* config NULL: sfclient_init reads $SALESFORCE_CONFIG */
	o->timeout = 120;
	o->max_retries = 5;
	o->poll_max = 10;
	progress_opts_init(&o->progress);
}

/*
 * Takes one of the shared options (ch as getopt_long gave it, with arg);
 * returns 1, or 0 when ch is not one of them. A bad number is a message
 * and the tool's usage, which exits with status 2.
 */
int
sfopts_parse(struct sfopts *o, int ch, const char *arg, void (*usage)(FILE *, int))
{
	switch (ch) {
	case 'C': o->config = arg; break;
	case SFOPTS_MAX_RETRIES:
		o->max_retries = numarg_range_or_usage(
		    arg, "--max-retries", 0, 100, "a number from 0 to 100", usage);
		break;
	case SFOPTS_POLL_MAX:
		o->poll_max = (double)numarg_range_or_usage(
		    arg, "--poll-max", 1, 3600, "seconds from 1 to 3600", usage);
		break;
	case SFOPTS_TIMEOUT:
		o->timeout =
		    numarg_range_or_usage(arg, "--timeout", 1, 86400, "seconds from 1", usage);
		break;
	default: return progress_opts_parse(&o->progress, ch, arg, usage);
	}
	return 1;
}

/* The run's client, made from the options: 0, or -1 with why (sfclient_init's). */
int
sfopts_client(struct sfclient *c, const struct sfopts *o, char why[MKCONF_WHY_SIZE])
{
	return sfclient_init(c, o->config, 1000 * o->timeout, (int)o->max_retries, why);
}
