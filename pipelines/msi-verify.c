/* msi-verify.c: a run read back from Marketo: the findings that would keep MSI blank. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "jsonbuf.h"
#include "mkclient.h"
#include "msg.h"
#include "ndjson.h"
#include "numarg.h"
#include "objects.h"
#include "stats.h"

#define MAX_IDS 300 /* filterValues a query takes */

/* The checks, in the order the table shows them; their names never change. */
enum check {
	CK_MISSING,
	CK_LEAD_COMPANY,
	CK_LEAD_SALESPERSON,
	CK_COMPANY_SALESPERSON,
	CK_OPPORTUNITY_COMPANY,
	CK_OPPORTUNITY_SALESPERSON,
	CK_ROLE_MISSING,
	CK_DUPLICATE_LEAD,
	CK_SALESPERSON_EMAIL,
	CHECKS
};

static const char *const check_names[CHECKS] = {"missing", "lead-company-link",
    "lead-salesperson-link", "company-salesperson-link", "opportunity-company-link",
    "opportunity-salesperson-link", "role-missing", "duplicate-lead", "salesperson-email"};

/* What each query asks for besides the id it filters on. */
static const char *const query_fields[MKTO_OBJECTS] = {
    "externalSalesPersonId,email",
    "externalCompanyId,externalSalesPersonId",
    "id,externalPersonId,externalCompanyId,externalSalesPersonId",
    "externalOpportunityId,externalCompanyId,externalSalesPersonId",
    "externalOpportunityId,leadId,role",
};

struct verify {
	struct mkclient mk;
	/*
	 * What the run sent and landed, kept whole: the checks compare every
	 * record with Marketo's, so memory grows with the run (a lookup table).
	 * sent[o]: external id -> record, in file order; roles: key -> record.
	 */
	json_t *sent[MKTO_OBJECTS];
	json_t *asked[MKTO_OBJECTS]; /* ids to ask Marketo for -> null */
	json_t *found[MKTO_OBJECTS]; /* id -> [Marketo records]; roles by opportunity */
	unsigned long read[MKTO_OBJECTS], not_landed[MKTO_OBJECTS], calls[MKTO_OBJECTS];
	unsigned long findings[CHECKS], total;
	long sample, seed;
	unsigned long persons_sent;
	int stop; /* MSI_EXIT_IO once stdout fails */
};

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-verify [-hV] [--own-window] [--progress] [-c concurrency]\n"
	      "                  [-C config] [-m max-retries] [-n calls-per-window]\n"
	      "                  [--sample n] [--seed n] [--stats-json file] [-t timeout]\n"
	      "                  [-w window] [--window-dir dir] run-dir\n"
	      "       msi-verify [options] --files file ...\n",
	    fp);
	exit(status);
}

/* The key of a sent record: its external id, or a role's opportunity/person/role. */
static int
record_key(enum mkto_object o, json_t *rec, char *key, size_t size)
{
	const struct mkto_def *d = &mkto_objects[o];
	const char *a, *b, *c;

	if (d->id_field != NULL) {
		if ((a = json_string_value(json_object_get(rec, d->id_field))) == NULL ||
		    *a == '\0')
			return -1;
		snprintf(key, size, "%s", a);
		return 0;
	}
	a = json_string_value(json_object_get(rec, "externalOpportunityId"));
	b = json_string_value(json_object_get(rec, "externalPersonId"));
	c = json_string_value(json_object_get(rec, "role"));
	if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
		return -1;
	snprintf(key, size, "%s/%s/%s", a, b, c ? c : "");
	return 0;
}

