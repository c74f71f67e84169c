/* msi-extract.c: Salesforce CSV exports to NDJSON records, one per row. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "csvin.h"
#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "jsonbuf.h"
#include "msg.h"
#include "ndjson.h"
#include "numarg.h"
#include "reject.h"
#include "rowpipe.h"
#include "stats.h"

/* Salesforce object names are API names: a letter, then letters, digits, '_'. */
#define MAX_TYPE 80

struct extract {
	/* per file */
	const char *file;      /* as named on the command line, or <stdin> */
	struct jsonbuf prefix; /* {"attributes":{"type":...,"file":...,"line": */
	struct jsonbuf keys;   /* ,"Name": for each column, end to end */
	size_t *keyoff;        /* where column i's key starts in keys */
	size_t nkeys;
	size_t id_col; /* the column named Id, or (size_t)-1 */

	/* per run */
	struct jsonbuf out; /* the record being written */
	FILE *rejects;
	const char *rejects_name;
	unsigned long rows, written, rejected;
};

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-extract [-hsV] [-d delimiter] [-e encoding] [-m max-row-size]\n"
	      "                   [-o object] [-r rejects] [--stats-json file] [file ...]\n",
	    fp);
	exit(status);
}

static int
valid_type(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > MAX_TYPE)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

		if (!letter && (i == 0 || !((c >= '0' && c <= '9') || c == '_')))
			return 0;
	}
	return 1;
}

/* The object type a file holds: Lead.csv holds Lead records. */
static void
type_from_name(const char *path, char type[MAX_TYPE + 1])
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && strcasecmp(base + n - 4, ".csv") == 0)
		n -= 4;
	if (!valid_type(base, n)) {
		msg_warn("cannot tell the object type from the file name \"%s\"; "
		         "use --object",
		    path);
		usage(stderr, MSI_EXIT_USAGE);
	}
	memcpy(type, base, n);
	type[n] = '\0';
}

static unsigned char
parse_delimiter(const char *s)
{
	static const struct {
		const char *name;
		unsigned char c;
	} names[] = {
	    {"comma", ','},
	    {"tab", '\t'},
	    {"pipe", '|'},
	    {"semicolon", ';'},
	    {"caret", '^'},
	    {"backquote", '`'},
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(s, names[i].name) == 0 ||
		    (s[0] == (char)names[i].c && s[1] == '\0'))
			return names[i].c;
	if (strcmp(s, "\\t") == 0)
		return '\t';
	msg_warn("unknown delimiter \"%s\": use comma, tab, pipe, semicolon, "
	         "caret or backquote",
	    s);
	usage(stderr, MSI_EXIT_USAGE);
	return 0;
}

/*
 * Writes a bad row to the rejects file, or, without one, reports it and
 * asks the reader to stop. The raw text goes out as it was read; text that
 * is not UTF-8 is carried as Latin-1 (each byte one code point) and marked.
 */
static int
reject(struct extract *x, const struct csvin_row *row, const char *reason)
{
	struct reject r = {0};
	json_t *extra, *raw;
	int status;

	x->rejected++;
	if (x->rejects == NULL) {
		msg_at(x->file, row->line, "%s", reason);
		return MSI_EXIT_BADINPUT;
	}
	if ((raw = json_stringn(row->raw, row->rawlen)) != NULL) {
		extra = json_pack("{s:o}", "raw", raw);
	} else {
		struct jsonbuf conv = {0};

		jsonbuf_addlatin1(&conv, row->raw, row->rawlen);
		extra = json_pack("{s:s%, s:s}", "raw", conv.data ? conv.data : "", conv.len,
		    "raw_encoding", "latin1");
		jsonbuf_free(&conv);
	}
	/* the record's id, when the row has its column: a later stage may know it by it */
	if (x->id_col != (size_t)-1 && row->nfields > x->id_col && row->len[x->id_col] > 0 &&
	    (raw = json_stringn(row->field[x->id_col], row->len[x->id_col])) != NULL)
		json_object_set_new(extra, "id", raw);
	r.stage = "extract";
	r.status = "rejected";
	r.reason = reason;
	r.file = x->file;
	r.line = row->line;
	r.extra = extra;
	status = reject_write(x->rejects, x->rejects_name, &r);
	json_decref(extra);
	return status;
}

static int
on_header(void *ctx, const struct csvin_row *row)
{
	struct extract *x = ctx;
	size_t i;

	if (row->error != NULL) {
		msg_at(x->file, row->line, "%s", row->error);
		return MSI_EXIT_BADINPUT;
	}
	x->keys.len = 0;
	free(x->keyoff);
	x->keyoff = emalloc(row->nfields * sizeof *x->keyoff);
	x->nkeys = row->nfields;
	x->id_col = (size_t)-1;
	for (i = 0; i < row->nfields; i++) {
		if (row->len[i] == 2 && strncasecmp(row->field[i], "Id", 2) == 0)
			x->id_col = i;
		if (row->len[i] == 10 && strncasecmp(row->field[i], "attributes", 10) == 0) {
			msg_at(x->file, row->line,
			    "column %zu is named \"%.*s\", which "
			    "records keep for their type and position",
			    i + 1, (int)row->len[i], row->field[i]);
			return MSI_EXIT_BADINPUT;
		}
		x->keyoff[i] = x->keys.len;
		jsonbuf_add(&x->keys, ",", 1);
		if (jsonbuf_addjsonstr(&x->keys, row->field[i], row->len[i]) != 0) {
			msg_at(x->file, row->line,
			    "column %zu of the header is not valid "
			    "UTF-8 (--encoding utf8 was given; without it the "
			    "encoding is decided from the file)",
			    i + 1);
			return MSI_EXIT_BADINPUT;
		}
		jsonbuf_add(&x->keys, ":", 1);
	}
	return 0;
}

