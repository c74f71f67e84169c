/* csvin.c: Salesforce CSV exports read row by row, with positions and raw text. */
#include <csv.h>
#include <errno.h>
#include <malloc.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "ealloc.h"
#include "exitcode.h"
#include "jsonbuf.h"
#include "msg.h"
#include "textenc.h"

/* How much of a row over the size limit its reject keeps. */
#define REJECT_RAW 4096

/*
 * libcsv parses; this file keeps what libcsv does not: the physical line
 * each row starts on and the row's raw text (input is fed to libcsv one
 * line at a time, so both are known when a row ends), the header, the
 * field count check, and the bad rows: a NUL byte, malformed quoting,
 * a quoted field left open at the end of the input. csvin_read first turns
 * the file's text into UTF-8 (textenc.c), NUL bytes dropped.
 */
struct csvin {
	struct csv_parser parser;
	struct csvin_opts opts;
	csvin_fn header_fn, row_fn;
	void *ctx;
	int stop; /* a callback's nonzero answer */

	unsigned long lineno; /* physical line being fed */
	int at_line_start;
	int row_open;    /* some of the current row has been fed */
	int skip_to_eol; /* the row is bad; ignore the rest of the line */
	unsigned long row_line;
	const char *row_error;
	int row_quoting; /* the row's error is a quoting error */
	int at_end;  /* csvin_finish is ending the input: a row now ends without its line end */
	int row_cut; /* the input ends inside the row */
	char errbuf[160];

	struct jsonbuf raw; /* the current row's text, once it spans pieces */
	const char *piece;  /* the piece being fed, while the row is within it */
	size_t piecelen;
	struct jsonbuf fields; /* its fields, end to end */
	size_t *off, *len;     /* where each field is in fields */
	const char **ptr;
	size_t nfields, cap;

	char eol;        /* the line end: '\n' (LF or CRLF) or '\r' (CR alone); 0 until seen */
	int pending_cr;  /* a CR ended the input so far: the next byte says which */
	size_t rowbytes; /* the current row's bytes so far, against opts.max_row */
	int oversize;    /* the row is over opts.max_row: its text is no longer kept */

	int have_header;
	size_t nheader;
	size_t bom_len; /* bytes of a UTF-8 byte order mark seen at the start */
	int bom_done;

	enum textenc encoding; /* what csvin_read read the input as */
	unsigned long nul;     /* NUL bytes csvin_read dropped */
	int spool_failed;      /* the stream could not be copied to decide its encoding */
};

static int
no_space(unsigned char c)
{
	(void)c;
	return 0; /* spaces are data: never trim them */
}

/*
 * libcsv grows a field's buffer by a fixed block (128 bytes), which costs
 * time of the square of a long field's size wherever realloc copies (under
 * AddressSanitizer, always): the buffer doubles here instead.
 */
static void *
grow(void *p, size_t n)
{
	size_t have = p != NULL ? malloc_usable_size(p) : 0;

	if (n <= have)
		return p;
	return realloc(p, n < 2 * have ? 2 * have : n);
}