static int
add_landed(void *ctx, json_t *rec, unsigned long lineno)
{
	json_t *landed = ctx;
	const char *st = json_string_value(json_object_get(rec, "status"));
	char line[32];

	(void)lineno;
	snprintf(line, sizeof line, "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(rec, "line")));
	if (st != NULL && (strcmp(st, "created") == 0 || strcmp(st, "updated") == 0))
		json_object_set_new(landed, line, json_true());
	else
		json_object_del(landed, line); /* a later line of a resumed run */
	return 0;
}

/*
 * The lines of a results file that landed (created or updated): a new
 * object of line number -> true, or NULL when there is no such file.
 */
static json_t *
read_results(const char *path)
{
	json_t *landed;
	int status;

	if (access(path, F_OK) != 0 && errno == ENOENT)
		return NULL;
	landed = json_object();
	if ((status = ndjson_each(path, add_landed, landed)) != 0)
		exit(status);
	return landed;
}

/* What read_sent's records go through. */
struct sent_file {
	struct verify *v;
	const char *path;
	enum mkto_object o;
	json_t *landed;
};

static int
add_sent(void *ctx, json_t *rec, unsigned long lineno)
{
	struct sent_file *f = ctx;
	struct verify *v = f->v;
	char line[32], key[256];

	if (record_key(f->o, rec, key, sizeof key) != 0) {
		msg_at(f->path, lineno, "no %s",
		    f->o == MKTO_ROLE ? "externalOpportunityId and externalPersonId"
		                      : mkto_objects[f->o].id_field);
		return MSI_EXIT_BADINPUT;
	}
	v->read[f->o]++;
	snprintf(line, sizeof line, "%lu", lineno);
	if (f->landed != NULL && json_object_get(f->landed, line) == NULL) {
		v->not_landed[f->o]++; /* msi-load did not land it: not a finding */
		return 0;
	}
	if (f->o == MKTO_LEAD && json_object_get(v->sent[f->o], key) == NULL)
		v->persons_sent++;
	json_object_set(v->sent[f->o], key, rec);
	return 0;
}

/* Reads one Object.mkto.ndjson file; the results file beside it says what landed. */
static void
read_sent(struct verify *v, const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *dot = strstr(base, ".mkto.ndjson");
	const struct sf_def *sf = NULL;
	struct sent_file f = {v, path, MKTO_LEAD, NULL};
	char name[64], *results;
	int status;

	if (dot != NULL && dot[12] == '\0' && (size_t)(dot - base) < sizeof name) {
		memcpy(name, base, (size_t)(dot - base));
		name[dot - base] = '\0';
		sf = sf_by_name(name);
	}
	if (sf == NULL)
		msg_fatal(MSI_EXIT_USAGE,
		    "%s: not a file msi-sync names OBJECT.mkto.ndjson (User, Account, Lead, "
		    "Contact, Opportunity, OpportunityContactRole)",
		    path);
	f.o = sf->mkto;
	results = emalloc(strlen(path) + 16);
	sprintf(results, "%.*s.results.ndjson", (int)(dot - path), path);
	f.landed = read_results(results);
	free(results);
	if ((status = ndjson_each(path, add_sent, &f)) != 0)
		exit(status);
	json_decref(f.landed);
}

/* A string member, or NULL when it is absent, null or empty. */
static const char *
str(json_t *rec, const char *field)
{
	const char *s = json_string_value(json_object_get(rec, field));

	return s != NULL && *s != '\0' ? s : NULL;
}

/* splitmix64: the sample is the same for the same seed on every machine. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
keep_only(json_t *table, json_t *keep)
{
	const char *key;
	json_t *rec;
	void *tmp;

	json_object_foreach_safe(table, tmp, key, rec)
	{
		if (json_object_get(keep, key) == NULL)
			json_object_del(table, key);
	}
}

static void
mark(json_t *set, const char *id)
{
	if (id != NULL)
		json_object_set_new(set, id, json_null());
}

/*
 * --sample: N persons drawn with the seed (a partial Fisher-Yates shuffle
 * of the persons in file order), and what they link to: their companies and
 * sales persons, their roles, those roles' opportunities, and the companies
 * and sales persons of those. Everything else sent is left out of the check.
 */
static void
draw_sample(struct verify *v)
{
	json_t *keep[MKTO_OBJECTS], *rec;
	const char *key, *pid, **ids;
	uint64_t state = (uint64_t)v->seed;
	size_t n = json_object_size(v->sent[MKTO_LEAD]), i = 0, j, want;
	int o;

	for (o = 0; o < MKTO_OBJECTS; o++)
		keep[o] = json_object();
	ids = ecalloc(n + 1, sizeof *ids);
	json_object_foreach(v->sent[MKTO_LEAD], key, rec) ids[i++] = key;
	want = (size_t)v->sample < n ? (size_t)v->sample : n;
	for (i = 0; i < want; i++) {
		j = i + (size_t)(next_random(&state) % (n - i));
		key = ids[j];
		ids[j] = ids[i];
		ids[i] = key;
		mark(keep[MKTO_LEAD], key);
	}
	json_object_foreach(v->sent[MKTO_ROLE], key, rec)
	{
		pid = str(rec, "externalPersonId");
		if (pid != NULL && json_object_get(keep[MKTO_LEAD], pid) != NULL) {
			mark(keep[MKTO_ROLE], key);
			mark(keep[MKTO_OPPORTUNITY], str(rec, "externalOpportunityId"));
		}
	}
	keep_only(v->sent[MKTO_LEAD], keep[MKTO_LEAD]);
	keep_only(v->sent[MKTO_ROLE], keep[MKTO_ROLE]);
	keep_only(v->sent[MKTO_OPPORTUNITY], keep[MKTO_OPPORTUNITY]);
	for (o = MKTO_LEAD; o <= MKTO_OPPORTUNITY; o += MKTO_OPPORTUNITY - MKTO_LEAD) {
		json_object_foreach(v->sent[o], key, rec)
		{
			mark(keep[MKTO_COMPANY], str(rec, "externalCompanyId"));
			mark(keep[MKTO_SALESPERSON], str(rec, "externalSalesPersonId"));
		}
	}
	keep_only(v->sent[MKTO_COMPANY], keep[MKTO_COMPANY]);
	json_object_foreach(v->sent[MKTO_COMPANY], key, rec)
	    mark(keep[MKTO_SALESPERSON], str(rec, "externalSalesPersonId"));
	keep_only(v->sent[MKTO_SALESPERSON], keep[MKTO_SALESPERSON]);
	for (o = 0; o < MKTO_OBJECTS; o++)
		json_decref(keep[o]);
	free(ids);
}

/*
 * Asks Marketo for up to 300 ids of one object, following nextPageToken,
 * and files each record found under the id it was asked by. The query goes
 * as POST ?_method=GET with a form body, as msi-load's and msi-writeback's
 * lead queries do: 300 ids make a URL over what the client builds. Returns
 * 0, or -1 when calls must stop (mkclient_status says why).
 */
static int
query_chunk(
    struct verify *v, enum mkto_object o, const char *filter, const char **ids, size_t n)
{
	struct jsonbuf form = {0};
	struct mkanswer a;
	unsigned long before = v->mk.calls;
	const char *id;
	json_t *rec, *list;
	char *esc, path[128];
	size_t i, base;
	int status = 0, more;

	snprintf(path, sizeof path, "%s?_method=GET", mkto_objects[o].path);
	jsonbuf_addstr(&form, "filterType=");
	jsonbuf_addstr(&form, filter);
	jsonbuf_addstr(&form, "&batchSize=300&fields=");
	esc = curl_easy_escape(NULL, query_fields[o], 0);
	jsonbuf_addstr(&form, esc);
	curl_free(esc);
	jsonbuf_addstr(&form, "&filterValues=");
	for (i = 0; i < n; i++) {
		if (i > 0)
			jsonbuf_addstr(&form, "%2C");
		esc = curl_easy_escape(NULL, ids[i], 0);
		jsonbuf_addstr(&form, esc);
		curl_free(esc);
	}
	base = form.len;
	for (;;) {
		if (mkclient_call(&v->mk, path, form.data, form.len,
		        "application/x-www-form-urlencoded", &a) != RETRY_DONE) {
			if (mkclient_status(&v->mk) == 0) {
				msg_warn("the %s query failed: %s %s; stopping",
				    mkto_objects[o].label, a.code, a.message);
				mkclient_stop(&v->mk, MSI_EXIT_SERVICE);
			}
			json_decref(a.json);
			status = -1;
			break;
		}
		json_array_foreach(json_object_get(a.json, "result"), i, rec)
		{
			if ((id = str(rec, filter)) == NULL)
				continue;
			if ((list = json_object_get(v->found[o], id)) == NULL)
				json_object_set_new(v->found[o], id, list = json_array());
			json_array_append(list, rec);
		}
		more = mkclient_next_page(a.json, &form, base);
		json_decref(a.json);
		if (!more)
			break;
	}
	v->calls[o] += v->mk.calls - before;
	jsonbuf_free(&form);
	return status;
}

/* Asks for every id of v->asked[o], 300 a call. */
static int
query(struct verify *v, enum mkto_object o, const char *filter)
{
	const char *ids[MAX_IDS], *key;
	json_t *val;
	size_t n = 0;

	json_object_foreach(v->asked[o], key, val)
	{
		if (strchr(key, ',') != NULL)
			continue; /* would ask for several: cannot be found as one */
		ids[n++] = key;
		if (n == MAX_IDS) {
			if (query_chunk(v, o, filter, ids, n) != 0)
				return -1;
			n = 0;
		}
	}
	if (n > 0 && query_chunk(v, o, filter, ids, n) != 0)
		return -1;
	mkclient_progress(&v->mk, 0, v->mk.calls, "calls", "%s: %lu calls",
	    mkto_objects[o].name, v->calls[o]);
	return 0;
}

/* One finding on stdout; expected and found are stolen. */
static void
finding(struct verify *v, enum mkto_object o, const char *key, enum check ck, json_t *expected,
    json_t *found, const char *hint)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "object", mkto_objects[o].name,
	    "key", key, "check", check_names[ck], "expected", expected ? expected : json_null(),
	    "found", found ? found : json_null(), "hint", hint);

	v->findings[ck]++;
	v->total++;
	if (v->stop == 0 && ndjson_write(stdout, f) != 0) {
		fwrite_failed(stdout, "stdout");
		v->stop = MSI_EXIT_IO;
	}
	json_decref(f);
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* The one Marketo record found for id (the first of several), or NULL. */
static json_t *
found_one(struct verify *v, enum mkto_object o, const char *id)
{
	return id != NULL ? json_array_get(json_object_get(v->found[o], id), 0) : NULL;
}

