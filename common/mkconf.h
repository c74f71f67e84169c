/* mkconf.h: where Marketo is and the credentials to reach it; secrets stay in memory. */
#ifndef MSI_MKCONF_H
#define MSI_MKCONF_H

#include <stddef.h>

struct mkconf {
	char *base_url;     /* REST API, without a trailing slash */
	char *identity_url; /* identity service, without a trailing slash */
	char *client_id;
	char *client_secret; /* never printed, logged or written anywhere */
};

#define MKCONF_WHY_SIZE 300

int mkconf_load(struct mkconf *c, const char *path, char why[MKCONF_WHY_SIZE]);
int mkconf_url_allowed(const char *name, const char *url, char why[MKCONF_WHY_SIZE]);
void mkconf_free(struct mkconf *c);

#endif
