/* store.c: the org's records: their fields, loading exports, describe, the admin edits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csvin.h"
#include "ealloc.h"
#include "msg.h"
#include "sfid.h"
#include "rest.h"
#include "sim.h"
#include "textenc.h"

#define NIL 1 /* nillable */
#define UPD 2 /* updateable */

struct std_field {
	const char *name;
	enum ftype type;
	int length;
	int flags;
	const char *label; /* NULL: from the name */
};

static const char *const type_names[] = {"id", "reference", "string", "boolean", "datetime",
    "date", "double", "currency", "int", "email", "phone", "picklist", "textarea", "url",
    "percent"};

/* Every object's own fields; Id and IsDeleted come first, the three dates last. */
static const struct std_field user_fields[] = {
    {"Username", T_STRING, 80, UPD, NULL},
    {"LastName", T_STRING, 80, UPD, NULL},
    {"FirstName", T_STRING, 40, NIL | UPD, NULL},
    {"Email", T_EMAIL, 128, UPD, NULL},
    {"Alias", T_STRING, 8, UPD, NULL},
    {"Title", T_STRING, 80, NIL | UPD, NULL},
    {"Department", T_STRING, 80, NIL | UPD, NULL},
    {"CompanyName", T_STRING, 80, NIL | UPD, "Company Name"},
    {"Phone", T_PHONE, 40, NIL | UPD, NULL},
    {"MobilePhone", T_PHONE, 40, NIL | UPD, "Mobile"},
    {"IsActive", T_BOOLEAN, 0, UPD, "Active"},
    {"ManagerId", T_REFERENCE, 18, NIL | UPD, "Manager ID"},
    {"UserRoleId", T_REFERENCE, 18, NIL | UPD, "Role ID"},
    {"LastLoginDate", T_DATETIME, 0, NIL, "Last Login"},
    {NULL, 0, 0, 0, NULL},
};

static const struct std_field account_fields[] = {
    {"Name", T_STRING, 255, UPD, "Account Name"},
    {"OwnerId", T_REFERENCE, 18, UPD, NULL},
    {"ParentId", T_REFERENCE, 18, NIL | UPD, "Parent Account ID"},
    {"Website", T_URL, 255, NIL | UPD, NULL},
    {"Industry", T_PICKLIST, 255, NIL | UPD, NULL},
    {"AnnualRevenue", T_CURRENCY, 0, NIL | UPD, NULL},
    {"NumberOfEmployees", T_INT, 0, NIL | UPD, "Employees"},
    {"Phone", T_PHONE, 40, NIL | UPD, "Account Phone"},
    {"BillingStreet", T_TEXTAREA, 255, NIL | UPD, NULL},
    {"BillingCity", T_STRING, 40, NIL | UPD, NULL},
    {"BillingState", T_STRING, 80, NIL | UPD, "Billing State/Province"},
    {"BillingPostalCode", T_STRING, 20, NIL | UPD, "Billing Zip/Postal Code"},
    {"BillingCountry", T_STRING, 80, NIL | UPD, NULL},
    {"Sic", T_STRING, 20, NIL | UPD, "SIC Code"},
    {"Site", T_STRING, 80, NIL | UPD, "Account Site"},
    {"Type", T_PICKLIST, 255, NIL | UPD, "Account Type"},
    {"Description", T_TEXTAREA, 32000, NIL | UPD, "Account Description"},
    {"LastActivityDate", T_DATE, 0, NIL, "Last Activity"},
    {NULL, 0, 0, 0, NULL},
};

static const struct std_field lead_fields[] = {
    {"OwnerId", T_REFERENCE, 18, UPD, NULL},
    {"Email", T_EMAIL, 80, NIL | UPD, NULL},
    {"Salutation", T_PICKLIST, 255, NIL | UPD, NULL},
    {"FirstName", T_STRING, 40, NIL | UPD, NULL},
    {"LastName", T_STRING, 80, UPD, NULL},
    {"Title", T_STRING, 128, NIL | UPD, NULL},
    {"Phone", T_PHONE, 40, NIL | UPD, NULL},
    {"MobilePhone", T_PHONE, 40, NIL | UPD, "Mobile Phone"},
    {"Fax", T_PHONE, 40, NIL | UPD, NULL},
    {"Street", T_TEXTAREA, 255, NIL | UPD, NULL},
    {"City", T_STRING, 40, NIL | UPD, NULL},
    {"State", T_STRING, 80, NIL | UPD, "State/Province"},
    {"PostalCode", T_STRING, 20, NIL | UPD, "Zip/Postal Code"},
    {"Country", T_STRING, 80, NIL | UPD, NULL},
    {"Company", T_STRING, 255, UPD, NULL},
    {"Website", T_URL, 255, NIL | UPD, NULL},
    {"Industry", T_PICKLIST, 255, NIL | UPD, NULL},
    {"AnnualRevenue", T_CURRENCY, 0, NIL | UPD, NULL},
    {"NumberOfEmployees", T_INT, 0, NIL | UPD, "No. of Employees"},
    {"LeadSource", T_PICKLIST, 255, NIL | UPD, NULL},
    {"Status", T_PICKLIST, 255, UPD, "Lead Status"},
    {"IsConverted", T_BOOLEAN, 0, 0, "Converted"},
    {"ConvertedAccountId", T_REFERENCE, 18, NIL, NULL},
    {"ConvertedContactId", T_REFERENCE, 18, NIL, NULL},
    {"ConvertedOpportunityId", T_REFERENCE, 18, NIL, NULL},
    {"Description", T_TEXTAREA, 32000, NIL | UPD, NULL},
    {"LastActivityDate", T_DATE, 0, NIL, "Last Activity"},
    {NULL, 0, 0, 0, NULL},
};

