/* report.h: what msi-report reads of a run folder, and the parts of its summary. */
#ifndef MSI_REPORT_H
#define MSI_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "ndjson.h"
#include "objects.h"

/* A run folder as msi-sync leaves it, read once its stages have written. */
struct run {
	const char *dir; /* as given: every path printed starts with it */
	char **names;    /* its files' names, sorted as the C locale sorts */
	size_t nnames;
	json_t *done; /* stages.done: stage -> true */
	json_t *bad;  /* files found damaged or unreadable: told once, then passed over */
	int state, dry_run, delete_leads, apply; /* run.conf's settings */
	int hold;                                /* run.conf's hold (--hold-unknown) */
	char max_delete[32];                     /* run.conf's max_delete, else 10 */
	int status; /* the worst problem met reading (3 or 4), else 0 */
};

/* The summary's verdict: what was set aside, what can be sent again. */
struct verdict {
	int failed;              /* something set aside: status 1 */
	unsigned long retryable; /* failed for the service: status 5 */
};

void run_open(struct run *r, const char *dir);
void run_close(struct run *r);
char *run_path(const struct run *r, const char *name);
int run_has(const struct run *r, const char *name);
int run_done(const struct run *r, const char *stage);
const char *run_next(const struct run *r, size_t *i, const char *pattern);
json_t *run_json(struct run *r, const char *name);
void run_each(struct run *r, const char *name, ndjson_fn fn, void *ctx);
unsigned long run_lines(struct run *r, const char *name);
long long run_size(const struct run *r, const char *name);

json_int_t num(const json_t *v);
int truthy(const json_t *v);
char *interp(const json_t *v);

void table_print(struct run *r, struct verdict *v);
void retryable_print(struct run *r, struct verdict *v);
void apply_print(struct run *r, struct verdict *v);
json_t *unapplied(struct run *r);
void verify_print(struct run *r, struct verdict *v);
void fates_print(struct run *r);
json_int_t transform_skipped(const json_t *stats);
json_int_t landed_unlinked(struct run *r, const char *o);
char *alike(const char *s);
void notes_print(struct run *r, const char *object);
void references_print(struct run *r);
void undone_print(struct run *r, const char *object);
enum { DELETES_REFUSED = 1, DELETES_HELD = 2, DELETES_NOT_ALL = 4 };
unsigned deletes_undone(struct run *r, const char *o);
void set_aside_add(
    json_t *keys, const char *object, const char *id, const char *stage, const char *reason);
json_t *set_asides(struct run *r);
void set_asides_print(struct run *r);
int new_set_asides_print(struct run *r);

#endif
