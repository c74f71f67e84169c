/* mkconf.c: where Marketo is and the credentials to reach it; secrets stay in memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ealloc.h"
#include "mkconf.h"

static const struct {
	const char *env, *key;
	size_t offset;
} settings[] = {
    {"MARKETO_BASE_URL", "base_url", offsetof(struct mkconf, base_url)},
    {"MARKETO_IDENTITY_URL", "identity_url", offsetof(struct mkconf, identity_url)},
    {"MARKETO_CLIENT_ID", "client_id", offsetof(struct mkconf, client_id)},
    {"MARKETO_CLIENT_SECRET", "client_secret", offsetof(struct mkconf, client_secret)},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

static char **
slot(struct mkconf *c, size_t i)
{
	return (char **)((char *)c + settings[i].offset);
}

static void
set(struct mkconf *c, size_t i, const char *value)
{
	char **p = slot(c, i);
	size_t n;

	if (*p != NULL) {
		memset(*p, 0, strlen(*p));
		free(*p);
	}
	*p = estrdup(value);
	n = strlen(*p);
	if (i < 2)
		while (n > 0 && (*p)[n - 1] == '/')
			(*p)[--n] = '\0';
}

/*
 * Plain http only to this machine: 127.0.0.0/8, localhost or [::1].
 * Everything else must be https, which libcurl verifies.
 */
int
mkconf_url_allowed(const char *url, char why[MKCONF_WHY_SIZE])
{
	const char *host, *end;
	size_t n;

	if (strncasecmp(url, "https://", 8) == 0)
		return 1;
	if (strncasecmp(url, "http://", 7) != 0) {
		snprintf(why, MKCONF_WHY_SIZE, "%s: not an http(s) URL", url);
		return 0;
	}
	host = url + 7;
	end = host + strcspn(host, ":/");
	if (*host == '[')
		end = strchr(host, ']') ? strchr(host, ']') + 1 : end;
	n = (size_t)(end - host);
	if ((n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	    (n == 5 && strncmp(host, "[::1]", 5) == 0) ||
	    (n >= 9 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == n))
		return 1;
	snprintf(why, MKCONF_WHY_SIZE,
	    "%.*s: plain http is allowed only to this machine; use https", (int)(end - url),
	    url);
	return 0;
}

/* key = value lines; '#' starts a comment. Refused when group or others may read it. */
static int
read_file(struct mkconf *c, const char *path, char why[MKCONF_WHY_SIZE])
{
	char *line = NULL, *key, *value, *end;
	unsigned long lineno = 0;
	size_t size = 0, i;
	struct stat st;
	FILE *fp;
	int ok = 1;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(why, MKCONF_WHY_SIZE, "%s: %s", path, strerror(errno));
		return 0;
	}
	if (fstat(fileno(fp), &st) != 0 || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(why, MKCONF_WHY_SIZE,
		    "%s: holds a secret, but others may read it "
		    "(mode %03o); chmod 600 it",
		    path, (unsigned)(st.st_mode & 0777));
		fclose(fp);
		return 0;
	}
	while (ok && getline(&line, &size, fp) >= 0) {
		lineno++;
		line[strcspn(line, "#\r\n")] = '\0';
		key = line + strspn(line, " \t");
		if (*key == '\0')
			continue;
		if ((value = strchr(key, '=')) == NULL) {
			snprintf(
			    why, MKCONF_WHY_SIZE, "%s:%lu: expected key = value", path, lineno);
			ok = 0;
			break;
		}
		for (end = value; end > key && (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		*end = '\0';
		value++;
		value += strspn(value, " \t");
		for (end = value + strlen(value);
		     end > value && (end[-1] == ' ' || end[-1] == '\t');)
			*--end = '\0';
		for (i = 0; i < NSETTINGS && strcmp(key, settings[i].key) != 0; i++)
			;
		if (i == NSETTINGS) {
			snprintf(why, MKCONF_WHY_SIZE,
			    "%s:%lu: unknown key \"%.40s\" (base_url, "
			    "identity_url, client_id, client_secret)",
			    path, lineno, key);
			ok = 0;
			break;
		}
		set(c, i, value);
	}
	if (line != NULL) {
		memset(line, 0, size);
		free(line);
	}
	fclose(fp);
	return ok;
}

/*
 * Fills c from the config file path (if not NULL), then from the
 * environment, which wins. The identity URL defaults to the base URL's
 * host with /identity. Returns 0, or -1 with why (which never holds a
 * secret).
 */
int
mkconf_load(struct mkconf *c, const char *path, char why[MKCONF_WHY_SIZE])
{
	const char *v;
	size_t i;

	memset(c, 0, sizeof *c);
	why[0] = '\0';
	if (path != NULL && !read_file(c, path, why))
		return -1;
	for (i = 0; i < NSETTINGS; i++)
		if ((v = getenv(settings[i].env)) != NULL && *v != '\0')
			set(c, i, v);
	if (c->identity_url == NULL && c->base_url != NULL) {
		size_t n = strlen(c->base_url), cut = n;
		char *u;

		if (n >= 5 && strcmp(c->base_url + n - 5, "/rest") == 0)
			cut = n - 5;
		u = emalloc(cut + 10);
		memcpy(u, c->base_url, cut);
		strcpy(u + cut, "/identity");
		c->identity_url = u;
	}
	for (i = 0; i < NSETTINGS; i++) {
		if (*slot(c, i) == NULL) {
			snprintf(why, MKCONF_WHY_SIZE, "%s is not set (environment%s)",
			    settings[i].env, path ? " or config file" : "");
			return -1;
		}
	}
	if (!mkconf_url_allowed(c->base_url, why) || !mkconf_url_allowed(c->identity_url, why))
		return -1;
	return 0;
}

/* Frees c, wiping the values first: the secret does not linger in freed memory. */
void
mkconf_free(struct mkconf *c)
{
	size_t i;
	char **p;

	for (i = 0; i < NSETTINGS; i++) {
		p = slot(c, i);
		if (*p != NULL) {
			memset(*p, 0, strlen(*p));
			free(*p);
			*p = NULL;
		}
	}
}