static const struct std_field contact_fields[] = {
    {"AccountId", T_REFERENCE, 18, NIL | UPD, NULL},
    {"OwnerId", T_REFERENCE, 18, UPD, NULL},
    {"Email", T_EMAIL, 80, NIL | UPD, NULL},
    {"Salutation", T_PICKLIST, 255, NIL | UPD, NULL},
    {"FirstName", T_STRING, 40, NIL | UPD, NULL},
    {"LastName", T_STRING, 80, UPD, NULL},
    {"Title", T_STRING, 128, NIL | UPD, NULL},
    {"Department", T_STRING, 80, NIL | UPD, NULL},
    {"Phone", T_PHONE, 40, NIL | UPD, "Business Phone"},
    {"MobilePhone", T_PHONE, 40, NIL | UPD, "Mobile Phone"},
    {"Fax", T_PHONE, 40, NIL | UPD, "Business Fax"},
    {"MailingStreet", T_TEXTAREA, 255, NIL | UPD, NULL},
    {"MailingCity", T_STRING, 40, NIL | UPD, NULL},
    {"MailingState", T_STRING, 80, NIL | UPD, "Mailing State/Province"},
    {"MailingPostalCode", T_STRING, 20, NIL | UPD, "Mailing Zip/Postal Code"},
    {"MailingCountry", T_STRING, 80, NIL | UPD, NULL},
    {"LeadSource", T_PICKLIST, 255, NIL | UPD, NULL},
    {"Description", T_TEXTAREA, 32000, NIL | UPD, "Contact Description"},
    {"LastActivityDate", T_DATE, 0, NIL, "Last Activity"},
    {NULL, 0, 0, 0, NULL},
};

static const struct std_field opportunity_fields[] = {
    {"AccountId", T_REFERENCE, 18, NIL | UPD, NULL},
    {"OwnerId", T_REFERENCE, 18, UPD, NULL},
    {"Name", T_STRING, 120, UPD, "Opportunity Name"},
    {"Description", T_TEXTAREA, 32000, NIL | UPD, NULL},
    {"Amount", T_CURRENCY, 0, NIL | UPD, NULL},
    {"ExpectedRevenue", T_CURRENCY, 0, NIL, "Expected Amount"},
    {"CloseDate", T_DATE, 0, UPD, NULL},
    {"StageName", T_PICKLIST, 255, UPD, "Stage"},
    {"Probability", T_PERCENT, 0, NIL | UPD, "Probability (%)"},
    {"Type", T_PICKLIST, 255, NIL | UPD, "Opportunity Type"},
    {"IsClosed", T_BOOLEAN, 0, 0, "Closed"},
    {"IsWon", T_BOOLEAN, 0, 0, "Won"},
    {"FiscalYear", T_INT, 0, NIL, NULL},
    {"FiscalQuarter", T_INT, 0, NIL, NULL},
    {"ForecastCategoryName", T_PICKLIST, 255, NIL | UPD, "Forecast Category"},
    {"LeadSource", T_PICKLIST, 255, NIL | UPD, NULL},
    {"NextStep", T_STRING, 255, NIL | UPD, NULL},
    {"TotalOpportunityQuantity", T_DOUBLE, 0, NIL | UPD, "Quantity"},
    {"LastActivityDate", T_DATE, 0, NIL, "Last Activity"},
    {NULL, 0, 0, 0, NULL},
};

static const struct std_field role_fields[] = {
    {"OpportunityId", T_REFERENCE, 18, 0, NULL},
    {"ContactId", T_REFERENCE, 18, UPD, NULL},
    {"Role", T_PICKLIST, 255, NIL | UPD, NULL},
    {"IsPrimary", T_BOOLEAN, 0, UPD, "Primary"},
    {NULL, 0, 0, 0, NULL},
};

static const struct {
	const char *name, *label, *plural, *prefix;
	const struct std_field *fields;
	int deletable; /* has IsDeleted: Users are deactivated, never deleted */
} object_table[OBJECTS] = {
    {"User", "User", "Users", "005", user_fields, 0},
    {"Account", "Account", "Accounts", "001", account_fields, 1},
    {"Lead", "Lead", "Leads", "00Q", lead_fields, 1},
    {"Contact", "Contact", "Contacts", "003", contact_fields, 1},
    {"Opportunity", "Opportunity", "Opportunities", "006", opportunity_fields, 1},
    {"OpportunityContactRole", "Opportunity Contact Role", "Opportunity Contact Role", "00K",
        role_fields, 1},
};

/* The fields of Marketo Sales Insight's managed package on Lead and Contact, after the
 * object's own; their names take --namespace before them (mkto_si__Priority__c). */
static const struct std_field msi_fields[] = {
    {"Last_Interesting_Moment_Type__c", T_STRING, 100, NIL | UPD,
        "Last Interesting Moment Type"},
    {"Last_Interesting_Moment_Date__c", T_DATETIME, 0, NIL | UPD,
        "Last Interesting Moment Date"},
    {"Last_Interesting_Moment_Desc__c", T_TEXTAREA, 255, NIL | UPD,
        "Last Interesting Moment Desc"},
    {"Last_Interesting_Moment_Source__c", T_STRING, 100, NIL | UPD,
        "Last Interesting Moment Source"},
    {"Priority__c", T_DOUBLE, 0, NIL | UPD, "Engagement"},
    {"Urgency_Value__c", T_DOUBLE, 0, NIL | UPD, "Urgency Value"},
    {"Relative_Score_Value__c", T_DOUBLE, 0, NIL | UPD, "Relative Score Value"},
    {NULL, 0, 0, 0, NULL},
};

static struct sobject objects[OBJECTS];
static long long last_stamp;   /* the highest SystemModstamp held */
static unsigned long next_seq; /* records in the order they came */

/* A value being set: len bytes at p, or null when p is NULL. */
struct val {
	const char *p;
	size_t n;
};

/* A label from a field's name: "MobilePhone" "Mobile Phone", "OwnerId" "Owner ID",
 * "Region_Code__c" "Region Code". Returns a new string. */
static char *
label_from_name(const char *name)
{
	size_t n = strlen(name), i, o = 0;
	char *label = emalloc(2 * n + 1);

	if (n > 3 && strcasecmp(name + n - 3, "__c") == 0) {
		for (i = 0; i < n - 3; i++)
			label[o++] = name[i] == '_' ? ' ' : name[i];
		label[o] = '\0';
		return label;
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && name[i] >= 'A' && name[i] <= 'Z' && name[i - 1] >= 'a' &&
		    name[i - 1] <= 'z')
			label[o++] = ' ';
		if (i + 2 == n && strcmp(name + i, "Id") == 0) {
			label[o++] = 'I', label[o++] = 'D';
			break;
		}
		label[o++] = name[i];
	}
	label[o] = '\0';
	return label;
}

