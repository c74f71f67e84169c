/* sfstate.h: msi-extract --state: each object's SystemModstamp mark of its last whole extract.
 */
#ifndef MSI_SFSTATE_H
#define MSI_SFSTATE_H

#include <stddef.h>

#include <jansson.h>

#include "statefile.h"

/* Room for a mark, 2024-01-02T03:04:05.000Z, and its NUL. */
#define SFSTATE_MARK_SIZE 40

struct sfstate {
	const char *path;
	struct statefile file; /* held, with its lock, for the run */
	json_t *doc; /* the file as read: {"msi-extract":"salesforce","org":..,"objects":{}} */
	const char *object;
	char mark[SFSTATE_MARK_SIZE]; /* the object's mark, or "" for a first, whole extract */
	json_t *at_mark;              /* {"Id":true} of the records seen at the mark */
};

int sfstate_open(struct sfstate *s, const char *path, const char *object, const char *org);
int sfstate_commit(struct sfstate *s, const char *mark, json_t *at_mark, unsigned long rows);
int sfstate_take(struct sfstate *s, const char *from, int *kept);
void sfstate_close(struct sfstate *s);
int sfstate_valid_mark(const char *m);
int sfstate_valid_id(const char *s, size_t n);
void sfstate_before(const char *mark, long seconds, char out[SFSTATE_MARK_SIZE]);

#endif
