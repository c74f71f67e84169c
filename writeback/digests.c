/* digests.c: what was last sent for each person (--state), to send only what moved. */
/*
 * The state is one {"Id":...,"digest":...} line a person, sorted by Id in
 * byte order (sort(1)'s in the C locale), so that it is read as a stream.
 * A run's updates go, in the order they come, to a scratch file (the
 * spool) and their (Id, digest, place) to sort(1) (keysort.c); once the
 * run has ended, the sorted Ids are merged with the state: which updates
 * changed (a bit each) and the new state, written in order. The spool is
 * then read back in its order, so that what is written is in the order of
 * the input, as the updates came. Memory does not grow with the persons
 * but by that bit an update; sort(1)'s is capped (keysort.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "digests.h"
#include "ealloc.h"
#include "exitcode.h"
#include "msg.h"
#include "sfid.h"

/* Why a state line's Id and digest (borrowed) are not what digests_save writes, or NULL. */
static const char *
line_bad(const json_t *id, const json_t *dg)
{
	char norm[SFID_LEN + 1], why[SFID_WHY_SIZE];

	if (!json_is_string(id) || !json_is_integer(dg))
		return "not a state line ({\"Id\":..., \"digest\":...})";
	if (sfid_normalize(json_string_value(id), json_string_length(id), norm, why) !=
	    SFID_VALID)
		return "Id: not an 18-character Salesforce id";
	if (json_integer_value(dg) < 0)
		return "digest: negative, not one msi-writeback makes";
	return NULL;
}

/*
 * A line exactly as put_line writes it, its Id (18 letters or digits,
 * not yet checked) into id and its digest into *dg, read without a JSON
 * parser (a state is read twice a run, a million lines each). 0 for any
 * other line, which jansson then reads: the same values where both read.
 */
static int
fixed_line(const char *p, size_t len, char id[SFID_LEN + 1], json_int_t *dg)
{
	static const char head[] = "{\"Id\":\"", mid[] = "\",\"digest\":";
	const char *end = p + len;
	unsigned long long v = 0;
	size_t i, digits;

	if (len < sizeof head - 1 + SFID_LEN + sizeof mid - 1 + 2 ||
	    memcmp(p, head, sizeof head - 1) != 0)
		return 0;
	p += sizeof head - 1;
	for (i = 0; i < SFID_LEN; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'Z') ||
		        (p[i] >= 'a' && p[i] <= 'z')))
			return 0;
		id[i] = p[i];
	}
	id[SFID_LEN] = '\0';
	p += SFID_LEN;
	if (memcmp(p, mid, sizeof mid - 1) != 0)
		return 0;
	p += sizeof mid - 1;
	digits = (size_t)(end - 1 - p);
	/* JSON has no leading zero; 19 digits at most keeps v from wrapping */
	if (end[-1] != '}' || digits == 0 || digits > 19 || (p[0] == '0' && digits > 1))
		return 0;
	for (; p < end - 1; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (v > (unsigned long long)LLONG_MAX)
		return 0;
	*dg = (json_int_t)v;
	return 1;
}

/*
 * The next line of a state: its Id (18 characters) into id, its digest
 * into *dg. Returns 1, or 0 at the end. A line that is not one
 * digests_save writes stops the run (status 3, naming the line and the
 * member); a read error, status 4.
 */
static int
next_line(struct ndjson_reader *r, char id[SFID_LEN + 1], json_int_t *dg)
{
	char norm[SFID_LEN + 1], why[SFID_WHY_SIZE];
	enum ndjson_result res;
	json_t *line, *idv, *dgv;
	const char *bad;
	size_t len;

	if ((res = ndjson_read_text(r, &len)) == NDJSON_OBJECT) {
		if (fixed_line(r->buf, len, id, dg) &&
		    sfid_normalize(id, SFID_LEN, norm, why) == SFID_VALID)
			return 1;
		res = ndjson_parse_text(r, len, &line);
	}
	if (res == NDJSON_EOF)
		return 0;
	if (res == NDJSON_READERR)
		msg_sysfatal(MSI_EXIT_IO, "%s", r->name);
	if (res == NDJSON_BADLINE) {
		msg_at(r->name, r->line, "%s", r->error);
		exit(MSI_EXIT_BADINPUT);
	}
	idv = json_object_get(line, "Id");
	dgv = json_object_get(line, "digest");
	if ((bad = line_bad(idv, dgv)) != NULL) {
		json_decref(line);
		msg_at(r->name, r->line, "%s", bad);
		exit(MSI_EXIT_BADINPUT);
	}
	memcpy(id, json_string_value(idv), SFID_LEN + 1);
	*dg = json_integer_value(dgv);
	json_decref(line);
	return 1;
}

