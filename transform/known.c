/*
 * known.c: the external ids Marketo will hold (--known), read from
 * transformed records or msi-load's landed states, and which of the
 * references of the records transformed name one. Millions of persons
 * make millions of ids: none is kept in memory. Each id read, and each
 * reference the records make, is a line to one sort(1) (common/keysort.c,
 * its memory capped); once all are in, the lines come back in key order,
 * an id's own line before the references to it, and a reference whose id
 * came first has its bit set. A bit a reference is all that stays.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "exitcode.h"
#include "known.h"
#include "msg.h"
#include "ndjson.h"

void
known_init(struct known *k)
{
	memset(k, 0, sizeof *k);
}

/*
 * What a transformed record is, from the ids it carries: the most specific
 * one is its own key (a lead also names its sales person and company; an
 * opportunity role names an opportunity and a person, and is no kind).
 */
static int
kind_of(json_t *rec)
{
	int opp = json_is_string(json_object_get(rec, mkto_objects[MKTO_OPPORTUNITY].id_field));
	int person = json_is_string(json_object_get(rec, mkto_objects[MKTO_LEAD].id_field));

	if (opp && person)
		return -1;
	if (opp)
		return KNOWN_OPPORTUNITY;
	if (person)
		return KNOWN_LEAD;
	if (json_is_string(json_object_get(rec, mkto_objects[MKTO_COMPANY].id_field)))
		return KNOWN_COMPANY;
	if (json_is_string(json_object_get(rec, mkto_objects[MKTO_SALESPERSON].id_field)))
		return KNOWN_SALESPERSON;
	return -2;
}

/*
 * A line to the sort: the kind's digit and the id as its key (escaped),
 * then nothing for a known id, or a reference's position. The sort is
 * started by the first line. Returns 0, or an exit status after a message.
 */
static int
put(struct known *k, enum known_kind kind, const char *id, const char *rest)
{
	char digit = (char)('0' + kind);
	const char *key;

	if (!k->sorting) {
		if (keysort_start(&k->sort, "the known ids (--known)", 0) != 0)
			return MSI_EXIT_IO;
		k->sorting = 1;
	}
	k->key.len = 0;
	jsonbuf_add(&k->key, &digit, 1);
	jsonbuf_addstr(&k->key, id);
	jsonbuf_add(&k->key, "", 1);
	key = keysort_key(&k->escaped, k->key.data);
	return keysort_put(&k->sort, key, rest, strlen(rest)) == 0 ? 0 : MSI_EXIT_IO;
}

static int
known_add(void *ctx, json_t *rec, unsigned long line)
{
	struct known *k = ctx;
	int kind;

	/* the first line of msi-load's --changed-only state names the state, no record */
	if (json_object_get(rec, "msi-load") != NULL)
		return 0;
	if ((kind = kind_of(rec)) == -2) {
		msg_at(k->path, line,
		    "a known record needs an external id "
		    "(externalSalesPersonId, externalCompanyId, externalPersonId or "
		    "externalOpportunityId)");
		return MSI_EXIT_BADINPUT;
	}
	if (kind < 0)
		return 0;
	k->count[kind]++;
	return put(k, (enum known_kind)kind,
	    json_string_value(json_object_get(rec, mkto_objects[kind].id_field)), "");
}

/* Reads msi-transform output or a landed state; returns 0 or an exit status after a message. */
int
known_load(struct known *k, const char *path)
{
	k->path = path;
	return ndjson_each(path, known_add, k);
}

/* Whether a --known file gave an id of some kind: only then are references checked. */
int
known_active(const struct known *k)
{
	int i;

	for (i = 0; i < KNOWN_KINDS; i++)
		if (k->count[i] > 0)
			return 1;
	return 0;
}

/*
 * A reference to check: id, of kind, at position (below the positions
 * known_resolve is given). A kind no --known file supplied needs none.
 * Returns 0, or an exit status after a message.
 */
int
known_collect(struct known *k, enum known_kind kind, const char *id, uint64_t position)
{
	char pos[24];

	if (k->count[kind] == 0)
		return 0;
	snprintf(pos, sizeof pos, "%" PRIu64, position);
	return put(k, kind, id, pos);
}

/* The position a reference line holds (rest), or -1 when it is not one put. */
static int
position_of(const struct known *k, const char *rest, uint64_t *p)
{
	char *end;

	errno = 0;
	*p = strtoull(rest, &end, 10);
	return errno != 0 || *end != '\0' || end == rest || *p >= k->positions ? -1 : 0;
}

/*
 * Every id and reference in: the sorted lines read back, key by key. By
 * sort(1)'s last rule (lines of equal keys compare whole: POSIX sort), an
 * id's own line, "KEY\t", comes before the references "KEY\tPOSITION";
 * the order is checked as it is read. Returns 0, or an exit status after
 * a message.
 */
int
known_resolve(struct known *k, uint64_t positions)
{
	struct jsonbuf prev = {0};
	char *key, *rest;
	size_t restlen;
	uint64_t p;
	int r = 0, here = 0, refs = 0, st = 0;

	k->positions = positions;
	k->bits = ecalloc(positions / 8 + 1, 1);
	if (!k->sorting)
		return 0;
	if (keysort_sorted(&k->sort) != 0)
		st = MSI_EXIT_IO;
	while (st == 0 && (r = keysort_get(&k->sort, &key, &rest, &restlen)) > 0) {
		if (prev.len == 0 || strcmp(prev.data, key) != 0) {
			if (prev.len > 0 && strcmp(prev.data, key) > 0)
				break;
			prev.len = 0;
			jsonbuf_addstr(&prev, key);
			jsonbuf_add(&prev, "", 1);
			here = refs = 0;
		}
		if (restlen == 0) {
			if (refs)
				break; /* an id after references to it: not sort(1)'s order */
			here = 1;
		} else if (position_of(k, rest, &p) != 0) {
			break;
		} else {
			refs = 1;
			if (here)
				k->bits[p / 8] |= (unsigned char)(1u << (p % 8));
		}
	}
	if (st == 0 && r > 0) {
		msg_warn("the known ids (--known): sort(1) gave lines out of order or not put");
		st = MSI_EXIT_IO;
	} else if (st == 0 && r < 0) {
		st = MSI_EXIT_IO;
	}
	if (keysort_end(&k->sort) != 0 && st == 0)
		st = MSI_EXIT_IO;
	k->sorting = 0;
	jsonbuf_free(&prev);
	return st;
}

/*
 * Whether the reference at position (known_collect) names a known id; a
 * kind no --known file supplied knows every id.
 */
int
known_has(const struct known *k, enum known_kind kind, uint64_t position)
{
	if (k->count[kind] == 0)
		return 1;
	return position < k->positions && (k->bits[position / 8] >> (position % 8) & 1);
}

void
known_free(struct known *k)
{
	if (k->sorting)
		keysort_end(&k->sort);
	jsonbuf_free(&k->key);
	jsonbuf_free(&k->escaped);
	free(k->bits);
}
