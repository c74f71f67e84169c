/*
 * inputid.c: which input files a state was made for. A checkpoint counts
 * records from the start of its input; given a new file of the same name
 * (a nightly file written again), a resumed run would pass over records it
 * never sent. So a state keeps each file's size, a 64-bit FNV-1a of its
 * bytes and its record count, and a run compares them with its own input.
 * The hash guards against accidents, not against someone who means harm.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ealloc.h"
#include "exitcode.h"
#include "inputid.h"
#include "msg.h"
#include "ndjson.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME  0x100000001b3ULL

/* The bytes read at a time. */
#define BLOCK ((size_t)64 << 10)

/* A line being counted, carried from one block to the next. */
struct line_scan {
	uint64_t len; /* its bytes so far, its line end included */
	int cr;       /* a CR met after its blanks: one more blank makes it a record */
	int decided;  /* known to be a record: the rest up to its LF is skipped */
};

static uint64_t
fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

/*
 * The lines of p[0..n) that ndjson_read answers with a record or a bad
 * line: all but the blank ones (spaces and tabs, then CRs, which it cuts
 * off with the LF), and any line over NDJSON_MAX_LINE bytes, refused
 * whatever it holds. Counted as ndjson_read counts them, so that a
 * checkpoint's count can be checked against the file's.
 */
static uint64_t
count_records(struct line_scan *s, const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n, *nl;
	uint64_t records = 0;

	while (p < end) {
		if (s->decided) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				break;
			p = nl + 1;
			memset(s, 0, sizeof *s);
			continue;
		}
		s->len++;
		if (*p == '\n') {
			if (s->len > NDJSON_MAX_LINE)
				records++;
			memset(s, 0, sizeof *s);
		} else if (*p == '\r') {
			s->cr = 1;
		} else if ((*p != ' ' && *p != '\t') || s->cr) {
			records++; /* a blank after a CR is not at the line's end */
			s->decided = 1;
		}
		p++;
	}
	return records;
}

