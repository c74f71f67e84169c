/* query.c: the REST query resource: a SOQL query's records as JSON, in batches, the rest
 * of them kept behind a query locator that nextRecordsUrl names. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ealloc.h"
#include "rest.h"
#include "sfid.h"
#include "sim.h"

/*
 * A batch holds 2,000 records unless the Sforce-Query-Options header asks
 * for another batchSize, 200 at least and 2,000 at most; Salesforce takes
 * the size as a wish ("There is no guarantee that the requested batch size
 * is the actual batch size"), so a size outside the range is brought into
 * it rather than refused
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm).
 */
#define BATCH_DEFAULT 2000
#define BATCH_MIN     200
#define BATCH_MAX     2000

/*
 * A query whose records did not fit in one batch: a server-side cursor.
 * Its locator is its id, "-", and the number of records already given
 * (01gD0000002HU6KIAW-2000 in Salesforce's example,
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm).
 * The records are taken when the query runs: changes after it do not show
 * in its later batches. A cursor is released once its last batch has been
 * given; until then any of its locators can be read, again too.
 * Salesforce keeps a locator for two days and, since API version 56.0,
 * does not limit how many are open
 * (https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_apicursors.htm):
 * the simulator keeps them for its life, so memory grows with the
 * unfinished queries of large results.
 */
struct cursor {
	char id[SFID_LEN + 1];
	json_t *records; /* every record of the result: a new reference */
	size_t batch;
	struct cursor *next;
};

static struct cursor *cursors;
static unsigned long cursor_count;

/* What a query's rows are gathered into. */
struct gather {
	const struct soql *q;
	const char *version;
	json_t *records;
};

/*
 * A value as the REST API writes it in JSON: booleans true and false,
 * numbers as numbers, datetimes 2024-01-02T03:04:05.000+0000, dates
 * 2024-01-02, the rest as strings; null as null. A value the export held
 * that does not read as its type is given as the string it is. A new
 * reference.
 */
static json_t *
value_json(const struct sobject *o, const struct record *r, size_t field)
{
	char buf[STAMP_SIZE], *end;
	const char *v = store_value(o, r, field, buf);
	long long ms, n;
	double d;

	if (v == NULL)
		return json_null();
	switch (o->fields[field].type) {
	case T_BOOLEAN:
		if (store_value_true(v))
			return json_true();
		if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0)
			return json_false();
		break;
	case T_DATETIME:
		if ((long)field == o->stamp_field)
			ms = r->stamp;
		else if (stamp_parse(v, strlen(v), 0, &ms) != 0)
			break;
		stamp_format_job(ms, buf);
		return json_string(buf);
	case T_DATE:
		if (strlen(v) >= 10 && date_parse(v, 10) == 0)
			return json_stringn(v, 10);
		break;
	case T_INT:
		errno = 0;
		n = strtoll(v, &end, 10);
		if (end != v && *end == '\0' && errno == 0)
			return json_integer((json_int_t)n);
		/* FALLTHROUGH */
	case T_DOUBLE:
	case T_CURRENCY:
	case T_PERCENT:
		d = strtod(v, &end);
		if (end != v && *end == '\0' && isfinite(d))
			return json_real(d);
		break;
	default: break;
	}
	return json_string(v);
}

/* A row of the query as a record: attributes (type, url), then the fields selected, named
 * as the describe names them, in the order of the SELECT (a soql_row_fn). */
static void
add_record(void *ctx, const struct sobject *o, const struct record *r)
{
	struct gather *g = ctx;
	const long *fields;
	const char *const *names;
	size_t i, n = soql_columns(g->q, &fields, &names);
	char url[160];
	json_t *rec;

	snprintf(
	    url, sizeof url, "/services/data/v%s/sobjects/%s/%s", g->version, o->name, r->id);
	rec = json_pack("{s:{s:s, s:s}}", "attributes", "type", o->name, "url", url);
	for (i = 0; i < n; i++)
		json_object_set_new(
		    rec, o->fields[fields[i]].name, value_json(o, r, (size_t)fields[i]));
	json_array_append_new(g->records, rec);
}

/* The batch size the Sforce-Query-Options header asks for (batchSize=N), brought into
 * 200..2000; 2,000 without one. */
