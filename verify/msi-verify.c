/* msi-verify.c: a run read back from Marketo: the findings that would keep MSI blank. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "digest.h"
#include "ealloc.h"
#include "exitcode.h"
#include "finish.h"
#include "fshut.h"
#include "jsonbuf.h"
#include "mkclient.h"
#include "msg.h"
#include "progress.h"
#include "ndjson.h"
#include "numarg.h"
#include "objects.h"

#define MAX_IDS 300 /* filterValues a query takes */
#define ID_MAX  255 /* an external id or a role name in a state line */
/* A key: a role's is two ids and a role name of up to ID_MAX, and two slashes. */
#define KEY_SIZE       1024
#define STATE_LINE_MAX 65536 /* no line msi-load writes is longer */
#define OWNER          "externalSalesPersonId"

/* Long options without a letter. */
enum { OPT_STATS_JSON = 0x200 };

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
	CK_LEAD_ID,
	CHECKS
};

static const char *const check_names[CHECKS] = {"missing", "lead-company-link",
    "lead-salesperson-link", "company-salesperson-link", "opportunity-company-link",
    "opportunity-salesperson-link", "role-missing", "duplicate-lead", "salesperson-email",
    "lead-id"};

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
	/*
	 * --state-dir: every record the state says is in Marketo, key -> the
	 * digest of what landed, and for leads and roles key -> Marketo's lead
	 * id (a role's leadId) when the state has it: a key and a small value
	 * a record, for the whole state.
	 */
	const char *state_dir;
	json_t *state[MKTO_OBJECTS], *state_id[MKTO_OBJECTS];
	unsigned long read[MKTO_OBJECTS], not_landed[MKTO_OBJECTS], calls[MKTO_OBJECTS];
	unsigned long unchanged[MKTO_OBJECTS]; /* checked as the state says they landed */
	unsigned long findings[CHECKS], total;
	long sample, seed;
	unsigned long persons;  /* to draw the sample from */
	int stop;               /* MSI_EXIT_IO once stdout fails */
	int files;              /* --files: the operands are files, not a run folder */
	const char *stats_file; /* --stats-json, or NULL */
};

/* What a query's records are filed by (query_chunk, found). */
struct found_ctx {
	struct verify *v;
	enum mkto_object o;
	const char *filter;
};

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-verify [-hV] [--own-window] [--progress] [--no-progress]\n"
	      "                  [--progress-fd fd] [-c concurrency]\n"
	      "                  [-C config] [-m max-retries] [-n calls-per-window]\n"
	      "                  [--sample n] [--seed n] [-S state-dir] [--stats-json file]\n"
	      "                  [-t timeout] [-w window] [--window-dir dir] run-dir\n"
	      "       msi-verify [options] --files file ...\n",
	    fp);
	if (status == MSI_EXIT_OK)
		fputs(
		    "\n"
		    "      --own-window         a window for this process alone (tests)\n" PROGRESS_HELP
		    "  -c, --concurrency n      calls in flight at once, this machine's (default 8)\n"
		    "  -C, --config config      read the connection settings from config\n"
		    "      --files              the arguments are sent files, OBJECT.mkto.ndjson\n"
		    "  -h, --help               print this help and exit\n"
		    "  -m, --max-retries n      times a failed call is sent again (default 5)\n"
		    "  -n, --calls-per-window n  calls started a window, this machine's (default 80)\n"
		    "      --sample n           check n persons drawn at random and their links\n"
		    "      --seed n             the seed of the draw (default 1)\n"
		    "  -S, --state-dir dir      check what the state folder says is in Marketo too\n"
		    "      --stats-json file    write the counts to file as JSON at the end\n"
		    "  -t, --timeout seconds    seconds a call may take (default 60)\n"
		    "  -V, --version            print the version and exit\n"
		    "  -w, --window seconds     the window, in seconds (default 20)\n"
		    "      --window-dir dir     the folder of the shared window files\n"
		    "\nSee msi-verify(1).\n",
		    fp);
	usage_exit(status);
}

static int
is_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", path);
	return S_ISDIR(st.st_mode);
}

/*
 * The key of a sent record or a state line, into key: mkto_record_key's,
 * its external id or a role's opportunity/person/role. -1 when an id of
 * it is missing or empty.
 */
static int
record_key(enum mkto_object o, json_t *rec, char *key, size_t size)
{
	json_t *k;

	if (!mkto_record_key_whole(o, rec))
		return -1;
	k = mkto_record_key(o, rec, NULL);
	snprintf(key, size, "%s", json_string_value(k));
	json_decref(k);
	return 0;
}

/*
 * The parts of a role's key, opportunity/person/role, into buf: the two ids
 * hold no slash (read_state refuses them), the role name may.
 */
static void
role_parts(
    const char *key, char buf[KEY_SIZE], const char **opp, const char **pid, const char **name)
{
	char *p;

	snprintf(buf, KEY_SIZE, "%s", key);
	*opp = buf;
	*pid = *name = "";
	if ((p = strchr(buf, '/')) == NULL)
		return;
	*p++ = '\0';
	*pid = p;
	if ((p = strchr(p, '/')) == NULL)
		return;
	*p++ = '\0';
	*name = p;
}

