/*
 * sfstate.c: msi-extract --state FILE: for each object, the highest
 * SystemModstamp of its last whole extract (the mark) and the ids of the
 * records modified at that very time. The next extract asks for what
 * changed from the mark minus a lookback (sfquery.c), so that a record
 * committed late with a SystemModstamp below the mark is still read; with
 * no lookback it asks from the mark itself and leaves out those ids. The
 * file is one JSON object; it is locked for the run, every member read
 * back is checked as if hostile, and it is replaced whole, by rename, only
 * once the extract has been written out: a run killed before leaves the
 * old mark, and the next run asks again from there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ealloc.h"
#include "exitcode.h"
#include "extract.h"
#include "msg.h"
#include "sfstate.h"

#define ALNUM "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/*
 * s's digits and punctuation against shape, where 'd' is any digit: the
 * fixed-width datetimes this file holds.
 */
static int
shaped(const char *s, const char *shape)
{
	size_t i;

	if (strlen(s) != strlen(shape))
		return 0;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return 0;
	return 1;
}

/*
 * The instant s (2024-01-02T03:04:05[.000]Z) names, in milliseconds since
 * 1970: 0, or -1 when it is not a real date and time (a 31st of June, a
 * 25th hour): the calendar, through timegm and back, is the judge.
 */
static int
instant(const char *s, long long *ms)
{
	struct tm tm, back;
	time_t t;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	back = tm;
	/* years 0000 to 9999 fit a 64-bit time_t: no overflow to tell from -1 */
	t = timegm(&tm);
	if (tm.tm_year != back.tm_year || tm.tm_mon != back.tm_mon ||
	    tm.tm_mday != back.tm_mday || tm.tm_hour != back.tm_hour ||
	    tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return -1;
	*ms = (long long)t * 1000 + (s[19] == '.' ? atoi(s + 20) : 0);
	return 0;
}

/* A mark as Salesforce writes SystemModstamp (2024-01-02T03:04:05.000Z), and a real instant. */
int
sfstate_valid_mark(const char *m)
{
	long long ms;

	return shaped(m, "dddd-dd-ddTdd:dd:dd.dddZ") && instant(m, &ms) == 0;
}

/* An id as Salesforce gives one: 15 or 18 letters and digits. */
int
sfstate_valid_id(const char *s, size_t n)
{
	size_t i;

	if (n != 15 && n != 18)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(ALNUM, s[i]) == NULL)
			return 0;
	return 1;
}

/*
 * The mark less seconds, as a SOQL datetime literal of the mark's own
 * shape, 2024-01-02T03:04:05.000Z: unquoted, UTC, the milliseconds kept
 * so that a lookback of 0 asks from the mark itself. SOQL's date formats
 * (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm)
 * show YYYY-MM-DDThh:mm:ssZ; the milliseconds are those of the REST
 * API's dateTime (yyyy-MM-ddTHH:mm:ss.SSSZ,
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_valid_date_formats.htm),
 * the form Salesforce writes SystemModstamp in. mark must be valid.
 */
void
sfstate_before(const char *mark, long seconds, char out[SFSTATE_MARK_SIZE])
{
	long long ms = 0, secs;
	struct tm tm;
	time_t t;

	instant(mark, &ms);
	ms -= (long long)seconds * 1000;
	secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	t = (time_t)secs;
	gmtime_r(&t, &tm);
	/* the ranges said, for the compiler to see that it fits */
	snprintf(out, SFSTATE_MARK_SIZE, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
	    (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)tm.tm_mon % 12 + 1,
	    (unsigned)tm.tm_mday % 32, (unsigned)tm.tm_hour % 24, (unsigned)tm.tm_min % 60,
	    (unsigned)tm.tm_sec % 61, (unsigned)(ms - secs * 1000) % 1000);
}

/*
 * Why one object's entry is not what sfstate_commit writes, or NULL:
 * {"mark":SystemModstamp,"at_mark":[ids],"rows":N,"extracted":"...Z"},
 * nothing else.
 */