static size_t
batch_size(const char *options)
{
	const char *p;
	char *end;
	long n;

	for (p = options; p != NULL && *p != '\0'; p++) {
		if (strncasecmp(p, "batchSize", 9) != 0 ||
		    (p > options && p[-1] != ' ' && p[-1] != ',' && p[-1] != ';'))
			continue;
		p += 9;
		p += strspn(p, " ");
		if (*p != '=')
			return BATCH_DEFAULT;
		n = strtol(p + 1, &end, 10);
		if (end == p + 1)
			return BATCH_DEFAULT;
		return n < BATCH_MIN ? BATCH_MIN : n > BATCH_MAX ? BATCH_MAX : (size_t)n;
	}
	return BATCH_DEFAULT;
}

/* The answer: the records from first on, a batch of them, with nextRecordsUrl when c has
 * more after them. */
static void
answer_batch(const char *version, const struct cursor *c, json_t *records, size_t first,
    size_t batch, struct answer *a)
{
	size_t total = json_array_size(records), last = first + batch, i;
	json_t *page = json_array();
	char url[96];

	if (last > total)
		last = total;
	for (i = first; i < last; i++)
		json_array_append(page, json_array_get(records, i));
	a->status = 200;
	a->json =
	    json_pack("{s:I, s:b}", "totalSize", (json_int_t)total, "done", last == total);
	if (last < total) {
		snprintf(
		    url, sizeof url, "/services/data/v%s/query/%s-%zu", version, c->id, last);
		json_object_set_new(a->json, "nextRecordsUrl", json_string(url));
	}
	json_object_set_new(a->json, "records", page);
}

/*
 * GET .../query?q=SOQL (all: .../queryAll, deleted records too): the
 * query runs now, over the store as it is; the first batch is answered
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm).
 * options: the Sforce-Query-Options header, or NULL. The query's errors
 * are those of query jobs (soql.c), 400 each; no query: 400
 * MALFORMED_QUERY, as an invalid one.
 */
void
query_run(const char *version, const char *soql, int all, const char *options, struct answer *a)
{
	struct gather g;
	struct cursor *c = NULL;
	struct soql *q;
	size_t batch = batch_size(options);
	char id15[16];

	if (soql == NULL || soql[strspn(soql, " \t\r\n")] == '\0') {
		answer_error(a, 400, "MALFORMED_QUERY", "A query string has to be specified");
		return;
	}
	if ((q = soql_parse(soql, a)) == NULL)
		return;
	g.q = q;
	g.version = version;
	g.records = json_array();
	soql_run(q, all, add_record, &g);
	soql_free(q);
	if (json_array_size(g.records) > batch) {
		c = ecalloc(1, sizeof *c);
		cursor_count++;
		snprintf(id15, sizeof id15, "01gSIM%09lu", cursor_count % 1000000000UL);
		memcpy(c->id, id15, 15);
		sfid_suffix(id15, c->id + 15);
		c->id[SFID_LEN] = '\0';
		c->records = json_incref(g.records);
		c->batch = batch;
		c->next = cursors;
		cursors = c;
	}
	answer_batch(version, c, g.records, 0, batch, a);
	json_decref(g.records);
}

/*
 * GET .../query/LOCATOR (or .../queryAll/LOCATOR): the batch after the
 * records the locator counts
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api/resources_query_more_results.htm);
 * the cursor is released with its last batch. A locator that is not one,
 * of a cursor released, or past its records: 400 INVALID_QUERY_LOCATOR.
 */
void
query_more(const char *version, const char *locator, struct answer *a)
{
	const char *dash = strrchr(locator, '-');
	struct cursor **at, *c;
	size_t n, first = 0;
	char *end;
	unsigned long v;

	n = dash ? (size_t)(dash - locator) : 0;
	errno = 0;
	if (dash != NULL && dash[1] >= '0' && dash[1] <= '9' &&
	    ((v = strtoul(dash + 1, &end, 10)), *end == '\0' && errno == 0))
		first = (size_t)v;
	else
		n = 0;
	for (at = &cursors; n > 0 && (c = *at) != NULL; at = &c->next) {
		if ((n == SFID_LEN && strncmp(c->id, locator, n) == 0) ||
		    (n == 15 && strncmp(c->id, locator, 15) == 0))
			break;
	}
	if (n == 0 || (c = *at) == NULL || first == 0 || first >= json_array_size(c->records)) {
		answer_error(a, 400, "INVALID_QUERY_LOCATOR", "invalid query locator");
		return;
	}
	answer_batch(version, c, c->records, first, c->batch, a);
	if (first + c->batch >= json_array_size(c->records)) {
		*at = c->next;
		json_decref(c->records);
		free(c);
	}
}

void
query_free(void)
{
	struct cursor *c;

	while ((c = cursors) != NULL) {
		cursors = c->next;
		json_decref(c->records);
		free(c);
	}
}
