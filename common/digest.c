/* digest.c: a short fingerprint of a JSON value, to tell whether it changed since a run before.
 */
#include <stdint.h>

#include "digest.h"

/*
 * 64-bit FNV-1a of the value's compact text, keys sorted: equal values,
 * equal digests, whatever order their members came in. 63 bits are kept,
 * so that the digest is a JSON integer jansson reads back exactly.
 */
/* Adds a piece of the value's text to the running FNV-1a hash. */
static int
fnv_add(const char *buf, size_t size, void *data)
{
	uint64_t *h = data;
	size_t i;

	for (i = 0; i < size; i++) {
		*h ^= (unsigned char)buf[i];
		*h *= 0x100000001b3ULL;
	}
	return 0;
}

json_int_t
digest_of(const json_t *v)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	/* the text hashed as jansson writes it, piece by piece: never held whole */
	json_dump_callback(v, fnv_add, &h, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	return (json_int_t)(h >> 1);
}

/*
 * The digest of a record's text as it is written (jansson's compact form,
 * its members in their order: msi-transform's lines): equal to
 * digest_text of the line it was read from when that line was so written.
 */
json_int_t
digest_written(const json_t *v)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	json_dump_callback(v, fnv_add, &h, JSON_COMPACT | JSON_PRESERVE_ORDER);
	return (json_int_t)(h >> 1);
}

/* The digest of len bytes of text, a line as read (its line end cut off). */
json_int_t
digest_text(const char *text, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	fnv_add(text, len, &h);
	return (json_int_t)(h >> 1);
}