static const char *
bad_entry(json_t *e)
{
	json_t *v, *id;
	const char *key;
	size_t i;

	if (!json_is_object(e))
		return "not an object";
	json_object_foreach (e, key, v) {
		if (strcmp(key, "mark") == 0) {
			if (!json_is_string(v) || !sfstate_valid_mark(json_string_value(v)))
				return "the mark is not a SystemModstamp such as 2024-01-02T03:04:05.000Z";
		} else if (strcmp(key, "at_mark") == 0) {
			if (!json_is_array(v))
				return "at_mark is not a list of ids";
			json_array_foreach (v, i, id) {
				if (!json_is_string(id) ||
				    !sfstate_valid_id(
				        json_string_value(id), json_string_length(id)))
					return "at_mark holds something other than a Salesforce id";
			}
		} else if (strcmp(key, "rows") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return "rows is not a count";
		} else if (strcmp(key, "extracted") == 0) {
			if (!json_is_string(v) ||
			    !shaped(json_string_value(v), "dddd-dd-ddTdd:dd:ddZ"))
				return "extracted is not a time such as 2024-01-02T03:04:05Z";
		} else {
			return "a member msi-extract does not write";
		}
	}
	if (json_object_get(e, "mark") == NULL || json_object_get(e, "at_mark") == NULL)
		return "no mark, or no at_mark";
	return NULL;
}

/*
 * Refuses (with a message, status 3) a document that is not what
 * sfstate_commit writes: {"msi-extract":"salesforce","org":ID,
 * "objects":{OBJECT:entry,...}}, nothing else, every object's entry
 * checked, not only this run's, since the file is written back whole.
 */
static int
check_doc(const char *path, json_t *doc)
{
	json_t *v, *objs;
	const char *key, *why = NULL, *org;
	char member[120] = "";

	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "msi-extract")) ||
	    strcmp(json_string_value(json_object_get(doc, "msi-extract")), "salesforce") != 0) {
		msg_warn("%s: not a state file of msi-extract --salesforce", path);
		return MSI_EXIT_BADINPUT;
	}
	json_object_foreach (doc, key, v) {
		if (strcmp(key, "msi-extract") != 0 && strcmp(key, "org") != 0 &&
		    strcmp(key, "objects") != 0) {
			snprintf(member, sizeof member, "%.80s", key);
			why = "a member msi-extract does not write";
		}
	}
	org = json_string_value(json_object_get(doc, "org"));
	objs = json_object_get(doc, "objects");
	if (org == NULL || (org[0] != '\0' && !sfstate_valid_id(org, strlen(org)))) {
		snprintf(member, sizeof member, "org");
		why = "not a Salesforce org id";
	} else if (!json_is_object(objs)) {
		snprintf(member, sizeof member, "objects");
		why = "not an object";
	}
	json_object_foreach (objs, key, v) {
		if (why != NULL)
			break;
		snprintf(member, sizeof member, "objects.%.80s", key);
		why = valid_type(key, strlen(key)) ? bad_entry(v)
		                                   : "not a Salesforce object name";
	}
	if (why == NULL)
		return 0;
	msg_warn("%s: %s: %s (not as msi-extract writes it: restore it, or remove the file "
	         "and the next run extracts every record)",
	    path, member, why);
	return MSI_EXIT_BADINPUT;
}

/*
 * Opens and locks path (made if missing, mode 600) and reads object's
 * mark. A file that is not what sfstate_commit writes (any member of it)
 * is refused with status 3; one of another org with status 2. Returns 0
 * or an exit status.
 */
