/* msi-transform.c: Salesforce records to the Marketo records msi-load sends. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "convert.h"
#include "ealloc.h"
#include "exitcode.h"
#include "finish.h"
#include "fshut.h"
#include "inputs.h"
#include "jsonbuf.h"
#include "known.h"
#include "mapping.h"
#include "msg.h"
#include "ndjson.h"
#include "reject.h"
#include "sfid.h"

enum outcome { WRITTEN, REJECTED, SKIPPED, UNLINKED };

enum skip_reason { SKIP_DELETED, SKIP_CONVERTED, SKIP_QUEUE, SKIP_UNLINKED, SKIP_REASONS };

static const char *const skip_words[SKIP_REASONS] = {
    "deleted", "converted Lead", "queue owner", "Lead without account"};

/* Their names in --stats-json and in a rejects line's "skip". */
static const char *const skip_keys[SKIP_REASONS] = {
    "deleted", "converted", "queue_owner", "lead_without_account"};

struct transform {
	struct mapping map;
	struct known known;
	struct conv_opts conv;
	const char *object; /* --object */
	enum { QUEUE_OMIT, QUEUE_SKIP, QUEUE_ID } queue;
	char queue_id[SFID_LEN + 1];
	int skip_unlinked;        /* --lead-without-account skip */
	int send_unknown;         /* --known-miss send */
	const char *default_role; /* --default-role: an empty role's value; "" rejects it */
	FILE *rejects;
	const char *rejects_name;
	int stats;                  /* --stats */
	const char *stats_file;     /* --stats-json */
	const struct objmap *first; /* the run's first object: one Marketo object a run */

	/* --known: the records read twice, their references collected first (known.c) */
	int collecting;   /* the first reading: references put, nothing written */
	unsigned slots;   /* references a record can make, at most: positions a record */
	uint64_t record;  /* the record at hand, from 0 */
	uint64_t records; /* read by the first reading */
	int known_failed; /* known_collect's exit status */

	/* the record at hand */
	const char *file;
	unsigned long line;
	struct jsonbuf out;
	char why[512];
	char unlinked_why[512];   /* the first unknown reference of a record sent anyway */
	const struct objmap *cur; /* the mapping of the record being handled, once known */
	enum skip_reason skip;
	unsigned long converted, repaired, omitted, defaulted;

	/* the keys of the last record found free of twins (keys equal but for case) */
	uint64_t shape_hash;
	size_t shape_keys;

	/* counts */
	unsigned long in, written, rejected, skipped, skipped_by[SKIP_REASONS];
	unsigned long ids_converted, ids_repaired, owners_omitted, unlinked, held_unknown;
	unsigned long roles_defaulted;
};

/*
 * An empty Role is sent as "Other", a value of Salesforce's own Role
 * picklist: Marketo keys a role by opportunity, person and role, so it
 * cannot be empty, and with one the person is still linked to the
 * opportunity.
 */
#define DEFAULT_ROLE "Other"

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-transform [-hsV] [-a policy] [-d order] [-k known] [-K miss]\n"
	      "                     [-m map] [-o object] [-q owner] [-r rejects] [-R role]\n"
	      "                     [--stats-json file] [-u offset] [file ...]\n"
	      "       msi-transform --objects\n",
	    fp);
	if (status == MSI_EXIT_OK)
		fputs(
		    "\n"
		    "  -a, --lead-without-account policy  keep (default) or skip a Lead without account\n"
		    "  -d, --date-order order   local dates: month first, mdy (default), or dmy\n"
		    "  -h, --help               print this help and exit\n"
		    "  -k, --known known        reject references to ids not in these records\n"
		    "  -K, --known-miss miss    a reference not among -k's: reject (default) or send\n"
		    "  -m, --map map            which Salesforce field becomes which Marketo field\n"
		    "  -o, --object object      every record is this Salesforce object\n"
		    "      --objects            print the objects in MSI's order, their Marketo names\n"
		    "  -q, --queue-owner owner  a Lead owned by a queue: omit (default) or skip\n"
		    "  -r, --rejects rejects    write rejected and skipped records there and go on\n"
		    "  -R, --default-role role  a contact role's role when empty (default Other)\n"
		    "  -s, --stats              print the counts on standard error at the end\n"
		    "      --stats-json file    write the counts to file as JSON at the end\n"
		    "  -u, --utc-offset offset  times without a zone are this far from UTC (+00:00)\n"
		    "  -V, --version            print the version and exit\n"
		    "\nSee msi-transform(1).\n",
		    fp);
	usage_exit(status);
}

/* Finds source in rec, ignoring case (Data Loader writes UPPERCASE headers). Borrowed. */
static json_t *
field(json_t *rec, struct rule *r)
{
	const char *key;
	json_t *v;

	if (r->spelling != NULL && (v = json_object_get(rec, r->spelling)) != NULL)
		return v;
	if ((v = json_object_get(rec, r->source)) != NULL)
		return v;
	json_object_foreach (rec, key, v) {
		if (strcasecmp(key, r->source) == 0) {
			free(r->spelling);
			r->spelling = estrdup(key);
			return v;
		}
	}
	return NULL;
}