/* Adds a field; returns its index. */
static size_t
add_field(struct sobject *o, const char *name, enum ftype type, int length, int flags,
    const char *label)
{
	struct field *f;
	size_t n = strlen(name);

	if (o->nfields == o->fcap) {
		o->fcap = o->fcap ? 2 * o->fcap : 32;
		o->fields = erealloc(o->fields, o->fcap * sizeof *o->fields);
	}
	f = &o->fields[o->nfields];
	f->name = estrdup(name);
	f->label = label ? estrdup(label) : label_from_name(name);
	f->type = type;
	f->length = length;
	f->nillable = (flags & NIL) != 0;
	f->updateable = (flags & UPD) != 0;
	f->custom = n > 3 && strcasecmp(name + n - 3, "__c") == 0;
	return o->nfields++;
}

/* A field not among the standard ones: a column of an export, or of an inserted record. */
static size_t
add_column(struct sobject *o, const char *name)
{
	return add_field(o, name, T_STRING, 255, NIL | UPD, NULL);
}

const char *
store_type_name(enum ftype t)
{
	return type_names[t];
}

/* The objects and their fields; ns: the MSI fields' namespace ("" or NULL: none). */
void
store_init(const char *ns)
{
	char label[64], name[160];
	size_t i, j;

	for (i = 0; i < OBJECTS; i++) {
		struct sobject *o = &objects[i];

		memset(o, 0, sizeof *o);
		o->name = object_table[i].name;
		o->prefix = object_table[i].prefix;
		snprintf(label, sizeof label, "%s ID", object_table[i].label);
		add_field(o, "Id", T_ID, 18, 0, label);
		o->deleted_field = -1;
		if (object_table[i].deletable)
			o->deleted_field =
			    (long)add_field(o, "IsDeleted", T_BOOLEAN, 0, 0, "Deleted");
		for (j = 0; object_table[i].fields[j].name != NULL; j++) {
			const struct std_field *s = &object_table[i].fields[j];

			add_field(o, s->name, s->type, s->length, s->flags, s->label);
		}
		for (j = 0; (strcmp(o->name, "Lead") == 0 || strcmp(o->name, "Contact") == 0) &&
		            msi_fields[j].name != NULL;
		     j++) {
			const struct std_field *s = &msi_fields[j];

			snprintf(name, sizeof name, "%s%s", ns ? ns : "", s->name);
			add_field(o, name, s->type, s->length, s->flags, s->label);
		}
		add_field(o, "CreatedDate", T_DATETIME, 0, 0, "Created Date");
		add_field(o, "LastModifiedDate", T_DATETIME, 0, 0, "Last Modified Date");
		o->stamp_field = (long)add_field(o, "SystemModstamp", T_DATETIME, 0, 0, NULL);
	}
}

static void
record_free(struct record *r)
{
	free(r->off);
	free(r->blob);
}

void
store_free(void)
{
	size_t i, j;

	for (i = 0; i < OBJECTS; i++) {
		for (j = 0; j < objects[i].nrecords; j++)
			record_free(&objects[i].records[j]);
		for (j = 0; j < objects[i].nfields; j++) {
			free(objects[i].fields[j].name);
			free(objects[i].fields[j].label);
		}
		free(objects[i].records);
		free(objects[i].fields);
		memset(&objects[i], 0, sizeof objects[i]);
	}
}

/* The object of that name (in any case) as the integration user sees it: NULL when hidden. */
struct sobject *
store_object(const char *name)
{
	struct sobject *o = store_object_admin(name);

	return o != NULL && !o->hidden ? o : NULL;
}

/* The object of that name, hidden or not: the admin calls see every object. */
struct sobject *
store_object_admin(const char *name)
{
	size_t i;

	for (i = 0; i < OBJECTS; i++)
		if (strcasecmp(objects[i].name, name) == 0)
			return &objects[i];
	return NULL;
}

/*
 * What the integration user may not do, from the environment, for the
 * clients' tests: readonly, fields (comma-separated, any case, on every
 * object that has them) whose describe says updateable false and whose
 * updates are refused, as a formula field or field-level security makes
 * them; hidden, objects the user cannot see (no read permission), which
 * every API call answers as an object the org lacks (describe 404
 * NOT_FOUND, SOQL INVALID_TYPE) and the global describe leaves out.
 * Returns 0, or -1 after a message for a name that is no field or object.
 */
int
store_restrict(const char *readonly, const char *hidden)
{
	char *list, *name, *save;
	size_t i;
	long f;
	int found, bad = 0;

	for (list = estrdup(readonly ? readonly : ""), name = strtok_r(list, ", ", &save);
	     name != NULL; name = strtok_r(NULL, ", ", &save)) {
		for (i = 0, found = 0; i < OBJECTS; i++)
			if ((f = store_field(&objects[i], name)) >= 0) {
				objects[i].fields[f].updateable = 0;
				found = 1;
			}
		if (!found) {
			msg_warn("SALESFORCE_SIM_READONLY: no object has a field %s", name);
			bad = 1;
		}
	}
	free(list);
	for (list = estrdup(hidden ? hidden : ""), name = strtok_r(list, ", ", &save);
	     name != NULL; name = strtok_r(NULL, ", ", &save)) {
		struct sobject *o = store_object_admin(name);

		if (o == NULL) {
			msg_warn("SALESFORCE_SIM_HIDDEN: no object %s", name);
			bad = 1;
		} else
			o->hidden = 1;
	}
	free(list);
	return bad ? -1 : 0;
}

struct sobject *
store_object_at(size_t i)
{
	return i < OBJECTS ? &objects[i] : NULL;
}

/* A field's index by its name, in any case; -1 when the object has none of that name. */
long
store_field(const struct sobject *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nfields; i++)
		if (strcasecmp(o->fields[i].name, name) == 0)
			return (long)i;
	return -1;
}

