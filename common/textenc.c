/* textenc.c: the encoding of an export file, decided from its bytes, and its text as UTF-8. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ealloc.h"
#include "textenc.h"

static const struct {
	const char *name;
	enum textenc enc;
} names[] = {
    {"auto", TEXTENC_AUTO},
    {"utf8", TEXTENC_UTF8},
    {"utf-8", TEXTENC_UTF8},
    {"latin1", TEXTENC_LATIN1},
    {"latin-1", TEXTENC_LATIN1},
    {"iso-8859-1", TEXTENC_LATIN1},
    {"iso8859-1", TEXTENC_LATIN1},
    {"cp1252", TEXTENC_CP1252},
    {"windows-1252", TEXTENC_CP1252},
    {"utf16", TEXTENC_UTF16},
    {"utf-16", TEXTENC_UTF16},
    {"utf16le", TEXTENC_UTF16LE},
    {"utf-16le", TEXTENC_UTF16LE},
    {"utf16be", TEXTENC_UTF16BE},
    {"utf-16be", TEXTENC_UTF16BE},
};

/* Returns 0, or -1 when name is no encoding this knows (case is ignored). */
int
textenc_parse(const char *name, enum textenc *enc)
{
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(name, names[i].name) == 0) {
			*enc = names[i].enc;
			return 0;
		}
	return -1;
}

const char *
textenc_name(enum textenc enc)
{
	switch (enc) {
	case TEXTENC_AUTO: return "auto";
	case TEXTENC_UTF8: return "utf8";
	case TEXTENC_LATIN1: return "latin1";
	case TEXTENC_CP1252: return "cp1252";
	case TEXTENC_UTF16: return "utf16";
	case TEXTENC_UTF16LE: return "utf16le";
	case TEXTENC_UTF16BE: return "utf16be";
	}
	return "?";
}

/*
 * The length of the UTF-8 character at s (n > 0 bytes there): 1 to 4; 0
 * when n ends before it does; -1 when it is not valid UTF-8 (a stray
 * continuation byte, an overlong form, a surrogate, past U+10FFFF).
 */