/*
 * The text of a value: a string as it is, a number or boolean as JSON
 * writes it (records need not come from msi-extract). Returns 1, 0 for
 * null, or -1 for an object or array.
 */
static int
text_of(json_t *v, const char **s, size_t *n, char buf[64])
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		*s = json_string_value(v);
		*n = json_string_length(v);
		return 1;
	case JSON_INTEGER:
		snprintf(buf, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL: snprintf(buf, 64, "%.17g", json_real_value(v)); break;
	case JSON_TRUE: strcpy(buf, "true"); break;
	case JSON_FALSE: strcpy(buf, "false"); break;
	case JSON_NULL: return 0;
	default: return -1;
	}
	*s = buf;
	*n = strlen(buf);
	return 1;
}

/*
 * The rule's value in rec: 1 with text, 0 for null or empty, -1 absent, -2
 * not a value. s and n are "" when there is no text, so that no caller
 * reads the last field's text for an empty one.
 */
static int
value_of(json_t *rec, struct rule *r, const char **s, size_t *n, char buf[64])
{
	json_t *v;
	int k;

	*s = "";
	*n = 0;
	if (r->source == NULL) {
		*s = r->constant;
		*n = strlen(r->constant);
		return *n > 0;
	}
	if ((v = field(rec, r)) == NULL)
		return -1;
	if ((k = text_of(v, s, n, buf)) < 0)
		return -2;
	return k == 1 && *n > 0;
}

static int
is_true(json_t *rec, struct rule *r)
{
	const char *s;
	size_t n;
	char buf[64];

	return value_of(rec, r, &s, &n, buf) == 1 &&
	       ((n == 1 && s[0] == '1') || (n == 4 && strncasecmp(s, "true", 4) == 0) ||
	           (n == 3 && strncasecmp(s, "yes", 3) == 0));
}

static const char *
source_name(const struct rule *r)
{
	return r->source != NULL ? r->source : "(constant)";
}

static enum outcome reject(struct transform *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum outcome
reject(struct transform *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof t->why, fmt, ap);
	va_end(ap);
	return REJECTED;
}

static enum outcome
skip(struct transform *t, enum skip_reason reason, const char *why)
{
	t->skip = reason;
	snprintf(t->why, sizeof t->why, "%s", why);
	return SKIPPED;
}

/* Fields Marketo refuses (1021) on a lead linked to a company: the company has them. */
static int
company_field(const char *target)
{
	static const char *names[] = {"company", "website", "industry", "annualRevenue",
	    "numberOfEmployees", "mainPhone", "billingStreet", "billingCity", "billingState",
	    "billingPostalCode", "billingCountry", "sicCode", "site"};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i], target) == 0)
			return 1;
	return 0;
}

/* The known kind whose key target is, unless it is the record's own key. */
static int
reference_kind(enum mkto_object mkto, const char *target)
{
	int k = mkto_by_id_field(target);

	return k < 0 || k >= KNOWN_KINDS || k == (int)mkto ? -1 : k;
}

/* Whether r is a reference --known checks: an id of a known kind, not o's own key. */
static int
is_reference(const struct objmap *o, const struct rule *r)
{
	return r->type == CONV_ID && reference_kind(o->mkto, r->target) >= 0;
}

/* The references a record of the map can make, at most: --known's positions a record. */
static unsigned
reference_slots(const struct mapping *m)
{
	unsigned most = 0, n;
	size_t i, j;

	for (i = 0; i < MAPPING_OBJECTS; i++) {
		for (n = 0, j = 0; j < m->obj[i].n; j++)
			n += (unsigned)is_reference(&m->obj[i], &m->obj[i].rules[j]);
		if (n > most)
			most = n;
	}
	return most;
}

/* The Salesforce object whose ids start as id does, for messages; NULL if not one of MSI's. */
static const char *
prefix_object(const char *id)
{
	const struct sf_def *sf = sf_by_prefix(id);

	if (sf != NULL)
		return sf->name;
	return strncmp(id, "00G", 3) == 0 ? "Group (queue)" : NULL;
}

/*
 * The key prefix an external id of target must have in a record of o: its
 * own object's for its own key, else that of the records the field names
 * (a person named by a role is a Contact). NULL when any will do (a field
 * of a map file's own).
 */
static const char *
expected_prefix(const struct objmap *o, const char *target)
{
	int k = mkto_by_id_field(target);

	if (k < 0)
		return NULL;
	if (k == (int)o->mkto)
		return sf_by_name(o->sftype)->prefix;
	return mkto_objects[k].ref_prefix;
}

/*
 * Appends an id value to out, normalised; handles a Lead's queue owner and
 * the --known check, of the record's reference slot (its first reading
 * collects it). Returns WRITTEN (emitted or deliberately left out), or
 * the record's outcome.
 */
