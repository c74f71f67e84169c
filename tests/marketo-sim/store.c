/* store.c: the simulator's records, and the sync, query, delete and describe calls on them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

struct field {
	const char *name, *display, *type;
	int length; /* 0: none */
	int updateable;
};

/* clang-format off */
#define F(n, d, t, l)  {n, d, t, l, 1}
#define RO(n, d, t, l) {n, d, t, l, 0}
/* clang-format on */

static const struct field salesperson_fields[] = {
    RO("id", "Marketo Id", "integer", 0),
    RO("createdAt", "Created At", "datetime", 0),
    RO("updatedAt", "Updated At", "datetime", 0),
    F("externalSalesPersonId", "External Sales Person Id", "string", 255),
    F("email", "Email", "string", 255),
    F("firstName", "First Name", "string", 255),
    F("lastName", "Last Name", "string", 255),
    {NULL, NULL, NULL, 0, 0},
};

static const struct field company_fields[] = {
    RO("id", "Id", "integer", 0),
    RO("createdAt", "Created At", "datetime", 0),
    RO("updatedAt", "Updated At", "datetime", 0),
    F("externalCompanyId", "External Company Id", "string", 100),
    F("externalSalesPersonId", "External Sales Person Id", "string", 255),
    F("company", "Company Name", "string", 255),
    F("website", "Website", "url", 255),
    F("mainPhone", "Main Phone", "string", 255),
    F("industry", "Industry", "string", 255),
    F("annualRevenue", "Annual Revenue", "currency", 0),
    F("numberOfEmployees", "Num Employees", "integer", 0),
    F("billingStreet", "Billing Address", "text", 0),
    F("billingCity", "Billing City", "string", 255),
    F("billingState", "Billing State", "string", 255),
    F("billingPostalCode", "Billing Postal Code", "string", 255),
    F("billingCountry", "Billing Country", "string", 255),
    F("sicCode", "SIC Code", "string", 40),
    F("site", "Site", "string", 255),
    {NULL, NULL, NULL, 0, 0},
};

/* The MSI fields come last; the score field's name is a setting (relativeScore or
 * relativeScoring). */
static const struct field lead_fields[] = {
    RO("id", "Id", "integer", 0),
    RO("createdAt", "Created At", "datetime", 0),
    RO("updatedAt", "Updated At", "datetime", 0),
    F("email", "Email Address", "email", 255),
    F("externalPersonId", "External Person Id", "string", 255),
    F("externalCompanyId", "External Company Id", "string", 100),
    F("externalSalesPersonId", "External Sales Person Id", "string", 255),
    F("salutation", "Salutation", "string", 255),
    F("firstName", "First Name", "string", 255),
    F("middleName", "Middle Name", "string", 255),
    F("lastName", "Last Name", "string", 255),
    F("title", "Job Title", "string", 255),
    F("department", "Department", "string", 255),
    F("phone", "Phone Number", "phone", 255),
    F("mobilePhone", "Mobile Phone Number", "phone", 255),
    F("fax", "Fax Number", "phone", 255),
    F("address", "Address", "text", 0),
    F("city", "City", "string", 255),
    F("state", "State", "string", 255),
    F("postalCode", "Postal Code", "string", 255),
    F("country", "Country", "string", 255),
    F("company", "Company Name", "string", 255),
    F("website", "Website", "url", 255),
    F("industry", "Industry", "string", 255),
    F("annualRevenue", "Annual Revenue", "currency", 0),
    F("numberOfEmployees", "Num Employees", "integer", 0),
    F("leadSource", "Lead Source", "string", 255),
    F("leadStatus", "Lead Status", "string", 255),
    F("leadScore", "Lead Score", "integer", 0),
    F("dateOfBirth", "Date of Birth", "date", 0),
    F("mainPhone", "Main Phone", "string", 255),
    F("billingStreet", "Billing Address", "text", 0),
    F("billingCity", "Billing City", "string", 255),
    F("billingState", "Billing State", "string", 255),
    F("billingPostalCode", "Billing Postal Code", "string", 255),
    F("billingCountry", "Billing Country", "string", 255),
    F("sicCode", "SIC Code", "string", 40),
    F("site", "Site", "string", 255),
    RO("msiLastInterestingMomentType", "Last Interesting Moment Type", "string", 100),
    RO("msiLastInterestingMomentDate", "Last Interesting Moment Date", "datetime", 0),
    RO("msiLastInterestingMomentDesc", "Last Interesting Moment Desc", "text", 255),
    RO("msiLastInterestingMomentSource", "Last Interesting Moment Source", "string", 100),
    RO("priority", "Priority", "integer", 0),
    RO("relativeUrgency", "Relative Urgency", "integer", 0),
    RO("urgency", "Urgency", "float", 0),
    RO(NULL, "Relative Score", "integer", 0),
    {NULL, NULL, NULL, 0, 0},
};
#define LEAD_SCORE_FIELD (sizeof lead_fields / sizeof lead_fields[0] - 2)

static const struct field opportunity_fields[] = {
    RO("marketoGUID", "Marketo GUID", "string", 36),
    RO("createdAt", "Created At", "datetime", 0),
    RO("updatedAt", "Updated At", "datetime", 0),
    F("externalOpportunityId", "External Opportunity Id", "string", 50),
    F("externalCompanyId", "External Company Id", "string", 100),
    F("externalSalesPersonId", "External Sales Person Id", "string", 255),
    F("name", "Name", "string", 255),
    F("description", "Description", "string", 2000),
    F("type", "Type", "string", 255),
    F("stage", "Stage", "string", 255),
    F("amount", "Amount", "currency", 0),
    F("expectedRevenue", "Expected Revenue", "currency", 0),
    F("closeDate", "Close Date", "date", 0),
    F("probability", "Probability", "integer", 0),
    F("isClosed", "Is Closed", "boolean", 0),
    F("isWon", "Is Won", "boolean", 0),
    F("fiscalYear", "Fiscal Year", "integer", 0),
    F("fiscalQuarter", "Fiscal Quarter", "integer", 0),
    F("forecastCategory", "Forecast Category", "string", 255),
    F("forecastCategoryName", "Forecast Category Name", "string", 255),
    F("leadSource", "Lead Source", "string", 255),
    F("nextStep", "Next Step", "string", 255),
    F("quantity", "Quantity", "float", 0),
    F("lastActivityDate", "Last Activity Date", "date", 0),
    {NULL, NULL, NULL, 0, 0},
};

static const struct field role_fields[] = {
    RO("marketoGUID", "Marketo GUID", "string", 36),
    RO("createdAt", "Created At", "datetime", 0),
    RO("updatedAt", "Updated At", "datetime", 0),
    F("externalOpportunityId", "External Opportunity Id", "string", 50),
    F("leadId", "Lead Id", "integer", 0),
    F("role", "Role", "string", 255),
    F("isPrimary", "Is Primary", "boolean", 0),
    {NULL, NULL, NULL, 0, 0},
};

