/* textenc.h: the encoding of an export file, decided from its bytes, and its text as UTF-8. */
#ifndef MSI_TEXTENC_H
#define MSI_TEXTENC_H

#include <stddef.h>
#include <stdio.h>

#include "jsonbuf.h"

enum textenc {
	TEXTENC_AUTO,    /* decided from the file: textenc_decide */
	TEXTENC_UTF8,    /* with or without a byte order mark */
	TEXTENC_LATIN1,  /* ISO-8859-1 */
	TEXTENC_CP1252,  /* Windows-1252: Latin-1 with printable 0x80-0x9f */
	TEXTENC_UTF16,   /* its byte order mark says which; little-endian without */
	TEXTENC_UTF16LE, /* as the mark says, or this */
	TEXTENC_UTF16BE
};

int textenc_parse(const char *name, enum textenc *enc);
const char *textenc_name(enum textenc enc);

/*
 * Decides the encoding of what fp holds by reading it whole: a UTF-16
 * byte order mark; else UTF-8 if every byte of it is valid UTF-8; else
 * cp1252. fp is left at its start; a stream that cannot be read twice (a
 * pipe, a terminal) is first copied to a private temporary file, which
 * *spool then holds (the caller reads and closes it instead). Returns 0,
 * or -1 with errno set.
 */
int textenc_decide(FILE *fp, FILE **spool, enum textenc *enc);

/* Whether the n bytes at s are valid UTF-8, as JSON takes it. */
int textenc_valid_utf8(const char *s, size_t n);

/* Text in an encoding turned into UTF-8, piece by piece, NUL bytes dropped. */
struct textdec {
	enum textenc enc;
	void *cd;              /* iconv's, or NULL for UTF-8 */
	struct jsonbuf in;     /* text not converted yet: a character cut off */
	int started;           /* a UTF-16 byte order mark was looked for */
	unsigned long nul;     /* NUL characters dropped */
	unsigned long invalid; /* characters replaced by U+FFFD (UTF-16 only) */
};

int textdec_init(struct textdec *d, enum textenc enc);
void textdec_feed(struct textdec *d, const char *s, size_t n, struct jsonbuf *out);
void textdec_finish(struct textdec *d, struct jsonbuf *out);
void textdec_free(struct textdec *d);

#endif