long long
store_last_stamp(void)
{
	return last_stamp;
}

/* Sets r's values to the n given (r->blob and r->off replaced). v may point into r->blob. */
static void
record_build(struct record *r, size_t n, const struct val *v)
{
	size_t i, total = 1, at = 0;
	uint32_t *off = emalloc((n ? n : 1) * sizeof *off);
	char *blob;

	for (i = 0; i < n; i++)
		if (v[i].p != NULL)
			total += v[i].n + 1;
	blob = emalloc(total);
	for (i = 0; i < n; i++) {
		if (v[i].p == NULL) {
			off[i] = NO_VALUE;
			continue;
		}
		off[i] = (uint32_t)at;
		memcpy(blob + at, v[i].p, v[i].n);
		blob[at + v[i].n] = '\0';
		at += v[i].n + 1;
	}
	record_free(r);
	r->off = off;
	r->blob = blob;
	r->n = n;
}

static const char *
record_get(const struct record *r, size_t field)
{
	if (field >= r->n || r->off[field] == NO_VALUE)
		return NULL;
	return r->blob + r->off[field];
}

/* Sets one field of r to value (NULL or "": null). */
static void
record_set(const struct sobject *o, struct record *r, size_t field, const char *value)
{
	size_t i, n = o->nfields;
	struct val *v = ecalloc(n, sizeof *v);

	for (i = 0; i < n; i++) {
		v[i].p = record_get(r, i);
		v[i].n = v[i].p ? strlen(v[i].p) : 0;
	}
	v[field].p = value && *value ? value : NULL;
	v[field].n = value ? strlen(value) : 0;
	record_build(r, n, v);
	free(v);
}

/* A field's value as stored (NULL: null); SystemModstamp written into buf from the stamp. */
const char *
store_value(const struct sobject *o, const struct record *r, size_t field, char buf[STAMP_SIZE])
{
	if ((long)field == o->stamp_field) {
		stamp_format(r->stamp, buf);
		return buf;
	}
	return record_get(r, field);
}

/*
 * A field's value as a results page gives it: as stored, or with api as
 * Salesforce's API writes it (exports differ): booleans true or false,
 * datetimes 2024-01-02T03:04:05.000Z.
 */
const char *
store_render(const struct sobject *o, const struct record *r, size_t field, int api,
    char buf[STAMP_SIZE])
{
	const char *v = store_value(o, r, field, buf);
	long long ms;

	if (!api || v == NULL)
		return v;
	if (o->fields[field].type == T_BOOLEAN) {
		if (store_value_true(v))
			return "true";
		if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0)
			return "false";
	} else if (o->fields[field].type == T_DATETIME && v != buf &&
	           stamp_parse(v, strlen(v), 0, &ms) == 0) {
		stamp_format(ms, buf);
		return buf;
	}
	return v;
}

