/*
 * mkconf.c: where Marketo is and the credentials to reach it; secrets stay in
 * memory. The credentials file's rules (its owner, its mode, key = value
 * lines) and the URLs credentials may go to serve Salesforce's settings too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <curl/curl.h>

#include "ealloc.h"
#include "exitcode.h"
#include "mkconf.h"
#include "msg.h"

static const struct conf_key settings[] = {
    {"MARKETO_BASE_URL", "base_url", offsetof(struct mkconf, base_url), 1},
    {"MARKETO_IDENTITY_URL", "identity_url", offsetof(struct mkconf, identity_url), 1},
    {"MARKETO_CLIENT_ID", "client_id", offsetof(struct mkconf, client_id), 0},
    {"MARKETO_CLIENT_SECRET", "client_secret", offsetof(struct mkconf, client_secret), 0},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

static char **
slot(void *c, const struct conf_key *k)
{
	return (char **)((char *)c + k->offset);
}

/* Sets a setting, wiping the value it replaces; a URL loses its trailing slashes. */
static void
set(void *c, const struct conf_key *k, const char *value)
{
	char **p = slot(c, k);
	size_t n;

	if (*p != NULL) {
		msg_forget(*p);
		memset(*p, 0, strlen(*p));
		free(*p);
	}
	*p = estrdup(value);
	/* a client secret is never printed, whatever message a server makes of it */
	if (strstr(k->key, "secret") != NULL)
		msg_secret(*p);
	n = strlen(*p);
	if (k->url)
		while (n > 0 && (*p)[n - 1] == '/')
			(*p)[--n] = '\0';
}

