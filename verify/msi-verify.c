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
#include "keyfile.h"
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
	 * What the run sent and the state says landed, and what Marketo
	 * answered, kept on disk (keyfile.c) rather than in memory: sorted by
	 * key through sort(1) and merged key by key, so that memory does not
	 * grow with the run. state_in: key -> a state line, {"s": its place,
	 * "k": the key, "g": gone, or "d": digest and "i": lead id or null};
	 * sent_in: key -> a record sent, {"s", "k", "l": landed (or no results
	 * file), "r": the record}; check: key -> a record to check, {"t": its
	 * place in the output, "k", "i": the state's lead id or null, "r": the
	 * record sent, or null when it is known from the state alone}.
	 */
	struct keyfile state_in[MKTO_OBJECTS], sent_in[MKTO_OBJECTS], check[MKTO_OBJECTS];
	struct keyfile asked[MKTO_OBJECTS]; /* ids to ask Marketo for, each once once sorted */
	struct keyfile found[MKTO_OBJECTS]; /* id -> a Marketo record; roles by opportunity */
	struct keyfile
	    pending[MKTO_OBJECTS]; /* id -> a finding, if Marketo has no such record */
	struct keyfile out;        /* place -> a finding: stdout, in place order */
	const char *state_dir;
	unsigned long state_lines[MKTO_OBJECTS], sent_records[MKTO_OBJECTS];
	unsigned long read[MKTO_OBJECTS], not_landed[MKTO_OBJECTS], calls[MKTO_OBJECTS];
	unsigned long unchanged[MKTO_OBJECTS];  /* checked as the state says they landed */
	unsigned long checked[MKTO_OBJECTS];    /* of the run */
	unsigned long from_state[MKTO_OBJECTS]; /* from the state alone */
	unsigned long asked_count[MKTO_OBJECTS];
	unsigned long findings[CHECKS], total;
	long sample, seed;
	unsigned long persons;  /* to draw the sample from */
	json_t *sample_ids;     /* --sample: the persons drawn, in order (a few) */
	char place[32];         /* the record being checked: where its findings go out */
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
 * A later line of a key replaces an earlier one (build_checks). Returns 0,
 * or an exit status after a message naming the line.
 */