static enum outcome
put_id(struct transform *t, const struct objmap *o, struct rule *r, const char *s, size_t n,
    unsigned slot, int *omitted)
{
	char id[SFID_LEN + 1], why[SFID_WHY_SIZE];
	const char *prefix;
	int kind;

	*omitted = 0;
	switch (sfid_normalize(s, n, id, why)) {
	case SFID_INVALID:
		return reject(t, "%s -> %s: \"%.*s\" is not a Salesforce id: %s",
		    source_name(r), r->target, (int)(n > 40 ? 40 : n), s, why);
	case SFID_NULL:
		if (r->required)
			return reject(t, "%s -> %s: required, but the id is the null id %.*s",
			    source_name(r), r->target, (int)n, s);
		jsonbuf_add(&t->out, "null", 4);
		return WRITTEN;
	case SFID_CONVERTED: t->converted++; break;
	case SFID_REPAIRED: t->repaired++; break;
	case SFID_VALID: break;
	}
	prefix = expected_prefix(o, r->target);
	if (prefix != NULL && strncmp(id, prefix, 3) != 0 &&
	    !(o->mkto == MKTO_LEAD && strncmp(id, "00G", 3) == 0 &&
	        strcmp(r->target, mkto_objects[MKTO_SALESPERSON].id_field) == 0))
		return reject(t, "%s -> %s: %s has the key prefix %.3s%s%s%s, not %s (%s)",
		    source_name(r), r->target, id, id, prefix_object(id) ? " (" : "",
		    prefix_object(id) ? prefix_object(id) : "", prefix_object(id) ? ")" : "",
		    prefix, prefix_object(prefix));
	if (o->mkto == MKTO_LEAD &&
	    strcmp(r->target, mkto_objects[MKTO_SALESPERSON].id_field) == 0 &&
	    strncmp(id, "00G", 3) == 0) {
		if (t->queue == QUEUE_SKIP)
			return skip(t, SKIP_QUEUE, "owned by a queue (--queue-owner skip)");
		if (t->queue == QUEUE_OMIT) {
			t->omitted++;
			*omitted = 1;
			return WRITTEN;
		}
		memcpy(id, t->queue_id, sizeof id);
	}
	kind = reference_kind(o->mkto, r->target);
	if (kind >= 0 && t->collecting) {
		/* the first reading: every reference taken as known, and put to be looked up */
		if (t->known_failed == 0)
			t->known_failed = known_collect(
			    &t->known, (enum known_kind)kind, id, t->record * t->slots + slot);
	} else if (kind >= 0 &&
	           !known_has(&t->known, (enum known_kind)kind, t->record * t->slots + slot)) {
		if (!t->send_unknown) {
			t->held_unknown++;
			return reject(t,
			    "%s -> %s: %s is not among the known %s records (--known)",
			    source_name(r), r->target, id, mkto_objects[kind].id_field);
		}
		if (t->unlinked_why[0] == '\0')
			snprintf(t->unlinked_why, sizeof t->unlinked_why,
			    "%s -> %s: %s is not among the known %s records (--known); sent "
			    "unlinked",
			    source_name(r), r->target, id, mkto_objects[kind].id_field);
	}
	jsonbuf_add(&t->out, "\"", 1);
	jsonbuf_add(&t->out, id, SFID_LEN);
	jsonbuf_add(&t->out, "\"", 1);
	return WRITTEN;
}

/* Whether a lead record carries a company id, so its company fields must stay out. */
static int
linked(json_t *rec, const struct objmap *o)
{
	char id[SFID_LEN + 1], why[SFID_WHY_SIZE], buf[64];
	const char *s;
	size_t i, n;

	for (i = 0; i < o->n; i++) {
		if (strcmp(o->rules[i].target, mkto_objects[MKTO_COMPANY].id_field) == 0) {
			enum sfid_status st;

			if (value_of(rec, &o->rules[i], &s, &n, buf) != 1)
				return 0;
			st = sfid_normalize(s, n, id, why);
			return st != SFID_NULL && st != SFID_INVALID;
		}
	}
	return 0;
}