/* Whether host, as libcurl parsed it, is this machine: 127.0.0.0/8, localhost or [::1]. */
static int
loopback(const char *host)
{
	struct in_addr a;

	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
		return 1;
	return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/*
 * A URL the tools may send the credentials to, judged by libcurl's own URL
 * parser, the one that makes the connection: http or https, no user name or
 * password (it would travel and be shown), no query or fragment, no space
 * or control character; plain http only to this machine, everything else
 * https, which libcurl verifies. name (the setting) stands for the URL in
 * why when the URL is not fit to be shown.
 */
int
mkconf_url_allowed(const char *name, const char *url, char why[MKCONF_WHY_SIZE])
{
	char *scheme = NULL, *host = NULL, *part = NULL;
	const unsigned char *p;
	CURLUcode rc;
	CURLU *u;
	int ok = 0;

	for (p = (const unsigned char *)url; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f) {
			snprintf(why, MKCONF_WHY_SIZE,
			    "%s: the URL holds a space or a control character", name);
			return 0;
		}
	}
	/* the calls' URLs are made in buffers of 1 KB: one cut short would call another
	 * resource */
	if (strlen(url) > MKCONF_URL_MAX) {
		snprintf(why, MKCONF_WHY_SIZE, "%s: the URL is over %d characters", name,
		    MKCONF_URL_MAX);
		return 0;
	}
	if ((u = curl_url()) == NULL)
		msg_fatal(MSI_EXIT_IO, "out of memory");
	if ((rc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK) {
		snprintf(
		    why, MKCONF_WHY_SIZE, "%s: not a URL: %s", name, curl_url_strerror(rc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK) {
		snprintf(why, MKCONF_WHY_SIZE,
		    "%s: a user name or password in the URL is not allowed; "
		    "the credentials go in client_id and client_secret",
		    name);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(why, MKCONF_WHY_SIZE, "%.200s: not an http(s) URL", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
		snprintf(why, MKCONF_WHY_SIZE,
		    "%.200s: a query (?) or fragment (#) has no place in this URL", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(why, MKCONF_WHY_SIZE, "%.200s: the URL names no host", url);
		goto out;
	}
	if (strcmp(scheme, "http") == 0 && !loopback(host)) {
		snprintf(why, MKCONF_WHY_SIZE,
		    "%.200s: plain http is allowed only to this machine; use https", url);
		goto out;
	}
	ok = 1;
out:
	curl_free(part);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/*
 * Whether the folder holding path lets only its owner, this user or root,
 * replace the file: not writable by others unless sticky, as /tmp is.
 */
static int
folder_private(const char *path, char why[MKCONF_WHY_SIZE])
{
	char *copy = estrdup(path), *slash = strrchr(copy, '/');
	const char *dir = slash == NULL ? "." : slash == copy ? "/" : copy;
	struct stat st;
	int ok = 1;

	if (slash != NULL && slash != copy)
		*slash = '\0';
	if (stat(dir, &st) != 0) {
		snprintf(why, MKCONF_WHY_SIZE, "%s: %s", dir, strerror(errno));
		ok = 0;
	} else if ((st.st_uid != geteuid() && st.st_uid != 0) ||
	           ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)) {
		snprintf(why, MKCONF_WHY_SIZE,
		    "%s: others may replace the config file in this folder; keep it in a "
		    "folder of your own",
		    dir);
		ok = 0;
	}
	free(copy);
	return ok;
}

/*
 * Opens the config file, which holds a secret and says where to send it:
 * a regular file of this user (or root) that no one else may read, in a
 * folder no one else may write, the one a symbolic link leads to included.
 */
FILE *
conf_open_private(const char *path, char why[MKCONF_WHY_SIZE])
{
	char *real;
	struct stat st;
	FILE *fp;
	int ok;

	int fd;

	/* O_NONBLOCK: a FIFO named here must not hang the open; a regular file ignores it */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
		snprintf(why, MKCONF_WHY_SIZE, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
	    (fp = fdopen(fd, "r")) == NULL) {
		snprintf(why, MKCONF_WHY_SIZE, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (fstat(fileno(fp), &st) != 0) {
		snprintf(why, MKCONF_WHY_SIZE, "%s: %s", path, strerror(errno));
		ok = 0;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(why, MKCONF_WHY_SIZE, "%s: not a regular file", path);
		ok = 0;
	} else if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(why, MKCONF_WHY_SIZE,
		    "%s: holds a secret, but belongs to another user (uid %lu)", path,
		    (unsigned long)st.st_uid);
		ok = 0;
	} else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(why, MKCONF_WHY_SIZE,
		    "%s: holds a secret, but others may read it (mode %03o); chmod 600 it",
		    path, (unsigned)(st.st_mode & 0777));
		ok = 0;
	} else {
		ok = folder_private(path, why);
		if (ok && (real = realpath(path, NULL)) != NULL) {
			ok = strcmp(real, path) == 0 || folder_private(real, why);
			free(real);
		}
	}
	if (!ok) {
		fclose(fp);
		return NULL;
	}
	return fp;
}

/*
 * key = value lines. A line whose first character other than a blank is
 * '#' is a comment; elsewhere '#' is part of the value, as a secret may
 * hold one. Blanks around the key and the value are not part of them.
 */
static int
read_file(void *c, const struct conf_key *keys, size_t nkeys, const char *path,
    char why[MKCONF_WHY_SIZE])
{
	char *line = NULL, *key, *value, *end;
	unsigned long lineno = 0;
	size_t size = 0, i;
	FILE *fp;
	int ok = 1;

	if ((fp = conf_open_private(path, why)) == NULL)
		return 0;
	while (ok && getline(&line, &size, fp) >= 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		key = line + strspn(line, " \t");
		if (*key == '\0' || *key == '#')
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
		for (i = 0; i < nkeys && strcmp(key, keys[i].key) != 0; i++)
			;
		if (i == nkeys) {
			/* the line is not shown: it may be a secret pasted in the wrong place
			 */
			size_t len;

			len = (size_t)snprintf(why, MKCONF_WHY_SIZE,
			    "%s:%lu: unknown key (the keys are", path, lineno);
			for (i = 0; i < nkeys && len < MKCONF_WHY_SIZE; i++)
				len +=
				    (size_t)snprintf(why + len, MKCONF_WHY_SIZE - len, "%s %s",
				        i == 0           ? ""
				        : i + 1 == nkeys ? " and"
				                         : ",",
				        keys[i].key);
			if (len < MKCONF_WHY_SIZE)
				snprintf(why + len, MKCONF_WHY_SIZE - len, ")");
			ok = 0;
			break;
		}
		set(c, &keys[i], value);
	}
	if (ok && ferror(fp)) {
		snprintf(why, MKCONF_WHY_SIZE, "%s: %s", path, strerror(errno));
		ok = 0;
	}
	if (line != NULL) {
		memset(line, 0, size);
		free(line);
	}
	fclose(fp);
	return ok;
}

/*
 * A base URL with no path (https://123-ABC-456.mktorest.com) sends every call
 * to /v1/..., which Marketo answers with 404: its REST API is under /rest, as
 * the REST API endpoint URL of Admin > Web Services shows it
 * (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api).
 * A warning as the settings are read, not a refusal: only an empty path is
 * surely wrong, and a path of another kind (a proxy's) is left alone.
 */
static void
base_url_hint(const char *url)
{
	char *path = NULL;
	CURLU *u;

	if ((u = curl_url()) == NULL)
		msg_fatal(MSI_EXIT_IO, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
	    (path[0] == '\0' || strcmp(path, "/") == 0))
		msg_warn(
		    "MARKETO_BASE_URL %.200s: no path: the base URL normally ends in /rest "
		    "(Adobe: REST API endpoint URL in Admin > Web Services)",
		    url);
	curl_free(path);
	curl_url_cleanup(u);
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
	size_t i;

	memset(c, 0, sizeof *c);
	if (conf_read(c, settings, NSETTINGS, path, why) != 0)
		return -1;
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
		if (*slot(c, &settings[i]) == NULL) {
			snprintf(why, MKCONF_WHY_SIZE, "%s is not set (environment%s)",
			    settings[i].env, path ? " or config file" : "");
			return -1;
		}
	}
	if (!mkconf_url_allowed("MARKETO_BASE_URL", c->base_url, why) ||
	    !mkconf_url_allowed("MARKETO_IDENTITY_URL", c->identity_url, why))
		return -1;
	base_url_hint(c->base_url);
	return 0;
}

/* Frees c, wiping the values first: the secret does not linger in freed memory. */
void
mkconf_free(struct mkconf *c)
{
	conf_wipe(c, settings, NSETTINGS);
}

/*
 * The settings keys names, of the struct c: from the config file path (if
 * not NULL), then from the environment, which wins. Returns 0, or -1 with
 * why (which never holds a secret). Missing settings are the caller's to
 * find.
 */
int
conf_read(void *c, const struct conf_key *keys, size_t nkeys, const char *path,
    char why[MKCONF_WHY_SIZE])
{
	const char *v;
	size_t i;

	why[0] = '\0';
	if (path != NULL && !read_file(c, keys, nkeys, path, why))
		return -1;
	for (i = 0; i < nkeys; i++)
		if ((v = getenv(keys[i].env)) != NULL && *v != '\0')
			set(c, &keys[i], v);
	return 0;
}

/* Frees the settings keys names in c, wiping them first. */
void
conf_wipe(void *c, const struct conf_key *keys, size_t nkeys)
{
	size_t i;
	char **p;

	for (i = 0; i < nkeys; i++) {
		p = slot(c, &keys[i]);
		if (*p != NULL) {
			msg_forget(*p);
			memset(*p, 0, strlen(*p));
			free(*p);
			*p = NULL;
		}
	}
}
