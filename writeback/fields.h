/* fields.h: which Marketo lead field becomes which Salesforce field, and as what. */
#ifndef MSI_FIELDS_H
#define MSI_FIELDS_H

#include <stddef.h>

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

void fields_defaults(struct fields *fs);
int fields_load(struct fields *fs, const char *path);
void fields_namespace(struct fields *fs, const char *ns);
int fields_resolve(struct fields *fs, json_t *describe, char why[FIELDS_WHY_SIZE]);
char *fields_query(const struct fields *fs);
json_t *fields_update(const struct fields *fs, json_t *lead, const char *type, const char *id,
    char why[FIELDS_WHY_SIZE]);
void fields_free(struct fields *fs);

#endif