/* Builds the Marketo record for rec in t->out; says why when it is not written. */
static enum outcome
transform_record(struct transform *t, json_t *rec, const struct objmap *o)
{
	static struct rule is_deleted = {.source = "IsDeleted"};
	static struct rule is_converted = {.source = "IsConverted"};
	char buf[64], why[CONV_WHY_SIZE];
	const char *s;
	size_t i, n;
	struct rule *r;
	int k, first = 1, lead = o->mkto == MKTO_LEAD, is_lead, link = 0, omitted;
	unsigned slot = 0, ref = 0;
	enum outcome res;

	is_lead = strcmp(o->sftype, "Lead") == 0;
	if (is_true(rec, &is_deleted))
		return skip(t, SKIP_DELETED, "deleted in Salesforce (IsDeleted)");
	if (is_lead && is_true(rec, &is_converted))
		return skip(
		    t, SKIP_CONVERTED, "converted Lead: its Contact carries the person");
	if (lead)
		link = linked(rec, o);
	if (is_lead && !link && t->skip_unlinked)
		return skip(
		    t, SKIP_UNLINKED, "Lead without an account (--lead-without-account skip)");

	t->out.len = 0;
	t->converted = t->repaired = t->omitted = t->defaulted = 0;
	jsonbuf_add(&t->out, "{", 1);
	for (i = 0; i < o->n; i++) {
		r = &o->rules[i];
		if (is_reference(o, r))
			ref = slot++;
		/* the first reading of --known goes as far as this one: no value stops it */
		if (t->collecting && !is_reference(o, r))
			continue;
		if (link && company_field(r->target))
			continue;
		k = value_of(rec, r, &s, &n, buf);
		if (k == -2)
			return reject(t, "%s -> %s: an object or array, not a value",
			    source_name(r), r->target);
		if (k == -1) {
			if (r->required)
				return reject(t, "%s -> %s: required, but the record has no %s",
				    source_name(r), r->target, source_name(r));
			continue;
		}
		/* An empty Role takes --default-role's, counted if the record is written. */
		if (k == 0 && o->mkto == MKTO_ROLE && t->default_role[0] != '\0' &&
		    strcmp(r->target, "role") == 0) {
			s = t->default_role;
			n = strlen(s);
			k = 1;
			t->defaulted = 1;
		}
		if (k == 0 && r->required)
			return reject(
			    t, "%s -> %s: required, but empty", source_name(r), r->target);
		if (!first)
			jsonbuf_add(&t->out, ",", 1);
		jsonbuf_add(&t->out, r->key, r->keylen);
		if (k == 0) {
			/* An empty checkbox is false: Salesforce's are never null. */
			if (r->type == CONV_BOOLEAN)
				jsonbuf_add(&t->out, "false", 5);
			else
				jsonbuf_add(&t->out, "null", 4);
			first = 0;
			continue;
		}
		res = WRITTEN;
		why[0] = '\0';
		switch (r->type) {
		case CONV_STRING:
			if (jsonbuf_addjsonstr(&t->out, s, n) != 0)
				snprintf(why, sizeof why, "not valid UTF-8");
			break;
		case CONV_ID:
			res = put_id(t, o, r, s, n, ref, &omitted);
			if (res == WRITTEN && omitted) {
				/* The member's key goes again: the field is not sent. */
				t->out.len -= r->keylen + (first ? 0 : 1);
				continue;
			}
			break;
		case CONV_INTEGER: conv_integer(&t->out, s, n, why); break;
		case CONV_NUMBER: conv_number(&t->out, s, n, why); break;
		case CONV_BOOLEAN: conv_boolean(&t->out, s, n, why); break;
		case CONV_DATE: conv_date(&t->out, s, n, &t->conv, why); break;
		case CONV_DATETIME: conv_datetime(&t->out, s, n, &t->conv, why); break;
		}
		if (res != WRITTEN)
			return res;
		if (why[0] != '\0')
			return reject(t, "%s -> %s (%s): %s", source_name(r), r->target,
			    conv_type_name(r->type), why);
		first = 0;
	}
	jsonbuf_add(&t->out, "}\n", 2);
	return WRITTEN;
}

/*
 * The fields rec gives the key of its Marketo record (mkto_objects[].key),
 * through the rules, as the record would have them: ids normalised, a
 * field left out when rec has no value for it or it is not an id. A new
 * reference.
 */
static json_t *
key_fields(struct transform *t, json_t *rec)
{
	const struct objmap *o = t->cur;
	const struct mkto_def *d = &mkto_objects[o->mkto];
	json_t *fields = json_object();
	char id[SFID_LEN + 1], why[SFID_WHY_SIZE], buf[64];
	enum sfid_status st;
	const char *s;
	size_t i, n;
	int k;

	for (k = 0; k < 3 && d->key[k] != NULL; k++) {
		for (i = 0; i < o->n && strcmp(o->rules[i].target, d->key[k]) != 0; i++)
			;
		if (i == o->n || value_of(rec, &o->rules[i], &s, &n, buf) != 1)
			continue;
		if (mkto_by_id_field(d->key[k]) < 0) {
			json_object_set_new(fields, d->key[k], json_stringn(s, n));
			continue;
		}
		st = sfid_normalize(s, n, id, why);
		if (st != SFID_NULL && st != SFID_INVALID)
			json_object_set_new(fields, d->key[k], json_string(id));
	}
	return fields;
}

/*
 * The key a record set aside would have had in Marketo, for msi-load's
 * --keep (a record set aside is still in Salesforce, unless deleted): its
 * own external id, or for a role its opportunity's (the role's own key
 * needs the fields that may be what is wrong). A role deleted in
 * Salesforce has its whole key too, "opportunity/person/role", so that an
 * input of what changed can say which role went. None when a part is
 * missing or not an id.
 */
