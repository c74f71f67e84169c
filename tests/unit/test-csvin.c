/* test-csvin.c: CSV rows with positions, raw text and reasons, whatever the chunking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "jsonbuf.h"
#include "unit.h"

/* Appends s, NUL bytes shown as \0 so that the transcript stays one string. */
static void
add_visible(struct jsonbuf *t, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\0')
			jsonbuf_addstr(t, "\\0");
		else
			jsonbuf_add(t, s + i, 1);
	}
}

/*
 * Every row is written to a transcript as "H|R|line|nfields|fields|raw|error",
 * fields joined with '/', so one string shows all that the reader reported.
 */
static int
log_row(struct jsonbuf *t, const struct csvin_row *row, const char *kind)
{
	char num[64];
	size_t i;

	snprintf(num, sizeof num, "%s%lu:%zu[", kind, row->line, row->nfields);
	jsonbuf_addstr(t, num);
	for (i = 0; i < row->nfields; i++) {
		if (i > 0)
			jsonbuf_add(t, "/", 1);
		add_visible(t, row->field[i], row->len[i]);
		/* The fields lie end to end, as csvin.h promises. */
		if (i > 0 && row->field[i] != row->field[i - 1] + row->len[i - 1])
			jsonbuf_addstr(t, "(NOT CONTIGUOUS)");
	}
	jsonbuf_addstr(t, "]");
	if (row->error != NULL) {
		jsonbuf_addstr(t, "!");
		jsonbuf_addstr(t, row->error);
		jsonbuf_addstr(t, "{");
		add_visible(t, row->raw, row->rawlen);
		jsonbuf_addstr(t, "}");
	}
	jsonbuf_addstr(t, "\n");
	return 0;
}

static int
on_header(void *ctx, const struct csvin_row *row)
{
	return log_row(ctx, row, "H");
}

static int
on_row(void *ctx, const struct csvin_row *row)
{
	return log_row(ctx, row, "R");
}

/* Rows as raw text; every row is marked bad so that its raw text is logged. */
static int
on_raw(void *ctx, const struct csvin_row *row)
{
	struct jsonbuf *t = ctx;

	jsonbuf_addstr(t, "<");
	jsonbuf_add(t, row->raw, row->rawlen);
	jsonbuf_addstr(t, ">");
	return 0;
}

/* The row size limit run() gives the reader (0: the default). */
static size_t max_row;

/* Feeds text in pieces of chunk bytes (0: all at once); returns the transcript. */
static char *
run(const char *text, size_t len, size_t chunk, unsigned char delim, int latin1,
    csvin_fn row_fn)
{
	struct csvin_opts o = {delim, latin1, max_row};
	struct jsonbuf t = {0};
	struct csvin *c = csvin_new(&o, row_fn == on_raw ? on_raw : on_header, row_fn, &t);
	size_t i, n;

	if (chunk == 0)
		chunk = len ? len : 1;
	for (i = 0; i < len; i += n) {
		n = len - i < chunk ? len - i : chunk;
		csvin_feed(c, text + i, n);
	}
	csvin_finish(c);
	csvin_free(c);
	jsonbuf_add(&t, "", 1);
	return t.data;
}

/*
 * csvin_read on a file holding n bytes of text in encoding enc: the
 * transcript, the encoding it read and the NUL bytes it dropped.
 */
static void
check_read(const char *name, const char *text, size_t n, enum textenc enc, const char *want,
    const char *want_enc, unsigned long want_nul)
{
	struct csvin_opts o = {',', enc, 0};
	struct jsonbuf t = {0};
	struct csvin *c = csvin_new(&o, on_header, on_row, &t);
	char label[200];
	FILE *fp = tmpfile();

	fwrite(text, 1, n, fp);
	rewind(fp);
	CHECK(name, csvin_read(c, fp) == 0);
	jsonbuf_add(&t, "", 1);
	snprintf(label, sizeof label, "%s: rows", name);
	CHECK_STR(label, t.data, want);
	snprintf(label, sizeof label, "%s: read as", name);
	CHECK_STR(label, textenc_name(csvin_encoding(c)), want_enc);
	snprintf(label, sizeof label, "%s: NUL bytes dropped", name);
	CHECK(label, csvin_nul(c) == want_nul);
	csvin_free(c);
	fclose(fp);
	free(t.data);
}

/* A string literal, NUL bytes and all. */
#define CHECK_READ(name, lit, enc, want, want_enc, want_nul) \
	check_read(name, lit, sizeof lit - 1, enc, want, want_enc, want_nul)