struct object {
	const char *name;      /* as in describe */
	const char *idfield;   /* id or marketoGUID */
	const char *dedupe[4]; /* NULL-terminated */
	const struct field *fields;
	int seq;       /* results carry seq */
	json_t *recs;  /* array of records; a deleted one leaves a JSON null, so that positions
	                * (and a lead's id, its position + 1) stay */
	json_t *index; /* dedupe key -> position in recs */
	long next;
	long deleted; /* records deleted since the start or the last reset */
};

static struct object objects[OBJ_COUNT] = {
    {"SalesPerson", "id", {"externalSalesPersonId"}, salesperson_fields, 1, 0, 0, 0, 0},
    {"Company", "id", {"externalCompanyId"}, company_fields, 1, 0, 0, 0, 0},
    {"API Lead", "id", {"email"}, lead_fields, 0, 0, 0, 0, 0},
    {"opportunity", "marketoGUID", {"externalOpportunityId"}, opportunity_fields, 1, 0, 0, 0,
        0},
    {"opportunityRole", "marketoGUID", {"externalOpportunityId", "leadId", "role"}, role_fields,
        1, 0, 0, 0, 0},
};

/* Leads are also found by these, each a value -> array of lead ids. */
static const char *const lead_keys[] = {
    "email", "externalPersonId", "externalCompanyId", "externalSalesPersonId"};
#define LEAD_KEYS 4
static json_t *lead_index[LEAD_KEYS];

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct sim_config *config;
static json_t *field_index[OBJ_COUNT]; /* field name -> position in the object's fields */

const char *
store_object_name(enum sim_object o)
{
	static const char *names[] = {"salesperson", "company", "lead", "opportunity", "role"};

	return names[o];
}

void
store_reset(void)
{
	int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < OBJ_COUNT; i++) {
		json_decref(objects[i].recs);
		json_decref(objects[i].index);
		objects[i].recs = json_array();
		objects[i].index = json_object();
		objects[i].next = 1;
		objects[i].deleted = 0;
	}
	for (i = 0; i < LEAD_KEYS; i++) {
		json_decref(lead_index[i]);
		lead_index[i] = json_object();
	}
	pthread_mutex_unlock(&lock);
}

static const char *field_name(const struct field *f);

void
store_init(const struct sim_config *cfg)
{
	const struct field *f;
	int o;

	config = cfg;
	for (o = 0; o < OBJ_COUNT; o++) {
		field_index[o] = json_object();
		for (f = objects[o].fields; f->display != NULL; f++)
			json_object_set_new(
			    field_index[o], field_name(f), json_integer(f - objects[o].fields));
	}
	store_reset();
}

static const char *
field_name(const struct field *f)
{
	return f->name != NULL ? f->name : config->score_field;
}

/* The field's description, or NULL; a custom lead field gets a static one. */
static const struct field *
find_field(enum sim_object o, const char *name)
{
	static struct field custom = {NULL, "Custom", "string", 255, 1};
	json_t *at = json_object_get(field_index[o], name);

	if (at != NULL)
		return &objects[o].fields[json_integer_value(at)];
	if (o == OBJ_LEAD && json_object_get(config->custom_fields, name) != NULL) {
		custom.type = json_string_value(json_object_get(config->custom_fields, name));
		return &custom;
	}
	return NULL;
}

static void
now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
reason(const char *code, const char *fmt, const char *arg)
{
	char msg[200];

	snprintf(msg, sizeof msg, fmt, arg);
	return json_pack("{s:s, s:s}", "code", code, "message", msg);
}

/* Whether v fits a field of this type; numbers may come as strings, as Adobe's examples send
 * them. */
static int
fits(const char *type, json_t *v)
{
	const char *s;
	char *end;

	if (json_is_null(v))
		return 1;
	if (strcmp(type, "integer") == 0) {
		if (json_is_integer(v))
			return 1;
		if (!json_is_string(v) || *(s = json_string_value(v)) == '\0')
			return 0;
		strtol(s, &end, 10);
		return *end == '\0';
	}
	if (strcmp(type, "currency") == 0 || strcmp(type, "float") == 0) {
		if (json_is_number(v))
			return 1;
		if (!json_is_string(v) || *(s = json_string_value(v)) == '\0')
			return 0;
		strtod(s, &end);
		return *end == '\0';
	}
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(type, "date") == 0) {
		int y, m, d, n = 0;

		return json_is_string(v) &&
		       sscanf(json_string_value(v), "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 &&
		       json_string_value(v)[n] == '\0';
	}
	if (strcmp(type, "datetime") == 0) {
		int y, m, d;

		return json_is_string(v) &&
		       sscanf(json_string_value(v), "%4d-%2d-%2dT", &y, &m, &d) == 3;
	}
	return json_is_string(v);
}

