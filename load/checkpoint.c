/* checkpoint.c: msi-load's --state: how much of the input is answered, for a resumed run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "fshut.h"
#include "load.h"
#include "msg.h"

/* The input files as named, which a resumed run must name again. A new reference. */
static json_t *
input_names(const struct load *l)
{
	json_t *files = json_array();
	int i;

	for (i = 0; l->files[i] != NULL; i++)
		json_array_append_new(files, json_string(l->files[i]));
	return files;
}

/*
 * Writes the checkpoint: how many records at the start of the input are
 * answered. A new file is written and renamed over the old one, so that a
 * crash at any moment leaves one or the other whole. The state holds no
 * secret, no token, and is for its user only.
 */
void
checkpoint_write(struct load *l)
{
	char tmp[4096];
	json_t *st;
	FILE *fp;

	snprintf(tmp, sizeof tmp, "%s.tmp", l->state_name);
	st = json_pack("{s:s, s:o, s:I, s:I}", "object", l->obj->name, "input", input_names(l),
	    "acknowledged", (json_int_t)l->acked, "results",
	    (json_int_t)(l->results_before + l->records));
	if ((fp = fopen_tmp(tmp)) == NULL ||
	    (ndjson_write(fp, st) | fcommit(fp, tmp, l->state_name)) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", l->state_name);
	json_decref(st);
}

/* A resumed run: the state must be of this object and this input. */
void
checkpoint_read(struct load *l)
{
	json_error_t err;
	json_t *st, *input;
	struct stat sb;
	int ours;

	/* it is replaced by rename: a device or a pipe must not be */
	if (stat(l->state_name, &sb) == 0 && !S_ISREG(sb.st_mode))
		msg_fatal(MSI_EXIT_USAGE, "%s: not a regular file", l->state_name);
	if ((st = json_load_file(l->state_name, 0, &err)) == NULL) {
		if (errno == ENOENT || access(l->state_name, F_OK) != 0)
			return; /* a first run */
		msg_fatal(MSI_EXIT_BADINPUT, "%s:%d: %s", l->state_name, err.line, err.text);
	}
	input = input_names(l);
	ours = json_is_string(json_object_get(st, "object")) &&
	       strcmp(json_string_value(json_object_get(st, "object")), l->obj->name) == 0 &&
	       json_equal(json_object_get(st, "input"), input) &&
	       json_is_integer(json_object_get(st, "acknowledged"));
	l->skip = l->acked = (unsigned long)json_integer_value(json_object_get(st, "acknowledged"));
	/* result lines written so far: fewer than the records when some were passed over */
	l->results_before = json_is_integer(json_object_get(st, "results"))
	                        ? (unsigned long)json_integer_value(json_object_get(st, "results"))
	                        : l->acked;
	json_decref(input);
	json_decref(st);
	if (!ours)
		msg_fatal(MSI_EXIT_USAGE,
		    "%s: a checkpoint of another object or input; remove it to start afresh",
		    l->state_name);
	if (l->skip > 0)
		msg_warn("%s: resuming after %lu records answered before", l->state_name, l->skip);
}
