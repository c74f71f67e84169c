/* keyfile.h: keyed JSON lines on a scratch file, sorted by key through keysort, read in order.
 */
#ifndef MSI_VERIFY_KEYFILE_H
#define MSI_VERIFY_KEYFILE_H

#include <stdio.h>

#include <jansson.h>

#include "jsonbuf.h"

/*
 * Lines "KEY\tJSON\n" in a scratch file: put in any order, sorted once
 * (keyfile_sort), then read front to back, by line or by key. KEY is the
 * key escaped as keysort_key escapes it; keys compare with strcmp().
 */
struct keyfile {
	const char *what; /* named in messages */
	FILE *fp;
	struct jsonbuf esc; /* a key escaped */
	char *line;         /* the line read ahead, or NULL */
	size_t size;
	char *key, *rest; /* in line */
	int ahead;        /* line holds a line not yet taken */
	char *last;       /* keyfile_lookup's last key, and what it found */
	json_t *group;
	unsigned long lines;
};

void keyfile_open(struct keyfile *kf, const char *what);
const char *keyfile_escape(struct keyfile *kf, const char *key);
void keyfile_unescape(char *key);
void keyfile_put(struct keyfile *kf, const char *escaped, const char *rest);
void keyfile_put_json(struct keyfile *kf, const char *key, json_t *rest);
void keyfile_sort(struct keyfile *kf, int stable);
void keyfile_rewind(struct keyfile *kf);
int keyfile_peek(struct keyfile *kf, const char **key);
const char *keyfile_skip(struct keyfile *kf);
json_t *keyfile_take(struct keyfile *kf);
json_t *keyfile_lookup(struct keyfile *kf, const char *escaped);
void keyfile_close(struct keyfile *kf);

#endif