static void
parser_init(struct csvin *c)
{
	if (csv_init(&c->parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
		msg_fatal(MSI_EXIT_IO, "out of memory");
	csv_set_delim(&c->parser, c->opts.delim);
	csv_set_space_func(&c->parser, no_space);
	csv_set_realloc_func(&c->parser, grow);
}

struct csvin *
csvin_new(const struct csvin_opts *opts, csvin_fn header_fn, csvin_fn row_fn, void *ctx)
{
	struct csvin *c = ecalloc(1, sizeof *c);

	c->opts = *opts;
	if (c->opts.delim == 0)
		c->opts.delim = ',';
	if (c->opts.max_row == 0)
		c->opts.max_row = CSVIN_MAX_ROW;
	c->header_fn = header_fn;
	c->row_fn = row_fn;
	c->ctx = ctx;
	c->at_line_start = 1;
	parser_init(c);
	return c;
}

static void
on_field(void *s, size_t n, void *data)
{
	struct csvin *c = data;

	if (c->stop)
		return;
	if (c->nfields == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->off = erealloc(c->off, c->cap * sizeof *c->off);
		c->len = erealloc(c->len, c->cap * sizeof *c->len);
		c->ptr = erealloc(c->ptr, c->cap * sizeof *c->ptr);
	}
	c->off[c->nfields] = c->fields.len;
	c->len[c->nfields] = n;
	c->nfields++;
	if (n > 0)
		jsonbuf_add(&c->fields, s, n);
}

static void
row_reset(struct csvin *c)
{
	c->row_open = 0;
	c->row_error = NULL;
	c->row_quoting = 0;
	c->row_cut = 0;
	c->nfields = 0;
	c->fields.len = 0;
	c->raw.len = 0;
	c->piece = NULL;
	c->rowbytes = 0;
	c->oversize = 0;
}

static void __attribute__((format(printf, 2, 3)))
set_error(struct csvin *c, const char *fmt, ...)
{
	va_list ap;

	if (c->row_error != NULL)
		return; /* the first problem is the one worth reading */
	va_start(ap, fmt);
	vsnprintf(c->errbuf, sizeof c->errbuf, fmt, ap);
	va_end(ap);
	c->row_error = c->errbuf;
}

/*
 * Empty names, and names given twice, compared as Salesforce compares them:
 * ignoring case. The names seen are kept in a hash, so that a header of
 * 200,000 columns takes no longer than its reading.
 */
static void
check_header(struct csvin *c)
{
	struct jsonbuf lower = {0};
	json_t *seen = json_object(), *at;
	size_t i, k;
	char name[64];

	for (i = 0; i < c->nfields && c->row_error == NULL; i++) {
		if (c->len[i] == 0) {
			set_error(c, "column %zu of the header has no name", i + 1);
			break;
		}
		lower.len = 0;
		jsonbuf_add(&lower, c->ptr[i], c->len[i]);
		for (k = 0; k < lower.len; k++)
			if (lower.data[k] >= 'A' && lower.data[k] <= 'Z')
				lower.data[k] = (char)(lower.data[k] - 'A' + 'a');
		if ((at = json_object_getn(seen, lower.data, lower.len)) != NULL) {
			snprintf(name, sizeof name, "%.*s",
			    (int)(c->len[i] < 40 ? c->len[i] : 40), c->ptr[i]);
			set_error(c,
			    "header names \"%s\" twice (columns %zu "
			    "and %zu; names are case-insensitive)",
			    name, (size_t)json_integer_value(at) + 1, i + 1);
			break;
		}
		json_object_setn_new_nocheck(
		    seen, lower.data, lower.len, json_integer((json_int_t)i));
	}
	json_decref(seen);
	jsonbuf_free(&lower);
}

/* Hands the finished row to the header or row callback. */
static void
row_done(struct csvin *c)
{
	struct csvin_row row;
	size_t i;
	int is_header = !c->have_header;
	/* a last row short of fields and of its line end, nothing else wrong: cut between
	 * fields */
	int short_at_end =
	    c->at_end && !is_header && c->nfields < c->nheader && c->row_error == NULL;

	for (i = 0; i < c->nfields; i++)
		c->ptr[i] = c->fields.data + c->off[i];
	if (is_header) {
		c->have_header = 1;
		c->nheader = c->nfields;
		check_header(c);
	} else if (c->nfields != c->nheader) {
		set_error(c, "row has %zu field%s, the header has %zu", c->nfields,
		    c->nfields == 1 ? "" : "s", c->nheader);
	}
	row.line = c->row_line;
	row.nfields = c->nfields;
	row.field = c->ptr;
	row.len = c->len;
	if (c->piece != NULL) {
		row.raw = c->piece;
		row.rawlen = c->piecelen;
	} else {
		row.raw = c->raw.data ? c->raw.data : "";
		row.rawlen = c->raw.len;
	}
	row.error = c->row_error;
	row.last_line = c->lineno;
	row.quoting = c->row_quoting;
	row.cut = c->row_cut || short_at_end;
	c->stop = (is_header ? c->header_fn : c->row_fn)(c->ctx, &row);
	row_reset(c);
}

static void
on_row(int term, void *data)
{
	struct csvin *c = data;

	(void)term;
	if (c->stop)
		return;
	row_done(c);
}

/* A row libcsv refused: it ends with this line; the parser starts afresh. */
static void
bad_row_done(struct csvin *c)
{
	c->skip_to_eol = 0;
	csv_free(&c->parser);
	parser_init(c);
	if (c->stop == 0)
		row_done(c);
}

static int
has_content(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			return 1;
	return 0;
}

/* A row still open after its first piece: its text must outlive the piece. */
static void
keep_piece(struct csvin *c)
{
	if (c->row_open && c->piece != NULL) {
		jsonbuf_add(&c->raw, c->piece, c->piecelen);
		c->piece = NULL;
	}
}

/* Feeds one piece of one line; ends_line says the piece ends in '\n'. */
static void
feed_piece(struct csvin *c, const char *s, size_t n, int ends_line)
{
	size_t done;

	if (!c->row_open && has_content(s, n)) {
		c->row_open = 1;
		c->row_line = c->lineno;
		c->piece = s; /* most rows are one line: no copy of it needed */
		c->piecelen = n;
	} else if (c->row_open && !c->oversize) {
		jsonbuf_add(&c->raw, s, n);
	}
	if (memchr(s, '\0', n) != NULL)
		set_error(c, "NUL byte on line %lu", c->lineno);
	if (c->row_open && (c->rowbytes += n) > c->opts.max_row && !c->oversize) {
		/*
		 * Too large: the row is refused and its text dropped past the
		 * first part (the reject keeps that much), so that memory stays
		 * bounded however long the line. Reading starts again at the
		 * next line end.
		 */
		keep_piece(c);
		if (c->raw.len > REJECT_RAW || c->raw.len > c->opts.max_row)
			c->raw.len =
			    REJECT_RAW < c->opts.max_row ? REJECT_RAW : c->opts.max_row;
		c->fields.len = 0;
		c->nfields = 0;
		c->row_error = NULL; /* this reason, even after another */
		set_error(c, "row over %zu bytes (--max-row-size)", c->opts.max_row);
		c->oversize = 1;
		c->skip_to_eol = 1;
	}

	if (c->skip_to_eol) {
		if (ends_line)
			bad_row_done(c);
		else
			keep_piece(c);
		return;
	}
	done = csv_parse(&c->parser, s, n, on_field, on_row, c);
	if (done == n) {
		keep_piece(c);
		return;
	}
	if (csv_error(&c->parser) != CSV_EPARSE)
		msg_fatal(MSI_EXIT_IO, "CSV parser: %s", csv_strerror(csv_error(&c->parser)));
	if (c->row_error == NULL)
		c->row_quoting = 1;
	set_error(c,
	    "malformed quoting on line %lu (a quote inside an unquoted "
	    "field, or text after a closing quote)",
	    c->lineno);
	c->row_open = 1;
	c->skip_to_eol = 1;
	if (ends_line)
		bad_row_done(c);
	else
		keep_piece(c);
}

static const char bom[] = "\xef\xbb\xbf";

/*
 * Drops a UTF-8 byte order mark at the start of the input, even one that
 * comes in several pieces. Returns how many bytes of buf it took.
 */
static size_t
skip_bom(struct csvin *c, const char *buf, size_t len)
{
	size_t n = 0;

	while (n < len && c->bom_len < 3 && buf[n] == bom[c->bom_len]) {
		c->bom_len++;
		n++;
	}
	if (c->bom_len == 3 || n < len) {
		c->bom_done = 1;
		if (c->bom_len < 3 && c->bom_len > 0)
			csvin_feed(c, bom, c->bom_len); /* not a mark after all */
	}
	return n;
}

/* Feeds input known to hold no undecided line end, line by line. */
static void
feed_lines(struct csvin *c, const char *buf, size_t len)
{
	const char *nl;
	size_t n;

	const char *cr;
	int ends_line;

	while (len > 0 && c->stop == 0) {
		nl = memchr(buf, c->eol ? c->eol : '\n', len);
		n = nl ? (size_t)(nl - buf) + 1 : len;
		ends_line = nl != NULL;
		/*
		 * A CR alone inside a line of an LF file ends a row for libcsv
		 * (or is data in quotes): the piece ends there too, so that a
		 * row's raw text is always whole pieces. The line goes on.
		 */
		if (c->eol != '\r' && (cr = memchr(buf, '\r', n)) != NULL &&
		    cr + 1 < buf + len && cr[1] != '\n') {
			n = (size_t)(cr - buf) + 1;
			ends_line = 0;
		}
		if (c->at_line_start) {
			c->lineno++;
			c->at_line_start = 0;
		}
		feed_piece(c, buf, n, ends_line);
		if (ends_line)
			c->at_line_start = 1;
		buf += n;
		len -= n;
	}
}

/*
 * Decides the line end from the first one in the input: LF, CRLF, or a CR
 * alone, as Excel's "CSV (Macintosh)" writes. libcsv takes any of them as
 * the end of a row; lines, for positions and raw text, are cut at the same
 * place. A CR that ends buf leaves the question to the next byte.
 */
static size_t
decide_eol(struct csvin *c, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && buf[i] != '\n' && buf[i] != '\r'; i++)
		;
	if (i == len)
		return len;
	if (buf[i] == '\n')
		c->eol = '\n';
	else if (i + 1 < len)
		c->eol = buf[i + 1] == '\n' ? '\n' : '\r';
	else
		c->pending_cr = 1;
	return c->pending_cr ? i : len;
}

/* Feeds len bytes of input; returns 0 or the callback's nonzero answer. */
int
csvin_feed(struct csvin *c, const char *buf, size_t len)
{
	size_t n;

	if (!c->bom_done) {
		n = skip_bom(c, buf, len);
		buf += n;
		len -= n;
	}
	if (c->pending_cr && len > 0) {
		c->pending_cr = 0;
		c->eol = buf[0] == '\n' ? '\n' : '\r';
		feed_lines(c, "\r", 1);
	}
	if (c->eol == 0 && len > 0) {
		n = decide_eol(c, buf, len);
		feed_lines(c, buf, n);
		return c->stop;
	}
	feed_lines(c, buf, len);
	return c->stop;
}

/* Ends the input: the last row without a line end, an open quote, no header. */
int
csvin_finish(struct csvin *c)
{
	struct csvin_row row;

	if (c->stop)
		return c->stop;
	if (c->pending_cr) {
		c->pending_cr = 0;
		c->eol = '\r';
		feed_lines(c, "\r", 1);
	}
	if (!c->bom_done) {
		c->bom_done = 1;
		if (c->bom_len > 0 && csvin_feed(c, bom, c->bom_len) != 0)
			return c->stop;
	}
	c->at_end = 1;
	if (c->skip_to_eol) {
		bad_row_done(c);
	} else if (csv_fini(&c->parser, on_field, on_row, c) != 0) {
		/* Salesforce quotes every field: the signature of a download cut short */
		if (c->row_error == NULL)
			c->row_quoting = 1;
		c->row_cut = 1;
		set_error(c, "quoted field still open at the end of the file");
		csv_free(&c->parser);
		parser_init(c);
		row_done(c);
	}
	if (c->stop == 0 && !c->have_header) {
		memset(&row, 0, sizeof row);
		row.line = c->lineno ? c->lineno : 1;
		row.raw = "";
		row.error = "empty file: no header row";
		c->have_header = 1;
		c->stop = c->header_fn(c->ctx, &row);
	}
	return c->stop;
}

/*
 * Feeds all of fp, turned into UTF-8 from the encoding opts name (or the
 * one textenc_decide finds in it), without NUL bytes; then finishes.
 * Returns 0, a callback's answer, or CSVIN_READ_ERROR.
 */
int
csvin_read(struct csvin *c, FILE *fp)
{
	char buf[1 << 16];
	struct textdec dec;
	struct jsonbuf text = {0};
	FILE *spool = NULL;
	size_t n;
	int r = 0;

	c->encoding = c->opts.encoding;
	if (c->encoding == TEXTENC_AUTO && textenc_decide(fp, &spool, &c->encoding) != 0) {
		c->spool_failed = 1;
		return CSVIN_READ_ERROR;
	}
	if (spool != NULL)
		fp = spool;
	if (textdec_init(&dec, c->encoding) != 0)
		msg_sysfatal(MSI_EXIT_IO, "cannot read %s text", textenc_name(c->encoding));
	while (r == 0 && (n = fread(buf, 1, sizeof buf, fp)) > 0) {
		if (dec.cd == NULL && memchr(buf, '\0', n) == NULL) {
			r = csvin_feed(c, buf, n); /* UTF-8 as it is: no copy */
			continue;
		}
		text.len = 0;
		textdec_feed(&dec, buf, n, &text);
		r = csvin_feed(c, text.data, text.len);
	}
	if (r == 0 && ferror(fp))
		r = CSVIN_READ_ERROR;
	if (r == 0) {
		text.len = 0;
		textdec_finish(&dec, &text);
		if ((r = csvin_feed(c, text.data, text.len)) == 0)
			r = csvin_finish(c);
	}
	c->nul = dec.nul;
	if (c->encoding == TEXTENC_UTF16)
		c->encoding = dec.enc; /* the byte order mark said which */
	textdec_free(&dec);
	jsonbuf_free(&text);
	if (spool != NULL) {
		int e = errno;

		fclose(spool);
		errno = e;
	}
	return r;
}

/* The encoding csvin_read read its input as. */
enum textenc
csvin_encoding(const struct csvin *c)
{
	return c->encoding;
}

/* Whether csvin_read failed copying a stream to decide its encoding (errno said why). */
int
csvin_spool_failed(const struct csvin *c)
{
	return c->spool_failed;
}

/* The NUL bytes csvin_read dropped. */
unsigned long
csvin_nul(const struct csvin *c)
{
	return c->nul;
}

unsigned long
csvin_lines(const struct csvin *c)
{
	return c->lineno;
}

void
csvin_free(struct csvin *c)
{
	if (c == NULL)
		return;
	csv_free(&c->parser);
	jsonbuf_free(&c->raw);
	jsonbuf_free(&c->fields);
	free(c->off);
	free(c->len);
	free(c->ptr);
	free(c);
}