static int
on_row(void *ctx, const struct csvin_row *row)
{
	struct extract *x = ctx;
	struct jsonbuf *out = &x->out;
	char why[200];
	size_t i, keyend;

	x->rows++;
	if (row->error != NULL)
		return reject(x, row, row->error);

	out->len = 0;
	jsonbuf_add(out, x->prefix.data, x->prefix.len);
	jsonbuf_addulong(out, row->line);
	jsonbuf_add(out, "}", 1);
	for (i = 0; i < row->nfields; i++) {
		keyend = i + 1 < x->nkeys ? x->keyoff[i + 1] : x->keys.len;
		jsonbuf_add(out, x->keys.data + x->keyoff[i], keyend - x->keyoff[i]);
		if (row->len[i] == 0) {
			jsonbuf_add(out, "null", 4);
		} else if (jsonbuf_addjsonstr(out, row->field[i], row->len[i]) != 0) {
			/* The key, less its ',' and ':', names the field. */
			snprintf(why, sizeof why,
			    "field %.*s is not valid UTF-8 (--encoding utf8 "
			    "was given; without it the encoding is decided from the file)",
			    (int)(keyend - x->keyoff[i] - 2), x->keys.data + x->keyoff[i] + 1);
			return reject(x, row, why);
		}
	}
	jsonbuf_add(out, "}\n", 2);
	if (fwrite(out->data, 1, out->len, stdout) != out->len || ferror(stdout))
		return fwrite_failed(stdout, "stdout");
	x->written++;
	return 0;
}

/* Starts a file's records: the part of each record that names type and file. */
static int
begin_file(struct extract *x, const char *path, const char *type)
{
	x->file = strcmp(path, "-") == 0 ? "<stdin>" : path;
	x->prefix.len = 0;
	jsonbuf_addstr(&x->prefix, "{\"attributes\":{\"type\":");
	jsonbuf_addjsonstr(&x->prefix, type, strlen(type));
	jsonbuf_addstr(&x->prefix, ",\"file\":");
	if (jsonbuf_addjsonstr(&x->prefix, x->file, strlen(x->file)) != 0) {
		msg_warn("%s: the file name is not valid UTF-8", path);
		return MSI_EXIT_USAGE;
	}
	jsonbuf_addstr(&x->prefix, ",\"line\":");
	return 0;
}

/* Reads every file, in order; returns 0 or an exit status. */
static int
extract_files(struct extract *x, char *const *files, char (*types)[MAX_TYPE + 1],
    const struct csvin_opts *opts, struct rowpipe_file *found)
{
	struct rowpipe_item item;
	struct rowpipe *pipe;
	int status = 0;

	pipe = rowpipe_start(files, opts);
	while (status == 0 && rowpipe_next(pipe, &item)) {
		switch (item.kind) {
		case ROWPIPE_FILE:
			if (item.errnum != 0) {
				msg_warn("%s: %s", files[item.file], strerror(item.errnum));
				status = MSI_EXIT_IO;
			} else {
				status = begin_file(x, files[item.file], types[item.file]);
			}
			break;
		case ROWPIPE_HEADER: status = on_header(x, &item.row); break;
		case ROWPIPE_ROW: status = on_row(x, &item.row); break;
		case ROWPIPE_END: break;
		}
	}
	if (status != 0)
		rowpipe_stop(pipe);
	rowpipe_finish(pipe, found);
	if (status == 0 && item.errnum != 0) {
		if (found[item.file].spool_failed) {
			const char *dir = getenv("TMPDIR");

			msg_warn("%s: cannot copy it to a temporary file in %s to decide its "
			         "encoding: %s (set TMPDIR, or name the encoding with --encoding)",
			    x->file, dir != NULL && *dir != '\0' ? dir : "/tmp",
			    strerror(item.errnum));
		} else {
			msg_warn("%s: %s", x->file, strerror(item.errnum));
		}
		status = MSI_EXIT_IO;
	}
	return status;
}

/*
 * --stats: how each file read was taken, when there was a choice made or
 * something dropped: "Lead.csv: read as cp1252 (not UTF-8); NUL bytes
 * dropped: 3".
 */
