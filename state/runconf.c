/* runconf.c: the run folder made; its run.conf read as data, checked, written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "msg.h"
#include "state.h"

/* What a value may be. */
enum check {
	PATH_OR_NONE,    /* an absolute path, or empty */
	ONE_OR_NONE,     /* a flag: 1, or empty */
	ZERO_OR_ONE,     /* a switch: 0 or 1 */
	NUMBER_OR_NONE,  /* a number from 1, or empty */
	COUNT_OR_NONE,   /* a number from 0, or empty */
	SECONDS_OR_NONE, /* a number of seconds from 0, or empty */
	PERCENT_OR_NONE, /* a percent (digits, a dot and digits), or empty */
	FIELD,           /* not empty */
	ANY,             /* anything on one line */
	ENCODING,        /* msi-extract's --encoding, or empty */
	DATE_ORDER,      /* msi-transform's --date-order, or empty */
};

/* What the message says a value should have been, by check. */
static const char *const wanted[] = {
    [PATH_OR_NONE] = "an absolute path or nothing",
    [ONE_OR_NONE] = "1 or nothing",
    [ZERO_OR_ONE] = "0 or 1",
    [NUMBER_OR_NONE] = "a number or nothing",
    [COUNT_OR_NONE] = "a number or nothing",
    [SECONDS_OR_NONE] = "seconds or nothing",
    [PERCENT_OR_NONE] = "a percent or nothing",
    [FIELD] = "a field name",
    [ANY] = "",
    [ENCODING] = "one of auto, utf8, latin1, cp1252, utf16 or nothing",
    [DATE_ORDER] = "one of mdy, dmy or nothing",
};

/*
 * run.conf's keys in the order it is written: those written always (a
 * run.conf without one is refused), then those written only when set.
 * The names are msi-sync's variables, which it sets from them.
 */
static const struct key {
	const char *name;
	int always;
	enum check check;
} keys[CONF_KEYS] = {
    {"export_dir", 1, PATH_OR_NONE},
    {"csv", 1, ZERO_OR_ONE},
    {"hold", 1, ZERO_OR_ONE},
    {"writeback", 1, ZERO_OR_ONE},
    {"follow_symlinks", 1, ZERO_OR_ONE},
    {"config", 1, PATH_OR_NONE},
    {"concurrency", 1, NUMBER_OR_NONE},
    {"lookup", 1, FIELD},
    {"namespace", 1, ANY},
    {"per_window", 1, NUMBER_OR_NONE},
    {"window", 1, NUMBER_OR_NONE},
    {"wb_state", 1, PATH_OR_NONE},
    {"max_retries", 1, COUNT_OR_NONE},
    {"encoding", 0, ENCODING},
    {"date_order", 0, DATE_ORDER},
    {"default_role", 0, ANY},
    {"verify", 0, ONE_OR_NONE},
    {"state_dir", 0, PATH_OR_NONE},
    {"max_delete", 0, PERCENT_OR_NONE},
    {"delete_leads", 0, ONE_OR_NONE},
    {"dry_run", 0, ONE_OR_NONE},
    {"from_sf", 0, ONE_OR_NONE},
    {"sf_config", 0, PATH_OR_NONE},
    {"full_extract", 0, ONE_OR_NONE},
    {"apply", 0, ONE_OR_NONE},
    {"confirm_source", 0, ONE_OR_NONE},
    {"lookback", 0, SECONDS_OR_NONE},
    {"new_set_asides", 0, ONE_OR_NONE},
};

/* Prints the keys, one a line, in run.conf's order: what msi-sync hands to --write-conf. */
void
conf_keys(FILE *out)
{
	size_t i;

	for (i = 0; i < CONF_KEYS; i++)
		fprintf(out, "%s\n", keys[i].name);
}

/* Whether s is one or more ASCII digits, the first not 0 when from_one. */
static int
digits(const char *s, int from_one)
{
	if (*s < '0' || *s > '9' || (from_one && *s == '0'))
		return 0;
	s += strspn(s, "0123456789");
	return *s == '\0';
}

/*
 * Whether word w is one of the words of list (words parted by single
 * spaces); a w holding a space is none (it would match two words). Also
 * msi-sync's options' choices (syncopts.c).
 */