/* Reads one file whole. Returns 0, or an exit status after a message. */
static int
identify(const char *name, struct inputid *id, unsigned char *buf)
{
	struct line_scan scan = {0};
	struct stat st;
	ssize_t got;
	int fd;

	/* O_NONBLOCK: a FIFO without a writer must not hang the run; a file ignores it */
	if ((fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 || fstat(fd, &st) != 0) {
		msg_syswarn("%s", name);
		if (fd >= 0)
			close(fd);
		return MSI_EXIT_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		/* a pipe read here would be empty for the run */
		msg_warn(
		    "%s: not a regular file: with --state, the input is read twice, once to "
		    "know it again",
		    name);
		close(fd);
		return MSI_EXIT_USAGE;
	}
	id->mtime = st.st_mtim;
	id->hash = FNV_OFFSET;
	for (;;) {
		if ((got = read(fd, buf, BLOCK)) < 0) {
			if (errno == EINTR)
				continue;
			msg_syswarn("%s", name);
			close(fd);
			return MSI_EXIT_IO;
		}
		if (got == 0)
			break;
		id->size += (uint64_t)got;
		id->hash = fnv1a(id->hash, buf, (size_t)got);
		id->records += count_records(&scan, buf, (size_t)got);
	}
	if (!scan.decided && scan.len > NDJSON_MAX_LINE)
		id->records++; /* the last line, without its LF */
	close(fd);
	return 0;
}

/*
 * Identifies the input files names[0..n), one sequential read each.
 * Standard input ("-") cannot be read again: refused. Returns 0, or an
 * exit status after a message; inputs_free frees in either way.
 */
int
inputs_identify(struct inputs *in, char *const *names, int n)
{
	unsigned char *buf;
	int i, st = 0;

	memset(in, 0, sizeof *in);
	in->names = names;
	in->n = n;
	in->id = ecalloc((size_t)n, sizeof *in->id);
	for (i = 0; i < n; i++)
		if (strcmp(names[i], "-") == 0) {
			msg_warn(
			    "--state: standard input cannot be read again to know it for the "
			    "input a checkpoint counted: give a file");
			return MSI_EXIT_USAGE;
		}
	buf = emalloc(BLOCK);
	for (i = 0; i < n && st == 0; i++)
		if ((st = identify(names[i], &in->id[i], buf)) == 0)
			in->records += in->id[i].records;
	free(buf);
	return st;
}

void
inputs_free(struct inputs *in)
{
	free(in->id);
	in->id = NULL;
}

/* The names, as a state keeps them: a new reference. */
json_t *
inputs_names(const struct inputs *in)
{
	json_t *names = json_array();
	int i;

	for (i = 0; i < in->n; i++)
		json_array_append_new(names, json_string(in->names[i]));
	return names;
}

/* [{"size","records","fnv1a64"}] a file, as a state keeps them: a new reference. */
json_t *
inputs_identity(const struct inputs *in)
{
	json_t *ids = json_array();
	char hex[17];
	int i;

	for (i = 0; i < in->n; i++) {
		snprintf(hex, sizeof hex, "%016" PRIx64, in->id[i].hash);
		json_array_append_new(
		    ids, json_pack("{s:I, s:I, s:s}", "size", (json_int_t)in->id[i].size,
		             "records", (json_int_t)in->id[i].records, "fnv1a64", hex));
	}
	return ids;
}

/* A member of a state's "identity" read back (borrowed): 0, or -1 when not one written. */
static int
identity_read(const json_t *v, struct inputid *id)
{
	const json_t *size = json_object_get(v, "size"),
	             *records = json_object_get(v, "records");
	const char *hex = json_string_value(json_object_get(v, "fnv1a64"));
	size_t i;

	memset(id, 0, sizeof *id);
	if (!json_is_integer(size) || json_integer_value(size) < 0 ||
	    !json_is_integer(records) || json_integer_value(records) < 0 ||
	    json_integer_value(records) > json_integer_value(size) || hex == NULL ||
	    strlen(hex) != 16)
		return -1;
	for (i = 0; i < 16; i++) {
		if (hex[i] >= '0' && hex[i] <= '9')
			id->hash = id->hash << 4 | (uint64_t)(hex[i] - '0');
		else if (hex[i] >= 'a' && hex[i] <= 'f')
			id->hash = id->hash << 4 | (uint64_t)(hex[i] - 'a' + 10);
		else
			return -1;
	}
	id->size = (uint64_t)json_integer_value(size);
	id->records = (uint64_t)json_integer_value(records);
	return 0;
}

/* Whether s has no control character: a name read back is printed in messages. */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
newer(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/*
 * Whether the state (borrowed), its "input" and "identity" members, was
 * made for in. *records gets the records of the input it was made for
 * (UINT64_MAX when it cannot tell): what its counts are checked against.
 * A state of a version before identities (no "identity") names its files
 * only: it is taken for them when none was modified after it was last
 * written (state_st), as in a run folder whose inputs never change, and
 * for others otherwise. why says what is wrong.
 */
enum inputs_verdict
inputs_compare(const struct inputs *in, const json_t *state, const struct stat *state_st,
    uint64_t *records, char *why, size_t size)
{
	const json_t *names = json_object_get(state, "input"),
	             *ids = json_object_get(state, "identity");
	const char *name, *changed = NULL;
	struct inputid was;
	size_t i, n = json_array_size(names), other = SIZE_MAX;
	uint64_t total = 0;

	*records = UINT64_MAX;
	if (!json_is_array(names) || n == 0) {
		snprintf(why, size, "input: not the array of the input files' names");
		return INPUTS_BAD;
	}
	for (i = 0; i < n; i++) {
		if ((name = json_string_value(json_array_get(names, i))) == NULL ||
		    !printable(name)) {
			snprintf(why, size, "input[%zu]: not a file name", i);
			return INPUTS_BAD;
		}
		if (other == SIZE_MAX &&
		    (i >= (size_t)in->n || strcmp(name, in->names[i]) != 0))
			other = i;
	}
	if (other == SIZE_MAX && n < (size_t)in->n)
		other = n;
	if (ids != NULL && (!json_is_array(ids) || json_array_size(ids) != n)) {
		snprintf(why, size, "identity: not one {size, records, fnv1a64} an input file");
		return INPUTS_BAD;
	}
	for (i = 0; ids != NULL && i < n; i++) {
		if (identity_read(json_array_get(ids, i), &was) != 0 ||
		    was.records > UINT64_MAX - total) {
			snprintf(why, size,
			    "identity[%zu]: not {size, records, fnv1a64} of a file", i);
			return INPUTS_BAD;
		}
		total += was.records;
		if (other != SIZE_MAX || changed != NULL)
			continue;
		if (was.size != in->id[i].size)
			changed = "size";
		else if (was.hash != in->id[i].hash)
			changed = "content";
		else if (was.records != in->id[i].records) {
			snprintf(why, size,
			    "identity[%zu]: %" PRIu64 " records, of a file that has %" PRIu64,
			    i, was.records, in->id[i].records);
			return INPUTS_BAD;
		}
		if (changed != NULL)
			snprintf(why, size, "the checkpoint of another %s (changed since: %s)",
			    in->names[i], changed);
	}
	if (ids != NULL)
		*records = total;
	if (other != SIZE_MAX) {
		if (other < n && other < (size_t)in->n)
			snprintf(why, size, "the checkpoint of another input (%s, not %s)",
			    json_string_value(json_array_get(names, other)), in->names[other]);
		else if (other < n)
			snprintf(why, size, "the checkpoint of more input files (%s too)",
			    json_string_value(json_array_get(names, other)));
		else
			snprintf(why, size, "the checkpoint of fewer input files (not %s)",
			    in->names[other]);
		return INPUTS_OTHER;
	}
	if (changed != NULL)
		return INPUTS_OTHER;
	for (i = 0; ids == NULL && i < n; i++)
		if (newer(&in->id[i].mtime, &state_st->st_mtim)) {
			snprintf(why, size,
			    "a checkpoint of an earlier version, which names %s but not its size or "
			    "content, and the file was modified after it",
			    in->names[i]);
			return INPUTS_OTHER;
		}
	*records = in->records;
	return INPUTS_SAME;
}

/*
 * A state of other inputs (why, from inputs_compare): the run starts
 * afresh, with a note, when the state would have it pass over nothing
 * that a new input needs sent (settled says why: its run answered all
 * its input, or nothing); it is refused otherwise, with what to do.
 * Returns 0 or MSI_EXIT_USAGE.
 */
int
inputs_other(
    const struct inputs *in, const char *state_name, const char *why, const char *settled)
{
	if (settled != NULL) {
		msg_warn("%s: %s, %s: starting afresh", state_name, why, settled);
		return 0;
	}
	msg_warn("%s: %s; give the %s it was made for, or remove %s to start afresh",
	    state_name, why, in->n > 1 ? "files" : "file", state_name);
	return MSI_EXIT_USAGE;
}