/* What read_state's lines go through. */
struct state_file {
	struct verify *v;
	const char *path;
	enum mkto_object o;
	unsigned long line;
	int header; /* its header line was read */
};

/*
 * An external id as msi-transform sends it: 1 to ID_MAX bytes, none a
 * control character, nor a comma (a query's filterValues would split it)
 * nor a slash (a role's key would).
 */
static int
good_id(json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v), i;

	if (s == NULL || n == 0 || n > ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == ',' || s[i] == '/')
			return 0;
	return 1;
}

/* The first line: the state must be msi-load's of this object and of this instance. */
static int
state_header(struct state_file *f, json_t *line)
{
	const char *what = json_string_value(json_object_get(line, "msi-load"));
	const char *obj = json_string_value(json_object_get(line, "object"));
	const char *inst = json_string_value(json_object_get(line, "instance"));
	const char *want = mkto_objects[f->o].name, *here = f->v->mk.conf.base_url;

	if (what == NULL || strcmp(what, "changed-only") != 0) {
		msg_at(f->path, f->line, "not the header of an msi-load --changed-only state");
		return MSI_EXIT_BADINPUT;
	}
	if (obj == NULL || strcmp(obj, want) != 0) {
		msg_at(f->path, f->line,
		    "the state of %s, not of %s: each OBJECT.landed file is msi-load's state "
		    "of that object",
		    obj ? obj : "no object", want);
		return MSI_EXIT_USAGE;
	}
	if (inst == NULL || strcmp(inst, here) != 0) {
		msg_at(f->path, f->line,
		    "the state of the Marketo instance %s, not of %s, which msi-verify asks: "
		    "give the state folder of this instance",
		    inst ? inst : "(none)", here);
		return MSI_EXIT_USAGE;
	}
	f->header = 1;
	return 0;
}

/*
 * One line of a state file, as landed.c in msi-load writes it, read as
 * hostile: after the header, a record known to be in Marketo (its key, a
 * lead's id or a role's leadId, the digest of what landed) or a key gone.
 * A later line of a key replaces an earlier one. Returns 0, or an exit
 * status after a message naming the line.
 */
static int
state_take(struct state_file *f, json_t *line)
{
	const struct mkto_def *d = &mkto_objects[f->o];
	struct verify *v = f->v;
	json_t *gone = json_object_get(line, "gone"), *digest = json_object_get(line, "digest");
	json_t *role = json_object_get(line, "role"), *id;
	const char *id_name = f->o == MKTO_ROLE ? "leadId" : "id", *bad = NULL;
	char key[KEY_SIZE];

	if (json_object_get(line, "msi-load") != NULL)
		return state_header(f, line);
	if (!f->header) {
		msg_at(f->path, f->line,
		    "no header line first: not a state msi-load --changed-only wrote");
		return MSI_EXIT_BADINPUT;
	}
	id = f->o == MKTO_LEAD || f->o == MKTO_ROLE ? json_object_get(line, id_name) : NULL;
	if (d->id_field != NULL && !good_id(json_object_get(line, d->id_field)))
		bad = d->id_field;
	else if (d->id_field == NULL &&
	         !good_id(json_object_get(line, "externalOpportunityId")))
		bad = "externalOpportunityId";
	else if (d->id_field == NULL && !good_id(json_object_get(line, "externalPersonId")))
		bad = "externalPersonId";
	if (bad != NULL) {
		msg_at(f->path, f->line,
		    "no %s of 1 to %d bytes, none a comma, a slash or a control character", bad,
		    ID_MAX);
		return MSI_EXIT_BADINPUT;
	}
	if (d->id_field == NULL && !json_is_null(role) && role != NULL &&
	    (!json_is_string(role) || json_string_length(role) > ID_MAX)) {
		msg_at(f->path, f->line, "role is not a string of at most %d bytes", ID_MAX);
		return MSI_EXIT_BADINPUT;
	}
	if (gone != NULL && !json_is_boolean(gone)) {
		msg_at(f->path, f->line, "gone is not true or false");
		return MSI_EXIT_BADINPUT;
	}
	record_key(f->o, line, key, sizeof key);
	if (json_is_true(gone)) {
		json_object_del(v->state[f->o], key);
		json_object_del(v->state_id[f->o], key);
		return 0;
	}
	if (!json_is_integer(digest) || json_integer_value(digest) < 0) {
		msg_at(f->path, f->line, "no digest (a whole number, 0 or more)");
		return MSI_EXIT_BADINPUT;
	}
	if (id != NULL && !json_is_null(id) &&
	    (!json_is_integer(id) || json_integer_value(id) <= 0)) {
		msg_at(f->path, f->line, "%s is not a Marketo lead id (a whole number above 0)",
		    id_name);
		return MSI_EXIT_BADINPUT;
	}
	json_object_set(v->state[f->o], key, digest);
	if (json_is_integer(id))
		json_object_set(v->state_id[f->o], key, id);
	else
		json_object_del(v->state_id[f->o], key);
	return 0;
}

/*
 * Reads one line into buf (size bytes, the line end dropped): 1, or 0 at
 * the end, -1 for a line longer than buf, -2 for a last line without its
 * line end. Memory stays bounded whatever the file holds.
 */