static void
aside_key(struct transform *t, json_t *rec, enum outcome outcome, json_t *extra)
{
	enum mkto_object mkto = t->cur->mkto;
	json_t *fields = key_fields(t, rec), *opp;

	if (mkto != MKTO_ROLE) {
		if (mkto_record_key_whole(mkto, fields))
			json_object_set_new(extra, "key", mkto_record_key(mkto, fields, NULL));
	} else {
		opp = json_object_get(fields, mkto_objects[MKTO_OPPORTUNITY].id_field);
		if (opp != NULL)
			json_object_set(extra, "opportunity", opp);
		if (outcome == SKIPPED && t->skip == SKIP_DELETED &&
		    json_object_size(fields) == 3)
			json_object_set_new(extra, "key", mkto_record_key(mkto, fields, NULL));
	}
	json_decref(fields);
}

/*
 * A record not written goes to the rejects file with its reason and
 * positions: this stage's input line, and the CSV row msi-extract named.
 * Without a rejects file, a rejected record stops the run; a skipped one
 * is counted and summed up at the end. A record sent with an unknown
 * reference (--known-miss send) is listed too, as "unlinked".
 */
static int
set_aside(struct transform *t, json_t *rec, enum outcome outcome)
{
	struct reject r = {0};
	json_t *attrs;
	char where[600] = "";
	int st;

	attrs = rec ? json_object_get(rec, "attributes") : NULL;
	if (json_is_string(json_object_get(attrs, "file")) &&
	    json_is_integer(json_object_get(attrs, "line")))
		snprintf(where, sizeof where, "%s:%" JSON_INTEGER_FORMAT,
		    json_string_value(json_object_get(attrs, "file")),
		    json_integer_value(json_object_get(attrs, "line")));
	else if (json_is_string(json_object_get(attrs, "job")) &&
	         json_is_integer(json_object_get(attrs, "page")) &&
	         json_is_integer(json_object_get(attrs, "line")))
		/* read from the org (msi-extract --salesforce): the query job's page */
		snprintf(where, sizeof where,
		    "job %s page %" JSON_INTEGER_FORMAT ":%" JSON_INTEGER_FORMAT,
		    json_string_value(json_object_get(attrs, "job")),
		    json_integer_value(json_object_get(attrs, "page")),
		    json_integer_value(json_object_get(attrs, "line")));
	if (outcome == REJECTED) {
		t->rejected++;
	} else if (outcome == UNLINKED) {
		t->unlinked++;
	} else {
		t->skipped++;
		t->skipped_by[t->skip]++;
	}
	if (t->rejects == NULL) {
		if (outcome != REJECTED)
			return 0;
		msg_at(t->file, t->line, "%s%s%s", where, where[0] ? ": " : "", t->why);
		return MSI_EXIT_BADINPUT;
	}
	r.stage = "transform";
	r.status = outcome == REJECTED  ? "rejected"
	           : outcome == SKIPPED ? "skipped"
	                                : "unlinked";
	r.reason = outcome == UNLINKED ? t->unlinked_why : t->why;
	r.file = t->file;
	r.line = t->line;
	r.source = where[0] != '\0' ? where : NULL;
	r.record = rec;
	if (t->cur != NULL && rec != NULL && outcome != UNLINKED) {
		r.extra = json_object();
		if (outcome == SKIPPED)
			json_object_set_new(r.extra, "skip", json_string(skip_keys[t->skip]));
		aside_key(t, rec, outcome, r.extra);
	}
	st = reject_write(t->rejects, t->rejects_name, &r);
	json_decref(r.extra);
	return st;
}

/*
 * Whether rec has two keys that differ only in case, one of them a field o
 * reads: fields are found without regard to case (Data Loader writes them
 * in upper case), so which of the two is meant cannot be told. Says why.
 * Records of one file share their keys, so a record with the same keys
 * as the last one found free of twins (of any field) is not looked at
 * again: its keys are only hashed.
 */
