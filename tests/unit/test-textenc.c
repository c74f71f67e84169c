/* test-textenc.c: a file's encoding decided from its bytes, and its text in UTF-8. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonbuf.h"
#include "textenc.h"
#include "unit.h"

/* What textenc_decide says of n bytes, given as a file or as a pipe. */
static const char *
decide(const char *bytes, size_t n, int as_pipe, size_t *left_at)
{
	enum textenc enc = TEXTENC_AUTO;
	FILE *fp, *spool = NULL, *in;
	int fd[2];
	char c;

	if (as_pipe) {
		if (pipe(fd) != 0 || n > 60000)
			return "pipe";
		if (write(fd[1], bytes, n) != (ssize_t)n)
			return "write";
		close(fd[1]);
		fp = fdopen(fd[0], "rb");
	} else {
		fp = tmpfile();
		fwrite(bytes, 1, n, fp);
		rewind(fp);
	}
	if (textenc_decide(fp, &spool, &enc) != 0)
		return "error";
	/* It leaves the text at its start, however it was given. */
	in = spool != NULL ? spool : fp;
	*left_at = n > 0 && fread(&c, 1, 1, in) == 1 && c == bytes[0] ? 0 : 1;
	if (n == 0)
		*left_at = fread(&c, 1, 1, in) == 0 ? 0 : 1;
	if (spool != NULL)
		fclose(spool);
	fclose(fp);
	return textenc_name(enc);
}

static void
check_decide(const char *name, const char *bytes, size_t n, const char *want)
{
	char label[200];
	size_t at = 9;
	int p;

	for (p = 0; p < 2; p++) {
		snprintf(label, sizeof label, "decide %s (%s)", name, p ? "pipe" : "file");
		CHECK_STR(label, decide(bytes, n, p, &at), want);
		snprintf(label, sizeof label, "decide %s (%s): at the start after", name,
		    p ? "pipe" : "file");
		CHECK(label, at == 0);
	}
}

/* The text in UTF-8, fed in pieces of k bytes. */
static char *
decode(enum textenc enc, const char *s, size_t n, size_t k, unsigned long *nul)
{
	struct textdec d;
	struct jsonbuf out = {0};
	size_t i;

	if (textdec_init(&d, enc) != 0)
		return NULL;
	for (i = 0; i < n; i += k)
		textdec_feed(&d, s + i, n - i < k ? n - i : k, &out);
	textdec_finish(&d, &out);
	jsonbuf_add(&out, "", 1);
	*nul = d.nul;
	textdec_free(&d);
	return out.data;
}

static void
check_decode(const char *name, enum textenc enc, const char *s, size_t n, const char *want,
    unsigned long want_nul)
{
	static const size_t pieces[] = {1, 2, 3, 1 << 16};
	char label[200], *got;
	unsigned long nul = 99;
	size_t i;

	for (i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		snprintf(label, sizeof label, "decode %s in pieces of %zu", name, pieces[i]);
		got = decode(enc, s, n, pieces[i], &nul);
		CHECK_STR(label, got, want);
		snprintf(label, sizeof label, "decode %s in pieces of %zu: NULs dropped", name,
		    pieces[i]);
		CHECK(label, nul == want_nul);
		free(got);
	}
}

