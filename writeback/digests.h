/* digests.h: what was last sent for each person (--state), to send only what moved. */
#ifndef MSI_DIGESTS_H
#define MSI_DIGESTS_H

#include <jansson.h>

struct digests {
	const char *path;
	json_t *by_id; /* Salesforce id -> digest of the update last written */
	unsigned long loaded;
};

void digests_load(struct digests *d, const char *path);
int digests_changed(struct digests *d, const char *id, json_t *update);
int digests_forget(struct digests *d, const char *id);
void digests_save(struct digests *d);
void digests_free(struct digests *d);

#endif