/* A record's dedupe key, fields joined by a unit separator; NULL names the missing field. */
static int
dedupe_key(enum sim_object o, json_t *rec, char *key, size_t size, const char **missing)
{
	const char *const *d;
	json_t *v;
	size_t len = 0;
	char part[128];

	key[0] = '\0';
	for (d = objects[o].dedupe; *d != NULL; d++) {
		v = json_object_get(rec, *d);
		if (v == NULL || json_is_null(v) ||
		    (json_is_string(v) && json_string_length(v) == 0)) {
			*missing = *d;
			return -1;
		}
		if (json_is_integer(v))
			snprintf(
			    part, sizeof part, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else if (json_is_string(v))
			snprintf(part, sizeof part, "%s", json_string_value(v));
		else
			snprintf(part, sizeof part, "?");
		len += (size_t)snprintf(key + len, len < size ? size - len : 0, "%s%s",
		    d == objects[o].dedupe ? "" : "\x1f", part);
	}
	return 0;
}

static void
index_lead(json_t *lead, long id, int add)
{
	json_t *v, *ids;
	size_t i, k;

	for (k = 0; k < LEAD_KEYS; k++) {
		if (!json_is_string(v = json_object_get(lead, lead_keys[k])))
			continue;
		ids = json_object_get(lead_index[k], json_string_value(v));
		if (add) {
			if (ids == NULL) {
				ids = json_array();
				json_object_set_new(lead_index[k], json_string_value(v), ids);
			}
			json_array_append_new(ids, json_integer(id));
		} else if (ids != NULL) {
			for (i = 0; i < json_array_size(ids); i++)
				if (json_integer_value(json_array_get(ids, i)) == id)
					json_array_remove(ids, i--);
		}
	}
}

/* Fills a new lead's MSI fields from its id, so that tests can predict them. */
static void
msi_defaults(json_t *lead, long id)
{
	static const char *types[] = {"Web", "Email", "Milestone", "Social"};
	static const char *sources[] = {"Web page visit", "Email open", "Form fill", "Webinar"};
	char date[32], desc[80];
	time_t t = 1767225600 + id * 3600; /* 2026-01-01T00:00:00Z plus id hours */
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(desc, sizeof desc, "Visited the pricing page (lead %ld)", id);
	json_object_set_new(lead, "msiLastInterestingMomentType", json_string(types[id % 4]));
	json_object_set_new(lead, "msiLastInterestingMomentDate", json_string(date));
	json_object_set_new(lead, "msiLastInterestingMomentDesc", json_string(desc));
	json_object_set_new(
	    lead, "msiLastInterestingMomentSource", json_string(sources[id % 4]));
	json_object_set_new(lead, "priority", json_integer((id * 37) % 100));
	json_object_set_new(lead, "relativeUrgency", json_integer((id * 13) % 100));
	json_object_set_new(lead, "urgency", json_real((double)((id * 13) % 100) / 10));
	json_object_set_new(lead, config->score_field, json_integer((id * 7) % 100));
}

/* Whether value is the id of a stored lead (not deleted). */
static int
lead_exists(json_t *value)
{
	json_int_t id = json_integer_value(value);

	return json_is_integer(value) && id >= 1 &&
	       (size_t)id <= json_array_size(objects[OBJ_LEAD].recs) &&
	       json_is_object(json_array_get(objects[OBJ_LEAD].recs, (size_t)id - 1));
}

/* The record a lead lookup finds: 1 and *pos, 0 none, -1 several. */
static int
find_lead(const char *field, json_t *value, size_t *pos)
{
	json_t *ids;
	int k;

	if (strcmp(field, "id") == 0) {
		json_int_t id = json_integer_value(value);

		if (!lead_exists(value))
			return 0;
		*pos = (size_t)id - 1;
		return 1;
	}
	for (k = 0; k < LEAD_KEYS && strcmp(lead_keys[k], field) != 0; k++)
		;
	if (k == LEAD_KEYS || !json_is_string(value) ||
	    (ids = json_object_get(lead_index[k], json_string_value(value))) == NULL ||
	    json_array_size(ids) == 0)
		return 0;
	if (json_array_size(ids) > 1)
		return -1;
	*pos = (size_t)json_integer_value(json_array_get(ids, 0)) - 1;
	return 1;
}

/*
 * One input record of a sync call; returns the result item. The checks
 * and their codes are those of Adobe's documentation: unknown field 1006,
 * wrong type 1001, read-only field or null name 1003, missing key 1002,
 * the same key twice 1036, several matches 1007, not found 1004, exists
 * 1005, unknown sales person 718.
 */
static json_t *
sync_one(enum sim_object o, json_t *rec, const char *action, const char *by, const char *lookup,
    json_t *seen, size_t seq, const char *stamp)
{
	struct object *ob = &objects[o];
	json_t *item = json_object(), *reasons = NULL, *v, *stored;
	const struct field *f;
	const char *name, *missing = NULL;
	char key[400], guid[40];
	size_t pos = 0;
	int found = 0, create;

	if (ob->seq)
		json_object_set_new(item, "seq", json_integer((json_int_t)seq));
#define SKIP(code, fmt, arg)                      \
	do {                                      \
		reasons = reason(code, fmt, arg); \
		goto skipped;                     \
	} while (0)
	if (!json_is_object(rec))
		SKIP("1003", "Invalid record%s", "");
	/* The id field finds a record (dedupeBy idField, lookupField id); it is never written.
	 */
	json_object_foreach (rec, name, v) {
		int finds = strcmp(name, ob->idfield) == 0 &&
		            (strcmp(by, "idField") == 0 ||
		                (o == OBJ_LEAD && strcmp(lookup, "id") == 0));

		if ((f = find_field(o, name)) == NULL)
			SKIP("1006", "Field '%s' not found", name);
		if (!fits(f->type, v))
			SKIP("1001", "Invalid value for field '%s'", name);
		if (!f->updateable && !finds)
			SKIP("1003", "Field '%s' is not updateable", name);
	}
	if (o == OBJ_OPPORTUNITY && json_is_null(json_object_get(rec, "name")))
		SKIP("1003", "Value for field '%s' cannot be null", "name");
	v = json_object_get(rec, "externalSalesPersonId");
	if (o != OBJ_SALESPERSON && json_is_string(v) &&
	    json_object_get(objects[OBJ_SALESPERSON].index, json_string_value(v)) == NULL)
		SKIP("718", "ExternalSalesPersonID '%s' not found", json_string_value(v));

	if (o == OBJ_LEAD) {
		if ((v = json_object_get(rec, lookup)) == NULL || json_is_null(v))
			SKIP("1002", "Value for lookup field '%s' not specified", lookup);
		if (strcmp(action, "createDuplicate") != 0) {
			found = find_lead(lookup, v, &pos);
			if (found < 0)
				SKIP("1007", "Multiple leads match the lookup field '%s'",
				    lookup);
		}
	} else if (strcmp(by, "idField") == 0) {
		if ((v = json_object_get(rec, ob->idfield)) == NULL)
			SKIP("1002", "Value for field '%s' not specified", ob->idfield);
		json_array_foreach (ob->recs, pos, stored)
			if (json_equal(json_object_get(stored, ob->idfield), v))
				break;
		found = pos < json_array_size(ob->recs);
	} else {
		if (dedupe_key(o, rec, key, sizeof key, &missing) != 0)
			SKIP("1002", "Value for required field '%s' not specified", missing);
		if (json_object_get(seen, key) != NULL)
			SKIP("1036", "Duplicate value of '%s' in the same request",
			    ob->dedupe[0]);
		json_object_set_new(seen, key, json_true());
		if ((v = json_object_get(ob->index, key)) != NULL) {
			found = 1;
			pos = (size_t)json_integer_value(v);
		}
	}
	if (o == OBJ_ROLE) {
		v = json_object_get(rec, "externalOpportunityId");
		if (!json_is_string(v) || json_object_get(objects[OBJ_OPPORTUNITY].index,
		                              json_string_value(v)) == NULL)
			SKIP("1004", "Opportunity '%s' not found",
			    json_is_string(v) ? json_string_value(v) : "");
		if (!lead_exists(json_object_get(rec, "leadId")))
			SKIP("1004", "Lead '%s' not found", "leadId");
	}
	create = !found;
	if (!found &&
	    (strcmp(by, "idField") == 0 || (o == OBJ_LEAD && strcmp(lookup, "id") == 0)))
		SKIP("1004", "%s not found", ob->name); /* an id cannot be created */
	if (found && strcmp(action, "createOnly") == 0)
		SKIP("1005", "%s already exists", ob->name);
	if (!found && strcmp(action, "updateOnly") == 0)
		SKIP("1004", "%s not found", ob->name);
	if (create && o == OBJ_OPPORTUNITY && json_object_get(rec, "name") == NULL)
		SKIP("1002", "Value for required field '%s' not specified", "name");

	if (create) {
		long id = ob->next++;

		stored = json_object();
		if (strcmp(ob->idfield, "id") == 0) {
			json_object_set_new(stored, "id", json_integer(id));
		} else {
			snprintf(guid, sizeof guid, "%08lx-0000-4000-8000-%012lx", (long)o, id);
			json_object_set_new(stored, "marketoGUID", json_string(guid));
		}
		json_object_set_new(stored, "createdAt", json_string(stamp));
		json_object_update(stored, rec);
		if (o == OBJ_LEAD)
			msi_defaults(stored, id);
		json_object_set_new(stored, "updatedAt", json_string(stamp));
		pos = json_array_size(ob->recs);
		json_array_append_new(ob->recs, stored);
		if (o == OBJ_LEAD)
			index_lead(stored, id, 1);
		else if (dedupe_key(o, stored, key, sizeof key, &missing) == 0)
			json_object_set_new(ob->index, key, json_integer((json_int_t)pos));
	} else {
		int reindex = 0, k;

		stored = json_array_get(ob->recs, pos);
		for (k = 0; o == OBJ_LEAD && k < LEAD_KEYS; k++)
			if ((v = json_object_get(rec, lead_keys[k])) != NULL &&
			    !json_equal(v, json_object_get(stored, lead_keys[k])))
				reindex = 1;
		if (reindex)
			index_lead(stored, (long)pos + 1, 0);
		json_object_update(stored, rec);
		json_object_set_new(stored, "updatedAt", json_string(stamp));
		if (reindex)
			index_lead(stored, (long)pos + 1, 1);
	}
	json_object_set_new(item, "status", json_string(create ? "created" : "updated"));
	json_object_set(item, ob->idfield, json_object_get(stored, ob->idfield));
	return item;
skipped:
	json_object_set_new(item, "status", json_string("skipped"));
	json_object_set_new(item, "reasons", json_pack("[o]", reasons));
	return item;
#undef SKIP
}

static int
one_of(const char *s, const char *const *allowed)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(s, *allowed) == 0)
			return 1;
	return 0;
}