int
store_value_true(const char *v)
{
	return v != NULL && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

int
store_is_deleted(const struct sobject *o, const struct record *r)
{
	return o->deleted_field >= 0 &&
	       store_value_true(record_get(r, (size_t)o->deleted_field));
}

static int
by_id(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The record of an 18-character id, or NULL. */
static struct record *
find(struct sobject *o, const char *id)
{
	return store_find(o, id);
}

struct record *
store_find(struct sobject *o, const char *id)
{
	size_t lo = 0, hi = o->nrecords, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(o->records[mid].id, id)) == 0)
			return &o->records[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct record *
append(struct sobject *o)
{
	struct record *r;

	if (o->nrecords == o->rcap) {
		o->rcap = o->rcap ? 2 * o->rcap : 256;
		o->records = erealloc(o->records, o->rcap * sizeof *o->records);
	}
	r = &o->records[o->nrecords++];
	memset(r, 0, sizeof *r);
	r->seq = next_seq++;
	return r;
}

/* A stamp later than every one held, for a record just changed. */
static long long
new_stamp(void)
{
	long long now = stamp_now();

	last_stamp = now > last_stamp ? now : last_stamp + 1;
	return last_stamp;
}

/*
 * An update through the API: the n fields given set to their texts (NULL:
 * null), then a new SystemModstamp as /_sim/touch gives, and the same
 * LastModifiedDate.
 */
void
store_update(
    struct sobject *o, struct record *r, size_t n, const size_t *fields, char *const *texts)
{
	char stamp[STAMP_SIZE];
	size_t k;

	for (k = 0; k < n; k++)
		record_set(o, r, fields[k], texts[k]);
	r->stamp = new_stamp();
	stamp_format(r->stamp, stamp);
	record_set(o, r, (size_t)store_field(o, "LastModifiedDate"), stamp);
}

/* Reading one export file. */
struct loader {
	struct sobject *o;
	const char *path;
	long *map; /* column -> field, or -1 */
	size_t ncols;
	long id_col, stamp_col, modified_col;
	long long load_time;
	unsigned long loaded, skipped;
	struct val *vals;
};

static int
load_header(void *ctx, const struct csvin_row *row)
{
	struct loader *l = ctx;
	char *name;
	long f;
	size_t i, j;

	if (row->error != NULL) {
		msg_at(l->path, row->line, "not loaded: %s", row->error);
		return 1;
	}
	l->ncols = row->nfields;
	l->map = emalloc((row->nfields ? row->nfields : 1) * sizeof *l->map);
	l->id_col = l->stamp_col = l->modified_col = -1;
	for (i = 0; i < row->nfields; i++) {
		l->map[i] = -1;
		if (row->len[i] == 0 || !textenc_valid_utf8(row->field[i], row->len[i]))
			continue;
		name = emalloc(row->len[i] + 1);
		memcpy(name, row->field[i], row->len[i]);
		name[row->len[i]] = '\0';
		if ((f = store_field(l->o, name)) < 0)
			f = (long)add_column(l->o, name);
		free(name);
		for (j = 0; j < i; j++)
			if (l->map[j] == f)
				f = -1; /* named twice: the first column counts */
		l->map[i] = f;
		if (f == 0)
			l->id_col = (long)i;
		else if (f == l->o->stamp_field)
			l->stamp_col = (long)i;
		else if (f >= 0 && strcmp(l->o->fields[f].name, "LastModifiedDate") == 0)
			l->modified_col = (long)i;
	}
	if (l->id_col < 0) {
		msg_at(l->path, row->line, "not loaded: no Id column");
		return 1;
	}
	l->vals = emalloc(l->o->nfields * sizeof *l->vals);
	return 0;
}

static int
load_row(void *ctx, const struct csvin_row *row)
{
	struct loader *l = ctx;
	struct sobject *o = l->o;
	struct record *r;
	char id[SFID_LEN + 1], why[SFID_WHY_SIZE];
	enum sfid_status st;
	long long stamp;
	size_t i, idc = (size_t)l->id_col;

	if (row->error != NULL) {
		msg_at(l->path, row->line, "not loaded: %s", row->error);
		l->skipped++;
		return 0;
	}
	for (i = 0; i < row->nfields; i++) {
		if (!textenc_valid_utf8(row->field[i], row->len[i])) {
			msg_at(
			    l->path, row->line, "not loaded: column %zu is not UTF-8", i + 1);
			l->skipped++;
			return 0;
		}
	}
	if (idc >= row->nfields ||
	    (st = sfid_normalize(row->field[idc], row->len[idc], id, why)) > SFID_REPAIRED) {
		msg_at(l->path, row->line, "not loaded: Id %s",
		    idc >= row->nfields ? "missing"
		    : *why              ? why
		                        : "is the null id");
		l->skipped++;
		return 0;
	}
	for (i = 0; i < o->nfields; i++)
		l->vals[i].p = NULL;
	for (i = 0; i < row->nfields && i < l->ncols; i++) {
		if (l->map[i] < 0 || row->len[i] == 0)
			continue;
		l->vals[l->map[i]].p = row->field[i];
		l->vals[l->map[i]].n = row->len[i];
	}
	l->vals[0].p = id;
	l->vals[0].n = SFID_LEN;
	l->vals[o->stamp_field].p = NULL;
	stamp = l->load_time;
	if (!(l->stamp_col >= 0 && stamp_parse(row->field[l->stamp_col], row->len[l->stamp_col],
	                               0, &stamp) == 0) &&
	    !(l->modified_col >= 0 && stamp_parse(row->field[l->modified_col],
	                                  row->len[l->modified_col], 0, &stamp) == 0))
		stamp = l->load_time;
	r = append(o);
	memcpy(r->id, id, sizeof r->id);
	r->stamp = stamp;
	record_build(r, o->nfields, l->vals);
	if (stamp > last_stamp)
		last_stamp = stamp;
	l->loaded++;
	return 0;
}

/* Loads dir/OBJECT.csv into its object (none: no records). Returns 0, or -1 if it cannot
 * be read. */
static int
load_file(struct sobject *o, const char *dir, long long load_time)
{
	struct csvin_opts opts = {',', TEXTENC_AUTO, 0};
	struct loader l;
	struct csvin *c;
	enum textenc enc;
	unsigned long nul;
	char *path;
	size_t n, i, kept;
	FILE *fp;
	int r;

	n = strlen(dir) + strlen(o->name) + 6;
	path = emalloc(n);
	snprintf(path, n, "%s/%s.csv", dir, o->name);
	if ((fp = fopen(path, "rb")) == NULL) {
		r = errno == ENOENT ? 0 : -1;
		if (r != 0)
			msg_syswarn("%s", path);
		free(path);
		return r;
	}
	memset(&l, 0, sizeof l);
	l.o = o;
	l.path = path;
	l.load_time = load_time;
	c = csvin_new(&opts, load_header, load_row, &l);
	r = csvin_read(c, fp);
	if (r == CSVIN_READ_ERROR)
		msg_syswarn("%s", path);
	enc = csvin_encoding(c);
	nul = csvin_nul(c);
	csvin_free(c);
	fclose(fp);

	/* in Id order; an Id twice: its first row stays */
	if (o->nrecords > 1)
		qsort(o->records, o->nrecords, sizeof *o->records, by_id);
	for (i = kept = 0; i < o->nrecords; i++) {
		if (kept > 0 && strcmp(o->records[kept - 1].id, o->records[i].id) == 0) {
			msg_warn(
			    "%s: not loaded: a second row of Id %s", path, o->records[i].id);
			record_free(&o->records[i]);
			l.loaded--;
			l.skipped++;
			continue;
		}
		o->records[kept++] = o->records[i];
	}
	o->nrecords = kept;
	if (r != CSVIN_READ_ERROR)
		msg_warn("%s: %lu record%s loaded, %lu row%s not loaded; read as %s, %lu NUL "
		         "byte%s dropped",
		    path, l.loaded, l.loaded == 1 ? "" : "s", l.skipped,
		    l.skipped == 1 ? "" : "s", textenc_name(enc), nul, nul == 1 ? "" : "s");
	free(l.map);
	free(l.vals);
	free(path);
	return r == CSVIN_READ_ERROR ? -1 : 0;
}

/* Loads the exports of dir. Returns 0, or -1 when one cannot be read. */
int
store_load(const char *dir)
{
	long long now = stamp_now();
	size_t i;

	for (i = 0; i < OBJECTS; i++)
		if (load_file(&objects[i], dir, now) != 0)
			return -1;
	return 0;
}

/*
 * What describe says of each type, as Salesforce's describeSObjects() documents its
 * Field: soapType, the XML schema type of a value
 * (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm):
 * tns:ID for ids and references, xsd:double for every decimal type, xsd:string for
 * every text type.
 */
static const char *const soap_types[] = {"tns:ID", "tns:ID", "xsd:string", "xsd:boolean",
    "xsd:dateTime", "xsd:date", "xsd:double", "xsd:double", "xsd:int", "xsd:string",
    "xsd:string", "xsd:string", "xsd:string", "xsd:string", "xsd:double"};

/* The objects a reference field may point to (referenceTo): object NULL, any object's
 * field of that name; a Lead may be owned by a queue (Group) as well as a user. */
static const struct {
	const char *object, *field, *to;
} reference_targets[] = {
    {"Lead", "OwnerId", "Group User"},
    {NULL, "OwnerId", "User"},
    {"User", "ManagerId", "User"},
    {"User", "UserRoleId", "UserRole"},
    {"Account", "ParentId", "Account"},
    {NULL, "AccountId", "Account"},
    {NULL, "ConvertedAccountId", "Account"},
    {NULL, "ConvertedContactId", "Contact"},
    {NULL, "ConvertedOpportunityId", "Opportunity"},
    {NULL, "OpportunityId", "Opportunity"},
    {NULL, "ContactId", "Contact"},
};

/*
 * The picklists' values, as a new org has them ('|' between them; the first is the
 * default when default is set). Salesforce's standard picklists are not restricted: a
 * value not in the list is stored as any other (restrictedPicklist false), so these are
 * what describe lists, not a check.
 */
static const struct {
	const char *object, *field;
	int has_default;
	const char *values;
} picklists[] = {
    {NULL, "Salutation", 0, "Mr.|Ms.|Mrs.|Dr.|Prof."},
    {NULL, "LeadSource", 0, "Web|Phone Inquiry|Partner Referral|Purchased List|Other"},
    {"Lead", "Status", 1,
        "Open - Not Contacted|Working - Contacted|Closed - Converted|Closed - Not Converted"},
    {NULL, "Industry", 0,
        "Agriculture|Apparel|Banking|Biotechnology|Chemicals|Communications|Construction|"
        "Consulting|Education|Electronics|Energy|Engineering|Entertainment|Environmental|"
        "Finance|Food & Beverage|Government|Healthcare|Hospitality|Insurance|Machinery|"
        "Manufacturing|Media|Not For Profit|Recreation|Retail|Shipping|Technology|"
        "Telecommunications|Transportation|Utilities|Other"},
    {"Account", "Type", 0,
        "Prospect|Customer - Direct|Customer - Channel|Channel Partner / Reseller|"
        "Installation Partner|Technology Partner|Other"},
    {"Opportunity", "Type", 0,
        "Existing Customer - Upgrade|Existing Customer - Replacement|"
        "Existing Customer - Downgrade|New Customer"},
    {"Opportunity", "StageName", 0,
        "Prospecting|Qualification|Needs Analysis|Value Proposition|Id. Decision Makers|"
        "Perception Analysis|Proposal/Price Quote|Negotiation/Review|Closed Won|Closed Lost"},
    {"Opportunity", "ForecastCategoryName", 0, "Omitted|Pipeline|Best Case|Commit|Closed"},
    {"OpportunityContactRole", "Role", 0,
        "Business User|Decision Maker|Economic Buyer|Economic Decision Maker|Evaluator|"
        "Executive Sponsor|Influencer|Technical Buyer|Other"},
};

/* A field's referenceTo: the objects a reference may point to, [] for other types. A new
 * reference. */
static json_t *
reference_to(const struct sobject *o, const struct field *f)
{
	json_t *to = json_array();
	const char *p;
	size_t i, n;

	if (f->type != T_REFERENCE)
		return to;
	for (i = 0; i < sizeof reference_targets / sizeof reference_targets[0]; i++) {
		if ((reference_targets[i].object != NULL &&
		        strcmp(reference_targets[i].object, o->name) != 0) ||
		    strcmp(reference_targets[i].field, f->name) != 0)
			continue;
		for (p = reference_targets[i].to; *p != '\0'; p += n + (p[n] == ' ')) {
			n = strcspn(p, " ");
			json_array_append_new(to, json_stringn(p, n));
		}
		break;
	}
	return to;
}

/* A field's picklistValues: {active, defaultValue, label, validFor, value} each, [] when
 * it is not a picklist. A new reference. */
static json_t *
picklist_values(const struct sobject *o, const struct field *f)
{
	json_t *values = json_array();
	const char *p;
	size_t i, n;

	if (f->type != T_PICKLIST)
		return values;
	for (i = 0; i < sizeof picklists / sizeof picklists[0]; i++) {
		if ((picklists[i].object != NULL &&
		        strcmp(picklists[i].object, o->name) != 0) ||
		    strcmp(picklists[i].field, f->name) != 0)
			continue;
		for (p = picklists[i].values; *p != '\0'; p += n + (p[n] == '|')) {
			n = strcspn(p, "|");
			json_array_append_new(
			    values, json_pack("{s:b, s:b, s:s%, s:n, s:s%}", "active", 1,
			                "defaultValue",
			                picklists[i].has_default && p == picklists[i].values,
			                "label", p, n, "validFor", "value", p, n));
		}
		break;
	}
	return values;
}

/* GET .../sobjects/OBJECT/describe: the object and its fields, each with the members
 * clients read (Salesforce gives more: layouts, relationships, record types). */
void
store_describe(const struct sobject *o, struct answer *a)
{
	json_t *fields = json_array();
	size_t i;
	int t;

	for (i = 0; i < o->nfields; i++) {
		const struct field *f = &o->fields[i];

		json_array_append_new(fields,
		    json_pack("{s:s, s:s, s:s, s:s, s:i, s:b, s:b, s:b, s:b, s:b, s:o, s:o}",
		        "name", f->name, "label", f->label, "type", type_names[f->type],
		        "soapType", soap_types[f->type], "length", f->length, "nillable",
		        f->nillable, "updateable", f->updateable, "createable",
		        f->updateable || strcmp(f->name, "OpportunityId") == 0, "custom",
		        f->custom, "filterable", 1, "picklistValues", picklist_values(o, f),
		        "referenceTo", reference_to(o, f)));
	}
	for (t = 0; t < OBJECTS && strcmp(object_table[t].name, o->name) != 0; t++)
		;
	a->status = 200;
	a->json = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:o}", "name",
	    o->name, "label", object_table[t].label, "labelPlural", object_table[t].plural,
	    "keyPrefix", o->prefix, "custom", 0, "queryable", 1, "createable", 1, "updateable",
	    1, "deletable", object_table[t].deletable, "retrieveable", 1, "fields", fields);
}