static int
utf8_len(const unsigned char *s, size_t n)
{
	unsigned long cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2)
		return -1;
	if (s[0] < 0xe0)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] < 0xf0)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] < 0xf5)
		len = 4, cp = s[0] & 0x07;
	else
		return -1;
	for (i = 1; i < len; i++) {
		if (i >= n)
			return 0;
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return -1;
	if (len == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return -1;
	return (int)len;
}

/*
 * Checks n bytes of UTF-8: returns -1 at the first invalid character, else
 * how many bytes at the start are whole characters (a character the bytes
 * end inside is left for the next piece). ASCII goes eight bytes at a time.
 */
static long
utf8_scan(const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint64_t w;
	int len;

	while (i < n) {
		while (i + 8 <= n) {
			memcpy(&w, s + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if ((len = utf8_len(s + i, n - i)) < 0)
			return -1;
		if (len == 0)
			break;
		i += (size_t)len;
	}
	return (long)i;
}

int
textenc_valid_utf8(const char *s, size_t n)
{
	return utf8_scan((const unsigned char *)s, n) == (long)n;
}

/* A private temporary file, already unlinked, in $TMPDIR or /tmp. */
static FILE *
private_tmp(void)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	size_t n;
	FILE *fp;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	n = strlen(dir) + sizeof "/msi-extract.XXXXXX";
	path = emalloc(n);
	snprintf(path, n, "%s/msi-extract.XXXXXX", dir);
	fd = mkstemp(path); /* mode 0600 */
	if (fd >= 0)
		unlink(path);
	free(path);
	if (fd < 0)
		return NULL;
	if ((fp = fdopen(fd, "w+b")) == NULL) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return fp;
}

int
textenc_decide(FILE *fp, FILE **spool, enum textenc *enc)
{
	unsigned char buf[1 << 16];
	size_t n, have = 0, first = 0;
	struct stat st;
	off_t start = -1;
	long done;
	int valid = 1;

	*spool = NULL;
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
		start = ftello(fp);
	if (start < 0 && (*spool = private_tmp()) == NULL)
		return -1;
	/* have: bytes of an unfinished character kept at the start of buf */
	while ((n = fread(buf + have, 1, sizeof buf - have, fp)) > 0) {
		if (*spool != NULL && fwrite(buf + have, 1, n, *spool) != n)
			goto fail;
		if (first == 0 && n + have >= 2 &&
		    ((buf[0] == 0xff && buf[1] == 0xfe) ||
		        (buf[0] == 0xfe && buf[1] == 0xff))) {
			*enc = TEXTENC_UTF16;
			valid = 0;
			if (*spool == NULL)
				break; /* a file is read again from its start */
		}
		first = 1;
		n += have;
		if (valid && (done = utf8_scan(buf, n)) < 0) {
			valid = 0;
			*enc = TEXTENC_CP1252;
			if (*spool == NULL)
				break;
		}
		have = valid ? n - (size_t)done : 0;
		memmove(buf, buf + n - have, have);
	}
	if (ferror(fp))
		goto fail;
	if (valid)
		*enc = have > 0 ? TEXTENC_CP1252
		                : TEXTENC_UTF8; /* a character cut off at the end */
	if (*spool != NULL)
		fp = *spool;
	if (fflush(fp) != 0 || fseeko(fp, *spool != NULL ? 0 : start, SEEK_SET) != 0)
		goto fail;
	return 0;
fail:
	if (*spool != NULL) {
		int e = errno;

		fclose(*spool);
		*spool = NULL;
		errno = e;
	}
	return -1;
}

static iconv_t
open_from(enum textenc enc)
{
	const char *from = "ISO-8859-1";

	switch (enc) {
	case TEXTENC_CP1252: from = "CP1252"; break;
	case TEXTENC_UTF16:
	case TEXTENC_UTF16LE: from = "UTF-16LE"; break;
	case TEXTENC_UTF16BE: from = "UTF-16BE"; break;
	default: break;
	}
	return iconv_open("UTF-8", from);
}

/*
 * Starts a decoder for enc (not TEXTENC_AUTO). Returns 0, or -1 when the
 * system cannot convert from enc (errno says why).
 */
int
textdec_init(struct textdec *d, enum textenc enc)
{
	iconv_t cd;

	memset(d, 0, sizeof *d);
	d->enc = enc;
	if (enc == TEXTENC_UTF8 || enc == TEXTENC_AUTO)
		return 0;
	if ((cd = open_from(enc)) == (iconv_t)-1)
		return -1;
	d->cd = cd;
	return 0;
}

/* UTF-16 by its byte order mark: big-endian after FE FF, little-endian otherwise. */
static void
utf16_order(struct textdec *d)
{
	const unsigned char *p = (const unsigned char *)d->in.data;
	iconv_t cd;

	d->started = 1;
	d->enc = TEXTENC_UTF16LE;
	if (p[0] == 0xfe && p[1] == 0xff && (cd = open_from(TEXTENC_UTF16BE)) != (iconv_t)-1) {
		iconv_close((iconv_t)d->cd);
		d->cd = cd;
		d->enc = TEXTENC_UTF16BE;
	}
}

/* Drops the NUL bytes of out from byte start on, and counts them. */
static void
drop_nul(struct textdec *d, struct jsonbuf *out, size_t start)
{
	char *end, *w, *z;

	if (out->len == start ||
	    (z = memchr(out->data + start, '\0', out->len - start)) == NULL)
		return;
	end = out->data + out->len;
	for (w = z; z < end; z++) {
		if (*z == '\0')
			d->nul++;
		else
			*w++ = *z;
	}
	out->len = (size_t)(w - out->data);
}

/* Appends a code point from 0x80 to 0xff as UTF-8. */
static void
add_high(struct jsonbuf *out, unsigned char c)
{
	char u[2] = {(char)(0xc0 | (c >> 6)), (char)(0x80 | (c & 0x3f))};

	jsonbuf_add(out, u, 2);
}

/* Converts what d->in holds, keeping a character it ends inside. */
static void
convert(struct textdec *d, struct jsonbuf *out, int last)
{
	char *in = d->in.data, *o;
	size_t inleft = d->in.len, oleft, r;

	while (inleft > 0) {
		jsonbuf_reserve(
		    out, inleft * 2 + 16); /* UTF-16: 3 bytes for 2; cp1252: 3 for 1 */
		o = out->data + out->len;
		oleft = out->size - out->len;
		r = iconv((iconv_t)d->cd, &in, &inleft, &o, &oleft);
		out->len = (size_t)(o - out->data);
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		if (errno == EINVAL && !last)
			break; /* the rest of the character is in the next piece */
		if (d->enc == TEXTENC_CP1252 || d->enc == TEXTENC_LATIN1) {
			/* 0x81, 0x8d, 0x8f, 0x90, 0x9d: cp1252 has no character; Windows reads
			 * U+0081... */
			add_high(out, (unsigned char)*in);
			in++, inleft--;
		} else {
			jsonbuf_add(out, "\xef\xbf\xbd", 3); /* U+FFFD */
			d->invalid++;
			r = inleft >= 2 ? 2 : inleft;
			in += r, inleft -= r;
		}
	}
	if (inleft > 0)
		memmove(d->in.data, in, inleft);
	d->in.len = inleft;
}

/* Appends n bytes of the text to out as UTF-8, without NUL bytes. */
void
textdec_feed(struct textdec *d, const char *s, size_t n, struct jsonbuf *out)
{
	size_t start = out->len;

	if (d->cd == NULL) {
		jsonbuf_add(out, s, n);
	} else {
		jsonbuf_add(&d->in, s, n);
		if (d->enc == TEXTENC_UTF16 && !d->started) {
			if (d->in.len < 2)
				return;
			utf16_order(d);
		}
		convert(d, out, 0);
	}
	drop_nul(d, out, start);
}

/* The end of the text: a character cut off there becomes U+FFFD. */
void
textdec_finish(struct textdec *d, struct jsonbuf *out)
{
	size_t start = out->len;

	if (d->cd != NULL && d->in.len > 0) {
		convert(d, out, 1);
		drop_nul(d, out, start);
	}
}

void
textdec_free(struct textdec *d)
{
	if (d->cd != NULL)
		iconv_close((iconv_t)d->cd);
	jsonbuf_free(&d->in);
	d->cd = NULL;
}