static int
fail(struct sim_answer *a, const char *code, const char *msg)
{
	a->code = code;
	snprintf(a->message, sizeof a->message, "%s", msg);
	return -1;
}

/* The input array of a sync or delete call, or NULL with the call-level error in a. */
static json_t *
input_of(json_t *body, struct sim_answer *a)
{
	json_t *input = json_object_get(body, "input");

	if (!json_is_object(body) || !json_is_array(input)) {
		fail(a, "1003", "Field 'input' is required and must be an array");
		return NULL;
	}
	if (json_array_size(input) > 300) {
		fail(a, "1003", "Batch size cannot exceed 300 records");
		return NULL;
	}
	return input;
}

/* A sync call; returns 0 with a->result, or -1 with a call-level error. */
int
store_sync(enum sim_object o, json_t *body, struct sim_answer *a)
{
	static const char *const actions[] = {
	    "createOnly", "updateOnly", "createOrUpdate", NULL};
	static const char *const lead_actions[] = {
	    "createOnly", "updateOnly", "createOrUpdate", "createDuplicate", NULL};
	static const char *const dedupes[] = {"dedupeFields", "idField", NULL};
	const char *action = "createOrUpdate", *by = "dedupeFields", *lookup = "email";
	json_t *input, *v, *seen;
	const char *lookups[4] = {"email", "id", NULL, NULL};
	char stamp[32];
	size_t i;

	memset(a, 0, sizeof *a);
	if ((input = input_of(body, a)) == NULL)
		return -1;
	if ((v = json_object_get(body, "action")) != NULL) {
		action = json_string_value(v);
		if (action == NULL || !one_of(action, o == OBJ_LEAD ? lead_actions : actions))
			return fail(a, "1003", "Invalid action");
	}
	if (o != OBJ_LEAD && (v = json_object_get(body, "dedupeBy")) != NULL) {
		by = json_string_value(v);
		if (by == NULL || !one_of(by, dedupes))
			return fail(a, "1003", "Invalid dedupeBy");
	}
	if (o == OBJ_LEAD && (v = json_object_get(body, "lookupField")) != NULL) {
		if (config->person_lookup)
			lookups[2] = "externalPersonId";
		lookup = json_string_value(v);
		if (lookup == NULL || !one_of(lookup, lookups))
			return fail(a, "1003", "Invalid lookupField");
	}
	a->result = json_array();
	seen = json_object();
	now(stamp);
	pthread_mutex_lock(&lock);
	for (i = 0; i < json_array_size(input); i++)
		json_array_append_new(a->result,
		    sync_one(o, json_array_get(input, i), action, by, lookup, seen, i, stamp));
	pthread_mutex_unlock(&lock);
	json_decref(seen);
	return 0;
}

/*
 * One input record of a delete call; returns the result item: seq (not for
 * leads), then the id field and "deleted", or "skipped" with reasons. The
 * record is found by its id field (by_id: deleteBy idField, and always for
 * leads) or its dedupe fields; it leaves a JSON null in its place and leaves
 * the indexes, so that a later sync of its key creates it again. Nothing else
 * goes with it (an opportunity's roles stay): Adobe documents no cascade.
 * Codes: 1003 an input record that is not an object, 1002 its key missing
 * (as sync), 1013 "Record not found" for no such record: the code of the
 * delete examples copied from Adobe's Sales Persons page (Adobe's own page
 * could not be read in full here; for leads no example was found, and 1013
 * is used too). Adobe's Sales Persons page also says a sales person "in use"
 * (by active leads) is skipped, but gives no code: not simulated.
 */
static json_t *
delete_one(enum sim_object o, json_t *rec, int by_id, size_t seq)
{
	struct object *ob = &objects[o];
	json_t *item = json_object(), *reasons, *v, *stored;
	const char *missing = NULL;
	char key[400];
	size_t pos = 0;
	int found = 0;

	if (ob->seq)
		json_object_set_new(item, "seq", json_integer((json_int_t)seq));
	if (!json_is_object(rec)) {
		reasons = reason("1003", "Invalid record%s", "");
		goto skipped;
	}
	if (by_id) {
		if ((v = json_object_get(rec, ob->idfield)) == NULL || json_is_null(v)) {
			reasons =
			    reason("1002", "Value for field '%s' not specified", ob->idfield);
			goto skipped;
		}
		if (o == OBJ_LEAD)
			found = find_lead("id", v, &pos) == 1;
		else {
			for (pos = 0; pos < json_array_size(ob->recs); pos++) {
				stored = json_array_get(ob->recs, pos);
				if (json_equal(json_object_get(stored, ob->idfield), v))
					break;
			}
			found = pos < json_array_size(ob->recs);
		}
	} else {
		if (dedupe_key(o, rec, key, sizeof key, &missing) != 0) {
			reasons = reason(
			    "1002", "Value for required field '%s' not specified", missing);
			goto skipped;
		}
		if ((v = json_object_get(ob->index, key)) != NULL) {
			found = 1;
			pos = (size_t)json_integer_value(v);
		}
	}
	if (!found) {
		reasons = reason("1013", "Record not found%s", "");
		goto skipped;
	}

	stored = json_array_get(ob->recs, pos);
	json_object_set(item, ob->idfield, json_object_get(stored, ob->idfield));
	json_object_set_new(item, "status", json_string("deleted"));
	if (o == OBJ_LEAD)
		index_lead(stored, (long)pos + 1, 0);
	else if (dedupe_key(o, stored, key, sizeof key, &missing) == 0 &&
	         (v = json_object_get(ob->index, key)) != NULL &&
	         (size_t)json_integer_value(v) == pos)
		json_object_del(ob->index, key);
	json_array_set_new(ob->recs, pos, json_null());
	ob->deleted++;
	return item;
skipped:
	json_object_set_new(item, "status", json_string("skipped"));
	json_object_set_new(item, "reasons", json_pack("[o]", reasons));
	return item;
}