/*
 * A link of a record found in Marketo: the id it was sent with must be the
 * id Marketo holds, and that id must name a record Marketo has.
 */
static void
check_link(struct verify *v, enum mkto_object o, const char *key, json_t *sent, json_t *got,
    const char *field, enum mkto_object target, enum check ck)
{
	const char *want = str(sent, field), *have = str(got, field);
	char hint[512];

	if ((want == NULL) != (have == NULL) || (want != NULL && strcmp(want, have) != 0)) {
		snprintf(hint, sizeof hint,
		    "Marketo's %s has %s %s, the run sent %s: run the sync again for this "
		    "record (msi-sync resends it); if it stays, look for another integration "
		    "writing %s",
		    mkto_objects[o].label, field, have ? have : "empty", want ? want : "none",
		    field);
		finding(v, o, key, ck, str_or_null(want), str_or_null(have), hint);
	} else if (have != NULL && found_one(v, target, have) == NULL) {
		snprintf(hint, sizeof hint,
		    "%s %s names a %s Marketo does not have: sync that %s (its Salesforce "
		    "record, with msi-sync) or fix the reference in Salesforce",
		    field, have, mkto_objects[target].label, mkto_objects[target].label);
		finding(v, o, key, ck, str_or_null(want), str_or_null(have), hint);
	}
}

