/* jsonbuf.h: a growable byte buffer that JSON text is assembled in. */
#ifndef MSI_JSONBUF_H
#define MSI_JSONBUF_H

#include <stddef.h>

struct jsonbuf {
	char *data;
	size_t len;
	size_t size;
};

void jsonbuf_reserve(struct jsonbuf *b, size_t more);
void jsonbuf_add(struct jsonbuf *b, const void *p, size_t n);
void jsonbuf_addstr(struct jsonbuf *b, const char *s);
void jsonbuf_addlatin1(struct jsonbuf *b, const char *s, size_t n);
void jsonbuf_addulong(struct jsonbuf *b, unsigned long v);
int jsonbuf_addjsonstr(struct jsonbuf *b, const char *s, size_t n);
void jsonbuf_free(struct jsonbuf *b);

#endif