static int
state_take(struct state_file *f, json_t *line)
{
	const struct mkto_def *d = &mkto_objects[f->o];
	struct verify *v = f->v;
	json_t *gone = json_object_get(line, "gone"), *digest = json_object_get(line, "digest");
	json_t *role = json_object_get(line, "role"), *id, *kept;
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
		kept = json_pack("{s:I, s:s, s:b}", "s", (json_int_t)++v->state_lines[f->o],
		    "k", key, "g", 1);
		keyfile_put_json(&v->state_in[f->o], key, kept);
		json_decref(kept);
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
	kept = json_pack("{s:I, s:s, s:O, s:O}", "s", (json_int_t)++v->state_lines[f->o], "k",
	    key, "d", digest, "i", json_is_integer(id) ? id : json_null());
	keyfile_put_json(&v->state_in[f->o], key, kept);
	json_decref(kept);
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
 * Whether the state's digest says rec landed as it is: it is that of rec,
 * or of rec without its sales person (it landed unlinked, and is checked
 * as such a record with a result line is).
 */
static int
state_same(json_t *digest, json_t *rec)
{
	json_int_t want;
	json_t *bare;
	int same;

	if (!json_is_integer(digest))
		return 0;
	want = json_integer_value(digest);
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

/* The lines of a sent file that landed, by its results file: a bit a line. */
struct landed {
	unsigned char *bits; /* NULL: no results file */
	unsigned long lines; /* the lines of the sent file, at most */
};

static int
add_landed(void *ctx, json_t *rec, unsigned long lineno)
{
	struct landed *l = ctx;
	const char *st = json_string_value(json_object_get(rec, "status"));
	json_int_t line = json_integer_value(json_object_get(rec, "line"));

	(void)lineno;
	if (line < 1 || (unsigned long)line > l->lines)
		return 0; /* names no line of the sent file */
	if (st != NULL && (strcmp(st, "created") == 0 || strcmp(st, "updated") == 0))
		l->bits[line / 8] |= (unsigned char)(1u << (line % 8));
	else /* a later line of a resumed run */
		l->bits[line / 8] &= (unsigned char)~(1u << (line % 8));
	return 0;
}

/* How many lines path holds, at most (0 when it cannot be read: ndjson_each says why). */
static unsigned long
count_lines(const char *path)
{
	static char buf[1 << 16];
	unsigned long lines = 1;
	size_t n, i;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	fclose(fp);
	return lines;
}

/* The lines of a results file that landed (created or updated), if there is such a file. */
static void
read_results(const char *path, const char *sent, struct landed *l)
{
	int status;

	l->bits = NULL;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return;
	l->lines = count_lines(sent);
	l->bits = ecalloc(l->lines / 8 + 1, 1);
	if ((status = ndjson_each(path, add_landed, l)) != 0)
		exit(status);
}

/* What read_sent's records go through. */
struct sent_file {
	struct verify *v;
	const char *path;
	enum mkto_object o;
	struct landed landed;
};

static int
add_sent(void *ctx, json_t *rec, unsigned long lineno)
{
	struct sent_file *f = ctx;
	struct verify *v = f->v;
	char key[KEY_SIZE];
	json_t *kept;
	int landed;

	if (record_key(f->o, rec, key, sizeof key) != 0) {
		msg_at(f->path, lineno, "no %s",
		    f->o == MKTO_ROLE ? "externalOpportunityId and externalPersonId"
		                      : mkto_objects[f->o].id_field);
		return MSI_EXIT_BADINPUT;
	}
	v->read[f->o]++;
	/* not landed: not sent (--changed-only), or did not land; the state may know it */
	landed =
	    f->landed.bits == NULL ||
	    (lineno <= f->landed.lines && (f->landed.bits[lineno / 8] >> (lineno % 8)) & 1);
	kept = json_pack("{s:I, s:s, s:b, s:O}", "s", (json_int_t)++v->sent_records[f->o], "k",
	    key, "l", landed, "r", rec);
	keyfile_put_json(&v->sent_in[f->o], key, kept);
	json_decref(kept);
	return 0;
}

/* Reads one Object.mkto.ndjson file; the results file beside it says what landed. */
static void
read_sent(struct verify *v, const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *dot = strstr(base, ".mkto.ndjson");
	const struct sf_def *sf = NULL;
	struct sent_file f = {v, path, MKTO_LEAD, {NULL, 0}};
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
	read_results(results, path, &f.landed);
	free(results);
	if ((status = ndjson_each(path, add_sent, &f)) != 0)
		exit(status);
	free(f.landed.bits);
}

/* A string member, or NULL when it is absent, null or empty. */
static const char *
str(json_t *rec, const char *field)
{
	const char *s = json_string_value(json_object_get(rec, field));

	return s != NULL && *s != '\0' ? s : NULL;
}

/* A record to check: its key, and the record sent (NULL: known from the state alone). */
static const char *
item_key(json_t *item)
{
	return json_string_value(json_object_get(item, "k"));
}

static json_t *
item_sent(json_t *item)
{
	json_t *rec = json_object_get(item, "r");

	return json_is_object(rec) ? rec : NULL;
}

/* The state's lead id of a record to check (a role's leadId), or NULL. */
static json_t *
item_state_id(json_t *item)
{
	json_t *id = json_object_get(item, "i");

	return json_is_integer(id) ? id : NULL;
}

/* A role's opportunity, person and role name: from the record sent, else from its key. */
static void
item_role(
    json_t *item, char parts[KEY_SIZE], const char **opp, const char **pid, const char **name)
{
	json_t *rec = item_sent(item);

	if (rec != NULL) {
		*opp = str(rec, "externalOpportunityId");
		*pid = str(rec, "externalPersonId");
		*name = str(rec, "role") ? str(rec, "role") : "";
	} else {
		role_parts(item_key(item), parts, opp, pid, name);
	}
}

/*
 * The lines of one key, of the state (states) and of the run (sents), made
 * the record to check, if there is one: the state's last line tells whether
 * it is in Marketo (a gone line takes it out; it is placed where it came in
 * last), the run's lines that landed, or that the state says landed as they
 * are, the record sent (the last, placed where the first is). A record the
 * run sent is checked in the run's order, then those known from the state
 * alone in the state's, as they were when the tables were held in memory.
 */
static void
check_one(struct verify *v, enum mkto_object o, json_t *states, json_t *sents)
{
	json_t *line, *digest = NULL, *id = NULL, *rec = NULL, *sent, *item;
	json_int_t place = 0, first = 0;
	const char *key = NULL;
	char t[32];
	int present = 0;
	size_t i;

	json_array_foreach (states, i, line) {
		key = item_key(line);
		if (json_is_true(json_object_get(line, "g"))) {
			present = 0;
			continue;
		}
		if (!present)
			place = json_integer_value(json_object_get(line, "s"));
		present = 1;
		digest = json_object_get(line, "d");
		id = json_object_get(line, "i");
	}
	json_array_foreach (sents, i, line) {
		key = item_key(line);
		sent = json_object_get(line, "r");
		if (!json_is_true(json_object_get(line, "l"))) {
			if (!present || !state_same(digest, sent)) {
				v->not_landed[o]++; /* msi-load did not land it: not a finding
				                     */
				continue;
			}
			v->unchanged[o]++;
		}
		if (rec == NULL)
			first = json_integer_value(json_object_get(line, "s"));
		rec = sent;
	}
	if (rec == NULL && !present)
		return;
	snprintf(t, sizeof t, "%c%012" JSON_INTEGER_FORMAT, rec != NULL ? '0' : '1',
	    rec != NULL ? first : place);
	item = json_pack("{s:s, s:s, s:O, s:O}", "t", t, "k", key, "i",
	    present && id != NULL ? id : json_null(), "r", rec != NULL ? rec : json_null());
	keyfile_put_json(&v->check[o], key, item);
	json_decref(item);
	if (rec != NULL)
		v->checked[o]++;
	else
		v->from_state[o]++;
}

/* The records of o to check: the state's and the run's lines merged key by key. */
static void
build_checks(struct verify *v, enum mkto_object o)
{
	struct keyfile *st = &v->state_in[o], *se = &v->sent_in[o];
	const char *a, *b;
	char *key;
	int more_a, more_b;

	keyfile_sort(st, 1);
	keyfile_sort(se, 1);
	for (;;) {
		more_a = keyfile_peek(st, &a);
		more_b = keyfile_peek(se, &b);
		if (!more_a && !more_b)
			break;
		key = estrdup(!more_b || (more_a && strcmp(a, b) < 0) ? a : b);
		check_one(v, o, keyfile_lookup(st, key), keyfile_lookup(se, key));
		free(key);
	}
	keyfile_close(st);
	keyfile_close(se);
	keyfile_rewind(&v->check[o]);
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
mark(json_t *set, const char *id)
{
	if (id != NULL)
		json_object_set_new(set, id, json_null());
}

/* What the partial shuffle of draw_sample holds at i: i, until a swap put another there. */
static size_t
shuffled(json_t *swaps, size_t i)
{
	char at[32];
	json_t *v;

	snprintf(at, sizeof at, "%zu", i);
	v = json_object_get(swaps, at);
	return v != NULL ? (size_t)json_integer_value(v) : i;
}

static void
shuffle_set(json_t *swaps, size_t i, size_t to)
{
	char at[32];

	snprintf(at, sizeof at, "%zu", i);
	json_object_set_new(swaps, at, json_integer((json_int_t)to));
}

/*
 * Whether a record to check of o stays in the sample; a kept one keeps
 * what it links to (keep, the sample's: it grows with the sample, not the
 * run).
 */
static int
sample_keeps(enum mkto_object o, json_t *item, json_t *keep[MKTO_OBJECTS])
{
	const char *opp, *pid, *name;
	char parts[KEY_SIZE];
	json_t *rec = item_sent(item);

	if (o == MKTO_ROLE) {
		item_role(item, parts, &opp, &pid, &name);
		if (pid == NULL || json_object_get(keep[MKTO_LEAD], pid) == NULL)
			return 0;
		mark(keep[MKTO_OPPORTUNITY], opp);
		return 1;
	}
	if (json_object_get(keep[o], item_key(item)) == NULL)
		return 0;
	if (rec != NULL && o != MKTO_SALESPERSON) {
		if (o != MKTO_COMPANY)
			mark(keep[MKTO_COMPANY], str(rec, "externalCompanyId"));
		mark(keep[MKTO_SALESPERSON], str(rec, "externalSalesPersonId"));
	}
	return 1;
}

/* The records to check of o rewritten with those the sample keeps. */
static void
sample_filter(struct verify *v, enum mkto_object o, json_t *keep[MKTO_OBJECTS])
{
	struct keyfile kept;
	json_t *item;

	keyfile_open(&kept, "the records to check");
	v->checked[o] = v->from_state[o] = 0;
	keyfile_rewind(&v->check[o]);
	while ((item = keyfile_take(&v->check[o])) != NULL) {
		if (sample_keeps(o, item, keep)) {
			keyfile_put_json(&kept, item_key(item), item);
			if (item_sent(item) != NULL)
				v->checked[o]++;
			else
				v->from_state[o]++;
		}
		json_decref(item);
	}
	keyfile_close(&v->check[o]);
	v->check[o] = kept;
	keyfile_rewind(&v->check[o]);
}

/*
 * --sample: N persons drawn with the seed (a partial Fisher-Yates shuffle
 * of the persons in their order: those the run sent in file order, then
 * those known from the state alone in its order), and what they link to:
 * their companies and sales persons, their roles, those roles'
 * opportunities, and the companies and sales persons of those. Everything
 * else sent or known is left out of the check. Memory: a bit a person, and
 * the sample.
 */
static void
draw_sample(struct verify *v)
{
	json_t *keep[MKTO_OBJECTS], *swaps = json_object(), *item;
	uint64_t state = (uint64_t)v->seed;
	size_t n, i, j, at, want;
	unsigned char *chosen;
	struct keyfile by_place;
	int o;

	for (o = 0; o < MKTO_OBJECTS; o++)
		keep[o] = json_object();
	n = v->checked[MKTO_LEAD] + v->from_state[MKTO_LEAD];
	v->persons = n;
	chosen = ecalloc(n / 8 + 1, 1);
	want = (size_t)v->sample < n ? (size_t)v->sample : n;
	for (i = 0; i < want; i++) {
		j = i + (size_t)(next_random(&state) % (n - i));
		at = shuffled(swaps, j);
		shuffle_set(swaps, j, shuffled(swaps, i));
		chosen[at / 8] |= (unsigned char)(1u << (at % 8));
	}
	json_decref(swaps);
	/* the persons in their order: the place of each, its index */
	keyfile_open(&by_place, "the persons to draw from");
	while ((item = keyfile_take(&v->check[MKTO_LEAD])) != NULL) {
		keyfile_put_json(&by_place, json_string_value(json_object_get(item, "t")),
		    json_object_get(item, "k"));
		json_decref(item);
	}
	keyfile_sort(&by_place, 0);
	v->sample_ids = json_array();
	for (i = 0; (item = keyfile_take(&by_place)) != NULL; i++) {
		if ((chosen[i / 8] >> (i % 8)) & 1) {
			mark(keep[MKTO_LEAD], json_string_value(item));
			json_array_append(v->sample_ids, item);
		}
		json_decref(item);
	}
	keyfile_close(&by_place);
	free(chosen);
	sample_filter(v, MKTO_LEAD, keep);
	sample_filter(v, MKTO_ROLE, keep);
	sample_filter(v, MKTO_OPPORTUNITY, keep);
	sample_filter(v, MKTO_COMPANY, keep);
	sample_filter(v, MKTO_SALESPERSON, keep);
	for (o = 0; o < MKTO_OBJECTS; o++)
		json_decref(keep[o]);
}

/*
 * An id to ask Marketo for, if there is one, and o is not asked for yet (a
 * company found names itself).
 */
static void
ask(struct verify *v, enum mkto_object o, const char *id)
{
	if (id != NULL && v->asked[o].fp != NULL)
		keyfile_put(&v->asked[o], keyfile_escape(&v->asked[o], id), "0");
}

/* One record a query found, filed under the id it was asked by. */
static void
found(void *ctx, json_t *rec)
{
	struct found_ctx *f = ctx;
	const char *id;

	if ((id = str(rec, f->filter)) != NULL)
		keyfile_put_json(&f->v->found[f->o], id, rec);
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

static void
free_ids(const char **ids, size_t n)
{
	while (n > 0)
		free((char *)ids[--n]);
}

/*
 * Asks for every id of v->asked[o], each once (sorted), 300 a call, when
 * asking; counts them all either way (an earlier query failed). What is
 * found is sorted by id. Returns 0, or -1.
 */
static int
query(struct verify *v, enum mkto_object o, const char *filter, int asking)
{
	const char *ids[MAX_IDS], *key;
	char *prev = NULL, *id;
	size_t n = 0;
	int status = asking ? 0 : -1;

	keyfile_sort(&v->asked[o], 0);
	while (keyfile_peek(&v->asked[o], &key)) {
		if (prev != NULL && strcmp(prev, key) == 0) {
			keyfile_skip(&v->asked[o]);
			continue;
		}
		free(prev);
		prev = estrdup(key);
		keyfile_skip(&v->asked[o]);
		v->asked_count[o]++;
		if (status != 0)
			continue;
		id = estrdup(prev);
		keyfile_unescape(id);
		if (strchr(id, ',') != NULL) {
			free(id); /* would ask for several: cannot be found as one */
			continue;
		}
		ids[n++] = id;
		if (n == MAX_IDS) {
			status = query_chunk(v, o, filter, ids, n);
			free_ids(ids, n);
			n = 0;
		}
	}
	if (n > 0 && status == 0)
		status = query_chunk(v, o, filter, ids, n);
	free_ids(ids, n);
	free(prev);
	keyfile_close(&v->asked[o]);
	if (status != 0)
		return -1;
	keyfile_sort(&v->found[o], 1);
	mkclient_progress(&v->mk, 0, v->mk.calls, "calls", "%s: %lu calls",
	    mkto_objects[o].name, v->calls[o]);
	return 0;
}

/* A finding, a new reference; expected and found are stolen. */
static json_t *
finding_new(enum mkto_object o, const char *key, enum check ck, json_t *expected, json_t *found,
    const char *hint)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "object", mkto_objects[o].name,
	    "key", key, "check", check_names[ck], "expected", expected ? expected : json_null(),
	    "found", found ? found : json_null(), "hint", hint);
}

/* A finding f (borrowed), counted, to go out at place. */
static void
finding_put(struct verify *v, const char *place, enum check ck, json_t *f)
{
	v->findings[ck]++;
	v->total++;
	keyfile_put_json(&v->out, place, f);
}

/*
 * One finding of the record being checked; expected and found are
 * stolen. sub orders the findings of one record, as the checks make them.
 */
static void
finding(struct verify *v, enum mkto_object o, const char *key, enum check ck, json_t *expected,
    json_t *found, const char *hint, int sub)
{
	json_t *f = finding_new(o, key, ck, expected, found, hint);
	char place[40];

	snprintf(place, sizeof place, "%s%d", v->place, sub);
	finding_put(v, place, ck, f);
	json_decref(f);
}

/* The findings, in the order of the records checked, to stdout. */
static void
write_findings(struct verify *v)
{
	const char *line;

	keyfile_sort(&v->out, 0);
	while ((line = keyfile_skip(&v->out)) != NULL) {
		if (v->stop == 0 && (fputs(line, stdout) == EOF || putc('\n', stdout) == EOF)) {
			fwrite_failed(stdout, "stdout");
			v->stop = MSI_EXIT_IO;
		}
	}
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
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
 * id Marketo holds, and that id must name a record Marketo has: that is
 * known once Marketo's records of target are read in order (resolve), so
 * the finding waits in v->pending[target] till then. Of a record known
 * from the state alone (sent NULL) only the second can be checked.
 */
static void
check_link(struct verify *v, enum mkto_object o, const char *key, json_t *sent, json_t *got,
    const char *field, enum mkto_object target, enum check ck, int sub)
{
	const char *want = str(sent ? sent : got, field), *have = str(got, field);
	char hint[1024], again[512], place[40];
	json_t *wait;

	if ((want == NULL) != (have == NULL) || (want != NULL && strcmp(want, have) != 0)) {
		snprintf(hint, sizeof hint,
		    "Marketo's %s has %s %s, the run sent %s: %s; if it stays, look for another "
		    "integration writing %s",
		    mkto_objects[o].label, field, have ? have : "empty", want ? want : "none",
		    resend(v, o, key,
		        "run the sync again for this record (msi-sync resends it)", again,
		        sizeof again),
		    field);
		finding(v, o, key, ck, str_or_null(want), str_or_null(have), hint, sub);
	} else if (have != NULL) {
		snprintf(hint, sizeof hint,
		    "%s %s names a %s Marketo does not have: sync that %s (its Salesforce "
		    "record, with msi-sync) or fix the reference in Salesforce",
		    field, have, mkto_objects[target].label, mkto_objects[target].label);
		snprintf(place, sizeof place, "%s%d", v->place, sub);
		wait = json_pack("{s:s, s:i, s:o}", "p", place, "c", (int)ck, "f",
		    finding_new(o, key, ck, str_or_null(want), str_or_null(have), hint));
		keyfile_put_json(&v->pending[target], have, wait);
		json_decref(wait);
	}
}

/* The findings waiting for records of target: those Marketo does not have. */
static void
resolve(struct verify *v, enum mkto_object target)
{
	const char *key;
	json_t *wait;
	char *id;

	keyfile_sort(&v->pending[target], 0);
	keyfile_rewind(&v->found[target]);
	while (keyfile_peek(&v->pending[target], &key)) {
		id = estrdup(key);
		wait = keyfile_take(&v->pending[target]);
		if (json_array_size(keyfile_lookup(&v->found[target], id)) == 0)
			finding_put(v, json_string_value(json_object_get(wait, "p")),
			    (enum check)json_integer_value(json_object_get(wait, "c")),
			    json_object_get(wait, "f"));
		json_decref(wait);
		free(id);
	}
	keyfile_close(&v->pending[target]);
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
	finding(v, o, key, CK_MISSING, json_string(key), NULL, hint, 0);
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
 * for a record known from the state alone (its key, and a lead's id),
 * which is checked as far as that allows; list is what Marketo has for
 * its key (borrowed), id the state's lead id or NULL.
 */
typedef void check_fn(struct verify *v, const char *key, json_t *rec, json_t *list, json_t *id);

static void
check_salesperson(struct verify *v, const char *key, json_t *rec, json_t *list, json_t *id)
{
	const char *want, *have;
	char a[512], b[512];
	json_t *got;

	(void)id;
	if ((got = json_array_get(list, 0)) == NULL) {
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
		    "person's email in Marketo to the user's (or run msi-sync again)",
		    1);
}

static void
check_company(struct verify *v, const char *key, json_t *rec, json_t *list, json_t *id)
{
	json_t *got;

	(void)id;
	if ((got = json_array_get(list, 0)) == NULL)
		check_missing(v, MKTO_COMPANY, key, rec);
	else
		check_link(v, MKTO_COMPANY, key, rec, got, "externalSalesPersonId",
		    MKTO_SALESPERSON, CK_COMPANY_SALESPERSON, 1);
}

/*
 * The Marketo id the state has for a lead (want), which msi-load's roles
 * and deletes name it by, must be that of a lead Marketo has for the
 * person.
 */
static void
check_lead_id(struct verify *v, const char *key, json_t *list, json_t *want)
{
	json_t *lead, *ids;
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
	finding(v, MKTO_LEAD, key, CK_LEAD_ID, json_incref(want), ids, hint, 3);
}

static void
check_lead(struct verify *v, const char *key, json_t *rec, json_t *list, json_t *id)
{
	json_t *ids;
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
		    "Marketo (keep the one with the activity); MSI shows one at random",
		    0);
	}
	check_link(v, MKTO_LEAD, key, rec, json_array_get(list, 0), "externalCompanyId",
	    MKTO_COMPANY, CK_LEAD_COMPANY, 1);
	check_link(v, MKTO_LEAD, key, rec, json_array_get(list, 0), "externalSalesPersonId",
	    MKTO_SALESPERSON, CK_LEAD_SALESPERSON, 2);
	check_lead_id(v, key, list, id);
}

static void
check_opportunity(struct verify *v, const char *key, json_t *rec, json_t *list, json_t *id)
{
	json_t *got;

	(void)id;
	if ((got = json_array_get(list, 0)) == NULL) {
		check_missing(v, MKTO_OPPORTUNITY, key, rec);
		return;
	}
	check_link(v, MKTO_OPPORTUNITY, key, rec, got, "externalCompanyId", MKTO_COMPANY,
	    CK_OPPORTUNITY_COMPANY, 1);
	check_link(v, MKTO_OPPORTUNITY, key, rec, got, "externalSalesPersonId",
	    MKTO_SALESPERSON, CK_OPPORTUNITY_SALESPERSON, 2);
}

/* Where the findings of a record to check go out: its object, then its place. */
static void
set_place(struct verify *v, enum mkto_object o, json_t *item)
{
	snprintf(v->place, sizeof v->place, "%d%s", (int)o,
	    json_string_value(json_object_get(item, "t")));
}

/* Runs check on each record of o to check, with what Marketo has for its key. */
static void
check_each(struct verify *v, enum mkto_object o, check_fn *check)
{
	json_t *item;
	const char *key;

	keyfile_rewind(&v->check[o]);
	keyfile_rewind(&v->found[o]);
	while ((item = keyfile_take(&v->check[o])) != NULL) {
		key = item_key(item);
		set_place(v, o, item);
		check(v, key, item_sent(item),
		    keyfile_lookup(&v->found[o], keyfile_escape(&v->found[o], key)),
		    item_state_id(item));
		json_decref(item);
	}
}

/*
 * A role is on its opportunity when Marketo's roles of that opportunity
 * (roles) hold one with the leadId of the person's lead (any of them, when
 * there are several: item's "L", of "nL" leads) and the same role name.
 * The finding's found is the roles Marketo has on the opportunity, as
 * leadId/role; a role known from the state alone is expected as its state
 * line says. A role still on the leadId the state has, which is not the
 * person's lead now, went to a lead that was merged or made again.
 */
static void
check_role(struct verify *v, json_t *item, json_t *roles, int opp_found)
{
	const char *key = item_key(item), *have, *why;
	const char *opp = str(item, "o"), *pid = str(item, "p");
	const char *name = json_string_value(json_object_get(item, "n"));
	json_t *rec = item_sent(item), *old = item_state_id(item);
	json_t *lead_ids = json_object_get(item, "L"), *role, *lead, *have_list, *expected;
	char buf[320], hint[1024], again[512];
	size_t i, k;
	int on = 0, on_old = 0;

	json_array_foreach (roles, i, role) {
		have = str(role, "role") ? str(role, "role") : "";
		if (strcmp(have, name) != 0)
			continue;
		json_array_foreach (lead_ids, k, lead) {
			if (json_equal(json_object_get(role, "leadId"), lead))
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
	if (json_integer_value(json_object_get(item, "nL")) == 0) {
		why =
		    "the role's person is not a lead in Marketo: sync the Contact, then the role "
		    "(msi-sync)";
	} else if (!opp_found) {
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
	finding(v, MKTO_ROLE, key, CK_ROLE_MISSING, expected, have_list, why, 0);
}

/*
 * The roles, joined with what they need of Marketo's in two passes: by
 * person, the ids of the person's leads; then by opportunity, the roles
 * Marketo has on it and whether it has the opportunity.
 */
static void
check_roles(struct verify *v)
{
	struct keyfile by_person, by_opportunity;
	const char *opp, *pid, *name, *key;
	json_t *item, *leads, *ids, *lead;
	char parts[KEY_SIZE], *id;
	size_t i;

	keyfile_open(&by_person, "the roles by person");
	keyfile_open(&by_opportunity, "the roles by opportunity");
	keyfile_rewind(&v->check[MKTO_ROLE]);
	while ((item = keyfile_take(&v->check[MKTO_ROLE])) != NULL) {
		item_role(item, parts, &opp, &pid, &name);
		json_object_set_new(item, "o", json_string(opp));
		json_object_set_new(item, "p", json_string(pid));
		json_object_set_new(item, "n", json_string(name));
		keyfile_put_json(&by_person, pid, item);
		json_decref(item);
	}
	keyfile_sort(&by_person, 0);
	keyfile_rewind(&v->found[MKTO_LEAD]);
	while (keyfile_peek(&by_person, &key)) {
		id = estrdup(key);
		item = keyfile_take(&by_person);
		leads = keyfile_lookup(&v->found[MKTO_LEAD], id);
		ids = json_array();
		json_array_foreach (leads, i, lead) {
			if (json_object_get(lead, "id") != NULL)
				json_array_append(ids, json_object_get(lead, "id"));
		}
		json_object_set_new(item, "L", ids);
		json_object_set_new(
		    item, "nL", json_integer((json_int_t)json_array_size(leads)));
		keyfile_put_json(&by_opportunity, str(item, "o"), item);
		json_decref(item);
		free(id);
	}
	keyfile_close(&by_person);
	keyfile_sort(&by_opportunity, 0);
	keyfile_rewind(&v->found[MKTO_ROLE]);
	keyfile_rewind(&v->found[MKTO_OPPORTUNITY]);
	while (keyfile_peek(&by_opportunity, &key)) {
		id = estrdup(key);
		item = keyfile_take(&by_opportunity);
		set_place(v, MKTO_ROLE, item);
		check_role(v, item, keyfile_lookup(&v->found[MKTO_ROLE], id),
		    json_array_size(keyfile_lookup(&v->found[MKTO_OPPORTUNITY], id)) > 0);
		json_decref(item);
		free(id);
	}
	keyfile_close(&by_opportunity);
}

/* Ids the checks need to see in Marketo: those the records of from link to. */
static void
ask_links(struct verify *v, struct keyfile *records, int to_check)
{
	json_t *item, *rec;

	keyfile_rewind(records);
	while ((item = keyfile_take(records)) != NULL) {
		rec = to_check ? item_sent(item) : item;
		if (rec != NULL) {
			ask(v, MKTO_COMPANY, str(rec, "externalCompanyId"));
			ask(v, MKTO_SALESPERSON, str(rec, "externalSalesPersonId"));
		}
		json_decref(item);
	}
}

/*
 * Reads Marketo back: leads (the persons to check, and those the roles
 * name), opportunities (to check, and named by roles), the roles of the
 * opportunities of the roles, then companies and sales persons: those to
 * check and every one a sent or found record links to, so that a dangling
 * link is told from a missing record. Each id is asked once, in key order.
 */
static int
read_back(struct verify *v)
{
	const char *opp, *pid, *name;
	char parts[KEY_SIZE];
	json_t *item;
	int o, status;

	for (o = 0; o < MKTO_OBJECTS; o++) {
		if (mkto_objects[o].id_field == NULL)
			continue;
		keyfile_rewind(&v->check[o]);
		while ((item = keyfile_take(&v->check[o])) != NULL) {
			ask(v, o, item_key(item));
			json_decref(item);
		}
	}
	keyfile_rewind(&v->check[MKTO_ROLE]);
	while ((item = keyfile_take(&v->check[MKTO_ROLE])) != NULL) {
		item_role(item, parts, &opp, &pid, &name);
		ask(v, MKTO_LEAD, pid);
		ask(v, MKTO_OPPORTUNITY, opp);
		ask(v, MKTO_ROLE, opp);
		json_decref(item);
	}
	status = query(v, MKTO_LEAD, "externalPersonId", 1);
	status = query(v, MKTO_OPPORTUNITY, "externalOpportunityId", status == 0);
	status = query(v, MKTO_ROLE, "externalOpportunityId", status == 0);
	if (status == 0) {
		ask_links(v, &v->check[MKTO_LEAD], 1);
		ask_links(v, &v->check[MKTO_OPPORTUNITY], 1);
		ask_links(v, &v->check[MKTO_COMPANY], 1);
		ask_links(v, &v->found[MKTO_LEAD], 0);
		ask_links(v, &v->found[MKTO_OPPORTUNITY], 0);
	}
	status = query(v, MKTO_COMPANY, "externalCompanyId", status == 0);
	if (status == 0)
		ask_links(v, &v->found[MKTO_COMPANY], 0);
	return query(v, MKTO_SALESPERSON, "externalSalesPersonId", status == 0);
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
		fprintf(fp, "%-16s %8lu %8lu %9lu %8lu %8lu %8lu %8lu\n", mkto_objects[i].name,
		    v->read[i], v->not_landed[i], v->unchanged[i], v->checked[i],
		    v->from_state[i], v->asked_count[i], v->calls[i]);
	if (v->sample >= 0)
		fprintf(fp, "sample: %lu of %lu persons (seed %ld)\n",
		    v->checked[MKTO_LEAD] + v->from_state[MKTO_LEAD], v->persons, v->seed);
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
		    (json_int_t)v->checked[i], "from_state", (json_int_t)v->from_state[i],
		    "asked", (json_int_t)v->asked_count[i], "calls", (json_int_t)v->calls[i]);
		json_object_set_new(objs, mkto_objects[i].name, o);
	}
	json_object_set_new(s, "tool", json_string("msi-verify"));
	json_object_set_new(s, "findings", json_integer((json_int_t)v->total));
	json_object_set_new(s, "checks", checks);
	json_object_set_new(s, "objects", objs);
	json_object_set_new(s, "state", json_boolean(v->state_dir != NULL));
	json_object_set_new(s, "sample",
	    v->sample >= 0
	        ? json_integer((json_int_t)(v->checked[MKTO_LEAD] + v->from_state[MKTO_LEAD]))
	        : json_null());
	if (v->sample >= 0)
		json_object_set(s, "sample_persons", v->sample_ids);
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

/* The defaults, before the options change them. */
static void
verify_init(struct verify *v, struct mkopts *mo)
{
	mkopts_init(mo);
	v->sample = -1;
	v->seed = 1;
}

/* The empty tables: scratch files in TMPDIR, once the command line is good. */
static void
tables_open(struct verify *v)
{
	int i;

	for (i = 0; i < MKTO_OBJECTS; i++) {
		keyfile_open(&v->state_in[i], "the state");
		keyfile_open(&v->sent_in[i], "the records sent");
		keyfile_open(&v->check[i], "the records to check");
		keyfile_open(&v->asked[i], "the ids to ask for");
		keyfile_open(&v->found[i], "Marketo's records");
		keyfile_open(&v->pending[i], "the links to check");
	}
	keyfile_open(&v->out, "the findings");
}

/*
 * What is to be checked: the state first (a record the run did not send
 * is checked when the state says it landed as it is), then what the run
 * sent, merged key by key, then the sample drawn from it.
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
	for (i = 0; i < MKTO_OBJECTS; i++)
		build_checks(v, (enum mkto_object)i);
	if (v->sample >= 0)
		draw_sample(v);
}

/*
 * Reads Marketo back and runs the checks, each object's in the order MSI
 * links them; the findings go out in that order, each object's records
 * in the order they were sent (then the state's).
 */
static int
verify_run(struct verify *v)
{
	if (read_back(v) == 0) {
		check_each(v, MKTO_SALESPERSON, check_salesperson);
		check_each(v, MKTO_COMPANY, check_company);
		check_each(v, MKTO_LEAD, check_lead);
		check_each(v, MKTO_OPPORTUNITY, check_opportunity);
		check_roles(v);
		resolve(v, MKTO_COMPANY);
		resolve(v, MKTO_SALESPERSON);
		write_findings(v);
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
		keyfile_close(&v->state_in[i]);
		keyfile_close(&v->sent_in[i]);
		keyfile_close(&v->check[i]);
		keyfile_close(&v->asked[i]);
		keyfile_close(&v->found[i]);
		keyfile_close(&v->pending[i]);
	}
	keyfile_close(&v->out);
	json_decref(v->sample_ids);
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

	tables_open(&v);
	read_input(&v, argv + first, argc - first);
	status = verify_run(&v);

	/* a finding is a record set aside: status 1, with no message but the table */
	status = finish_run(
	    &(struct finish){NULL, NULL, v.total, NULL, v.stats_file, table, counts, &v},
	    status);
	verify_free(&v);
	return status;
}