static void
check_missing(struct verify *v, enum mkto_object o, const char *key)
{
	char hint[256];

	snprintf(hint, sizeof hint,
	    "the %s was sent and landed but Marketo has none with %s %s: was it deleted or "
	    "merged in Marketo? run msi-sync again to send it",
	    mkto_objects[o].label, mkto_objects[o].id_field, key);
	finding(v, o, key, CK_MISSING, json_string(key), NULL, hint);
}

/* Trimmed, in lower case: the sales person's email as MSI compares it. */
static void
email_norm(const char *s, char *out, size_t size)
{
	size_t n, i;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (i = 0; i < n && i + 1 < size; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	out[i] = '\0';
}

static void
check_salespersons(struct verify *v)
{
	const char *key, *want, *have;
	char a[512], b[512];
	json_t *rec, *got;

	json_object_foreach(v->sent[MKTO_SALESPERSON], key, rec)
	{
		if ((got = found_one(v, MKTO_SALESPERSON, key)) == NULL) {
			check_missing(v, MKTO_SALESPERSON, key);
			continue;
		}
		want = str(rec, "email");
		have = str(got, "email");
		email_norm(want ? want : "", a, sizeof a);
		email_norm(have ? have : "", b, sizeof b);
		if (strcmp(a, b) != 0)
			finding(v, MKTO_SALESPERSON, key, CK_SALESPERSON_EMAIL,
			    str_or_null(want), str_or_null(have),
			    "MSI matches the Salesforce user by this email: set the sales "
			    "person's email in Marketo to the user's (or run msi-sync again)");
	}
}

static void
check_companies(struct verify *v)
{
	const char *key;
	json_t *rec, *got;

	json_object_foreach(v->sent[MKTO_COMPANY], key, rec)
	{
		if ((got = found_one(v, MKTO_COMPANY, key)) == NULL)
			check_missing(v, MKTO_COMPANY, key);
		else
			check_link(v, MKTO_COMPANY, key, rec, got, "externalSalesPersonId",
			    MKTO_SALESPERSON, CK_COMPANY_SALESPERSON);
	}
}

static void
check_leads(struct verify *v)
{
	const char *key;
	json_t *rec, *list, *ids;
	size_t i;

	json_object_foreach(v->sent[MKTO_LEAD], key, rec)
	{
		list = json_object_get(v->found[MKTO_LEAD], key);
		if (json_array_size(list) == 0) {
			check_missing(v, MKTO_LEAD, key);
			continue;
		}
		if (json_array_size(list) > 1) {
			ids = json_array();
			for (i = 0; i < json_array_size(list); i++)
				json_array_append(
				    ids, json_object_get(json_array_get(list, i), "id"));
			finding(v, MKTO_LEAD, key, CK_DUPLICATE_LEAD, json_integer(1), ids,
			    "several Marketo leads have this externalPersonId: merge them in "
			    "Marketo (keep the one with the activity); MSI shows one at random");
		}
		check_link(v, MKTO_LEAD, key, rec, json_array_get(list, 0), "externalCompanyId",
		    MKTO_COMPANY, CK_LEAD_COMPANY);
		check_link(v, MKTO_LEAD, key, rec, json_array_get(list, 0),
		    "externalSalesPersonId", MKTO_SALESPERSON, CK_LEAD_SALESPERSON);
	}
}

static void
check_opportunities(struct verify *v)
{
	const char *key;
	json_t *rec, *got;

	json_object_foreach(v->sent[MKTO_OPPORTUNITY], key, rec)
	{
		if ((got = found_one(v, MKTO_OPPORTUNITY, key)) == NULL) {
			check_missing(v, MKTO_OPPORTUNITY, key);
			continue;
		}
		check_link(v, MKTO_OPPORTUNITY, key, rec, got, "externalCompanyId",
		    MKTO_COMPANY, CK_OPPORTUNITY_COMPANY);
		check_link(v, MKTO_OPPORTUNITY, key, rec, got, "externalSalesPersonId",
		    MKTO_SALESPERSON, CK_OPPORTUNITY_SALESPERSON);
	}
}

/*
 * A role is on its opportunity when Marketo's roles of that opportunity
 * hold one with the leadId of the person's lead (any of them, when there
 * are several) and the same role name. The finding's found is the roles
 * Marketo has on the opportunity, as leadId/role.
 */
static void
check_roles(struct verify *v)
{
	const char *key, *opp, *pid, *name, *have;
	json_t *rec, *roles, *leads, *role, *lead, *have_list;
	char buf[320];
	size_t i, k;
	int on;

	json_object_foreach(v->sent[MKTO_ROLE], key, rec)
	{
		opp = str(rec, "externalOpportunityId");
		pid = str(rec, "externalPersonId");
		name = str(rec, "role") ? str(rec, "role") : "";
		roles = json_object_get(v->found[MKTO_ROLE], opp);
		leads = json_object_get(v->found[MKTO_LEAD], pid);
		on = 0;
		json_array_foreach(roles, i, role)
		{
			have = str(role, "role") ? str(role, "role") : "";
			json_array_foreach(leads, k, lead)
			{
				if (strcmp(have, name) == 0 &&
				    json_equal(json_object_get(role, "leadId"),
				        json_object_get(lead, "id")))
					on = 1;
			}
		}
		if (on)
			continue;
		have_list = json_array();
		json_array_foreach(roles, i, role)
		{
			snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT "/%s",
			    json_integer_value(json_object_get(role, "leadId")),
			    str(role, "role") ? str(role, "role") : "");
			json_array_append_new(have_list, json_string(buf));
		}
		finding(v, MKTO_ROLE, key, CK_ROLE_MISSING, json_copy(rec), have_list,
		    json_array_size(leads) == 0
		        ? "the role's person is not a lead in Marketo: sync the Contact, then the "
		          "role (msi-sync)"
		    : found_one(v, MKTO_OPPORTUNITY, opp) == NULL
		        ? "the role's opportunity is not in Marketo: sync the Opportunity, then "
		          "the role (msi-sync)"
		        : "the opportunity has no such role for the person's lead: run msi-sync "
		          "again to resend it");
	}
}