/* An object's entry in the global describe and in its basic information: what it is and
 * the calls it takes, with the URLs of its resources in the API version asked. A new
 * reference. */
static json_t *
object_summary(size_t t, const char *version)
{
	char sobject[96], describe[112], row[112];

	snprintf(sobject, sizeof sobject, "/services/data/v%s/sobjects/%s", version,
	    object_table[t].name);
	snprintf(describe, sizeof describe, "%s/describe", sobject);
	snprintf(row, sizeof row, "%s/{ID}", sobject);
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:{s:s, s:s, s:s}}", "name",
	    object_table[t].name, "label", object_table[t].label, "labelPlural",
	    object_table[t].plural, "keyPrefix", object_table[t].prefix, "custom", 0,
	    "queryable", 1, "createable", 1, "updateable", 1, "deletable",
	    object_table[t].deletable, "retrieveable", 1, "urls", "sobject", sobject,
	    "describe", describe, "rowTemplate", row);
}

/*
 * GET .../sobjects: the global describe, every object with its summary
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm):
 * encoding, maxBatchSize (the records a call may carry), sobjects.
 */
void
store_describe_global(const char *version, struct answer *a)
{
	json_t *list = json_array();
	size_t t;

	for (t = 0; t < OBJECTS; t++)
		if (!objects[t].hidden)
			json_array_append_new(list, object_summary(t, version));
	a->status = 200;
	a->json = json_pack(
	    "{s:s, s:i, s:o}", "encoding", "UTF-8", "maxBatchSize", 200, "sobjects", list);
}

