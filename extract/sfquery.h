/* sfquery.h: msi-extract --salesforce: an object read from a live org by a Bulk API 2.0 query.
 */
#ifndef MSI_SFQUERY_H
#define MSI_SFQUERY_H

#include <jansson.h>

#include "extract.h"
#include "sfopts.h"

struct sfquery_opts {
	const char *object;
	const char *fields; /* --fields: comma-separated, or NULL: msi-transform's */
	const char *map;    /* --map: msi-transform's map file, or NULL */
	const char *soql;   /* --soql: the user's own query, or NULL */
	const char *state;  /* --state FILE, or NULL */
	long lookback;      /* --lookback: seconds before the mark asked again */
	int all_rows;       /* --all-rows: queryAll, deleted and archived rows too */
	long max_records;   /* rows a results page, at most */
	struct sfopts sf;   /* -C, --timeout, --max-retries, --poll-max */
	int stats;          /* --stats: the API usage said */
};

int sfquery_run(struct extract *x, const struct sfquery_opts *o, json_t *stats);
int sfquery_commit(int written);
int sfquery_check(const struct sfquery_opts *o);

#endif