static int
case_twins(struct transform *t, json_t *rec, const struct objmap *o)
{
	uint64_t h = 14695981039346656037ULL;
	const char *key, *p, *first;
	json_t *v, *seen, *at;
	struct jsonbuf low = {0};
	size_t n = 0, i, k;
	int found = 0, twins = 0;

	json_object_foreach (rec, key, v) {
		for (p = key; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		h = (h ^ 0xff) * 1099511628211ULL;
		n++;
	}
	if (n == t->shape_keys && h == t->shape_hash)
		return 0;
	seen = json_object();
	json_object_foreach (rec, key, v) {
		low.len = 0;
		jsonbuf_addstr(&low, key);
		for (k = 0; k < low.len; k++)
			if (low.data[k] >= 'A' && low.data[k] <= 'Z')
				low.data[k] = (char)(low.data[k] - 'A' + 'a');
		if ((at = json_object_getn(seen, low.data, low.len)) == NULL) {
			json_object_setn_new_nocheck(seen, low.data, low.len, json_string(key));
			continue;
		}
		first = json_string_value(at);
		twins = 1;
		for (i = 0; i < o->n; i++) {
			if (o->rules[i].source != NULL &&
			    strcasecmp(o->rules[i].source, key) == 0) {
				snprintf(t->why, sizeof t->why,
				    "keys \"%.100s\" and \"%.100s\" differ only in case: which "
				    "one is %s cannot be told",
				    first, key, o->rules[i].source);
				found = 1;
				break;
			}
		}
		if (found)
			break;
	}
	json_decref(seen);
	jsonbuf_free(&low);
	if (!twins) {
		t->shape_keys = n;
		t->shape_hash = h;
	}
	return found;
}

/* One input record: its object, then its Marketo record or the reason it has none. */
static int
handle(struct transform *t, json_t *rec)
{
	const char *type = t->object;
	const struct objmap *o;
	enum outcome res;

	t->cur = NULL;
	if (type == NULL)
		type = json_string_value(
		    json_object_get(json_object_get(rec, "attributes"), "type"));
	if (type == NULL) {
		snprintf(t->why, sizeof t->why, "record has no attributes.type; use --object");
		return set_aside(t, rec, REJECTED);
	}
	if ((o = mapping_find(&t->map, type)) == NULL) {
		snprintf(
		    t->why, sizeof t->why, "no mapping for Salesforce object \"%.100s\"", type);
		return set_aside(t, rec, REJECTED);
	}
	if (t->first == NULL)
		t->first = o;
	if (o->mkto != t->first->mkto) {
		snprintf(t->why, sizeof t->why,
		    "a %s record (%s) in a run of %s records (%s): "
		    "transform one Marketo object a run",
		    mkto_objects[o->mkto].label, o->sftype, mkto_objects[t->first->mkto].label,
		    t->first->sftype);
		return set_aside(t, rec, REJECTED);
	}
	t->unlinked_why[0] = '\0';
	t->cur = o;
	if (case_twins(t, rec, o))
		return set_aside(t, rec, REJECTED);
	if ((res = transform_record(t, rec, o)) != WRITTEN)
		return set_aside(t, rec, res);
	if (fwrite(t->out.data, 1, t->out.len, stdout) != t->out.len || ferror(stdout))
		return fwrite_failed(stdout, "stdout");
	t->written++;
	if (t->unlinked_why[0] != '\0' && set_aside(t, rec, UNLINKED) != 0)
		return MSI_EXIT_IO;
	t->ids_converted += t->converted;
	t->ids_repaired += t->repaired;
	t->owners_omitted += t->omitted;
	t->roles_defaulted += t->defaulted;
	return 0;
}

/*
 * --known's first reading of a record: its references put to known.c, as
 * far as transform_record would go; nothing written, nothing counted.
 */
static void
collect_record(struct transform *t, json_t *rec)
{
	const char *type = t->object;
	const struct objmap *o;

	if (type == NULL)
		type = json_string_value(
		    json_object_get(json_object_get(rec, "attributes"), "type"));
	if (type != NULL && (o = mapping_find(&t->map, type)) != NULL)
		transform_record(t, rec, o);
}

/*
 * --known's first reading of every input: each record's references put
 * to known.c, then looked up there in one sort; a file that cannot be
 * opened is left to the second reading to say so, in its turn. Returns 0
 * or an exit status after a message.
 */
static int
collect_references(struct transform *t, struct input *in)
{
	struct ndjson_reader r;
	enum ndjson_result res;
	json_t *rec;
	FILE *fp;
	int status = 0;

	t->collecting = 1;
	for (; status == 0 && in->path != NULL; in++) {
		if ((fp = input_open(in, INPUT_FIRST, &status)) == NULL)
			continue;
		ndjson_reader_init(&r, fp, in->name);
		while (status == 0 && (res = ndjson_read(&r, &rec)) != NDJSON_EOF) {
			if (res == NDJSON_READERR) {
				msg_syswarn("%s", in->name);
				status = MSI_EXIT_IO;
				break;
			}
			t->record = t->records++;
			if (res == NDJSON_OBJECT) {
				collect_record(t, rec);
				json_decref(rec);
			}
			status = t->known_failed;
		}
		ndjson_reader_free(&r);
		input_close(in, fp);
	}
	t->collecting = 0;
	return status != 0 ? status : known_resolve(&t->known, t->records * t->slots);
}

static int
transform_file(struct transform *t, struct input *in, enum input_reading reading)
{
	struct ndjson_reader r;
	enum ndjson_result res;
	json_t *rec;
	FILE *fp;
	int status = 0;

	t->file = in->name;
	if ((fp = input_open(in, reading, &status)) == NULL) {
		if (status == 0)
			msg_syswarn("%s", in->path);
		return status != 0 ? status : MSI_EXIT_IO;
	}
	ndjson_reader_init(&r, fp, t->file);
	while (status == 0 && (res = ndjson_read(&r, &rec)) != NDJSON_EOF) {
		t->line = r.line;
		if (res == NDJSON_READERR) {
			msg_syswarn("%s", t->file);
			status = MSI_EXIT_IO;
			break;
		}
		t->record = t->in++;
		if (reading == INPUT_AGAIN && t->record >= t->records) {
			msg_warn("%s: changed while it was read: --known reads the input twice",
			    t->file);
			status = MSI_EXIT_IO;
			break;
		}
		if (res == NDJSON_BADLINE) {
			snprintf(t->why, sizeof t->why, "%s", r.error);
			status = set_aside(t, NULL, REJECTED);
		} else {
			status = handle(t, rec);
			json_decref(rec);
		}
	}
	ndjson_reader_free(&r);
	input_close(in, fp);
	return status;
}

/* The summary on stderr: --stats's counts, and what was skipped or sent unlinked. */
static void
summary(void *ctx, int status)
{
	const struct transform *t = ctx;
	FILE *fp = stderr;
	int i, first = 1, stats = t->stats;

	(void)status;
	if (stats) {
		fprintf(fp,
		    "%s: records: %lu read, %lu written, %lu rejected, %lu skipped; ids: "
		    "%lu converted from 15 characters, %lu repaired",
		    msg_prog, t->in, t->written, t->rejected, t->skipped, t->ids_converted,
		    t->ids_repaired);
		if (t->owners_omitted > 0)
			fprintf(fp, "; queue owners left out: %lu", t->owners_omitted);
		if (t->unlinked > 0)
			fprintf(fp, "; sent with unknown references: %lu", t->unlinked);
		if (t->roles_defaulted > 0)
			fprintf(fp, "; empty roles sent as \"%s\": %lu", t->default_role,
			    t->roles_defaulted);
		fputc('\n', fp);
	}
	if (t->skipped > 0 && t->rejects == NULL) {
		fprintf(fp, "%s: records skipped: %lu (", msg_prog, t->skipped);
		for (i = 0; i < SKIP_REASONS; i++) {
			if (t->skipped_by[i] == 0)
				continue;
			fprintf(fp, "%s%s: %lu", first ? "" : ", ", skip_words[i],
			    t->skipped_by[i]);
			first = 0;
		}
		fprintf(fp, "); --rejects FILE lists them\n");
	}
	if (t->unlinked > 0 && t->rejects == NULL)
		fprintf(fp,
		    "%s: records sent with unknown references: %lu; --rejects FILE lists "
		    "them\n",
		    msg_prog, t->unlinked);
}

/* The counts, for --stats-json: a new reference. */
static json_t *
stats_json(void *ctx, int status)
{
	const struct transform *t = ctx;
	json_t *by = json_object();
	int i;

	(void)status;
	for (i = 0; i < SKIP_REASONS; i++)
		json_object_set_new(
		    by, skip_keys[i], json_integer((json_int_t)t->skipped_by[i]));
	return json_pack(
	    "{s:s, s:I, s:I, s:I, s:I, s:o, s:I, s:{s:I, s:I}, s:{s:I, s:I}, s:I, s:I}", "tool",
	    "msi-transform", "records", (json_int_t)t->in, "written", (json_int_t)t->written,
	    "rejected", (json_int_t)t->rejected, "skipped", (json_int_t)t->skipped,
	    "skipped_by", by, "unlinked", (json_int_t)t->unlinked, "unknown_references", "sent",
	    (json_int_t)t->unlinked, "held", (json_int_t)t->held_unknown, "ids", "converted",
	    (json_int_t)t->ids_converted, "repaired", (json_int_t)t->ids_repaired,
	    "owners_omitted", (json_int_t)t->owners_omitted, "default_role",
	    (json_int_t)t->roles_defaulted);
}

/* --objects: the Salesforce objects in MSI's order and the Marketo object each becomes. */
static int
list_objects(void)
{
	int i;

	for (i = 0; i < SF_OBJECTS; i++)
		printf("%s\t%s\n", sf_objects[i].name, mkto_objects[sf_objects[i].mkto].name);
	return fshut(stdout, "stdout") == 0 ? MSI_EXIT_OK : MSI_EXIT_IO;
}

static long
parse_offset(const char *s)
{
	int hh, mm, used = 0;
	char sign;

	if (sscanf(s, "%c%2d:%2d%n", &sign, &hh, &mm, &used) != 3 || used != (int)strlen(s) ||
	    (sign != '+' && sign != '-') || hh > 23 || mm > 59) {
		msg_warn("bad --utc-offset \"%s\": use +HH:MM or -HH:MM", s);
		usage(stderr, MSI_EXIT_USAGE);
	}
	return (sign == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
}

/* The word options: --lead-without-account, --date-order, --known-miss and --queue-owner. */
static void
choice_option(struct transform *t, int ch, const char *arg)
{
	char why[SFID_WHY_SIZE];
	enum sfid_status st;

	switch (ch) {
	case 'a':
		if (strcmp(arg, "keep") != 0 && strcmp(arg, "skip") != 0) {
			msg_warn("--lead-without-account takes keep or skip");
			usage(stderr, MSI_EXIT_USAGE);
		}
		t->skip_unlinked = strcmp(arg, "skip") == 0;
		break;
	case 'd':
		if (strcasecmp(arg, "dmy") == 0)
			t->conv.date_order = 'd';
		else if (strcasecmp(arg, "mdy") == 0)
			t->conv.date_order = 'm';
		else {
			msg_warn("--date-order takes dmy or mdy");
			usage(stderr, MSI_EXIT_USAGE);
		}
		break;
	case 'K':
		if (strcmp(arg, "reject") != 0 && strcmp(arg, "send") != 0) {
			msg_warn("--known-miss takes reject or send");
			usage(stderr, MSI_EXIT_USAGE);
		}
		t->send_unknown = strcmp(arg, "send") == 0;
		break;
	case 'q':
		if (strcmp(arg, "omit") == 0) {
			t->queue = QUEUE_OMIT;
			break;
		}
		if (strcmp(arg, "skip") == 0) {
			t->queue = QUEUE_SKIP;
			break;
		}
		st = sfid_normalize(arg, strlen(arg), t->queue_id, why);
		if (st == SFID_INVALID || st == SFID_NULL ||
		    strncmp(t->queue_id, "005", 3) != 0) {
			msg_warn("--queue-owner takes omit, skip or a User id (005...)%s%s",
			    st == SFID_INVALID ? ": " : "", st == SFID_INVALID ? why : "");
			usage(stderr, MSI_EXIT_USAGE);
		}
		t->queue = QUEUE_ID;
		break;
	}
}

/*
 * The options, in order: a map or known file that cannot be read ends the
 * run with its status, as does --objects. Returns the files to read.
 */
static char **
parse_options(struct transform *t, int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"date-order", required_argument, NULL, 'd'},
	    {"default-role", required_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {"known", required_argument, NULL, 'k'},
	    {"known-miss", required_argument, NULL, 'K'},
	    {"lead-without-account", required_argument, NULL, 'a'},
	    {"map", required_argument, NULL, 'm'},
	    {"object", required_argument, NULL, 'o'},
	    {"objects", no_argument, NULL, 'O'},
	    {"queue-owner", required_argument, NULL, 'q'},
	    {"rejects", required_argument, NULL, 'r'},
	    {"stats", no_argument, NULL, 's'},
	    {"stats-json", required_argument, NULL, 'S'},
	    {"utc-offset", required_argument, NULL, 'u'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	static char *stdin_only[] = {"-", NULL};
	int ch, status;

	opterr = 0;
	while (
	    (ch = getopt_long(argc, argv, ":a:d:hk:K:m:o:q:r:R:su:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
		case 'd':
		case 'K':
		case 'q': choice_option(t, ch, optarg); break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'k':
			if ((status = known_load(&t->known, optarg)) != 0)
				exit(status);
			break;
		case 'm':
			if ((status = mapping_load(&t->map, optarg)) != 0)
				exit(status);
			break;
		case 'o':
			t->object = optarg;
			if (mapping_find(&t->map, optarg) == NULL) {
				msg_warn("no mapping for Salesforce object \"%s\"", optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			break;
		case 'O': exit(list_objects());
		case 'r': t->rejects_name = optarg; break;
		case 'R':
			/* t->out holds no record yet: it tries the role as a JSON string. */
			if (jsonbuf_addjsonstr(&t->out, optarg, strlen(optarg)) != 0) {
				msg_warn("--default-role: not valid UTF-8");
				usage(stderr, MSI_EXIT_USAGE);
			}
			t->out.len = 0;
			t->default_role = optarg;
			break;
		case 's': t->stats = 1; break;
		case 'S': t->stats_file = optarg; break;
		case 'u': t->conv.utc_offset = parse_offset(optarg); break;
		case 'V': printf("msi-transform %s\n", MSI_VERSION); exit(MSI_EXIT_OK);
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	return optind < argc ? argv + optind : stdin_only;
}

/* The defaults, before the options change them. */
static void
transform_init(struct transform *t)
{
	memset(t, 0, sizeof *t);
	t->default_role = DEFAULT_ROLE;
	mapping_defaults(&t->map);
	known_init(&t->known);
}

static void
transform_free(struct transform *t)
{
	jsonbuf_free(&t->out);
	mapping_free(&t->map);
	known_free(&t->known);
}

int
main(int argc, char *argv[])
{
	static struct transform t;
	enum input_reading reading = INPUT_ONCE;
	struct input *in;
	char **files;
	int status = 0, i, n;

	msg_init(argv[0]);
	transform_init(&t);
	files = parse_options(&t, argc, argv);

	mapping_prepare(&t.map);
	if (t.rejects_name != NULL && (t.rejects = fopen_private(t.rejects_name, 0)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", t.rejects_name);

	for (n = 0; files[n] != NULL; n++)
		;
	in = ecalloc((size_t)n + 1, sizeof *in);
	for (i = 0; i < n; i++)
		input_init(&in[i], files[i], "--known reads the input twice");
	t.slots = reference_slots(&t.map);
	if (known_active(&t.known) && t.slots > 0) {
		reading = INPUT_AGAIN;
		status = collect_references(&t, in);
	}
	for (i = 0; i < n && status == 0; i++)
		status = transform_file(&t, &in[i], reading);
	for (i = 0; i < n; i++)
		input_free(&in[i]);
	free(in);

	status = finish_run(&(struct finish){t.rejects, t.rejects_name, t.rejected, "records",
	                        t.stats_file, summary, stats_json, &t},
	    status);
	transform_free(&t);
	return status;
}