/* A delete call, POST /rest/v1/{salespersons,companies,opportunities,opportunities/roles,
 * leads}/delete.json: body (borrowed) {"deleteBy":"dedupeFields|idField","input":[...]},
 * leads {"input":[{"id":N},...]}. Returns 0 with a->result, one item per input record in
 * input order, or -1 with a call-level error (1003, as sync). */
int
store_delete(enum sim_object o, json_t *body, struct sim_answer *a)
{
	static const char *const deletes[] = {"dedupeFields", "idField", NULL};
	json_t *input, *v;
	const char *by = "dedupeFields";
	size_t i;

	memset(a, 0, sizeof *a);
	if ((input = input_of(body, a)) == NULL)
		return -1;
	if (o == OBJ_LEAD)
		by = "idField"; /* leads are deleted by id only */
	else if ((v = json_object_get(body, "deleteBy")) != NULL) {
		by = json_string_value(v);
		if (by == NULL || !one_of(by, deletes))
			return fail(a, "1003", "Invalid deleteBy");
	}
	a->result = json_array();
	pthread_mutex_lock(&lock);
	for (i = 0; i < json_array_size(input); i++)
		json_array_append_new(a->result,
		    delete_one(o, json_array_get(input, i), strcmp(by, "idField") == 0, i));
	pthread_mutex_unlock(&lock);
	return 0;
}

/* A lead as a query returns it: its id and the fields asked for. */
static json_t *
lead_view(json_t *lead, char **fields, size_t nfields)
{
	json_t *out = json_object(), *v;
	size_t i;

	json_object_set(out, "id", json_object_get(lead, "id"));
	for (i = 0; i < nfields; i++) {
		v = json_object_get(lead, fields[i]);
		json_object_set_new(out, fields[i], v ? json_incref(v) : json_null());
	}
	return out;
}

static size_t
split(char *s, char **parts, size_t max)
{
	size_t n = 0;
	char *p, *save = NULL;

	for (p = strtok_r(s, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save))
		if (n < max + 1)
			parts[n++] = p;
	return n;
}

/* GET /rest/v1/leads.json: returns 0 with a->result, or -1 with a call-level error. */
int
store_query_leads(const char *filter_type, const char *filter_values, const char *fields,
    const char *batch_size, const char *page_token, struct sim_answer *a)
{
	static const char *const types[] = {"id", "email", "externalPersonId",
	    "externalCompanyId", "externalSalesPersonId", NULL};
	char *values = NULL, *want = NULL, *value[302], *field[200], token[32];
	size_t nvalues, nfields, i, k, start = 0, batch = 300, total;
	json_t *matches, *ids, *v;
	long n;
	int status = -1;

	memset(a, 0, sizeof *a);
	if (filter_type == NULL || filter_values == NULL)
		return fail(a, "1003", "filterType and filterValues are required");
	if (!one_of(filter_type, types))
		return fail(a, "1003", "Invalid filterType");
	if (batch_size != NULL) {
		n = strtol(batch_size, NULL, 10);
		if (n < 1 || n > 300)
			return fail(a, "1003", "Invalid batchSize");
		batch = (size_t)n;
	}
	if (page_token != NULL && sscanf(page_token, "SIMPAGE%zu", &start) != 1)
		return fail(a, "1003", "Invalid nextPageToken");
	values = strdup(filter_values);
	want = strdup(fields ? fields : "email,updatedAt,createdAt,firstName,lastName");
	if ((nvalues = split(values, value, 300)) > 300) {
		fail(a, "1003", "filterValues cannot exceed 300 values");
		goto out;
	}
	nfields = split(want, field, 199);
	for (i = 0; i < nfields; i++) {
		if (strcmp(field[i], "id") != 0 && find_field(OBJ_LEAD, field[i]) == NULL) {
			a->code = "1006";
			snprintf(
			    a->message, sizeof a->message, "Field '%s' not found", field[i]);
			goto out;
		}
	}
	matches = json_array();
	pthread_mutex_lock(&lock);
	for (i = 0; i < nvalues; i++) {
		if (strcmp(filter_type, "id") == 0) {
			json_t *id = json_integer(strtol(value[i], NULL, 10));

			if (lead_exists(id))
				json_array_append_new(matches, id);
			else
				json_decref(id);
			continue;
		}
		for (k = 0; k < LEAD_KEYS && strcmp(lead_keys[k], filter_type) != 0; k++)
			;
		if ((ids = json_object_get(lead_index[k], value[i])) != NULL)
			json_array_extend(matches, ids);
	}
	total = json_array_size(matches);
	if (total > 1000) {
		pthread_mutex_unlock(&lock);
		json_decref(matches);
		fail(a, "1003", "The query matches more than 1000 leads");
		goto out;
	}
	a->result = json_array();
	for (i = start; i < total && i < start + batch; i++) {
		v = json_array_get(objects[OBJ_LEAD].recs,
		    (size_t)json_integer_value(json_array_get(matches, i)) - 1);
		json_array_append_new(a->result, lead_view(v, field, nfields));
	}
	pthread_mutex_unlock(&lock);
	json_decref(matches);
	if (start + batch < total) {
		snprintf(token, sizeof token, "SIMPAGE%zu", start + batch);
		a->extra = json_pack("{s:s}", "nextPageToken", token);
	}
	status = 0;
out:
	free(values);
	free(want);
	return status;
}

/* A parameter as text, arrays joined by commas (a JSON body's "fields":["a","b"]); returns a
 * new string the caller frees, or NULL when absent or not a string, number or array. */
