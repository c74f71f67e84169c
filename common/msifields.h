/* msifields.h: which Marketo lead field becomes which Salesforce field, and as what. */
#ifndef MSI_FIELDS_H
#define MSI_FIELDS_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

enum wb_type { WB_STRING, WB_NUMBER, WB_DATETIME };

#define FIELD_ALTS 4

struct field {
	char *sf;               /* Salesforce field, namespace applied */
	char *mkto[FIELD_ALTS]; /* Marketo fields, the first the instance has wins */
	int nalt;
	enum wb_type type;
	const char *use; /* the one the instance has (fields_resolve) */
};

struct fields {
	struct field *f;
	size_t n, cap;
};

#define FIELDS_WHY_SIZE 400

/*
 * The options that name the Salesforce fields, the same in msi-writeback
 * and msi-apply: -M/--map FILE (up to FIELDS_MAPS, applied in order) and
 * -N/--namespace NS.
 */
#define FIELDS_MAPS       16
#define FIELDS_OPTS_SHORT "M:N:"
/* clang-format off */
#define FIELDS_OPTS_LONG \
	{"map", required_argument, NULL, 'M'}, \
	{"namespace", required_argument, NULL, 'N'}
/* clang-format on */

struct fields_opts {
	const char *map[FIELDS_MAPS];
	int nmaps;
	const char *ns; /* NULL: none */
};

int fields_opts_parse(
    struct fields_opts *o, int ch, const char *arg, void (*usage)(FILE *, int));
int fields_setup(struct fields *fs, const struct fields_opts *o);
int fields_has(const struct fields *fs, const char *sf);

void fields_defaults(struct fields *fs);
int fields_load(struct fields *fs, const char *path);
void fields_namespace(struct fields *fs, const char *ns);
int fields_resolve(struct fields *fs, json_t *describe, char why[FIELDS_WHY_SIZE]);
char *fields_query(const struct fields *fs);
json_t *fields_update(const struct fields *fs, json_t *lead, const char *type, const char *id,
    char why[FIELDS_WHY_SIZE]);
void fields_free(struct fields *fs);

#endif