/* Ids the checks need to see in Marketo: what was sent, and what the found records name. */
static void
plan_links(struct verify *v, enum mkto_object from, int sent)
{
	json_t *table = sent ? v->sent[from] : v->found[from], *rec, *list;
	const char *key;
	size_t i;

	json_object_foreach(table, key, list)
	{
		if (sent) {
			mark(v->asked[MKTO_COMPANY], str(list, "externalCompanyId"));
			mark(v->asked[MKTO_SALESPERSON], str(list, "externalSalesPersonId"));
			continue;
		}
		json_array_foreach(list, i, rec)
		{
			mark(v->asked[MKTO_COMPANY], str(rec, "externalCompanyId"));
			mark(v->asked[MKTO_SALESPERSON], str(rec, "externalSalesPersonId"));
		}
	}
}

/*
 * Reads Marketo back: leads (the persons sent and those the roles name),
 * opportunities (sent and named by roles), the roles of the opportunities
 * roles were sent for, then companies and sales persons: those sent and
 * every one a sent or found record links to, so that a dangling link is
 * told from a missing record.
 */
static int
read_back(struct verify *v)
{
	const char *key;
	json_t *rec;
	int o;

	for (o = 0; o < MKTO_OBJECTS; o++) {
		if (mkto_objects[o].id_field == NULL)
			continue;
		json_object_foreach(v->sent[o], key, rec) mark(v->asked[o], key);
	}
	json_object_foreach(v->sent[MKTO_ROLE], key, rec)
	{
		mark(v->asked[MKTO_LEAD], str(rec, "externalPersonId"));
		mark(v->asked[MKTO_OPPORTUNITY], str(rec, "externalOpportunityId"));
		mark(v->asked[MKTO_ROLE], str(rec, "externalOpportunityId"));
	}
	if (query(v, MKTO_LEAD, "externalPersonId") != 0 ||
	    query(v, MKTO_OPPORTUNITY, "externalOpportunityId") != 0 ||
	    query(v, MKTO_ROLE, "externalOpportunityId") != 0)
		return -1;
	plan_links(v, MKTO_LEAD, 1);
	plan_links(v, MKTO_OPPORTUNITY, 1);
	plan_links(v, MKTO_COMPANY, 1);
	plan_links(v, MKTO_LEAD, 0);
	plan_links(v, MKTO_OPPORTUNITY, 0);
	if (query(v, MKTO_COMPANY, "externalCompanyId") != 0)
		return -1;
	plan_links(v, MKTO_COMPANY, 0);
	return query(v, MKTO_SALESPERSON, "externalSalesPersonId");
}