static char *
param_text(json_t *params, const char *name)
{
	json_t *v = json_object_get(params, name), *e;
	char *buf = NULL;
	size_t size = 0, i;
	FILE *fp;

	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (!json_is_integer(v) && !json_is_array(v))
		return NULL;
	fp = open_memstream(&buf, &size);
	if (json_is_integer(v))
		fprintf(fp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	json_array_foreach (v, i, e) {
		if (json_is_string(e))
			fprintf(fp, "%s%s", i ? "," : "", json_string_value(e));
		else if (json_is_integer(e))
			fprintf(
			    fp, "%s%" JSON_INTEGER_FORMAT, i ? "," : "", json_integer_value(e));
	}
	fclose(fp);
	return buf;
}

/* Whether a stored value equals a wanted one, numbers and booleans also as text ("3" finds
 * leadId 3). */
static int
same_value(json_t *stored, json_t *want)
{
	char a[64], b[64];
	json_t *v[2] = {stored, want};
	char *t[2] = {a, b};
	int i;

	if (stored == NULL || want == NULL || json_is_null(stored))
		return 0;
	if (json_equal(stored, want))
		return 1;
	for (i = 0; i < 2; i++) {
		if (json_is_string(v[i]))
			snprintf(t[i], 64, "%s", json_string_value(v[i]));
		else if (json_is_integer(v[i]))
			snprintf(t[i], 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v[i]));
		else if (json_is_boolean(v[i]))
			snprintf(t[i], 64, "%s", json_is_true(v[i]) ? "true" : "false");
		else
			return 0;
	}
	return strcmp(a, b) == 0;
}

/* Whether every member of key (field -> value) matches the record. */
static int
key_matches(json_t *rec, json_t *key)
{
	const char *name;
	json_t *v;

	json_object_foreach (key, name, v)
		if (!same_value(json_object_get(rec, name), v))
			return 0;
	return 1;
}

/* The fields a query on a non-lead object may filter on, besides dedupeFields and idField. */
static const char *const searchable_fields[OBJ_COUNT][4] = {
    {"externalSalesPersonId", "id", "email", NULL},
    {"externalCompanyId", "id", NULL},
    {NULL},
    {"externalOpportunityId", "marketoGUID", NULL},
    {"externalOpportunityId", "marketoGUID", "leadId", NULL},
};

/* GET /rest/v1/{salespersons,companies,opportunities,opportunities/roles}.json, and the lead
 * query through store_query_leads. params (borrowed) holds filterType, filterValues, fields,
 * batchSize, nextPageToken as strings (or fields as an array), and input, the compound keys
 * of a JSON body (LookupCustomObjectRequest). Matches are in the order of the values, then
 * of the store; each carries seq, the position of the value it matched. Returns 0 with
 * a->result, or -1 with a call-level error. */
int
store_query(enum sim_object o, json_t *params, struct sim_answer *a)
{
	struct object *ob = &objects[o];
	char *values = NULL, *want = NULL, *batch_text = NULL, *p, *save = NULL, token[32];
	const char *filter_type, *filter_field = NULL, *page_token, *const * d;
	json_t *input = json_object_get(params, "input"), *keys = NULL, *fields = NULL, *key,
	       *matches = NULL, *rec, *view, *name;
	size_t i, j, k, start = 0, batch = 300, total;
	long n;
	int status = -1;

	memset(a, 0, sizeof *a);
	if (o == OBJ_LEAD) {
		values = param_text(params, "filterValues");
		want = param_text(params, "fields");
		batch_text = param_text(params, "batchSize");
		status = store_query_leads(
		    json_string_value(json_object_get(params, "filterType")), values, want,
		    batch_text, json_string_value(json_object_get(params, "nextPageToken")), a);
		goto out;
	}
	filter_type = json_string_value(json_object_get(params, "filterType"));
	if (filter_type == NULL && json_is_array(input))
		filter_type = "dedupeFields";
	values = param_text(params, "filterValues");
	if (filter_type == NULL || (values == NULL && !json_is_array(input))) {
		fail(a, "1003", "filterType and filterValues are required");
		goto out;
	}
	if (strcmp(filter_type, "dedupeFields") == 0)
		filter_field = ob->dedupe[1] == NULL ? ob->dedupe[0] : NULL;
	else if (strcmp(filter_type, "idField") == 0 || strcmp(filter_type, "idFields") == 0)
		filter_field = ob->idfield;
	else if (one_of(filter_type, searchable_fields[o]))
		filter_field = filter_type;
	else {
		fail(a, "1003", "Invalid filterType");
		goto out;
	}
	if ((batch_text = param_text(params, "batchSize")) != NULL) {
		n = strtol(batch_text, &p, 10);
		if (*p != '\0' || n < 1 || n > 300) {
			fail(a, "1003", "Invalid batchSize");
			goto out;
		}
		batch = (size_t)n;
	}
	page_token = json_string_value(json_object_get(params, "nextPageToken"));
	if (page_token != NULL && *page_token != '\0' &&
	    sscanf(page_token, "SIMPAGE%zu", &start) != 1) {
		fail(a, "1003", "Invalid nextPageToken");
		goto out;
	}

	/* The keys: one object field -> value per filter value or input record. */
	keys = json_array();
	if (json_is_array(input)) {
		json_array_foreach (input, i, key) {
			if (!json_is_object(key) || json_object_size(key) == 0) {
				fail(a, "1003",
				    "Each input record must be an object of key fields");
				goto out;
			}
			json_array_append(keys, key);
		}
	} else {
		if (filter_field == NULL) {
			fail(a, "1003", "A compound key needs a JSON body with input");
			goto out;
		}
		for (p = strtok_r(values, ",", &save); p != NULL;
		     p = strtok_r(NULL, ",", &save))
			json_array_append_new(keys, json_pack("{s:s}", filter_field, p));
	}
	if (json_array_size(keys) > 300) {
		fail(a, "1003", "filterValues cannot exceed 300 values");
		goto out;
	}

	/* The fields: as asked, else the id, the dedupe fields, the dates and the filter field;
	 * the id field and seq always. */
	fields = json_array();
	if ((want = param_text(params, "fields")) != NULL && *want != '\0') {
		for (p = strtok_r(want, ",", &save); p != NULL;
		     p = strtok_r(NULL, ",", &save)) {
			if (find_field(o, p) == NULL) {
				a->code = "1006";
				snprintf(
				    a->message, sizeof a->message, "Field '%s' not found", p);
				goto out;
			}
			json_array_append_new(fields, json_string(p));
		}
	} else {
		for (d = ob->dedupe; *d != NULL; d++)
			json_array_append_new(fields, json_string(*d));
		json_array_append_new(fields, json_string("updatedAt"));
		json_array_append_new(fields, json_string("createdAt"));
		if (filter_field != NULL && !one_of(filter_field, ob->dedupe) &&
		    strcmp(filter_field, ob->idfield) != 0)
			json_array_append_new(fields, json_string(filter_field));
	}

	matches = json_array(); /* [seq, position] pairs */
	pthread_mutex_lock(&lock);
	json_array_foreach (keys, i, key) {
		json_array_foreach (ob->recs, j, rec)
			if (key_matches(rec, key))
				json_array_append_new(
				    matches, json_pack("[I, I]", (json_int_t)i, (json_int_t)j));
	}
	total = json_array_size(matches);
	a->result = json_array();
	for (i = start; i < total && i < start + batch; i++) {
		key = json_array_get(matches, i);
		rec = json_array_get(
		    ob->recs, (size_t)json_integer_value(json_array_get(key, 1)));
		view = json_pack("{s:O, s:O}", "seq", json_array_get(key, 0), ob->idfield,
		    json_object_get(rec, ob->idfield));
		json_array_foreach (fields, k, name) {
			const char *f = json_string_value(name);
			json_t *v = json_object_get(rec, f);

			if (strcmp(f, ob->idfield) != 0)
				json_object_set_new(view, f, v ? json_incref(v) : json_null());
		}
		json_array_append_new(a->result, view);
	}
	pthread_mutex_unlock(&lock);
	if (start + batch < total) {
		snprintf(token, sizeof token, "SIMPAGE%zu", start + batch);
		a->extra = json_pack("{s:s}", "nextPageToken", token);
	}
	status = 0;
out:
	json_decref(keys);
	json_decref(fields);
	json_decref(matches);
	free(values);
	free(want);
	free(batch_text);
	return status;
}

