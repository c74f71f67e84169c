/* jsonbuf.c: a growable byte buffer that JSON text is assembled in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ealloc.h"
#include "jsonbuf.h"

void
jsonbuf_reserve(struct jsonbuf *b, size_t more)
{
	size_t want = b->len + more;

	if (want <= b->size)
		return;
	if (b->size == 0)
		b->size = 256;
	while (b->size < want)
		b->size *= 2;
	b->data = erealloc(b->data, b->size);
}

void
jsonbuf_add(struct jsonbuf *b, const void *p, size_t n)
{
	if (n == 0)
		return; /* b->data may still be NULL, which memcpy must not see */
	jsonbuf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
jsonbuf_addstr(struct jsonbuf *b, const char *s)
{
	jsonbuf_add(b, s, strlen(s));
}

/* Appends Latin-1 (ISO 8859-1) text as UTF-8: each byte is the code point of its value. */
void
jsonbuf_addlatin1(struct jsonbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	jsonbuf_reserve(b, n * 2);
	for (i = 0; i < n; i++) {
		if (p[i] < 0x80) {
			b->data[b->len++] = (char)p[i];
		} else {
			b->data[b->len++] = (char)(0xc0 | (p[i] >> 6));
			b->data[b->len++] = (char)(0x80 | (p[i] & 0x3f));
		}
	}
}

void
jsonbuf_addulong(struct jsonbuf *b, unsigned long v)
{
	jsonbuf_reserve(b, 24);
	b->len += (size_t)snprintf(b->data + b->len, 24, "%lu", v);
}

/*
 * Appends s (n bytes) as a JSON string. Returns 0, or -1 when s is not
 * valid UTF-8; b is then unchanged.
 *
 * Printable ASCII without '"' or '\\' is its own encoding and is copied as
 * it is; everything else (escapes, UTF-8 checking) is left to jansson.
 */
/* Bytes that are their own JSON encoding: printable ASCII but '"' and '\\'. */
static unsigned char plain[256];

static void
plain_init(void)
{
	int c;

	for (c = 0x20; c < 0x7f; c++)
		plain[c] = c != '"' && c != '\\';
}

int
jsonbuf_addjsonstr(struct jsonbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	json_t *str;
	size_t need;

	if (!plain['a'])
		plain_init();
	while (end - p >= 4 && plain[p[0]] & plain[p[1]] & plain[p[2]] & plain[p[3]])
		p += 4;
	while (p < end && plain[*p])
		p++;
	if (p == end) {
		jsonbuf_reserve(b, n + 2);
		b->data[b->len++] = '"';
		memcpy(b->data + b->len, s, n);
		b->len += n;
		b->data[b->len++] = '"';
		return 0;
	}

	if ((str = json_stringn(s, n)) == NULL)
		return -1;
	/* Every byte escapes to at most 6 ("\u001f"), plus the quotes. */
	need = n * 6 + 2;
	jsonbuf_reserve(b, need);
	need = json_dumpb(str, b->data + b->len, b->size - b->len, JSON_ENCODE_ANY);
	json_decref(str);
	if (need == 0)
		return -1;
	b->len += need;
	return 0;
}

void
jsonbuf_free(struct jsonbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}
