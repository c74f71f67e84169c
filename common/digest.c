/* digest.c: a short fingerprint of a JSON value, to tell whether it changed since a run before.
 */
#include <stdint.h>
#include <stdlib.h>

#include "digest.h"

/*
 * 64-bit FNV-1a of the value's compact text, keys sorted: equal values,
 * equal digests, whatever order their members came in. 63 bits are kept,
 * so that the digest is a JSON integer jansson reads back exactly.
 */
json_int_t
digest_of(const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)text; p != NULL && *p != '\0'; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	free(text);
	return (json_int_t)(h >> 1);
}