void
store_describe(enum sim_object o, struct sim_answer *a)
{
	const struct field *f;
	json_t *fields = json_array(), *desc, *searchable, *fj;
	const char *key, *type;
	size_t i;

	memset(a, 0, sizeof *a);
	for (f = objects[o].fields; f->display != NULL; f++) {
		fj = json_pack("{s:s, s:s, s:s}", "name", field_name(f), "displayName",
		    f->display, "dataType", f->type);
		if (f->length > 0)
			json_object_set_new(fj, "length", json_integer(f->length));
		json_object_set_new(fj, "updateable", json_boolean(f->updateable));
		if (o == OBJ_LEAD)
			json_object_set_new(fj, "crmManaged", json_false());
		json_array_append_new(fields, fj);
	}
	if (o == OBJ_LEAD) {
		json_object_foreach (config->custom_fields, key, fj) {
			type = json_string_value(fj);
			json_array_append_new(fields,
			    json_pack("{s:s, s:s, s:s, s:b, s:b}", "name", key, "displayName",
			        key, "dataType", type, "updateable", 1, "crmManaged", 0));
		}
		searchable = json_pack("[[s], [s], [s], [s]]", "email", "id",
		    "externalCompanyId", "externalSalesPersonId");
		if (config->person_lookup)
			json_array_append_new(searchable, json_pack("[s]", "externalPersonId"));
		desc = json_pack("{s:s, s:o, s:o}", "name", "API Lead", "searchableFields",
		    searchable, "fields", fields);
	} else {
		searchable = json_array();
		for (i = 0; searchable_fields[o][i] != NULL; i++)
			json_array_append_new(
			    searchable, json_pack("[s]", searchable_fields[o][i]));
		/* Adobe's examples show less; its OpenAPI file requires all of these. */
		desc = json_pack(
		    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:[], s:s, s:s}",
		    "name", objects[o].name, "apiName", store_object_name(o), "displayName",
		    objects[o].name, "pluralName", objects[o].name, "description",
		    objects[o].name, "createdAt", "2026-01-01T00:00:00Z", "updatedAt",
		    "2026-01-01T00:00:00Z", "idField", objects[o].idfield, "dedupeFields",
		    json_array(), "searchableFields", searchable, "fields", fields,
		    "relationships", "status", "approved", "version", "approved");
		for (i = 0; objects[o].dedupe[i] != NULL && i < 3; i++)
			json_array_append_new(json_object_get(desc, "dedupeFields"),
			    json_string(objects[o].dedupe[i]));
	}
	a->result = json_pack("[o]", desc);
}

/* A field's SOAP name, as Adobe's example spells one (company, Company). */
static json_t *
soap_name(const char *rest)
{
	json_t *name = json_string(rest);
	char *s = (char *)json_string_value(name);

	if (s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char)(s[0] - 'a' + 'A');
	return name;
}

/*
 * GET /rest/v1/leads/describe.json, in its own shape (Adobe's OpenAPI file:
 * ResponseOfLeadAttribute; Adobe's page "Leads", section Describe): one
 * result item a field, with id, displayName, dataType, length and the
 * field's REST and SOAP names and read-only flags. describe2.json is the
 * one with name, searchableFields and fields.
 */
void
store_describe_lead_fields(struct sim_answer *a)
{
	const struct field *f;
	json_t *fj;
	const char *key;
	json_int_t id = 0;

	memset(a, 0, sizeof *a);
	a->result = json_array();
	for (f = lead_fields; f->display != NULL; f++) {
		fj = json_pack("{s:I, s:s, s:s}", "id", ++id, "displayName", f->display,
		    "dataType", f->type);
		if (f->length > 0)
			json_object_set_new(fj, "length", json_integer(f->length));
		json_object_set_new(fj, "rest",
		    json_pack("{s:s, s:b}", "name", field_name(f), "readOnly", !f->updateable));
		json_object_set_new(fj, "soap",
		    json_pack("{s:o, s:b}", "name", soap_name(field_name(f)), "readOnly",
		        !f->updateable));
		json_array_append_new(a->result, fj);
	}
	json_object_foreach (config->custom_fields, key, fj) {
		json_array_append_new(a->result,
		    json_pack("{s:I, s:s, s:s, s:{s:s, s:b}}", "id", ++id, "displayName", key,
		        "dataType", json_string_value(fj), "rest", "name", key, "readOnly", 0));
	}
}

/* Admin: sets MSI fields of a lead found by id or externalPersonId. */
int
store_set_msi(json_t *body, char *why, size_t whysize)
{
	static const char *const msi[] = {"msiLastInterestingMomentType",
	    "msiLastInterestingMomentDate", "msiLastInterestingMomentDesc",
	    "msiLastInterestingMomentSource", "priority", "relativeUrgency", "urgency", NULL};
	json_t *fields = json_object_get(body, "fields"), *v;
	const char *name;
	size_t pos;
	int r;

	if (!json_is_object(fields)) {
		snprintf(why, whysize,
		    "expected {\"id\" or \"externalPersonId\", \"fields\":{...}}");
		return -1;
	}
	json_object_foreach (fields, name, v) {
		if (!one_of(name, msi) && strcmp(name, config->score_field) != 0) {
			snprintf(why, whysize, "%s is not an MSI field", name);
			return -1;
		}
	}
	pthread_mutex_lock(&lock);
	if ((v = json_object_get(body, "id")) != NULL)
		r = find_lead("id", v, &pos);
	else
		r = find_lead(
		    "externalPersonId", json_object_get(body, "externalPersonId"), &pos);
	if (r == 1)
		json_object_update(json_array_get(objects[OBJ_LEAD].recs, pos), fields);
	pthread_mutex_unlock(&lock);
	if (r != 1)
		snprintf(why, whysize, r == 0 ? "no such lead" : "several leads match");
	return r == 1 ? 0 : -1;
}