int
sfstate_open(struct sfstate *s, const char *path, const char *object, const char *org)
{
	json_error_t err;
	json_t *o, *v;
	const char *have;
	size_t i;
	int status;

	memset(s, 0, sizeof *s);
	s->path = path;
	s->object = object;
	if ((status = statefile_lock(&s->file, path, 0,
	         "another msi-extract is using this state file; try again when it has ended")) !=
	    0)
		return status;
	if (s->file.st.st_size == 0) {
		s->doc = json_pack(
		    "{s:s, s:s, s:{}}", "msi-extract", "salesforce", "org", org, "objects");
	} else if ((s->doc = json_loadfd(s->file.fd, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		msg_at(path, (unsigned long)err.line, "not a state file of msi-extract: %s",
		    err.text);
		return MSI_EXIT_BADINPUT;
	}
	if ((status = check_doc(path, s->doc)) != 0)
		return status;
	have = json_string_value(json_object_get(s->doc, "org"));
	if (org[0] != '\0' && strcmp(have, org) != 0) {
		msg_warn("%s: the state of org %s, not of org %s, which the credentials reach; "
		         "use another state file",
		    path, have, org);
		return MSI_EXIT_USAGE;
	}
	s->at_mark = json_object();
	o = json_object_get(json_object_get(s->doc, "objects"), object);
	if (o == NULL)
		return 0;
	snprintf(s->mark, sizeof s->mark, "%s", json_string_value(json_object_get(o, "mark")));
	json_array_foreach (json_object_get(o, "at_mark"), i, v)
		json_object_set(s->at_mark, json_string_value(v), json_true());
	return 0;
}

static int write_doc(struct sfstate *s);

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The object's new mark, once its records are written out: the file
 * written anew beside the old, synced, renamed over it. Returns 0 or an
 * exit status.
 */
int
sfstate_commit(struct sfstate *s, const char *mark, json_t *at_mark, unsigned long rows)
{
	json_t *ids = json_array(), *objs = json_object_get(s->doc, "objects");
	const char *k;
	json_t *v;
	char when[32];
	time_t now = time(NULL);
	const char **keys = emalloc((json_object_size(at_mark) + 1) * sizeof *keys);
	size_t i, m = 0;

	json_object_foreach (at_mark, k, v)
		keys[m++] = k;
	qsort(keys, m, sizeof *keys, by_string);
	for (i = 0; i < m; i++)
		json_array_append_new(ids, json_string(keys[i]));
	free(keys);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_set_new(objs, s->object,
	    json_pack("{s:s, s:o, s:I, s:s}", "mark", mark, "at_mark", ids, "rows",
	        (json_int_t)rows, "extracted", when));
	return write_doc(s);
}

/*
 * --commit-mark: the object's entry of the state file from (one that a run
 * of msi-extract --state wrote, a copy of s's when it began) put in s,
 * opened, unless s's mark is later: then *kept is set and s stays as it
 * is. Returns 0 or an exit status.
 */
int
sfstate_take(struct sfstate *s, const char *from, int *kept)
{
	json_error_t err;
	json_t *doc = json_load_file(from, JSON_REJECT_DUPLICATES, &err), *o;
	const char *mark, *org, *have = json_string_value(json_object_get(s->doc, "org"));
	int status;

	*kept = 0;
	if (doc == NULL) {
		msg_at(from, (unsigned long)err.line, "not a state file of msi-extract: %s",
		    err.text);
		return MSI_EXIT_BADINPUT;
	}
	if ((status = check_doc(from, doc)) != 0)
		goto out;
	org = json_string_value(json_object_get(doc, "org"));
	o = json_object_get(json_object_get(doc, "objects"), s->object);
	mark = json_string_value(json_object_get(o, "mark"));
	if (mark == NULL) {
		msg_warn("%s: no mark of %s to commit", from, s->object);
		status = MSI_EXIT_BADINPUT;
	} else if (have[0] != '\0' && org[0] != '\0' && strcmp(org, have) != 0) {
		msg_warn(
		    "%s: the state of org %s, not of org %s, whose mark %s holds; use another "
		    "state file",
		    s->path, have, org, from);
		status = MSI_EXIT_USAGE;
	} else if (strcmp(mark, s->mark) < 0) {
		*kept = 1;
	} else {
		json_object_set_new(s->doc, "org", json_string(org));
		json_object_set(json_object_get(s->doc, "objects"), s->object, o);
		status = write_doc(s);
	}
out:
	json_decref(doc);
	return status;
}

/* The document written anew beside the file, synced, renamed over it. Returns 0 or an exit
 * status. */
static int
write_doc(struct sfstate *s)
{
	FILE *fp;

	if ((fp = statefile_begin(&s->file)) == NULL) {
		msg_syswarn("%s", s->file.tmp);
		return MSI_EXIT_IO;
	}
	if (json_dumpf(s->doc, fp, JSON_SORT_KEYS | JSON_COMPACT) != 0 ||
	    fputc('\n', fp) == EOF || fflush(fp) != 0) {
		msg_syswarn("%s", s->file.tmp);
		statefile_abort(&s->file);
		return MSI_EXIT_IO;
	}
	if (statefile_commit(&s->file) != 0) {
		msg_syswarn("%s", s->path);
		return MSI_EXIT_IO;
	}
	return 0;
}

void
sfstate_close(struct sfstate *s)
{
	if (s->path != NULL)
		statefile_close(&s->file);
	json_decref(s->doc);
	json_decref(s->at_mark);
	memset(s, 0, sizeof *s);
}
