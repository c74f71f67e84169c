/* mkconf.h: where Marketo is and the credentials to reach it; secrets stay in memory. */
#ifndef MSI_MKCONF_H
#define MSI_MKCONF_H

#include <stddef.h>
#include <stdio.h>

struct mkconf {
	char *base_url;     /* REST API, without a trailing slash */
	char *identity_url; /* identity service, without a trailing slash */
	char *client_id;
	char *client_secret; /* never printed, logged or written anywhere */
};

#define MKCONF_WHY_SIZE 300

/* A setting: its environment variable, its key in a config file, where it goes. */
struct conf_key {
	const char *env, *key;
	size_t offset; /* of a char * in the settings' struct */
	int url;       /* a URL: trailing slashes dropped */
};

int conf_read(void *c, const struct conf_key *keys, size_t nkeys, const char *path,
    char why[MKCONF_WHY_SIZE]);
void conf_wipe(void *c, const struct conf_key *keys, size_t nkeys);
FILE *conf_open_private(const char *path, char why[MKCONF_WHY_SIZE]);

int mkconf_load(struct mkconf *c, const char *path, char why[MKCONF_WHY_SIZE]);
/* A service's URL at most: its paths go after it in 1 KB. */
#define MKCONF_URL_MAX 900

int mkconf_url_allowed(const char *name, const char *url, char why[MKCONF_WHY_SIZE]);
void mkconf_free(struct mkconf *c);

#endif