/* Admin: changes stored records, so that tests can break a link or an email.
 * {"object":"salesperson|company|lead|opportunity|role","key":{field:value,...},
 *  "fields":{field:value|null,...}[,"duplicate":true]}: every record whose key fields all
 * match gets the fields (null removes one); updatedAt is set. With "duplicate":true (leads
 * only, the key must find one lead) the lead is copied as a new lead with the next id, its
 * own MSI defaults and dates, then the fields are set on the copy only. Sets *answer (a new
 * reference) and returns the HTTP status: 200 {"updated":N} or {"created":1,"id":N}, 400 a
 * bad request, 404 no record matches, 409 a duplicate's key matching several leads. */
int
store_set(json_t *body, json_t **answer)
{
	const char *name, *oname = json_string_value(json_object_get(body, "object")), *missing;
	json_t *key = json_object_get(body, "key"), *fields = json_object_get(body, "fields"),
	       *dup = json_object_get(body, "duplicate"), *v, *val, *rec, *found;
	struct object *ob;
	char stamp[32], why[200], dkey[512];
	size_t i;
	int o, status;
	long id;

	for (o = 0;
	     o < OBJ_COUNT && (oname == NULL || strcmp(oname, store_object_name(o)) != 0); o++)
		;
	if (fields == NULL && json_is_true(dup))
		fields = json_object();
	else
		json_incref(fields);
	if (o == OBJ_COUNT || !json_is_object(key) || json_object_size(key) == 0 ||
	    !json_is_object(fields) || (dup != NULL && !json_is_boolean(dup))) {
		snprintf(why, sizeof why,
		    "expected {\"object\":\"salesperson|company|lead|opportunity|role\", "
		    "\"key\":{...}, \"fields\":{...}[, \"duplicate\":true]}");
		status = 400;
		goto done;
	}
	ob = &objects[o];
	if (json_is_true(dup) && o != OBJ_LEAD) {
		snprintf(why, sizeof why, "duplicate is for leads only");
		status = 400;
		goto done;
	}
	json_object_foreach (key, name, v) {
		if (find_field((enum sim_object)o, name) == NULL) {
			snprintf(why, sizeof why, "no field %s in %s", name, oname);
			status = 400;
			goto done;
		}
	}
	json_object_foreach (fields, name, v) {
		if (find_field((enum sim_object)o, name) == NULL ||
		    strcmp(name, ob->idfield) == 0) {
			snprintf(why, sizeof why, "%s cannot be set in %s", name, oname);
			status = 400;
			goto done;
		}
	}
	now(stamp);
	found = json_array();
	pthread_mutex_lock(&lock);
	json_array_foreach (ob->recs, i, rec)
		if (key_matches(rec, key))
			json_array_append_new(found, json_integer((json_int_t)i));
	if (json_array_size(found) == 0) {
		snprintf(why, sizeof why, "no %s matches the key", oname);
		status = 404;
	} else if (json_is_true(dup) && json_array_size(found) > 1) {
		snprintf(why, sizeof why, "several leads match the key");
		status = 409;
	} else if (json_is_true(dup)) {
		id = ob->next++;
		rec = json_deep_copy(json_array_get(
		    ob->recs, (size_t)json_integer_value(json_array_get(found, 0))));
		json_object_set_new(rec, "id", json_integer(id));
		json_object_set_new(rec, "createdAt", json_string(stamp));
		msi_defaults(rec, id);
		json_object_foreach (fields, name, v) {
			if (json_is_null(v))
				json_object_del(rec, name);
			else
				json_object_set(rec, name, v);
		}
		json_object_set_new(rec, "updatedAt", json_string(stamp));
		json_array_append_new(ob->recs, rec);
		index_lead(rec, id, 1);
		*answer = json_pack("{s:i, s:I}", "created", 1, "id", (json_int_t)id);
		status = 200;
	} else {
		json_array_foreach (found, i, v) {
			size_t pos = (size_t)json_integer_value(v);

			rec = json_array_get(ob->recs, pos);
			if (o == OBJ_LEAD)
				index_lead(rec, (long)pos + 1, 0);
			json_object_foreach (fields, name, val) {
				if (json_is_null(val))
					json_object_del(rec, name);
				else
					json_object_set(rec, name, val);
			}
			json_object_set_new(rec, "updatedAt", json_string(stamp));
			if (o == OBJ_LEAD)
				index_lead(rec, (long)pos + 1, 1);
		}
		if (o != OBJ_LEAD) { /* a dedupe field may have changed */
			json_object_clear(ob->index);
			json_array_foreach (ob->recs, i, rec)
				if (dedupe_key((enum sim_object)o, rec, dkey, sizeof dkey,
				        &missing) == 0)
					json_object_set_new(
					    ob->index, dkey, json_integer((json_int_t)i));
		}
		*answer = json_pack("{s:I}", "updated", (json_int_t)json_array_size(found));
		status = 200;
	}
	pthread_mutex_unlock(&lock);
	json_decref(found);
done:
	json_decref(fields);
	if (status != 200)
		*answer = json_pack("{s:s}", "error", why);
	return status;
}

/* The records stored, per object (a new reference). */
json_t *
store_counts(void)
{
	json_t *counts = json_object(), *rec;
	json_int_t n;
	size_t j;
	int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < OBJ_COUNT; i++) {
		n = 0;
		json_array_foreach (objects[i].recs, j, rec)
			n += json_is_object(rec);
		json_object_set_new(
		    counts, store_object_name((enum sim_object)i), json_integer(n));
	}
	pthread_mutex_unlock(&lock);
	return counts;
}

/* The records deleted since the start or the last reset, per object (a new reference). */
json_t *
store_deleted(void)
{
	json_t *counts = json_object();
	int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < OBJ_COUNT; i++)
		json_object_set_new(counts, store_object_name((enum sim_object)i),
		    json_integer((json_int_t)objects[i].deleted));
	pthread_mutex_unlock(&lock);
	return counts;
}

/* Every stored record as NDJSON: {"object":"lead","record":{...}}. */
char *
store_dump(size_t *len)
{
	char *buf = NULL, *line;
	size_t size = 0, i;
	FILE *fp = open_memstream(&buf, &size);
	json_t *rec;
	int o;

	pthread_mutex_lock(&lock);
	for (o = 0; o < OBJ_COUNT; o++) {
		json_array_foreach (objects[o].recs, i, rec) {
			json_t *line_obj;

			if (!json_is_object(rec))
				continue; /* deleted */
			line_obj = json_pack("{s:s, s:O}", "object",
			    store_object_name((enum sim_object)o), "record", rec);
			line = json_dumps(line_obj, JSON_COMPACT);
			fprintf(fp, "%s\n", line);
			free(line);
			json_decref(line_obj);
		}
	}
	pthread_mutex_unlock(&lock);
	fclose(fp);
	*len = size;
	return buf;
}