/*
 * GET .../sobjects/OBJECT: the object's basic information
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_basic_info_get.htm):
 * objectDescribe, its summary, and recentItems, the records the user saw lately: none,
 * as the simulator has no user interface.
 */
void
store_basic_info(const struct sobject *o, const char *version, struct answer *a)
{
	size_t t;

	for (t = 0; t < OBJECTS && strcmp(object_table[t].name, o->name) != 0; t++)
		;
	a->status = 200;
	a->json = json_pack(
	    "{s:o, s:[]}", "objectDescribe", object_summary(t, version), "recentItems");
}

/* A JSON value as a field's text: a new string, or NULL for null; *bad for an object or
 * an array. */
static char *
value_text(json_t *v, int *bad)
{
	*bad = 0;
	if (json_is_string(v))
		return json_string_length(v) ? estrdup(json_string_value(v)) : NULL;
	if (json_is_true(v))
		return estrdup("true");
	if (json_is_false(v))
		return estrdup("false");
	if (json_is_number(v))
		return json_dumps(v, JSON_ENCODE_ANY);
	if (json_is_null(v) || v == NULL)
		return NULL;
	*bad = 1;
	return NULL;
}

static int
value_text_bad(json_t *v)
{
	return json_is_object(v) || json_is_array(v);
}

static json_t *
admin_error(unsigned *status, const char *fmt, const char *arg)
{
	char msg[300];

	snprintf(msg, sizeof msg, fmt, arg);
	*status = 400;
	return json_pack("{s:s}", "error", msg);
}

/* The object a body names; NULL with *answer set when it names none. */
static struct sobject *
body_object(json_t *body, unsigned *status, json_t **answer)
{
	const char *name = json_string_value(json_object_get(body, "object"));
	struct sobject *o;

	*answer = NULL;
	if (name == NULL)
		*answer = admin_error(status, "%s", "expected {\"object\":NAME, ...}");
	else if ((o = store_object_admin(name)) == NULL)
		*answer = admin_error(status, "no object %s", name);
	else
		return o;
	return NULL;
}

/*
 * /_sim/touch {"object","ids":[...],"fields":{...}} and /_sim/delete
 * {"object","ids":[...]}: the records found get the fields (delete:
 * IsDeleted "true") and each a new SystemModstamp, 1 ms after the last
 * one given, and the same LastModifiedDate; or, with "stamp", that
 * SystemModstamp, earlier ones included: what a long transaction that
 * began then leaves when it commits now. Returns the answer, a new
 * reference, and its HTTP status.
 */
json_t *
store_touch(json_t *body, int delete, unsigned *status)
{
	json_t *ids = json_object_get(body, "ids"), *fields = json_object_get(body, "fields");
	json_t *given = json_object_get(body, "stamp");
	json_t *answer, *missing = json_array(), *v;
	long long at = 0;
	struct sobject *o;
	struct record *r;
	const char *key;
	char id[SFID_LEN + 1], why[SFID_WHY_SIZE], stamp[STAMP_SIZE], **texts = NULL;
	long *which = NULL, lmd;
	size_t i, k, nf = 0;
	long touched = 0;
	int bad;

	if ((o = body_object(body, status, &answer)) == NULL)
		goto out;
	if (!json_is_array(ids) || (fields != NULL && !json_is_object(fields))) {
		answer =
		    admin_error(status, "%s", "expected \"ids\":[...] and \"fields\":{...}");
		goto out;
	}
	if (given != NULL &&
	    (!json_is_string(given) || stamp_parse(json_string_value(given),
	                                   json_string_length(given), 0, &at) != 0)) {
		answer = admin_error(status, "%s", "\"stamp\" is not a datetime");
		goto out;
	}
	if (delete &&o->deleted_field < 0) {
		answer = admin_error(
		    status, "%s records are never deleted (touch IsActive)", o->name);
		goto out;
	}
	json_array_foreach (ids, i, v) {
		if (!json_is_string(v)) {
			answer = admin_error(status, "%s", "ids must be strings");
			goto out;
		}
	}
	nf = delete ? 1 : json_object_size(fields);
	which = ecalloc(nf ? nf : 1, sizeof *which);
	texts = ecalloc(nf ? nf : 1, sizeof *texts);
	if (delete) {
		which[0] = o->deleted_field;
		texts[0] = estrdup("true");
	} else {
		k = 0;
		json_object_foreach (fields, key, v) {
			which[k] = store_field(o, key);
			texts[k] = value_text(v, &bad);
			if (which[k] < 0 || which[k] == 0 || which[k] == o->stamp_field ||
			    bad) {
				answer = admin_error(status,
				    which[k] < 0 ? "no field %s"
				    : bad        ? "field %s: a string, number, boolean or null"
				                 : "field %s cannot be set",
				    key);
				nf = k + 1;
				goto out;
			}
			k++;
		}
	}
	lmd = store_field(o, "LastModifiedDate");
	json_array_foreach (ids, i, v) {
		if (sfid_normalize(json_string_value(v), json_string_length(v), id, why) >
		        SFID_REPAIRED ||
		    (r = find(o, id)) == NULL) {
			json_array_append(missing, v);
			continue;
		}
		for (k = 0; k < nf; k++)
			record_set(o, r, (size_t)which[k], texts[k]);
		if (given != NULL) {
			r->stamp = at;
			if (at > last_stamp)
				last_stamp = at;
		} else
			r->stamp = new_stamp();
		stamp_format(r->stamp, stamp);
		record_set(o, r, (size_t)lmd, stamp);
		touched++;
	}
	*status = 200;
	answer = json_pack("{s:I}", delete ? "deleted" : "touched", (json_int_t)touched);
	if (json_array_size(missing) > 0)
		json_object_set(answer, "missing", missing);
out:
	for (k = 0; k < nf; k++)
		free(texts[k]);
	free(texts);
	free(which);
	json_decref(missing);
	return answer;
}

