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
#include "extract.h"
#include "sfquery.h"
#include "stats.h"

/* Salesforce object names are API names: a letter, then letters, digits, '_'. */
#define MAX_TYPE 80

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-extract [-hsV] [-d delimiter] [-e encoding] [-m max-row-size]\n"
	      "                   [-o object] [-r rejects] [--stats-json file] [file ...]\n"
	      "       msi-extract --salesforce -o object [-hsV] [-C config] [-r rejects]\n"
	      "                   [--all-rows] [--fields list | --map map | --soql query]\n"
	      "                   [--max-records n] [--max-retries n] [--poll-max seconds]\n"
	      "                   [--state file] [--stats-json file] [--timeout seconds]\n",
	    fp);
	exit(status);
}

int
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
int
extract_reject(struct extract *x, const struct csvin_row *row, const char *reason)
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

int
extract_header(void *ctx, const struct csvin_row *row)
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

int
extract_row(void *ctx, const struct csvin_row *row)
{
	struct extract *x = ctx;
	struct jsonbuf *out = &x->out;
	char why[200];
	size_t i, keyend;

	x->rows++;
	if (row->error != NULL)
		return extract_reject(x, row, row->error);

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
			return extract_reject(x, row, why);
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
		case ROWPIPE_HEADER: status = extract_header(x, &item.row); break;
		case ROWPIPE_ROW: status = extract_row(x, &item.row); break;
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

/*
 * --salesforce: object read from the org, written as an export's rows are;
 * --state's new mark is written once the records are out.
 */
static int
extract_live(struct extract *x, struct sfquery_opts *sq, const char *object, int nfiles,
    int file_opts, int stats, const char *stats_file)
{
	json_t *st;
	int status, cst;

	if (object == NULL) {
		msg_warn("--salesforce needs --object: the object to read");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (nfiles > 0 || file_opts) {
		msg_warn("--salesforce reads the org, not files: no file, --delimiter, --encoding "
		         "or --max-row-size");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if ((sq->soql != NULL) + (sq->fields != NULL) + (sq->map != NULL) > 1) {
		msg_warn("one of --fields, --map and --soql");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (sq->soql != NULL && sq->state != NULL) {
		msg_warn("--state asks for what changed since its mark, which it adds to the "
		         "query it makes: not with --soql");
		usage(stderr, MSI_EXIT_USAGE);
	}
	sq->object = object;
	sq->stats = stats;
	if (x->rejects_name != NULL && (x->rejects = fopen_private(x->rejects_name, 0)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", x->rejects_name);
	st = json_object();
	status = sfquery_run(x, sq, st);
	if (fshut(stdout, "stdout") != 0 && status == 0)
		status = MSI_EXIT_IO;
	if (x->rejects != NULL && fshut(x->rejects, x->rejects_name) != 0 && status == 0)
		status = MSI_EXIT_IO;
	/* the records are out: now, and only now, the mark moves */
	if ((cst = sfquery_commit(status == 0)) != 0 && status == 0)
		status = cst;
	if (stats)
		msg_warn("rows: %lu read, %lu written, %lu rejected", x->rows, x->written,
		    x->rejected);
	if (status == 0 && x->rejected > 0) {
		msg_warn("rows rejected: %lu, see %s", x->rejected, x->rejects_name);
		status = MSI_EXIT_REJECTS;
	}
	json_object_update_new(st, json_pack("{s:s, s:I, s:I, s:I, s:i}", "tool", "msi-extract", "rows",
	    (json_int_t)x->rows, "written", (json_int_t)x->written, "rejected",
	    (json_int_t)x->rejected, "status", status));
	if (stats_file == NULL)
		json_decref(st);
	else if (stats_write(stats_file, st) != 0 && status == 0)
		status = MSI_EXIT_IO;
	jsonbuf_free(&x->out);
	jsonbuf_free(&x->prefix);
	jsonbuf_free(&x->keys);
	free(x->keyoff);
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"all-rows", no_argument, NULL, 'A'},
	    {"config", required_argument, NULL, 'C'},
	    {"delimiter", required_argument, NULL, 'd'},
	    {"fields", required_argument, NULL, 'F'},
	    {"map", required_argument, NULL, 'M'},
	    {"max-records", required_argument, NULL, 'R'},
	    {"max-retries", required_argument, NULL, 'y'},
	    {"poll-max", required_argument, NULL, 'P'},
	    {"salesforce", no_argument, NULL, 'L'},
	    {"soql", required_argument, NULL, 'Q'},
	    {"state", required_argument, NULL, 'T'},
	    {"timeout", required_argument, NULL, 't'},
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
	struct sfquery_opts sq = {0};
	int live = 0, file_opts = 0;
	struct rowpipe_file *found;
	struct extract x;
	const char *object = NULL, *stats_file = NULL;
	char *stdin_only[] = {"-", NULL};
	char **files, (*types)[MAX_TYPE + 1];
	int ch, stats = 0, status, i;
	long size, n;

	msg_init(argv[0]);
	sq.max_records = 50000;
	sq.timeout_ms = 120000;
	sq.max_retries = 5;
	sq.poll_max = 10;
	memset(&x, 0, sizeof x);
	x.id_col = (size_t)-1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":C:d:e:hm:o:r:sV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'A': sq.all_rows = 1; break;
		case 'C': sq.config = optarg; break;
		case 'F': sq.fields = optarg; break;
		case 'L': live = 1; break;
		case 'M': sq.map = optarg; break;
		case 'P':
			if (numarg(optarg, 1, &n) != 0 || n > 3600) {
				msg_warn("bad --poll-max \"%s\": seconds from 1 to 3600", optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			sq.poll_max = (double)n;
			break;
		case 'Q': sq.soql = optarg; break;
		case 'R':
			if (numarg(optarg, 1, &n) != 0 || n > 100000000) {
				msg_warn("bad --max-records \"%s\": a number of rows from 1", optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			sq.max_records = n;
			break;
		case 'T': sq.state = optarg; break;
		case 't':
			if (numarg(optarg, 1, &n) != 0 || n > 86400) {
				msg_warn("bad --timeout \"%s\": seconds from 1", optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			sq.timeout_ms = n * 1000;
			break;
		case 'y':
			if (numarg(optarg, 0, &n) != 0 || n > 100) {
				msg_warn("bad --max-retries \"%s\": a number from 0 to 100", optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			sq.max_retries = (int)n;
			break;
		case 'd': opts.delim = parse_delimiter(optarg); file_opts = 1; break;
		case 'e':
			file_opts = 1;
			if (textenc_parse(optarg, &opts.encoding) != 0) {
				msg_warn("unknown encoding \"%s\": use auto, utf8, latin1, "
				         "cp1252 or utf16",
				    optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			break;
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'm':
			file_opts = 1;
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
	if (live)
		return extract_live(&x, &sq, object, argc, file_opts, stats, stats_file);
	if (sq.all_rows || sq.config || sq.fields || sq.map || sq.soql || sq.state) {
		msg_warn("--all-rows, --config, --fields, --map, --soql and --state go with "
		         "--salesforce");
		usage(stderr, MSI_EXIT_USAGE);
	}
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
