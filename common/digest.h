/* digest.h: a short fingerprint of a JSON value, to tell whether it changed since a run before.
 */
#ifndef MSI_DIGEST_H
#define MSI_DIGEST_H

#include <jansson.h>

json_int_t digest_of(const json_t *v);

#endif