/* A state line, as digests_save writes it (ndjson_write's compact form). */
static void
put_line(FILE *fp, const char *id, json_int_t dg)
{
	fprintf(fp, "{\"Id\":\"%s\",\"digest\":%" JSON_INTEGER_FORMAT "}\n", id, dg);
}

/*
 * An old state, its lines in any order (as msi-writeback wrote them
 * before they were sorted): a sorted copy of it in a scratch file, made by
 * sort(1), stable so that of two lines with one Id the later is named.
 */
static FILE *
sort_old(struct digests *d, FILE *fp)
{
	struct ndjson_reader r;
	struct keysort ks;
	char id[SFID_LEN + 1], prev[SFID_LEN + 1] = "", rest[64], *key, *val, *tab;
	size_t len;
	json_int_t dg;
	FILE *copy;
	int n, rc;

	if (fseek(fp, 0, SEEK_SET) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", d->path);
	if (keysort_start(&ks, d->path, 1) != 0)
		exit(MSI_EXIT_IO);
	ndjson_reader_init(&r, fp, d->path);
	while (next_line(&r, id, &dg)) {
		/* an Id is letters and digits: a key as it is (keysort_key) */
		n = snprintf(rest, sizeof rest, "%lu\t%" JSON_INTEGER_FORMAT, r.line, dg);
		if (keysort_put(&ks, id, rest, (size_t)n) != 0)
			exit(MSI_EXIT_IO);
	}
	ndjson_reader_free(&r);
	if (keysort_sorted(&ks) != 0)
		exit(MSI_EXIT_IO);
	if ((copy = scratch_file("writeback-state")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s: a sorted copy in TMPDIR", d->path);
	while ((rc = keysort_get(&ks, &key, &val, &len)) > 0) {
		if (strlen(key) != SFID_LEN || (tab = strchr(val, '\t')) == NULL)
			break;
		if (strcmp(prev, key) == 0) {
			msg_at(d->path, strtoul(val, NULL, 10), "Id: on an earlier line too");
			exit(MSI_EXIT_BADINPUT);
		}
		memcpy(prev, key, sizeof prev);
		put_line(copy, key, strtoll(tab + 1, NULL, 10));
	}
	if (rc != 0 || keysort_end(&ks) != 0) {
		if (rc > 0)
			msg_warn("%s: sort(1) gave a line that was not put", d->path);
		exit(MSI_EXIT_IO);
	}
	if (fflush(copy) == EOF || ferror(copy))
		msg_sysfatal(MSI_EXIT_IO, "%s: a sorted copy in TMPDIR", d->path);
	return copy;
}

/*
 * Reads the state through: one {"Id":..., "digest":...} a line, each
 * checked as if edited by hand: an 18-character Salesforce id, once, and a
 * digest as digest_of makes them (from 0 to 2^63 - 1). A state that does
 * not exist yet is empty; one that cannot be read, or is not what
 * digests_save writes, stops the run (status 3, naming the line and the
 * member). Lines sorted by Id are the state as it is; lines out of order
 * (an old state, or one edited by hand) are sorted into a scratch file,
 * and the state is written sorted at the end of the run.
 */
void
digests_load(struct digests *d, const char *path)
{
	char id[SFID_LEN + 1], prev[SFID_LEN + 1] = "";
	struct ndjson_reader r;
	struct statefile sf;
	json_int_t dg;
	int status, sorted = 1, c;
	FILE *fp;

	memset(d, 0, sizeof *d);
	d->path = path;
	/* read through now and again when the run ends, replaced whole: no lock is held */
	if ((status = statefile_open(&sf, path, 0)) != 0)
		exit(status);
	if (sf.fd < 0)
		return;
	/* /dev/zero never ends */
	if ((status = statefile_regular(&sf, MSI_EXIT_IO)) != 0)
		exit(status);
	if ((fp = statefile_reader(&sf)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", path);
	statefile_close(&sf);
	ndjson_reader_init(&r, fp, path);
	while (next_line(&r, id, &dg)) {
		/* sorted, two lines of one Id are neighbours */
		if ((c = strcmp(prev, id)) == 0) {
			msg_at(path, r.line, "Id: on an earlier line too");
			exit(MSI_EXIT_BADINPUT);
		}
		sorted &= c < 0;
		memcpy(prev, id, sizeof prev);
		d->loaded++;
	}
	ndjson_reader_free(&r);
	if (!sorted) {
		d->old = sort_old(d, fp);
		fclose(fp);
	} else {
		d->old = fp;
	}
}

/* Starts sort(1) for the run's Ids, once. */
static void
run_start(struct digests *d)
{
	if (d->running)
		return;
	if (keysort_start(&d->run, "the digests of the updates", 0) != 0)
		exit(MSI_EXIT_IO);
	d->running = 1;
}

/*
 * One update of the run, for the person id (18 characters, once a run):
 * its digest goes to the merge (digests_merge) and, when spool (the same
 * for every update of a run), the update to the spool, to be read back
 * (digests_next) once it is known whether it changed.
 */
void
digests_add(struct digests *d, const char *id, json_t *update, int spool)
{
	char rest[64];
	int n;

	run_start(d);
	n = snprintf(
	    rest, sizeof rest, "%" JSON_INTEGER_FORMAT "\t%lu", digest_of(update), d->added);
	if (keysort_put(&d->run, id, rest, (size_t)n) != 0)
		exit(MSI_EXIT_IO);
	if (spool) {
		if (d->spool == NULL && (d->spool = scratch_file("writeback-updates")) == NULL)
			msg_sysfatal(MSI_EXIT_IO, "the updates: a scratch file in TMPDIR");
		if (ndjson_write(d->spool, update) != 0)
			msg_sysfatal(MSI_EXIT_IO, "the updates: a scratch file in TMPDIR");
	}
	d->added++;
}

/* A person (id: 18 characters) whose digest the new state goes without (--forget). */
void
digests_drop(struct digests *d, const char *id)
{
	run_start(d);
	if (keysort_put(&d->run, id, "-", 1) != 0)
		exit(MSI_EXIT_IO);
}

/* The next of the run's sorted Ids: 1, or 0 at the end. */
static int
run_next(struct digests *d, char **key, char **rest)
{
	size_t len;
	int rc;

	if (!d->running)
		return 0;
	if ((rc = keysort_get(&d->run, key, rest, &len)) < 0)
		exit(MSI_EXIT_IO);
	return rc;
}

/* The state's next line, after id (what it held); 0 at the end. */
static int
old_next(struct digests *d, struct ndjson_reader *r, char id[SFID_LEN + 1], json_int_t *dg)
{
	char prev[SFID_LEN + 1];

	if (d->old == NULL)
		return 0;
	memcpy(prev, id, sizeof prev);
	if (!next_line(r, id, dg))
		return 0;
	if (strcmp(prev, id) >= 0) {
		msg_at(
		    r->name, r->line, "Id: out of order: the state was changed during the run");
		exit(MSI_EXIT_BADINPUT);
	}
	return 1;
}

/*
 * The run's Ids merged with the state: which updates differ from the
 * digest kept (digests_next tells), and, when write, the new state begun
 * (digests_save commits it): each person of the run with its new digest,
 * the others as they were, those dropped left out. Each Id is compared
 * once, as the two sorted streams go by.
 */
void
digests_merge(struct digests *d, int write)
{
	char oid[SFID_LEN + 1] = "", *key = NULL, *rest = NULL, *end;
	struct ndjson_reader r;
	json_int_t odg = 0, dg;
	unsigned long seq;
	int have_old, have_run, c;
	FILE *out = NULL;

	memset(&r, 0, sizeof r);
	d->changed = ecalloc(d->added / 8 + 1, 1);
	if (d->running && keysort_sorted(&d->run) != 0)
		exit(MSI_EXIT_IO);
	if (write) {
		statefile_init(&d->sf, d->path); /* no lock: read through, then replaced */
		if ((out = statefile_begin(&d->sf)) == NULL)
			msg_sysfatal(MSI_EXIT_IO, "%s", d->sf.tmp);
		d->writing = 1;
	}
	if (d->old != NULL) {
		if (fseek(d->old, 0, SEEK_SET) != 0)
			msg_sysfatal(MSI_EXIT_IO, "%s", d->path);
		ndjson_reader_init(&r, d->old, d->path);
	}
	have_old = old_next(d, &r, oid, &odg);
	have_run = run_next(d, &key, &rest);
	while (have_old || have_run) {
		c = !have_run ? -1 : !have_old ? 1 : strcmp(oid, key);
		if (c < 0) { /* not in this run: kept as it was */
			if (out != NULL)
				put_line(out, oid, odg);
			have_old = old_next(d, &r, oid, &odg);
			continue;
		}
		if (strcmp(rest, "-") == 0) { /* dropped */
			if (c == 0) {
				d->forgotten++;
				have_old = old_next(d, &r, oid, &odg);
			}
			have_run = run_next(d, &key, &rest);
			continue;
		}
		dg = strtoll(rest, &end, 10);
		seq = strtoul(end + (*end == '\t'), NULL, 10);
		if ((c > 0 || dg != odg) && seq < d->added)
			d->changed[seq / 8] |= (unsigned char)(1u << seq % 8);
		if (out != NULL)
			put_line(out, key, dg);
		if (c == 0)
			have_old = old_next(d, &r, oid, &odg);
		have_run = run_next(d, &key, &rest);
	}
	if (d->old != NULL)
		ndjson_reader_free(&r);
	if (d->running) {
		d->running = 0;
		if (keysort_end(&d->run) != 0)
			exit(MSI_EXIT_IO);
	}
	if (d->spool != NULL && (fflush(d->spool) == EOF || fseek(d->spool, 0, SEEK_SET) != 0))
		msg_sysfatal(MSI_EXIT_IO, "the updates: a scratch file in TMPDIR");
}

/*
 * The next update spooled (digests_add), in the order they were added,
 * after digests_merge: *changed whether it differs from the one last
 * written, and then *update a new reference (NULL when it did not change:
 * the line is not parsed). Returns 1, or 0 at the end.
 */
int
digests_next(struct digests *d, json_t **update, int *changed)
{
	enum ndjson_result res;
	size_t len;

	*update = NULL;
	if (d->spool == NULL)
		return 0;
	if (!d->reading) {
		ndjson_reader_init(&d->back, d->spool, "the updates' scratch file");
		d->reading = 1;
	}
	if ((res = ndjson_read_text(&d->back, &len)) == NDJSON_EOF)
		return 0;
	*changed = d->next < d->added && (d->changed[d->next / 8] >> d->next % 8 & 1);
	if (res == NDJSON_OBJECT && *changed)
		res = ndjson_parse_text(&d->back, len, update);
	if (res != NDJSON_OBJECT)
		msg_sysfatal(MSI_EXIT_IO, "the updates: a scratch file in TMPDIR");
	d->next++;
	return 1;
}

/*
 * The new state begun by digests_merge: synced and renamed over the old
 * one, so that a crash leaves the old state or the new, never half of one.
 */
void
digests_save(struct digests *d)
{
	d->writing = 0;
	if (statefile_commit(&d->sf) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", d->path);
}

/* Lets go of the state: a new state not saved is removed, the old one stays. */
void
digests_free(struct digests *d)
{
	if (d->writing)
		statefile_abort(&d->sf);
	d->writing = 0;
	if (d->running)
		keysort_end(&d->run);
	d->running = 0;
	if (d->reading)
		ndjson_reader_free(&d->back);
	d->reading = 0;
	if (d->spool != NULL)
		fclose(d->spool);
	if (d->old != NULL)
		fclose(d->old);
	d->spool = d->old = NULL;
	free(d->changed);
	d->changed = NULL;
}
