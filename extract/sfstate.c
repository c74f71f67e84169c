/*
 * sfstate.c: msi-extract --state FILE: for each object, the highest
 * SystemModstamp of its last whole extract (the mark) and the ids of the
 * records modified at that very time, so that the next extract asks for
 * SystemModstamp >= mark and leaves out those ids: nothing is returned
 * twice, nothing modified in the same millisecond is missed. The file is
 * one JSON object; it is locked for the run and replaced whole, by rename,
 * only once the extract has been written out: a run killed before leaves
 * the old mark, and the next run asks again from there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "msg.h"
#include "sfstate.h"

/* A mark as Salesforce writes SystemModstamp: 2024-01-02T03:04:05.000Z. */
static int
valid_mark(const char *m)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t i;

	if (strlen(m) != sizeof shape - 1)
		return 0;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? (m[i] < '0' || m[i] > '9') : m[i] != shape[i])
			return 0;
	return 1;
}

/*
 * Opens and locks path (made if missing, mode 600) and reads object's
 * mark. A file of another org is refused. Returns 0 or an exit status.
 */
int
sfstate_open(struct sfstate *s, const char *path, const char *object, const char *org)
{
	json_error_t err;
	json_t *o, *ids, *v;
	const char *have;
	struct stat st;
	size_t i;

	memset(s, 0, sizeof *s);
	s->path = path;
	s->object = object;
	if ((s->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		msg_syswarn("%s", path);
		return MSI_EXIT_IO;
	}
	if (flock(s->fd, LOCK_EX | LOCK_NB) != 0) {
		msg_warn("%s: another msi-extract is using this state file; try again when it has "
		         "ended",
		    path);
		return MSI_EXIT_BUSY;
	}
	if (fstat(s->fd, &st) != 0) {
		msg_syswarn("%s", path);
		return MSI_EXIT_IO;
	}
	if (st.st_size == 0) {
		s->doc = json_pack("{s:s, s:s, s:{}}", "msi-extract", "salesforce", "org", org, "objects");
	} else if ((s->doc = json_loadfd(s->fd, 0, &err)) == NULL) {
		msg_at(path, (unsigned long)err.line, "not a state file of msi-extract: %s", err.text);
		return MSI_EXIT_BADINPUT;
	}
	if (!json_is_object(s->doc) ||
	    (have = json_string_value(json_object_get(s->doc, "msi-extract"))) == NULL ||
	    strcmp(have, "salesforce") != 0 || !json_is_object(json_object_get(s->doc, "objects"))) {
		msg_warn("%s: not a state file of msi-extract --salesforce", path);
		return MSI_EXIT_BADINPUT;
	}
	have = json_string_value(json_object_get(s->doc, "org"));
	if (have != NULL && org[0] != '\0' && strcmp(have, org) != 0) {
		msg_warn("%s: the state of org %s, not of org %s, which the credentials reach; "
		         "use another state file",
		    path, have, org);
		return MSI_EXIT_USAGE;
	}
	s->at_mark = json_object();
	o = json_object_get(json_object_get(s->doc, "objects"), object);
	if (o == NULL)
		return 0;
	v = json_object_get(o, "mark");
	ids = json_object_get(o, "at_mark");
	if (!json_is_string(v) || !valid_mark(json_string_value(v)) || !json_is_array(ids)) {
		msg_warn("%s: %s: the mark is not a SystemModstamp and a list of ids", path, object);
		return MSI_EXIT_BADINPUT;
	}
	snprintf(s->mark, sizeof s->mark, "%s", json_string_value(v));
	json_array_foreach (ids, i, v)
		if (json_is_string(v))
			json_object_set(s->at_mark, json_string_value(v), json_true());
	return 0;
}

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
	char *tmp, when[32];
	size_t n = strlen(s->path) + 8;
	time_t now = time(NULL);
	const char **keys = emalloc((json_object_size(at_mark) + 1) * sizeof *keys);
	size_t i, m = 0;
	FILE *fp;

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
	tmp = emalloc(n);
	snprintf(tmp, n, "%s.tmp", s->path);
	if ((fp = fopen_tmp(tmp)) == NULL) {
		msg_syswarn("%s", tmp);
		free(tmp);
		return MSI_EXIT_IO;
	}
	if (json_dumpf(s->doc, fp, JSON_SORT_KEYS | JSON_COMPACT) != 0 || fputc('\n', fp) == EOF ||
	    fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
		msg_syswarn("%s", tmp);
		fclose(fp);
		unlink(tmp);
		free(tmp);
		return MSI_EXIT_IO;
	}
	if (fclose(fp) != 0 || rename(tmp, s->path) != 0) {
		msg_syswarn("%s", s->path);
		unlink(tmp);
		free(tmp);
		return MSI_EXIT_IO;
	}
	free(tmp);
	return 0;
}

void
sfstate_close(struct sfstate *s)
{
	if (s->fd > 0)
		close(s->fd);
	json_decref(s->doc);
	json_decref(s->at_mark);
	memset(s, 0, sizeof *s);
}
