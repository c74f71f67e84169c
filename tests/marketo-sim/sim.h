/* sim.h: what the parts of the Marketo simulator share. */
#ifndef MSI_SIM_H
#define MSI_SIM_H

#include <jansson.h>

enum sim_object {
	OBJ_SALESPERSON,
	OBJ_COMPANY,
	OBJ_LEAD,
	OBJ_OPPORTUNITY,
	OBJ_ROLE,
	OBJ_COUNT
};

/* A call's outcome: a result array, or a call-level error code and message. */
struct sim_answer {
	json_t *result;   /* new reference, or NULL */
	const char *code; /* error code ("609"), or NULL */
	char message[200];
	json_t *extra; /* more members of the answer (nextPageToken), or NULL */
};

struct sim_config {
	const char *score_field; /* relativeScore or relativeScoring */
	int person_lookup;       /* externalPersonId is a lead lookupField */
	json_t *custom_fields;   /* lead fields added with --lead-field: name -> type */
};

void store_init(const struct sim_config *cfg);
void store_reset(void);
const char *store_object_name(enum sim_object o);
int store_sync(enum sim_object o, json_t *body, struct sim_answer *a);
int store_delete(enum sim_object o, json_t *body, struct sim_answer *a);
int store_query_leads(const char *filter_type, const char *filter_values, const char *fields,
    const char *batch_size, const char *page_token, struct sim_answer *a);
int store_query(enum sim_object o, json_t *params, struct sim_answer *a);
void store_describe(enum sim_object o, struct sim_answer *a);
void store_describe_lead_fields(struct sim_answer *a);
int store_set_msi(json_t *body, char *why, size_t whysize);
int store_set(json_t *body, json_t **answer);
json_t *store_counts(void);
json_t *store_deleted(void);
char *store_dump(size_t *len);

#endif
