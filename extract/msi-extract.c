/*
 * msi-extract.c: Salesforce CSV exports to NDJSON records, one per row.
 * With --salesforce it runs msi-extract-salesforce, which reads a live
 * org: only that program links libcurl and libcrypto, so reading files
 * loads neither.
 */
#include <errno.h>
#include <unistd.h>
#include <getopt.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "csvin.h"
#include "ealloc.h"
#include "exitcode.h"
#include "finish.h"
#include "fshut.h"
#include "jsonbuf.h"
#include "msg.h"
#include "ndjson.h"
#include "numarg.h"
#include "reject.h"
#include "rowpipe.h"
#include "extract.h"
#include "stats.h"

#define MAX_TYPE EXTRACT_MAX_TYPE

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-extract [-hsV] [-d delimiter] [-e encoding] [-m max-row-size]\n"
	      "                   [-o object] [-r rejects] [--stats-json file] [file ...]\n"
	      "       " EXTRACT_SALESFORCE_USAGE EXTRACT_SALESFORCE_CHECK_USAGE,
	    fp);
	if (status == MSI_EXIT_OK)
		fputs(
		    "\n" EXTRACT_COMMON_HELP
		    "  -d, --delimiter name     comma (default), tab, pipe, semicolon, caret or `\n"
		    "  -e, --encoding name      auto (default), utf8, latin1, cp1252 or utf16\n"
		    "  -m, --max-row-size size  a row's bytes at most, K, M or G (default 64M)\n"
		    "  -o, --object object      every file holds this object, whatever its name\n"
		    "  file                     an export file, Object.csv (none or -: stdin)\n"
		    "\n" EXTRACT_SALESFORCE_HELP "\nSee msi-extract(1).\n",
		    fp);
	usage_exit(status);
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

			msg_warn(
			    "%s: cannot copy it to a temporary file in %s to decide its "
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
			msg_warn("%s: read as %s (not UTF-8)", name,
			    textenc_name(found[i].encoding));
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
			json_array_append_new(
			    a, json_pack("{s:s, s:s, s:I}", "file",
			           strcmp(files[i], "-") == 0 ? "<stdin>" : files[i],
			           "encoding", textenc_name(found[i].encoding), "nul_bytes",
			           (json_int_t)found[i].nul));
	return a;
}

/*
 * --salesforce: msi-extract-salesforce takes the run over, with the same
 * arguments and name (its messages are msi-extract's): from PATH, else
 * from beside this program, as named in argv[0].
 */
static noreturn void
run_salesforce(char *argv[])
{
	const char *slash = strrchr(argv[0], '/');
	char *path;
	size_t n;
	int err;

	execvp(EXTRACT_SALESFORCE, argv);
	err = errno;
	if (slash != NULL) {
		n = (size_t)(slash - argv[0]) + sizeof EXTRACT_SALESFORCE + 1;
		path = emalloc(n);
		snprintf(
		    path, n, "%.*s/%s", (int)(slash - argv[0]), argv[0], EXTRACT_SALESFORCE);
		execv(path, argv);
		err = errno;
		free(path);
	}
	msg_fatal(MSI_EXIT_IO, "--salesforce: cannot run %s (installed with msi-extract): %s",
	    EXTRACT_SALESFORCE, strerror(err));
}

/* What the end of the run reports on: the counts, the files and what they were read as. */
struct end {
	const struct extract *x;
	char *const *files;
	const struct rowpipe_file *found;
	enum textenc encoding;
	int stats;
};

/* --stats: each file's encoding and the rows. */
static void
summary(void *ctx, int status)
{
	const struct end *e = ctx;

	(void)status;
	if (!e->stats)
		return;
	report_files(e->files, e->found, e->encoding);
	msg_warn("rows: %lu read, %lu written, %lu rejected", e->x->rows, e->x->written,
	    e->x->rejected);
}

/* --stats-json's counts. */
static json_t *
counts(void *ctx, int status)
{
	const struct end *e = ctx;

	(void)status;
	return json_pack("{s:s, s:I, s:I, s:I, s:o}", "tool", "msi-extract", "rows",
	    (json_int_t)e->x->rows, "written", (json_int_t)e->x->written, "rejected",
	    (json_int_t)e->x->rejected, "files", files_json(e->files, e->found));
}

/* The run's options, besides the extract's own (rejects). */
struct options {
	struct csvin_opts csv;
	const char *object, *stats_file;
	int stats;
};

/* The options; returns the input files (standard input without any). */
static char **
parse_options(int argc, char *argv[], struct extract *x, struct options *o)
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
	static char *stdin_only[] = {"-", NULL};
	long size;
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:e:hm:o:r:sV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': o->csv.delim = parse_delimiter(optarg); break;
		case 'e':
			if (textenc_parse(optarg, &o->csv.encoding) != 0) {
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
			o->csv.max_row = (size_t)size;
			break;
		case 'o':
			if ((o->object = object_arg(optarg)) == NULL)
				usage(stderr, MSI_EXIT_USAGE);
			break;
		case 'r': x->rejects_name = optarg; break;
		case 's': o->stats = 1; break;
		case 'S': o->stats_file = optarg; break;
		case 'V': printf("msi-extract %s\n", MSI_VERSION); exit(MSI_EXIT_OK);
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	return optind < argc ? argv + optind : stdin_only;
}

/* An object's name, as a file's names it. */
typedef char objtype[MAX_TYPE + 1];

/* Each file's object: --object's, else its name's; standard input needs --object. */
static objtype *
object_types(char **files, const char *object)
{
	objtype *types;
	size_t i, n = 0;

	while (files[n] != NULL)
		n++;
	types = emalloc((n + 1) * sizeof *types);
	for (i = 0; i < n; i++) {
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
	return types;
}

int
main(int argc, char *argv[])
{
	struct options o = {{',', TEXTENC_AUTO, CSVIN_MAX_ROW}, NULL, NULL, 0};
	struct rowpipe_file *found;
	struct extract x;
	struct end end;
	char **files;
	objtype *types;
	int status, i, n;

	msg_init(argv[0]);
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--salesforce") == 0)
			run_salesforce(argv);
	memset(&x, 0, sizeof x);
	x.id_col = (size_t)-1;
	files = parse_options(argc, argv, &x, &o);
	types = object_types(files, o.object);
	if (x.rejects_name != NULL && (x.rejects = fopen_private(x.rejects_name, 0)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", x.rejects_name);

	for (n = 0; files[n] != NULL; n++)
		;
	found = ecalloc((size_t)n + 1, sizeof *found);
	status = extract_files(&x, files, types, &o.csv, found);

	end = (struct end){&x, files, found, o.csv.encoding, o.stats};
	status = finish_run(&(struct finish){x.rejects, x.rejects_name, x.rejected, "rows",
	                        o.stats_file, summary, counts, &end},
	    status);
	free(found);
	jsonbuf_free(&x.out);
	jsonbuf_free(&x.prefix);
	jsonbuf_free(&x.keys);
	free(x.keyoff);
	free(types);
	return status;
}