int
main(void)
{
	enum textenc e;
	char *big;
	size_t n;

	CHECK("parse cp1252", textenc_parse("CP1252", &e) == 0 && e == TEXTENC_CP1252);
	CHECK("parse windows-1252",
	    textenc_parse("windows-1252", &e) == 0 && e == TEXTENC_CP1252);
	CHECK("parse ISO-8859-1", textenc_parse("ISO-8859-1", &e) == 0 && e == TEXTENC_LATIN1);
	CHECK("parse utf-16", textenc_parse("utf-16", &e) == 0 && e == TEXTENC_UTF16);
	CHECK("parse ebcdic refused", textenc_parse("ebcdic", &e) == -1);

	check_decide("ASCII", "Id,Name\n1,a\n", 12, "utf8");
	check_decide("an empty file", "", 0, "utf8");
	check_decide("a UTF-8 byte order mark alone", "\xef\xbb\xbf", 3, "utf8");
	check_decide("UTF-8 with a mark", "\xef\xbb\xbfId\nJos\xc3\xa9\n", 12, "utf8");
	check_decide("UTF-16LE mark", "\xff\xfeI\0d\0", 6, "utf16");
	check_decide("UTF-16BE mark", "\xfe\xff\0I\0d", 6, "utf16");
	check_decide("Latin-1", "Id\nM\xfcller\n", 10, "cp1252");
	/* valid UTF-8 in places ("\xc3\xa9" is also cp1252's "Ã©"), then a byte that is not */
	check_decide("cp1252 valid UTF-8 in places", "a\xc3\xa9,b\n\xe9t\xe9\n", 10, "cp1252");
	check_decide("a character cut off at the end", "ab\xc3", 3, "cp1252");
	check_decide("an overlong form", "a\xc0\xaf", 3, "cp1252");
	check_decide("a surrogate", "a\xed\xa0\x80", 4, "cp1252");
	check_decide("past U+10FFFF", "a\xf4\x90\x80\x80", 5, "cp1252");
	check_decide("a four-byte character", "a\xf0\x9f\x98\x80", 5, "utf8");

	/* The first byte that is not ASCII far into the file, across read sizes. */
	n = 200000;
	big = malloc(n + 2);
	memset(big, 'x', n);
	memcpy(big + n - 2, "\xc3\xa9", 2);
	{
		size_t at;

		CHECK_STR("decide a file whose first non-ASCII byte is at 199,998",
		    decide(big, n, 0, &at), "utf8");
		big[n - 1] = 'x';
		CHECK_STR("decide a file whose one bad byte is at 199,998",
		    decide(big, n, 0, &at), "cp1252");
		/* a character cut by a read of 65,536 bytes */
		memset(big, 'x', n);
		memcpy(big + 65535, "\xe2\x82\xac", 3);
		CHECK_STR(
		    "decide a character across two reads", decide(big, n, 0, &at), "utf8");
	}
	free(big);

	CHECK("valid UTF-8", textenc_valid_utf8("Jos\xc3\xa9", 5));
	CHECK("invalid UTF-8", !textenc_valid_utf8("Jos\xe9", 4));

	check_decode("UTF-8 with NULs", TEXTENC_UTF8, "a\0b\0\0c", 6, "abc", 3);
	check_decode(
	    "Latin-1", TEXTENC_LATIN1, "M\xfcller \x80", 8, "M\xc3\xbcller \xc2\x80", 0);
	check_decode("cp1252", TEXTENC_CP1252, "\x80 \x93q\x94 \x97", 7,
	    "\xe2\x82\xac \xe2\x80\x9cq\xe2\x80\x9d \xe2\x80\x94", 0);
	check_decode("cp1252's five holes", TEXTENC_CP1252, "\x81\x8d\x8f\x90\x9d", 5,
	    "\xc2\x81\xc2\x8d\xc2\x8f\xc2\x90\xc2\x9d", 0);
	check_decode("UTF-16LE by its mark", TEXTENC_UTF16, "\xff\xfeJ\0\xe9\0\0\0\n\0", 10,
	    "\xef\xbb\xbfJ\xc3\xa9\n", 1);
	check_decode("UTF-16BE by its mark", TEXTENC_UTF16, "\xfe\xff\0J\0\xe9", 6,
	    "\xef\xbb\xbfJ\xc3\xa9", 0);
	check_decode("UTF-16 without a mark", TEXTENC_UTF16, "J\0a\0", 4, "Ja", 0);
	check_decode("UTF-16LE a pair of surrogates", TEXTENC_UTF16LE, "\x3d\xd8\x00\xde", 4,
	    "\xf0\x9f\x98\x80", 0);
	check_decode(
	    "UTF-16LE a lone surrogate", TEXTENC_UTF16LE, "\x3d\xd8x\0", 4, "\xef\xbf\xbdx", 0);
	check_decode(
	    "UTF-16LE an odd byte at the end", TEXTENC_UTF16LE, "a\0b", 3, "a\xef\xbf\xbd", 0);
	return unit_failed;
}
