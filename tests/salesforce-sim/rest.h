/* rest.h: the REST resources beyond sim.h's: the query resource (query.c), the global
 * describe and an object's basic information (store.c). */
#ifndef MSI_SFSIM_REST_H
#define MSI_SFSIM_REST_H

#include "sim.h"

/* store.c */
void store_describe_global(const char *version, struct answer *a);
void store_basic_info(const struct sobject *o, const char *version, struct answer *a);

/* query.c: GET .../query?q=SOQL and .../queryAll?q=SOQL, and their further batches. */
void query_run(
    const char *version, const char *soql, int all, const char *options, struct answer *a);
void query_more(const char *version, const char *locator, struct answer *a);
void query_free(void);

#endif
