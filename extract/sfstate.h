/* sfstate.h: msi-extract --state: each object's SystemModstamp mark of its last whole extract. */
#ifndef MSI_SFSTATE_H
#define MSI_SFSTATE_H

#include <jansson.h>

struct sfstate {
	const char *path;
	int fd;        /* held, with its lock, for the run */
	json_t *doc;   /* the file as read: {"msi-extract":"salesforce","org":..,"objects":{}} */
	const char *object;
	char mark[40]; /* the object's mark, or "" for a first, whole extract */
	json_t *at_mark; /* {"Id":true} of the records seen at the mark */
};

int sfstate_open(struct sfstate *s, const char *path, const char *object, const char *org);
int sfstate_commit(struct sfstate *s, const char *mark, json_t *at_mark, unsigned long rows);
void sfstate_close(struct sfstate *s);

#endif
