/* rundir.c: a run folder read as data: its files' names, run.conf, stages.done, JSON and NDJSON
 * files. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ealloc.h"
#include "exitcode.h"
#include "msg.h"
#include "report.h"

/* A problem met reading a file (told already): the worst status is the run's. */
static void
problem(struct run *r, const char *path, int status)
{
	if (status == 0)
		return;
	json_object_set_new(r->bad, path, json_true());
	if (status > r->status)
		r->status = status;
}

/* Whether a file was found damaged or unreadable before: it is not read, nor told, again. */
static int
known_bad(const struct run *r, const char *path)
{
	return json_object_get(r->bad, path) != NULL;
}

/* The path of a file of the run folder; the caller frees it. */
char *
run_path(const struct run *r, const char *name)
{
	return easprintf("%s/%s", r->dir, name);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folder's names, sorted, as a glob in the C locale lists them. */
static void
list_names(struct run *r)
{
	struct dirent *e;
	size_t size = 64;
	DIR *d;

	if ((d = opendir(r->dir)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", r->dir);
	r->names = emalloc(size * sizeof *r->names);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (r->nnames == size)
			r->names = erealloc(r->names, (size *= 2) * sizeof *r->names);
		r->names[r->nnames++] = estrdup(e->d_name);
	}
	closedir(d);
	qsort(r->names, r->nnames, sizeof *r->names, by_name);
}

/* Whether the folder has a file of that name. */
int
run_has(const struct run *r, const char *name)
{
	return bsearch(&name, r->names, r->nnames, sizeof *r->names, by_name) != NULL;
}

/* The next name from *i on that the glob pattern matches, or NULL; *i moves past it. */
const char *
run_next(const struct run *r, size_t *i, const char *pattern)
{
	while (*i < r->nnames) {
		const char *name = r->names[(*i)++];

		if (fnmatch(pattern, name, FNM_PERIOD) == 0)
			return name;
	}
	return NULL;
}

/* Opens a file of the folder for reading; NULL when it is not there (or, said, unreadable). */
static FILE *
open_file(struct run *r, const char *name, char **path)
{
	FILE *fp;

	*path = run_path(r, name);
	if (known_bad(r, *path))
		return NULL;
	if ((fp = fopen(*path, "r")) == NULL && errno != ENOENT) {
		msg_syswarn("%s", *path);
		problem(r, *path, MSI_EXIT_IO);
	}
	return fp;
}

/* The lines of a file, as wc -l counts them; 0 when it is not there. */
unsigned long
run_lines(struct run *r, const char *name)
{
	unsigned long n = 0;
	char *path, buf[65536];
	size_t got, k;
	FILE *fp;

	if ((fp = open_file(r, name, &path)) != NULL) {
		while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
			for (k = 0; k < got; k++)
				n += buf[k] == '\n';
		if (ferror(fp)) {
			msg_syswarn("%s", path);
			problem(r, path, MSI_EXIT_IO);
		}
		fclose(fp);
	}
	free(path);
	return n;
}

/* A JSON object file of the folder (a --stats-json file): a new reference, NULL when not there
 * or damaged (said). */
json_t *
run_json(struct run *r, const char *name)
{
	json_error_t e;
	json_t *v = NULL;
	char *path;
	FILE *fp;

	if ((fp = open_file(r, name, &path)) != NULL) {
		v = json_loadf(fp, 0, &e);
		if (v == NULL) {
			msg_at(path, (unsigned long)(e.line > 0 ? e.line : 1), "%s", e.text);
			problem(r, path, MSI_EXIT_BADINPUT);
		} else if (!json_is_object(v)) {
			msg_at(path, 1, "not a JSON object (a tool's --stats-json file)");
			problem(r, path, MSI_EXIT_BADINPUT);
			json_decref(v);
			v = NULL;
		}
		fclose(fp);
	}
	free(path);
	return v;
}

/* Each object of an NDJSON file of the folder, to fn; nothing when it is not there. */
void
run_each(struct run *r, const char *name, ndjson_fn fn, void *ctx)
{
	char *path = run_path(r, name);
	struct stat st;

	if (!known_bad(r, path) && (stat(path, &st) == 0 || errno != ENOENT))
		problem(r, path, ndjson_each(path, fn, ctx));
	free(path);
}

/* The size of a file of the folder, -1 when it is not there (test -s: greater than 0). */
long long
run_size(const struct run *r, const char *name)
{
	char *path = run_path(r, name);
	struct stat st;
	int got = stat(path, &st);

	free(path);
	return got == 0 ? (long long)st.st_size : -1;
}

/* Whether stages.done lists the stage. */
int
run_done(const struct run *r, const char *stage)
{
	return json_object_get(r->done, stage) != NULL;
}

/* Reads a text file a line at a time: stages.done, run.conf. */
static void
each_line(struct run *r, const char *name,
    void (*fn)(struct run *, char *, const char *, unsigned long))
{
	char *path, *line = NULL;
	size_t size = 0;
	unsigned long n = 0;
	ssize_t len;
	FILE *fp;

	if ((fp = open_file(r, name, &path)) == NULL) {
		if (strcmp(name, "run.conf") == 0)
			msg_fatal(MSI_EXIT_IO, "%s: not a run folder of msi-sync (no run.conf)",
			    r->dir);
		free(path);
		return;
	}
	while ((len = getline(&line, &size, fp)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		fn(r, line, path, ++n);
	}
	if (ferror(fp)) {
		msg_syswarn("%s", path);
		problem(r, path, MSI_EXIT_IO);
	}
	free(line);
	free(path);
	fclose(fp);
}

static void
done_line(struct run *r, char *line, const char *path, unsigned long n)
{
	(void)path, (void)n;
	json_object_set_new(r->done, line, json_true());
}

/* A line of run.conf: the settings the summary depends on; msi-sync checked the others. */
static void
conf_line(struct run *r, char *line, const char *path, unsigned long n)
{
	char *val = strchr(line, '=');

	if (line[0] == '\0' || line[0] == '#')
		return;
	if (val == NULL) {
		msg_at(path, n, "not key=value (msi-sync.1, run.conf)");
		problem(r, path, MSI_EXIT_BADINPUT);
		return;
	}
	*val++ = '\0';
	if (strcmp(line, "state_dir") == 0)
		r->state = *val != '\0';
	else if (strcmp(line, "dry_run") == 0)
		r->dry_run = *val != '\0';
	else if (strcmp(line, "delete_leads") == 0)
		r->delete_leads = *val != '\0';
	else if (strcmp(line, "apply") == 0)
		r->apply = *val != '\0';
	else if (strcmp(line, "hold") == 0)
		r->hold = strcmp(val, "1") == 0;
	else if (strcmp(line, "max_delete") == 0 && *val != '\0')
		snprintf(r->max_delete, sizeof r->max_delete, "%s", val);
}

void
run_open(struct run *r, const char *dir)
{
	memset(r, 0, sizeof *r);
	r->dir = dir;
	r->done = json_object();
	r->bad = json_object();
	snprintf(r->max_delete, sizeof r->max_delete, "10");
	list_names(r);
	each_line(r, "run.conf", conf_line);
	each_line(r, "stages.done", done_line);
}

void
run_close(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	json_decref(r->done);
	json_decref(r->bad);
}

/* A member as a count: a number, else 0 (jq's "if type == "number" then . else 0 end"). */
json_int_t
num(const json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (json_int_t)json_real_value(v);
	return 0;
}

/* Whether jq takes a value as true: anything but missing, null and false. */
int
truthy(const json_t *v)
{
	return v != NULL && !json_is_null(v) && !json_is_false(v);
}

/* A value as jq's string interpolation writes it: a string as itself, others as JSON; the
 * caller frees it. */
char *
interp(const json_t *v)
{
	if (v == NULL)
		return estrdup("null");
	if (json_is_string(v))
		return estrdup(json_string_value(v));
	if (json_is_integer(v))
		return easprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_real(v) && json_real_value(v) == (double)(json_int_t)json_real_value(v))
		return easprintf("%" JSON_INTEGER_FORMAT, (json_int_t)json_real_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}