static int
is_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", path);
	return S_ISDIR(st.st_mode);
}

static void
read_run(struct verify *v, const char *dir)
{
	char path[4096];
	int i, any = 0;
	FILE *fp;

	if (!is_dir(dir))
		msg_fatal(MSI_EXIT_USAGE, "%s: not a folder (give files with --files)", dir);
	for (i = 0; i < SF_OBJECTS; i++) {
		snprintf(path, sizeof path, "%s/%s.mkto.ndjson", dir, sf_objects[i].name);
		if ((fp = fopen(path, "r")) == NULL) {
			if (errno != ENOENT)
				msg_sysfatal(MSI_EXIT_IO, "%s", path);
			continue;
		}
		fclose(fp);
		read_sent(v, path);
		any = 1;
	}
	if (!any)
		msg_fatal(
		    MSI_EXIT_BADINPUT, "%s: no OBJECT.mkto.ndjson file: not a run folder", dir);
}

static void
table(struct verify *v, FILE *fp)
{
	int i;

	fprintf(fp, "%-30s %8s\n", "check", "findings");
	for (i = 0; i < CHECKS; i++)
		fprintf(fp, "%-30s %8lu\n", check_names[i], v->findings[i]);
	fprintf(fp, "%-30s %8lu\n", "all", v->total);
	fprintf(fp, "%-16s %8s %8s %8s %8s %8s\n", "object", "read", "skipped", "checked",
	    "asked", "calls");
	for (i = 0; i < MKTO_OBJECTS; i++)
		fprintf(fp, "%-16s %8lu %8lu %8zu %8zu %8lu\n", mkto_objects[i].name,
		    v->read[i], v->not_landed[i], json_object_size(v->sent[i]),
		    json_object_size(v->asked[i]), v->calls[i]);
	if (v->sample >= 0)
		fprintf(fp, "sample: %zu of %lu persons (seed %ld)\n",
		    json_object_size(v->sent[MKTO_LEAD]), v->persons_sent, v->seed);
	fprintf(fp, "%s: ", msg_prog);
	mkclient_summary(&v->mk, fp);
	fputc('\n', fp);
}