int
conf_one_of(const char *w, const char *list)
{
	size_t n = strlen(w);
	const char *p;

	if (n == 0 || strchr(w, ' ') != NULL)
		return 0;
	for (p = list; (p = strstr(p, w)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Whether v is a value check takes (as msi-sync's options check them). */
static int
value_ok(enum check check, const char *v)
{
	const char *dot;

	if (*v == '\0')
		return check != ZERO_OR_ONE && check != FIELD;
	switch (check) {
	case PATH_OR_NONE: return *v == '/';
	case ONE_OR_NONE: return strcmp(v, "1") == 0;
	case ZERO_OR_ONE: return strcmp(v, "0") == 0 || strcmp(v, "1") == 0;
	case NUMBER_OR_NONE: return digits(v, 1);
	case COUNT_OR_NONE:
	case SECONDS_OR_NONE: return digits(v, 0);
	case PERCENT_OR_NONE:
		if ((dot = strchr(v, '.')) == NULL)
			return digits(v, 0);
		return dot > v && strspn(v, "0123456789") == (size_t)(dot - v) &&
		       digits(dot + 1, 0);
	case FIELD:
	case ANY: return 1;
	case ENCODING: return conf_one_of(v, "auto utf8 latin1 cp1252 utf16");
	case DATE_ORDER: return conf_one_of(v, "mdy dmy");
	}
	return 0;
}

/* The key named name, or -1. */
static int
key_index(const char *name)
{
	int i;

	for (i = 0; i < CONF_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return i;
	return -1;
}

/*
 * Takes "key=value" (line, changed: the '=' becomes a NUL) as setting n of
 * file (line 0: an argument): a known key, once, its value checked.
 * Returns 0, or MSI_EXIT_BADINPUT after a message.
 */
static int
conf_set(struct conf *c, char *line, const char *file, unsigned long n)
{
	char *eq = strchr(line, '='), *val;
	int k;

	if (eq == NULL) {
		msg_at(file, n, "not key=value");
		return MSI_EXIT_BADINPUT;
	}
	*eq = '\0';
	val = eq + 1;
	if ((k = key_index(line)) < 0) {
		msg_at(file, n, "unknown key \"%s\"", line);
		return MSI_EXIT_BADINPUT;
	}
	if (strchr(val, '\n') != NULL) {
		msg_at(file, n, "%s: a value on more than one line: refused", line);
		return MSI_EXIT_BADINPUT;
	}
	if (!value_ok(keys[k].check, val)) {
		msg_at(file, n, "%s: \"%s\" is not %s", line, val, wanted[keys[k].check]);
		return MSI_EXIT_BADINPUT;
	}
	if (c->value[k] != NULL) {
		if (n == 0)
			msg_at(file, n, "%s given twice", line);
		else
			msg_at(file, n, "%s given twice (line %lu too)", line, c->line[k]);
		return MSI_EXIT_BADINPUT;
	}
	c->value[k] = estrdup(val);
	c->line[k] = n;
	return 0;
}

/* The settings as a whole: every key written always is there; a source named. */
static int
conf_whole(const struct conf *c, const char *file)
{
	char missing[512] = "";
	size_t i;

	for (i = 0; i < CONF_KEYS; i++)
		if (keys[i].always && c->value[i] == NULL) {
			strcat(missing, " ");
			strcat(missing, keys[i].name);
		}
	if (missing[0] != '\0') {
		msg_at(file, 0, "no setting for:%s", missing);
		return MSI_EXIT_BADINPUT;
	}
	if (*conf_get(c, "export_dir") == '\0' && *conf_get(c, "from_sf") == '\0') {
		msg_at(file, 0, "export_dir is empty and from_sf is not set");
		return MSI_EXIT_BADINPUT;
	}
	return 0;
}

/*
 * The settings from arguments "key=value", as msi-sync hands them to be
 * written: the same rules as run.conf's lines. An empty value of a key
 * written only when set is no setting. Returns 0, or MSI_EXIT_USAGE after
 * a message: msi-sync gave what it should not have.
 */
int
conf_args(struct conf *c, int argc, char *const argv[])
{
	char *arg;
	int i, st;

	for (i = 0; i < argc; i++) {
		arg = estrdup(argv[i]);
		st = conf_set(c, arg, "run.conf", 0);
		free(arg);
		if (st != 0)
			return MSI_EXIT_USAGE;
	}
	for (i = 0; i < CONF_KEYS; i++)
		if (!keys[i].always && c->value[i] != NULL && *c->value[i] == '\0') {
			free(c->value[i]);
			c->value[i] = NULL;
		}
	return conf_whole(c, "run.conf") == 0 ? 0 : MSI_EXIT_USAGE;
}

/* A line of file (line n): a setting, a comment or nothing. Returns 0 or a status. */
static int
conf_line(struct conf *c, char *line, const char *file, unsigned long n)
{
	if (*line == '\0' || *line == '#')
		return 0;
	if (strncmp(line, "declare ", 8) == 0) {
		msg_at(file, n,
		    "written by an older msi-sync (bash); write its settings as key=value "
		    "lines (msi-sync.1)");
		return MSI_EXIT_BADINPUT;
	}
	return conf_set(c, line, file, n);
}

/*
 * Reads run.conf (file) as data: key=value lines, each key known and
 * given once, each value checked; a line that is empty or starts with '#'
 * says nothing. Nothing in it is run. Returns 0, or a status after a
 * message naming the file and line.
 */
int
conf_read(struct conf *c, const char *file)
{
	FILE *fp = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long n = 0;
	int st = 0;

	if (fp == NULL) {
		msg_at(file, 0, "cannot read it");
		return MSI_EXIT_IO;
	}
	while (st == 0 && (len = getline(&line, &cap, fp)) != -1) {
		n++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strlen(line) != (size_t)len) {
			msg_at(file, n, "a NUL byte: not a line of text");
			st = MSI_EXIT_BADINPUT;
		} else
			st = conf_line(c, line, file, n);
	}
	if (st == 0 && ferror(fp)) {
		msg_at(file, 0, "cannot read it: %s", strerror(errno));
		st = MSI_EXIT_IO;
	}
	free(line);
	fclose(fp);
	return st != 0 ? st : conf_whole(c, file);
}

/*
 * Writes the settings to file (run.conf) whole: beside it first (file.tmp,
 * made new), synced, renamed over it. Returns 0, or MSI_EXIT_IO after a
 * message.
 */
int
conf_write(const struct conf *c, const char *file)
{
	size_t len = strlen(file);
	char *tmp = emalloc(len + 5);
	FILE *fp;
	size_t i;

	memcpy(tmp, file, len);
	memcpy(tmp + len, ".tmp", 5);
	if ((fp = fopen_tmp(tmp)) == NULL) {
		msg_syswarn("%s: cannot write it", tmp);
		free(tmp);
		return MSI_EXIT_IO;
	}
	fprintf(fp, "# msi-sync run settings, read by --resume as data: key=value a line\n");
	for (i = 0; i < CONF_KEYS; i++)
		if (keys[i].always || c->value[i] != NULL)
			fprintf(fp, "%s=%s\n", keys[i].name, c->value[i] ? c->value[i] : "");
	if (fcommit(fp, tmp, file) != 0) {
		msg_syswarn("%s: cannot write it", file);
		free(tmp);
		return MSI_EXIT_IO;
	}
	free(tmp);
	return 0;
}

/*
 * Prints every setting as a key=value line, in run.conf's order, a key not
 * set with an empty value: what msi-sync reads into its variables, every
 * one of them set, none other.
 */
int
conf_print(const struct conf *c, FILE *out)
{
	size_t i;

	for (i = 0; i < CONF_KEYS; i++)
		fprintf(out, "%s=%s\n", keys[i].name, c->value[i] ? c->value[i] : "");
	return 0;
}

/* The value of key (borrowed), "" when not set. */
const char *
conf_get(const struct conf *c, const char *key)
{
	int k = key_index(key);

	return k >= 0 && c->value[k] != NULL ? c->value[k] : "";
}

void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < CONF_KEYS; i++) {
		free(c->value[i]);
		c->value[i] = NULL;
	}
}

/*
 * Makes a new run folder in runs (an absolute path), named by the time
 * (UTC, runs/YYYYmmdd-HHMMSS; -2, -3 and on when a name is taken), only
 * its user's (the umask msi-sync sets), and prints its path. Returns 0, or
 * MSI_EXIT_IO after a message: a failure other than a name taken ends it.
 */
int
run_make(const char *runs)
{
	char base[64], *run = emalloc(strlen(runs) + sizeof base + 24);
	time_t now = time(NULL);
	unsigned long n = 1;
	int status = 0;

	strftime(base, sizeof base, "%Y%m%d-%H%M%S", gmtime(&now));
	sprintf(run, "%s/%s", runs, base);
	while (mkdir(run, 0777) != 0) {
		if (errno != EEXIST) {
			msg_syswarn("%s: cannot make the run folder", run);
			status = MSI_EXIT_IO;
			break;
		}
		sprintf(run, "%s/%s-%lu", runs, base, ++n);
	}
	if (status == 0)
		printf("%s\n", run);
	free(run);
	return status;
}