/* The same transcript whatever the size of the pieces the input comes in. */
static void
same_any_chunking(
    const char *name, const char *text, unsigned char delim, int latin1, const char *want)
{
	static const size_t chunks[] = {0, 1, 2, 3, 7};
	char label[200], *got;
	size_t i;

	for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		snprintf(label, sizeof label, "%s (pieces of %zu)", name, chunks[i]);
		got = run(text, strlen(text), chunks[i], delim, latin1, on_row);
		CHECK_STR(label, got, want);
		free(got);
	}
}

int
main(void)
{
	char *got;

	same_any_chunking("quoted, CRLF, multi-line, doubled quotes",
	    "\"Id\",\"Note\"\r\n\"1\",\"a \"\"b\"\"\r\nc\"\r\n\"2\",\"\"\r\n", ',', 0,
	    "H1:2[Id/Note]\nR2:2[1/a \"b\"\r\nc]\nR4:2[2/]\n");
	same_any_chunking("unquoted, LF, no final newline, spaces kept",
	    "Id,Name\n1, padded \n2,x", ',', 0, "H1:2[Id/Name]\nR2:2[1/ padded ]\nR3:2[2/x]\n");
	same_any_chunking(
	    "BOM removed", "\xef\xbb\xbfId,Name\n1,x\n", ',', 0, "H1:2[Id/Name]\nR2:2[1/x]\n");
	same_any_chunking("two bytes of a mark are data", "\xef\xbbId\n1\n", ',', 0,
	    "H1:1[\xef\xbbId]\nR2:1[1]\n");
	same_any_chunking("blank lines skipped, lines still counted", "Id\n\n1\n\r\n2\n", ',',
	    0, "H1:1[Id]\nR3:1[1]\nR5:1[2]\n");
	same_any_chunking("tab delimiter, tabs are not spaces", "Id\tName\n1\t\tx\n", '\t', 0,
	    "H1:2[Id/Name]\nR2:3[1//x]!row has 3 fields, the header has 2{1\t\tx\n}\n");
	same_any_chunking(
	    "caret delimiter", "Id^Name\n1^a,b\n", '^', 0, "H1:2[Id/Name]\nR2:2[1/a,b]\n");
	CHECK_READ("Latin-1 decided and converted", "Id,Name\n1,Zo\xeb\n", TEXTENC_AUTO,
	    "H1:2[Id/Name]\nR2:2[1/Zo\xc3\xab]\n", "cp1252", 0);
	CHECK_READ("Latin-1 named", "Id,Name\n1,Zo\xeb\n", TEXTENC_LATIN1,
	    "H1:2[Id/Name]\nR2:2[1/Zo\xc3\xab]\n", "latin1", 0);
	CHECK_READ("UTF-8 with a mark, NUL bytes dropped", "\xef\xbb\xbfId,Name\n1,a\0b\0\n",
	    TEXTENC_AUTO, "H1:2[Id/Name]\nR2:2[1/ab]\n", "utf8", 2);
	CHECK_READ("UTF-16LE, CRLF", "\xff\xfeI\0d\0\r\0\n\0\xe9\0\r\0\n\0", TEXTENC_AUTO,
	    "H1:1[Id]\nR2:1[\xc3\xa9]\n", "utf16le", 0);
	CHECK_READ("named UTF-8 keeps bad bytes for the row's reason", "Id\n\xe9\n",
	    TEXTENC_UTF8, "H1:1[Id]\nR2:1[\xe9]\n", "utf8", 0);
	same_any_chunking("too few and too many fields", "a,b\n1\n1,2,3\n1,2\n", ',', 0,
	    "H1:2[a/b]\nR2:1[1]!row has 1 field, the header has 2{1\n}\n"
	    "R3:3[1/2/3]!row has 3 fields, the header has 2{1,2,3\n}\nR4:2[1/2]\n");
	same_any_chunking("unterminated quote at the end", "a,b\n1,\"open\nstill\n", ',', 0,
	    "H1:2[a/b]\nR2:1[1]!quoted field still open at the end of the file"
	    "{1,\"open\nstill\n}\n");
	same_any_chunking("malformed quoting rejected, the next line read",
	    "a,b\n1,x\"y\n2,\"z\"q\n3,ok\n", ',', 0,
	    "H1:2[a/b]\nR2:1[1]!malformed quoting on line 2 (a quote inside an unquoted "
	    "field, or text after a closing quote){1,x\"y\n}\n"
	    "R3:1[2]!malformed quoting on line 3 (a quote inside an unquoted field, or "
	    "text after a closing quote){2,\"z\"q\n}\nR4:2[3/ok]\n");
	same_any_chunking("empty input", "", ',', 0, "H1:0[]!empty file: no header row{}\n");
	same_any_chunking(
	    "only blank lines", "\n\r\n", ',', 0, "H2:0[]!empty file: no header row{}\n");
	same_any_chunking("header only", "Id,Name\r\n", ',', 0, "H1:2[Id/Name]\n");
	same_any_chunking("duplicate names, any case", "Id,Name,ID\n", ',', 0,
	    "H1:3[Id/Name/ID]!header names \"ID\" twice (columns 1 and 3; names are "
	    "case-insensitive){Id,Name,ID\n}\n");
	same_any_chunking("empty name", "Id,,Name\n", ',', 0,
	    "H1:3[Id//Name]!column 2 of the header has no name{Id,,Name\n}\n");

	/* Line ends of a CR alone (Excel's "CSV (Macintosh)"): rows and lines as with LF. */
	same_any_chunking("CR line ends", "Id,Name\r1,a\r2,\"b\rc\"\r\r3,d", ',', 0,
	    "H1:2[Id/Name]\nR2:2[1/a]\nR3:2[2/b\rc]\nR6:2[3/d]\n");
	same_any_chunking("CR line ends: a bad row, then the rest read",
	    "a,b\r1,x\"y\r2,ok\r3,ok\r", ',', 0,
	    "H1:2[a/b]\nR2:1[1]!malformed quoting on line 2 (a quote inside an unquoted "
	    "field, or text after a closing quote){1,x\"y\r}\nR3:2[2/ok]\nR4:2[3/ok]\n");
	same_any_chunking("a header ending in CR alone", "Id\r", ',', 0, "H1:1[Id]\n");
	same_any_chunking("CRLF is not CR alone", "Id\r\n1\r\n", ',', 0, "H1:1[Id]\nR2:1[1]\n");
	same_any_chunking("a CR in an LF file ends a row: its field count says so",
	    "a,b\n1,x\ry\n2,z\n", ',', 0,
	    "H1:2[a/b]\nR2:2[1/x]\nR2:1[y]!row has 1 field, the header has 2{y\n}\nR3:2[2/z]\n");

	/* A row over the size limit: refused, its text cut, the next line read. */
	max_row = 16;
	same_any_chunking("a row over the limit",
	    "a,b\n1,2\n3,xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n4,ok\n", ',', 0,
	    "H1:2[a/b]\nR2:2[1/2]\nR3:0[]!row over 16 bytes (--max-row-size)"
	    "{3,xxxxxxxxxxxxxx}\nR4:2[4/ok]\n");
	same_any_chunking("a multi-line row over the limit",
	    "a,b\n1,\"xxxxxxx\nxxxxxxxxxxx\"\n4,ok\n", ',', 0,
	    "H1:2[a/b]\nR2:0[]!row over 16 bytes (--max-row-size){1,\"xxxxxxx\nxxxxx}\n"
	    "R4:2[4/ok]\n");
	max_row = 0;

	/* A header of many columns: the duplicate check stays linear. */
	{
		struct jsonbuf h = {0};
		char name[32];
		int i;

		for (i = 0; i < 200000; i++) {
			snprintf(name, sizeof name, "%sF%d", i ? "," : "", i);
			jsonbuf_addstr(&h, name);
		}
		jsonbuf_addstr(&h, ",f17\n");
		jsonbuf_add(&h, "", 1);
		got = run(h.data, h.len - 1, 0, ',', 0, on_row);
		CHECK("200,001 columns, one name twice",
		    strstr(got, "!header names \"f17\" twice (columns 18 and 200001;") != NULL);
		free(got);
		jsonbuf_free(&h);
	}

	/* A NUL byte: the row is bad, reading goes on. */
	{
		const char text[] = "a,b\n1,x\0y\n2,z\n";

		got = run(text, sizeof text - 1, 0, ',', 0, on_row);
		CHECK_STR("NUL byte row rejected", got,
		    "H1:2[a/b]\nR2:2[1/x\\0y]!NUL byte "
		    "on line 2{1,x\\0y\n}\nR3:2[2/z]\n");
		free(got);
	}

	/* The raw text of a multi-line row, read in small pieces. */
	got = run("h\n\"a\nb\"\nc\n", 10, 3, ',', 0, on_raw);
	CHECK_STR("raw text across pieces", got, "<h\n><\"a\nb\"\n><c\n>");
	free(got);
	return unit_failed;
}