static int
state_getline(FILE *fp, char *buf, size_t size, size_t *len)
{
	size_t n = 0;
	int ch;

	while ((ch = getc_unlocked(fp)) != EOF) {
		if (ch == '\n') {
			*len = n;
			return 1;
		}
		if (n + 1 >= size)
			return -1;
		buf[n++] = (char)ch;
	}
	*len = n;
	return n == 0 ? 0 : -2;
}

/* Reads path, one object's state, if there is one (else returns 0); a bad one ends the run. */
static int
read_state_file(struct verify *v, const char *path, enum mkto_object o)
{
	static char buf[STATE_LINE_MAX];
	struct state_file f = {v, path, o, 0, 0};
	json_error_t err;
	struct stat sb;
	json_t *line;
	size_t len;
	int fd, got, status = 0;
	FILE *fp;

	/* the state's own file, as msi-load opens it: a symbolic link is not followed */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		msg_sysfatal(MSI_EXIT_IO, "%s", path);
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
		msg_fatal(MSI_EXIT_IO, "%s: not a regular file", path);
	if ((fp = fdopen(fd, "r")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", path);
	while (status == 0 && (got = state_getline(fp, buf, sizeof buf, &len)) != 0) {
		f.line++;
		if (got == -2) {
			/* msi-load killed while appending: it sends that record again */
			msg_warn("%s:%lu: a line cut short (a run killed while writing it) is "
			         "dropped",
			    path, f.line);
			break;
		}
		if (got == -1) {
			msg_at(path, f.line, "a line over %zu bytes: not one msi-load writes",
			    sizeof buf - 1);
			status = MSI_EXIT_BADINPUT;
			break;
		}
		line = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
		if (line == NULL)
			msg_at(path, f.line, "invalid JSON at column %d: %s", err.column,
			    err.text);
		else if (!json_is_object(line))
			msg_at(path, f.line, "expected a JSON object");
		status = json_is_object(line) ? state_take(&f, line) : MSI_EXIT_BADINPUT;
		json_decref(line);
	}
	if (status == 0 && ferror(fp))
		msg_sysfatal(MSI_EXIT_IO, "%s", path);
	fclose(fp);
	if (status != 0)
		exit(status);
	return 1;
}

/* --state-dir: what the state folder of msi-sync -S says is in Marketo. */
static void
read_state(struct verify *v, const char *dir)
{
	char path[4096];
	int i, any = 0;

	if (!is_dir(dir))
		msg_fatal(
		    MSI_EXIT_USAGE, "%s: not a folder (the state folder of msi-sync -S)", dir);
	for (i = 0; i < SF_OBJECTS; i++) {
		snprintf(path, sizeof path, "%s/%s.landed", dir, sf_objects[i].name);
		any |= read_state_file(v, path, sf_objects[i].mkto);
	}
	if (!any)
		msg_fatal(MSI_EXIT_BADINPUT,
		    "%s: no OBJECT.landed file: not a state folder of msi-sync -S", dir);
}

/*
 * Whether the state says rec landed as it is: its digest is that of rec,
 * or of rec without its sales person (it landed unlinked, and is checked
 * as such a record with a result line is).
 */
static int
state_same(struct verify *v, enum mkto_object o, const char *key, json_t *rec)
{
	json_t *d = json_object_get(v->state[o], key), *bare;
	json_int_t want;
	int same;

	if (d == NULL)
		return 0;
	want = json_integer_value(d);
	if (digest_of(rec) == want)
		return 1;
	if (json_object_get(rec, OWNER) == NULL)
		return 0;
	bare = json_copy(rec);
	json_object_del(bare, OWNER);
	same = digest_of(bare) == want;
	json_decref(bare);
	return same;
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
	char line[32], key[KEY_SIZE];

	if (record_key(f->o, rec, key, sizeof key) != 0) {
		msg_at(f->path, lineno, "no %s",
		    f->o == MKTO_ROLE ? "externalOpportunityId and externalPersonId"
		                      : mkto_objects[f->o].id_field);
		return MSI_EXIT_BADINPUT;
	}
	v->read[f->o]++;
	snprintf(line, sizeof line, "%lu", lineno);
	if (f->landed != NULL && json_object_get(f->landed, line) == NULL) {
		/* not sent (--changed-only), or did not land: the state may know it */
		if (!state_same(v, f->o, key, rec)) {
			v->not_landed[f->o]++; /* msi-load did not land it: not a finding */
			return 0;
		}
		v->unchanged[f->o]++;
	}
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

	json_object_foreach_safe (table, tmp, key, rec) {
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

/* Whether key of object o is checked from the state alone: the run did not send it as it
 * landed. */
static int
state_only(struct verify *v, enum mkto_object o, const char *key)
{
	return json_object_get(v->sent[o], key) == NULL;
}

/* How many records of o are checked from the state alone. */
static size_t
state_only_count(struct verify *v, enum mkto_object o)
{
	const char *key;
	json_t *val;
	size_t n = 0;

	json_object_foreach (v->state[o], key, val)
		n += state_only(v, o, key);
	return n;
}

/*
 * --sample: N persons drawn with the seed (a partial Fisher-Yates shuffle
 * of the persons in file order, then those known from the state alone in
 * its order), and what they link to: their companies and sales persons,
 * their roles, those roles' opportunities, and the companies and sales
 * persons of those. Everything else sent or known is left out of the check.
 */
static void
draw_sample(struct verify *v)
{
	json_t *keep[MKTO_OBJECTS], *rec;
	const char *key, *pid, *opp, *name, **ids;
	uint64_t state = (uint64_t)v->seed;
	size_t n, i = 0, j, want;
	char parts[KEY_SIZE];
	int o;

	for (o = 0; o < MKTO_OBJECTS; o++)
		keep[o] = json_object();
	n = json_object_size(v->sent[MKTO_LEAD]) + state_only_count(v, MKTO_LEAD);
	v->persons = n;
	ids = ecalloc(n + 1, sizeof *ids);
	json_object_foreach (v->sent[MKTO_LEAD], key, rec)
		ids[i++] = key;
	json_object_foreach (v->state[MKTO_LEAD], key, rec) {
		if (state_only(v, MKTO_LEAD, key))
			ids[i++] = key;
	}
	want = (size_t)v->sample < n ? (size_t)v->sample : n;
	for (i = 0; i < want; i++) {
		j = i + (size_t)(next_random(&state) % (n - i));
		key = ids[j];
		ids[j] = ids[i];
		ids[i] = key;
		mark(keep[MKTO_LEAD], key);
	}
	json_object_foreach (v->sent[MKTO_ROLE], key, rec) {
		pid = str(rec, "externalPersonId");
		if (pid != NULL && json_object_get(keep[MKTO_LEAD], pid) != NULL) {
			mark(keep[MKTO_ROLE], key);
			mark(keep[MKTO_OPPORTUNITY], str(rec, "externalOpportunityId"));
		}
	}
	json_object_foreach (v->state[MKTO_ROLE], key, rec) {
		role_parts(key, parts, &opp, &pid, &name);
		if (json_object_get(keep[MKTO_LEAD], pid) != NULL) {
			mark(keep[MKTO_ROLE], key);
			mark(keep[MKTO_OPPORTUNITY], opp);
		}
	}
	for (o = MKTO_LEAD; o <= MKTO_ROLE; o++) {
		keep_only(v->sent[o], keep[o]);
		keep_only(v->state[o], keep[o]);
	}
	for (o = MKTO_LEAD; o <= MKTO_OPPORTUNITY; o += MKTO_OPPORTUNITY - MKTO_LEAD) {
		json_object_foreach (v->sent[o], key, rec) {
			mark(keep[MKTO_COMPANY], str(rec, "externalCompanyId"));
			mark(keep[MKTO_SALESPERSON], str(rec, "externalSalesPersonId"));
		}
	}
	keep_only(v->sent[MKTO_COMPANY], keep[MKTO_COMPANY]);
	keep_only(v->state[MKTO_COMPANY], keep[MKTO_COMPANY]);
	json_object_foreach (v->sent[MKTO_COMPANY], key, rec)
		mark(keep[MKTO_SALESPERSON], str(rec, "externalSalesPersonId"));
	keep_only(v->sent[MKTO_SALESPERSON], keep[MKTO_SALESPERSON]);
	keep_only(v->state[MKTO_SALESPERSON], keep[MKTO_SALESPERSON]);
	for (o = 0; o < MKTO_OBJECTS; o++)
		json_decref(keep[o]);
	free(ids);
}

/* One record a query found, filed under the id it was asked by. */
static void
found(void *ctx, json_t *rec)
{
	struct found_ctx *f = ctx;
	const char *id;
	json_t *list;

	if ((id = str(rec, f->filter)) == NULL)
		return;
	if ((list = json_object_get(f->v->found[f->o], id)) == NULL)
		json_object_set_new(f->v->found[f->o], id, list = json_array());
	json_array_append(list, rec);
}

/* Asks Marketo for up to 300 ids of one object (mkclient_query). Returns 0, or -1. */
static int
query_chunk(
    struct verify *v, enum mkto_object o, const char *filter, const char **ids, size_t n)
{
	struct found_ctx f = {v, o, filter};
	unsigned long before = v->mk.calls;
	int status;

	status = mkclient_query(&v->mk, mkto_objects[o].label, mkto_objects[o].path, filter,
	    mkto_objects[o].links, ids, n, found, &f);
	v->calls[o] += v->mk.calls - before;
	return status;
}

/* Asks for every id of v->asked[o], 300 a call. */
static int
query(struct verify *v, enum mkto_object o, const char *filter)
{
	const char *ids[MAX_IDS], *key;
	json_t *val;
	size_t n = 0;

	json_object_foreach (v->asked[o], key, val) {
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

/* The state file a key of o is kept in, as a hint names it: a lead's by its id's prefix. */
static void
state_file(enum mkto_object o, const char *key, char *buf, size_t size)
{
	const struct sf_def *sf = o == MKTO_LEAD ? sf_by_prefix(key) : NULL;
	int i;

	if (o == MKTO_LEAD && (sf == NULL || sf->mkto != MKTO_LEAD)) {
		snprintf(buf, size, "Lead.landed or Contact.landed");
		return;
	}
	for (i = 0; sf == NULL && i < SF_OBJECTS; i++)
		if (sf_objects[i].mkto == o)
			sf = &sf_objects[i];
	snprintf(buf, size, "%s.landed", sf->name);
}

/*
 * What sends a record to Marketo again, for a hint: plain without a state;
 * with one, msi-sync sends only what changed since the record landed, so
 * its line must leave the state first (and an incremental extract must
 * read it again).
 */
static const char *
resend(struct verify *v, enum mkto_object o, const char *key, const char *plain, char *buf,
    size_t size)
{
	char file[64];

	if (v->state_dir == NULL)
		return plain;
	state_file(o, key, file, sizeof file);
	snprintf(buf, size,
	    "msi-sync sends it again only once its line is gone from %s in the state folder: "
	    "remove that line, then run msi-sync (with --full-extract when it reads from "
	    "Salesforce)",
	    file);
	return buf;
}

/*
 * A link of a record found in Marketo: the id it was sent with must be the
 * id Marketo holds, and that id must name a record Marketo has. Of a record
 * known from the state alone (sent NULL) only the second can be checked.
 */
static void
check_link(struct verify *v, enum mkto_object o, const char *key, json_t *sent, json_t *got,
    const char *field, enum mkto_object target, enum check ck)
{
	const char *want = str(sent ? sent : got, field), *have = str(got, field);
	char hint[1024], again[512];

	if ((want == NULL) != (have == NULL) || (want != NULL && strcmp(want, have) != 0)) {
		snprintf(hint, sizeof hint,
		    "Marketo's %s has %s %s, the run sent %s: %s; if it stays, look for another "
		    "integration writing %s",
		    mkto_objects[o].label, field, have ? have : "empty", want ? want : "none",
		    resend(v, o, key,
		        "run the sync again for this record (msi-sync resends it)", again,
		        sizeof again),
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

/* A record sent tonight (rec), or known from the state alone, that Marketo does not have. */
static void
check_missing(struct verify *v, enum mkto_object o, const char *key, json_t *rec)
{
	char hint[1024], again[512];

	snprintf(hint, sizeof hint,
	    "the %s %s but Marketo has none with %s %s: was it deleted or merged in Marketo? %s",
	    mkto_objects[o].label,
	    rec != NULL ? "was sent and landed"
	                : "landed in an earlier run, as the state says,",
	    mkto_objects[o].id_field, key,
	    resend(v, o, key, "run msi-sync again to send it", again, sizeof again));
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

/*
 * The checks of one record of an object: rec is what the run sent, or NULL
 * for a record known from the state alone (its key, and a lead's id or a
 * role's leadId), which is checked as far as that allows.
 */
typedef void check_fn(struct verify *v, const char *key, json_t *rec);

static void
check_salesperson(struct verify *v, const char *key, json_t *rec)
{
	const char *want, *have;
	char a[512], b[512];
	json_t *got;

	if ((got = found_one(v, MKTO_SALESPERSON, key)) == NULL) {
		check_missing(v, MKTO_SALESPERSON, key, rec);
		return;
	}
	if (rec == NULL)
		return; /* the state has no email */
	want = str(rec, "email");
	have = str(got, "email");
	email_norm(want ? want : "", a, sizeof a);
	email_norm(have ? have : "", b, sizeof b);
	if (strcmp(a, b) != 0)
		finding(v, MKTO_SALESPERSON, key, CK_SALESPERSON_EMAIL, str_or_null(want),
		    str_or_null(have),
		    "MSI matches the Salesforce user by this email: set the sales "
		    "person's email in Marketo to the user's (or run msi-sync again)");
}

static void
check_company(struct verify *v, const char *key, json_t *rec)
{
	json_t *got;

	if ((got = found_one(v, MKTO_COMPANY, key)) == NULL)
		check_missing(v, MKTO_COMPANY, key, rec);
	else
		check_link(v, MKTO_COMPANY, key, rec, got, "externalSalesPersonId",
		    MKTO_SALESPERSON, CK_COMPANY_SALESPERSON);
}

/*
 * The Marketo id the state has for a lead, which msi-load's roles and
 * deletes name it by, must be that of a lead Marketo has for the person.
 */
static void
check_lead_id(struct verify *v, const char *key, json_t *list)
{
	json_t *want = json_object_get(v->state_id[MKTO_LEAD], key), *lead, *ids;
	char hint[1024], file[64];
	size_t i;

	if (want == NULL)
		return;
	json_array_foreach (list, i, lead) {
		if (json_equal(json_object_get(lead, "id"), want))
			return;
	}
	ids = json_array();
	json_array_foreach (list, i, lead)
		json_array_append(ids, json_object_get(lead, "id"));
	state_file(MKTO_LEAD, key, file, sizeof file);
	snprintf(hint, sizeof hint,
	    "Marketo's lead for this person is not the one that landed (id %" JSON_INTEGER_FORMAT
	    "): it was merged, or deleted and made again, in Marketo, and the person's roles "
	    "name the old one: remove the person's lines from %s and "
	    "OpportunityContactRole.landed in the state folder, then run msi-sync (with "
	    "--full-extract when it reads from Salesforce)",
	    json_integer_value(want), file);
	finding(v, MKTO_LEAD, key, CK_LEAD_ID, json_incref(want), ids, hint);
}

static void
check_lead(struct verify *v, const char *key, json_t *rec)
{
	json_t *list = json_object_get(v->found[MKTO_LEAD], key), *ids;
	size_t i;

	if (json_array_size(list) == 0) {
		check_missing(v, MKTO_LEAD, key, rec);
		return;
	}
	if (json_array_size(list) > 1) {
		ids = json_array();
		for (i = 0; i < json_array_size(list); i++)
			json_array_append(ids, json_object_get(json_array_get(list, i), "id"));
		finding(v, MKTO_LEAD, key, CK_DUPLICATE_LEAD, json_integer(1), ids,
		    "several Marketo leads have this externalPersonId: merge them in "
		    "Marketo (keep the one with the activity); MSI shows one at random");
	}
	check_link(v, MKTO_LEAD, key, rec, json_array_get(list, 0), "externalCompanyId",
	    MKTO_COMPANY, CK_LEAD_COMPANY);
	check_link(v, MKTO_LEAD, key, rec, json_array_get(list, 0), "externalSalesPersonId",
	    MKTO_SALESPERSON, CK_LEAD_SALESPERSON);
	check_lead_id(v, key, list);
}

static void
check_opportunity(struct verify *v, const char *key, json_t *rec)
{
	json_t *got;

	if ((got = found_one(v, MKTO_OPPORTUNITY, key)) == NULL) {
		check_missing(v, MKTO_OPPORTUNITY, key, rec);
		return;
	}
	check_link(v, MKTO_OPPORTUNITY, key, rec, got, "externalCompanyId", MKTO_COMPANY,
	    CK_OPPORTUNITY_COMPANY);
	check_link(v, MKTO_OPPORTUNITY, key, rec, got, "externalSalesPersonId",
	    MKTO_SALESPERSON, CK_OPPORTUNITY_SALESPERSON);
}

/*
 * A role is on its opportunity when Marketo's roles of that opportunity
 * hold one with the leadId of the person's lead (any of them, when there
 * are several) and the same role name. The finding's found is the roles
 * Marketo has on the opportunity, as leadId/role; a role known from the
 * state alone is expected as its state line says. A role still on the
 * leadId the state has, which is not the person's lead now, went to a lead
 * that was merged or made again.
 */
static void
check_role(struct verify *v, const char *key, json_t *rec)
{
	const char *opp, *pid, *name, *have, *why;
	json_t *roles, *leads, *role, *lead, *have_list, *expected;
	json_t *old = json_object_get(v->state_id[MKTO_ROLE], key);
	char parts[KEY_SIZE], buf[320], hint[1024], again[512];
	size_t i, k;
	int on = 0, on_old = 0;

	if (rec != NULL) {
		opp = str(rec, "externalOpportunityId");
		pid = str(rec, "externalPersonId");
		name = str(rec, "role") ? str(rec, "role") : "";
	} else {
		role_parts(key, parts, &opp, &pid, &name);
	}
	roles = json_object_get(v->found[MKTO_ROLE], opp);
	leads = json_object_get(v->found[MKTO_LEAD], pid);
	json_array_foreach (roles, i, role) {
		have = str(role, "role") ? str(role, "role") : "";
		if (strcmp(have, name) != 0)
			continue;
		json_array_foreach (leads, k, lead) {
			if (json_equal(
			        json_object_get(role, "leadId"), json_object_get(lead, "id")))
				on = 1;
		}
		if (old != NULL && json_equal(json_object_get(role, "leadId"), old))
			on_old = 1;
	}
	if (on)
		return;
	have_list = json_array();
	json_array_foreach (roles, i, role) {
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT "/%s",
		    json_integer_value(json_object_get(role, "leadId")),
		    str(role, "role") ? str(role, "role") : "");
		json_array_append_new(have_list, json_string(buf));
	}
	if (rec != NULL) {
		expected = json_copy(rec);
	} else {
		expected = json_pack("{s:s, s:s, s:s}", "externalOpportunityId", opp,
		    "externalPersonId", pid, "role", name);
		if (old != NULL)
			json_object_set(expected, "leadId", old);
	}
	if (json_array_size(leads) == 0) {
		why =
		    "the role's person is not a lead in Marketo: sync the Contact, then the role "
		    "(msi-sync)";
	} else if (found_one(v, MKTO_OPPORTUNITY, opp) == NULL) {
		why =
		    "the role's opportunity is not in Marketo: sync the Opportunity, then the "
		    "role (msi-sync)";
	} else {
		snprintf(hint, sizeof hint, "%s: %s",
		    on_old
		        ? "the role is on the lead that landed, which is no longer the person's "
		          "lead in Marketo (merged, or deleted and made again)"
		        : "the opportunity has no such role for the person's lead",
		    resend(v, MKTO_ROLE, key, "run msi-sync again to resend it", again,
		        sizeof again));
		why = hint;
	}
	finding(v, MKTO_ROLE, key, CK_ROLE_MISSING, expected, have_list, why);
}

/* Runs check on each record of o: those the run sent, then those known from the state alone. */
static void
check_each(struct verify *v, enum mkto_object o, check_fn *check)
{
	const char *key;
	json_t *rec;

	json_object_foreach (v->sent[o], key, rec)
		check(v, key, rec);
	json_object_foreach (v->state[o], key, rec) {
		if (state_only(v, o, key))
			check(v, key, NULL);
	}
}

/* Ids the checks need to see in Marketo: what was sent, and what the found records name. */
static void
plan_links(struct verify *v, enum mkto_object from, int sent)
{
	json_t *table = sent ? v->sent[from] : v->found[from], *rec, *list;
	const char *key;
	size_t i;

	json_object_foreach (table, key, list) {
		if (sent) {
			mark(v->asked[MKTO_COMPANY], str(list, "externalCompanyId"));
			mark(v->asked[MKTO_SALESPERSON], str(list, "externalSalesPersonId"));
			continue;
		}
		json_array_foreach (list, i, rec) {
			mark(v->asked[MKTO_COMPANY], str(rec, "externalCompanyId"));
			mark(v->asked[MKTO_SALESPERSON], str(rec, "externalSalesPersonId"));
		}
	}
}

/*
 * Reads Marketo back: leads (the persons sent or known from the state, and
 * those the roles name), opportunities (sent or known, and named by roles),
 * the roles of the opportunities of the roles, then companies and sales
 * persons: those sent or known and every one a sent or found record links
 * to, so that a dangling link is told from a missing record.
 */
static int
read_back(struct verify *v)
{
	const char *key, *opp, *pid, *name;
	char parts[KEY_SIZE];
	json_t *rec;
	int o;

	for (o = 0; o < MKTO_OBJECTS; o++) {
		if (mkto_objects[o].id_field == NULL)
			continue;
		json_object_foreach (v->sent[o], key, rec)
			mark(v->asked[o], key);
		json_object_foreach (v->state[o], key, rec)
			mark(v->asked[o], key);
	}
	json_object_foreach (v->sent[MKTO_ROLE], key, rec) {
		mark(v->asked[MKTO_LEAD], str(rec, "externalPersonId"));
		mark(v->asked[MKTO_OPPORTUNITY], str(rec, "externalOpportunityId"));
		mark(v->asked[MKTO_ROLE], str(rec, "externalOpportunityId"));
	}
	json_object_foreach (v->state[MKTO_ROLE], key, rec) {
		role_parts(key, parts, &opp, &pid, &name);
		mark(v->asked[MKTO_LEAD], pid);
		mark(v->asked[MKTO_OPPORTUNITY], opp);
		mark(v->asked[MKTO_ROLE], opp);
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

/* The summary on stderr: the findings of each check, what each object read and asked. */
static void
table(void *ctx, int status)
{
	struct verify *v = ctx;
	FILE *fp = stderr;
	int i;

	(void)status;
	fprintf(fp, "%-30s %8s\n", "check", "findings");
	for (i = 0; i < CHECKS; i++)
		fprintf(fp, "%-30s %8lu\n", check_names[i], v->findings[i]);
	fprintf(fp, "%-30s %8lu\n", "all", v->total);
	fprintf(fp, "%-16s %8s %8s %9s %8s %8s %8s %8s\n", "object", "read", "skipped",
	    "unchanged", "checked", "state", "asked", "calls");
	for (i = 0; i < MKTO_OBJECTS; i++)
		fprintf(fp, "%-16s %8lu %8lu %9lu %8zu %8zu %8zu %8lu\n", mkto_objects[i].name,
		    v->read[i], v->not_landed[i], v->unchanged[i], json_object_size(v->sent[i]),
		    state_only_count(v, i), json_object_size(v->asked[i]), v->calls[i]);
	if (v->sample >= 0)
		fprintf(fp, "sample: %zu of %lu persons (seed %ld)\n",
		    json_object_size(v->sent[MKTO_LEAD]) + state_only_count(v, MKTO_LEAD),
		    v->persons, v->seed);
	fprintf(fp, "%s: ", msg_prog);
	mkclient_summary(&v->mk, fp);
	fputc('\n', fp);
}

/* --stats-json's counts: a new reference (finish_run adds the status). */
static json_t *
counts(void *ctx, int status)
{
	struct verify *v = ctx;
	json_t *s = json_object(), *checks = json_object(), *objs = json_object(), *o;
	int i;

	(void)status;
	for (i = 0; i < CHECKS; i++)
		json_object_set_new(
		    checks, check_names[i], json_integer((json_int_t)v->findings[i]));
	for (i = 0; i < MKTO_OBJECTS; i++) {
		o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "read",
		    (json_int_t)v->read[i], "not_landed", (json_int_t)v->not_landed[i],
		    "unchanged", (json_int_t)v->unchanged[i], "checked",
		    (json_int_t)json_object_size(v->sent[i]), "from_state",
		    (json_int_t)state_only_count(v, i), "asked",
		    (json_int_t)json_object_size(v->asked[i]), "calls",
		    (json_int_t)v->calls[i]);
		json_object_set_new(objs, mkto_objects[i].name, o);
	}
	json_object_set_new(s, "tool", json_string("msi-verify"));
	json_object_set_new(s, "findings", json_integer((json_int_t)v->total));
	json_object_set_new(s, "checks", checks);
	json_object_set_new(s, "objects", objs);
	json_object_set_new(s, "state", json_boolean(v->state_dir != NULL));
	json_object_set_new(s, "sample",
	    v->sample >= 0 ? json_integer((json_int_t)(json_object_size(v->sent[MKTO_LEAD]) +
	                                               state_only_count(v, MKTO_LEAD)))
	                   : json_null());
	if (v->sample >= 0) {
		json_t *ids = json_array(), *rec;
		const char *key;

		json_object_foreach (v->sent[MKTO_LEAD], key, rec)
			json_array_append_new(ids, json_string(key));
		json_object_foreach (v->state[MKTO_LEAD], key, rec) {
			if (state_only(v, MKTO_LEAD, key))
				json_array_append_new(ids, json_string(key));
		}
		json_object_set_new(s, "sample_persons", ids);
	}
	mkclient_stats(&v->mk, s);
	json_object_set_new(s, "stopped", json_boolean(mkclient_status(&v->mk) != 0));
	return s;
}

/*
 * The options, then the operands' checks: one run folder, or with --files
 * one file or more. Returns the index of the first operand.
 */
static int
parse_options(struct verify *v, struct mkopts *mo, int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"files", no_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {"sample", required_argument, NULL, 'P'},
	    {"seed", required_argument, NULL, 'D'},
	    {"state-dir", required_argument, NULL, 'S'},
	    {"stats-json", required_argument, NULL, OPT_STATS_JSON},
	    {"version", no_argument, NULL, 'V'},
	    MKOPTS_LONG,
	    {NULL, 0, NULL, 0},
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hS:V" MKOPTS_SHORT, longopts, NULL)) != -1) {
		if (mkopts_parse(mo, ch, optarg, usage))
			continue;
		switch (ch) {
		case 'D': v->seed = numarg_or_usage(optarg, "--seed", 0, usage); break;
		case 'F': v->files = 1; break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'P': v->sample = numarg_or_usage(optarg, "--sample", 1, usage); break;
		case 'S': v->state_dir = optarg; break;
		case OPT_STATS_JSON: v->stats_file = optarg; break;
		case 'V': printf("msi-verify %s\n", MSI_VERSION); exit(MSI_EXIT_OK);
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	if (optind == argc) {
		msg_warn(v->files ? "--files needs at least one file" : "no run folder given");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (!v->files && argc - optind > 1) {
		msg_warn("one run folder (or --files file ...)");
		usage(stderr, MSI_EXIT_USAGE);
	}
	return optind;
}

/* The defaults, before the options change them, and the empty tables. */
static void
verify_init(struct verify *v, struct mkopts *mo)
{
	int i;

	mkopts_init(mo);
	v->sample = -1;
	v->seed = 1;
	for (i = 0; i < MKTO_OBJECTS; i++) {
		v->sent[i] = json_object();
		v->asked[i] = json_object();
		v->found[i] = json_object();
		v->state[i] = json_object();
		v->state_id[i] = json_object();
	}
}

/*
 * What is to be checked: the state first (a record the run did not send
 * is checked when the state says it landed as it is), then what the run
 * sent, then the sample drawn from it.
 */
static void
read_input(struct verify *v, char **operands, int n)
{
	int i;

	if (v->state_dir != NULL)
		read_state(v, v->state_dir);
	if (v->files)
		for (i = 0; i < n; i++)
			read_sent(v, operands[i]);
	else
		read_run(v, operands[0]);
	if (v->sample >= 0)
		draw_sample(v);
}

/* Reads Marketo back and runs the checks, each object's in the order MSI links them. */
static int
verify_run(struct verify *v)
{
	if (read_back(v) == 0) {
		check_each(v, MKTO_SALESPERSON, check_salesperson);
		check_each(v, MKTO_COMPANY, check_company);
		check_each(v, MKTO_LEAD, check_lead);
		check_each(v, MKTO_OPPORTUNITY, check_opportunity);
		check_each(v, MKTO_ROLE, check_role);
	}
	mkclient_progress(&v->mk, 1, v->mk.calls, "calls", "%lu calls", v->mk.calls);
	return mkclient_status(&v->mk) ? mkclient_status(&v->mk) : v->stop;
}

static void
verify_free(struct verify *v)
{
	int i;

	mkclient_free(&v->mk);
	for (i = 0; i < MKTO_OBJECTS; i++) {
		json_decref(v->sent[i]);
		json_decref(v->asked[i]);
		json_decref(v->found[i]);
		json_decref(v->state[i]);
		json_decref(v->state_id[i]);
	}
}

int
main(int argc, char *argv[])
{
	static struct verify v;
	char why[MKCONF_WHY_SIZE];
	struct mkopts mo;
	int first, status;

	msg_init(argv[0]);
	verify_init(&v, &mo);
	first = parse_options(&v, &mo, argc, argv);
	if (mkclient_init(&v.mk, &mo, why) != 0)
		msg_fatal(MSI_EXIT_USAGE, "%s", why);

	read_input(&v, argv + first, argc - first);
	status = verify_run(&v);

	/* a finding is a record set aside: status 1, with no message but the table */
	status = finish_run(
	    &(struct finish){NULL, NULL, v.total, NULL, v.stats_file, table, counts, &v},
	    status);
	verify_free(&v);
	return status;
}