static int
write_stats(struct verify *v, const char *path, int status)
{
	json_t *s = json_object(), *checks = json_object(), *objs = json_object(), *o;
	int i;

	for (i = 0; i < CHECKS; i++)
		json_object_set_new(
		    checks, check_names[i], json_integer((json_int_t)v->findings[i]));
	for (i = 0; i < MKTO_OBJECTS; i++) {
		o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "read", (json_int_t)v->read[i],
		    "not_landed", (json_int_t)v->not_landed[i], "checked",
		    (json_int_t)json_object_size(v->sent[i]), "asked",
		    (json_int_t)json_object_size(v->asked[i]), "calls",
		    (json_int_t)v->calls[i]);
		json_object_set_new(objs, mkto_objects[i].name, o);
	}
	json_object_set_new(s, "tool", json_string("msi-verify"));
	json_object_set_new(s, "findings", json_integer((json_int_t)v->total));
	json_object_set_new(s, "checks", checks);
	json_object_set_new(s, "objects", objs);
	json_object_set_new(s, "sample",
	    v->sample >= 0 ? json_integer((json_int_t)json_object_size(v->sent[MKTO_LEAD]))
	                   : json_null());
	if (v->sample >= 0) {
		json_t *ids = json_array(), *rec;
		const char *key;

		json_object_foreach(v->sent[MKTO_LEAD], key, rec)
		    json_array_append_new(ids, json_string(key));
		json_object_set_new(s, "sample_persons", ids);
	}
	mkclient_stats(&v->mk, s);
	json_object_set_new(s, "stopped", json_boolean(mkclient_status(&v->mk) != 0));
	json_object_set_new(s, "status", json_integer(status));
	return stats_write(path, s);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"files", no_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {"sample", required_argument, NULL, 'P'},
	    {"seed", required_argument, NULL, 'D'},
	    {"stats-json", required_argument, NULL, 'S'},
	    {"version", no_argument, NULL, 'V'},
	    MKOPTS_LONG,
	    {NULL, 0, NULL, 0},
	};
	static struct verify v;
	char why[MKCONF_WHY_SIZE];
	const char *stats = NULL;
	struct mkopts mo;
	int ch, files = 0, i, status;

	msg_init(argv[0]);
	mkopts_init(&mo);
	v.sample = -1;
	v.seed = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hV" MKOPTS_SHORT, longopts, NULL)) != -1) {
		if (mkopts_parse(&mo, ch, optarg, usage))
			continue;
		switch (ch) {
		case 'D': v.seed = numarg_or_usage(optarg, "--seed", 0, usage); break;
		case 'F': files = 1; break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'P': v.sample = numarg_or_usage(optarg, "--sample", 1, usage); break;
		case 'S': stats = optarg; break;
		case 'V': printf("msi-verify %s\n", MSI_VERSION); return MSI_EXIT_OK;
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	if (optind == argc) {
		msg_warn(files ? "--files needs at least one file" : "no run folder given");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (!files && argc - optind > 1) {
		msg_warn("one run folder (or --files file ...)");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (mkclient_init(&v.mk, &mo, why) != 0)
		msg_fatal(MSI_EXIT_USAGE, "%s", why);
	for (i = 0; i < MKTO_OBJECTS; i++) {
		v.sent[i] = json_object();
		v.asked[i] = json_object();
		v.found[i] = json_object();
	}
	if (files)
		for (i = optind; i < argc; i++)
			read_sent(&v, argv[i]);
	else
		read_run(&v, argv[optind]);
	if (v.sample >= 0)
		draw_sample(&v);

	if (read_back(&v) == 0) {
		check_salespersons(&v);
		check_companies(&v);
		check_leads(&v);
		check_opportunities(&v);
		check_roles(&v);
	}

	mkclient_progress(&v.mk, 1, v.mk.calls, "calls", "%lu calls", v.mk.calls);
	status = mkclient_status(&v.mk) ? mkclient_status(&v.mk) : v.stop;
	if (fshut(stdout, "stdout") != 0 && status == 0)
		status = MSI_EXIT_IO;
	if (status == 0 && v.total > 0)
		status = MSI_EXIT_REJECTS;
	table(&v, stderr);
	if (stats != NULL && write_stats(&v, stats, status) != 0 &&
	    (status == MSI_EXIT_OK || status == MSI_EXIT_REJECTS))
		status = MSI_EXIT_IO;
	mkclient_free(&v.mk);
	for (i = 0; i < MKTO_OBJECTS; i++) {
		json_decref(v.sent[i]);
		json_decref(v.asked[i]);
		json_decref(v.found[i]);
	}
	return status;
}