/*
 * /_sim/insert {"object","records":[{"Id":...,...}]}: new records, each
 * with a new SystemModstamp unless it gives one; fields the object lacks
 * are added to it. Ids held already, and bad ones, are rejected.
 */
json_t *
store_insert(json_t *body, unsigned *status)
{
	json_t *records = json_object_get(body, "records"), *answer, *rejected, *rec, *v;
	struct sobject *o;
	struct record *r, tmp;
	struct val *vals;
	char id[SFID_LEN + 1], why[SFID_WHY_SIZE], **texts;
	const char *key, *reason;
	long long stamp;
	long f, inserted = 0;
	size_t i, k, pos, lo, hi;
	int bad;

	if ((o = body_object(body, status, &answer)) == NULL)
		return answer;
	if (!json_is_array(records))
		return admin_error(status, "%s", "expected \"records\":[{...}]");
	rejected = json_array();
	json_array_foreach (records, i, rec) {
		const char *given = NULL;

		reason = NULL;
		json_object_foreach (rec, key, v) {
			if (strcasecmp(key, "Id") == 0)
				given = json_string_value(v);
			else if (value_text_bad(v))
				reason = "a value is not a string, number, boolean or null";
		}
		if (!json_is_object(rec))
			reason = "not an object";
		else if (given == NULL)
			reason = "no Id";
		else if (sfid_normalize(given, strlen(given), id, why) > SFID_REPAIRED)
			reason = "bad Id";
		else if (find(o, id) != NULL)
			reason = "exists";
		if (reason != NULL) {
			json_array_append_new(rejected,
			    json_pack("{s:I, s:s}", "index", (json_int_t)i, "reason", reason));
			continue;
		}
		json_object_foreach (rec, key, v) {
			if (store_field(o, key) < 0)
				add_column(o, key);
		}
		vals = ecalloc(o->nfields, sizeof *vals);
		texts = ecalloc(o->nfields, sizeof *texts);
		stamp = 0;
		json_object_foreach (rec, key, v) {
			f = store_field(o, key);
			if (f == 0)
				continue;
			free(texts[f]); /* a field named twice, in two cases: the last counts */
			texts[f] = value_text(v, &bad);
			if (f == o->stamp_field) {
				if (texts[f] == NULL ||
				    stamp_parse(texts[f], strlen(texts[f]), 0, &stamp) != 0)
					stamp = 0;
				continue;
			}
			vals[f].p = texts[f];
			vals[f].n = texts[f] ? strlen(texts[f]) : 0;
		}
		vals[0].p = id;
		vals[0].n = SFID_LEN;
		memset(&tmp, 0, sizeof tmp);
		record_build(&tmp, o->nfields, vals);
		for (k = 0; k < o->nfields; k++)
			free(texts[k]);
		free(texts);
		free(vals);
		memcpy(tmp.id, id, sizeof tmp.id);
		if (stamp != 0) {
			tmp.stamp = stamp;
			if (stamp > last_stamp)
				last_stamp = stamp;
		} else
			tmp.stamp = new_stamp();
		for (lo = 0, hi = o->nrecords; lo < hi;) {
			pos = lo + (hi - lo) / 2;
			if (strcmp(o->records[pos].id, id) < 0)
				lo = pos + 1;
			else
				hi = pos;
		}
		r = append(o);
		tmp.seq = r->seq;
		memmove(&o->records[lo + 1], &o->records[lo],
		    (o->nrecords - 1 - lo) * sizeof *o->records);
		o->records[lo] = tmp;
		inserted++;
	}
	*status = 200;
	answer = json_pack("{s:I}", "inserted", (json_int_t)inserted);
	if (json_array_size(rejected) > 0)
		json_object_set(answer, "rejected", rejected);
	json_decref(rejected);
	return answer;
}

/* Every record as NDJSON {"object":NAME,"record":{...}}, keys sorted, nulls left out. */
void
store_dump(struct jsonbuf *out)
{
	char buf[STAMP_SIZE], *line;
	const char *v;
	json_t *rec, *wrap;
	size_t i, j, k;

	for (i = 0; i < OBJECTS; i++) {
		const struct sobject *o = &objects[i];

		for (j = 0; j < o->nrecords; j++) {
			rec = json_object();
			for (k = 0; k < o->nfields; k++)
				if ((v = store_value(o, &o->records[j], k, buf)) != NULL)
					json_object_set_new(
					    rec, o->fields[k].name, json_string(v));
			wrap = json_pack("{s:s, s:o}", "object", o->name, "record", rec);
			line = json_dumps(wrap, JSON_SORT_KEYS | JSON_COMPACT);
			jsonbuf_addstr(out, line);
			jsonbuf_add(out, "\n", 1);
			free(line);
			json_decref(wrap);
		}
	}
}