static void
report_files(char *const *files, const struct rowpipe_file *found, enum textenc asked)
{
	size_t i;

	for (i = 0; files[i] != NULL; i++) {
		const char *name = strcmp(files[i], "-") == 0 ? "<stdin>" : files[i];
		int decided = asked == TEXTENC_AUTO && found[i].encoding != TEXTENC_UTF8;

		if (!found[i].read || (!decided && found[i].nul == 0))
			continue;
		if (decided && found[i].nul > 0)
			msg_warn("%s: read as %s (not UTF-8); NUL bytes dropped: %lu", name,
			    textenc_name(found[i].encoding), found[i].nul);
		else if (decided)
			msg_warn("%s: read as %s (not UTF-8)", name, textenc_name(found[i].encoding));
		else
			msg_warn("%s: NUL bytes dropped: %lu", name, found[i].nul);
	}
}

/* --stats-json's "files": [{"file", "encoding", "nul_bytes"}] for each file read. */
static json_t *
files_json(char *const *files, const struct rowpipe_file *found)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; files[i] != NULL; i++)
		if (found[i].read)
			json_array_append_new(a,
			    json_pack("{s:s, s:s, s:I}", "file",
			        strcmp(files[i], "-") == 0 ? "<stdin>" : files[i], "encoding",
			        textenc_name(found[i].encoding), "nul_bytes", (json_int_t)found[i].nul));
	return a;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"delimiter", required_argument, NULL, 'd'},
	    {"encoding", required_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {"max-row-size", required_argument, NULL, 'm'},
	    {"object", required_argument, NULL, 'o'},
	    {"rejects", required_argument, NULL, 'r'},
	    {"stats", no_argument, NULL, 's'},
	    {"stats-json", required_argument, NULL, 'S'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct csvin_opts opts = {',', TEXTENC_AUTO, CSVIN_MAX_ROW};
	struct rowpipe_file *found;
	struct extract x;
	const char *object = NULL, *stats_file = NULL;
	char *stdin_only[] = {"-", NULL};
	char **files, (*types)[MAX_TYPE + 1];
	int ch, stats = 0, status, i;
	long size;

	msg_init(argv[0]);
	memset(&x, 0, sizeof x);
	x.id_col = (size_t)-1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:e:hm:o:r:sV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': opts.delim = parse_delimiter(optarg); break;
		case 'e':
			if (textenc_parse(optarg, &opts.encoding) != 0) {
				msg_warn("unknown encoding \"%s\": use auto, utf8, latin1, "
				         "cp1252 or utf16",
				    optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'm':
			if (numarg_size(optarg, 1024, &size) != 0) {
				msg_warn("bad --max-row-size \"%s\": a size of at least 1K, "
				         "such as 64M",
				    optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			opts.max_row = (size_t)size;
			break;
		case 'o':
			if (!valid_type(optarg, strlen(optarg))) {
				msg_warn("\"%s\" is not a Salesforce object name", optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			object = optarg;
			break;
		case 'r': x.rejects_name = optarg; break;
		case 's': stats = 1; break;
		case 'S': stats_file = optarg; break;
		case 'V': printf("msi-extract %s\n", MSI_VERSION); return MSI_EXIT_OK;
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	files = argc > 0 ? argv : stdin_only;
	types = emalloc((size_t)(argc + 1) * sizeof *types);
	for (i = 0; files[i] != NULL; i++) {
		if (object != NULL) {
			snprintf(types[i], sizeof types[i], "%s", object);
		} else if (strcmp(files[i], "-") == 0) {
			msg_warn("standard input has no file name to take the object "
			         "type from; use --object");
			usage(stderr, MSI_EXIT_USAGE);
		} else {
			type_from_name(files[i], types[i]);
		}
	}
	if (x.rejects_name != NULL && (x.rejects = fopen_private(x.rejects_name, 0)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", x.rejects_name);

	found = ecalloc((size_t)i + 1, sizeof *found);
	status = extract_files(&x, files, types, &opts, found);

	if (fshut(stdout, "stdout") != 0 && status == 0)
		status = MSI_EXIT_IO;
	if (x.rejects != NULL && fshut(x.rejects, x.rejects_name) != 0 && status == 0)
		status = MSI_EXIT_IO;
	if (stats)
		report_files(files, found, opts.encoding);
	if (stats)
		msg_warn(
		    "rows: %lu read, %lu written, %lu rejected", x.rows, x.written, x.rejected);
	if (status == 0 && x.rejected > 0) {
		msg_warn("rows rejected: %lu, see %s", x.rejected, x.rejects_name);
		status = MSI_EXIT_REJECTS;
	}
	if (stats_file != NULL &&
	    stats_write(stats_file,
	        json_pack("{s:s, s:I, s:I, s:I, s:o, s:i}", "tool", "msi-extract", "rows",
	            (json_int_t)x.rows, "written", (json_int_t)x.written, "rejected",
	            (json_int_t)x.rejected, "files", files_json(files, found), "status", status)) != 0 &&
	    status == 0)
		status = MSI_EXIT_IO;
	free(found);
	jsonbuf_free(&x.out);
	jsonbuf_free(&x.prefix);
	jsonbuf_free(&x.keys);
	free(x.keyoff);
	free(types);
	return status;
}
