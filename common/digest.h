/* digest.h: a short fingerprint of a JSON value, to tell whether it changed since a run before.
 */
#ifndef MSI_DIGEST_H
#define MSI_DIGEST_H

#include <stddef.h>

#include <jansson.h>

json_int_t digest_of(const json_t *v);
json_int_t digest_written(const json_t *v);
json_int_t digest_text(const char *text, size_t len);

#endif
