/* update.c: record updates through the API: the checks sObject Collections and ingest jobs
 * share, the Collections call, the failures /_sim/fail-records plans. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ealloc.h"
#include "sfid.h"
#include "sim.h"

#define COLLECTION_MAX 200

struct update_counts update_counts;

/* /_sim/fail-records: updates of these records fail so. */
static struct {
	char (*ids)[SFID_LEN + 1];
	size_t n;
	char *code, *message;
	json_t *fields;
} failing;

void
upd_error_set(struct upd_error *e, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->code, sizeof e->code, "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	json_decref(e->fields);
	e->fields = json_array();
	if (field != NULL)
		json_array_append_new(e->fields, json_string(field));
}

void
upd_error_clear(struct upd_error *e)
{
	json_decref(e->fields);
	memset(e, 0, sizeof *e);
}

void
update_free(void)
{
	free(failing.ids);
	free(failing.code);
	free(failing.message);
	json_decref(failing.fields);
	memset(&failing, 0, sizeof failing);
}

/* The record an update names, of object o: NULL with e set when there is none to update. */
struct record *
update_target(struct sobject *o, const char *id, struct upd_error *e)
{
	char id18[SFID_LEN + 1], why[SFID_WHY_SIZE];
	struct record *r;

	if (id == NULL || *id == '\0') {
		upd_error_set(
		    e, "MISSING_ARGUMENT", NULL, "Id not specified in an update call");
		return NULL;
	}
	if (sfid_normalize(id, strlen(id), id18, why) > SFID_REPAIRED ||
	    strncmp(id18, o->prefix, 3) != 0) {
		upd_error_set(e, "MALFORMED_ID", "Id", "%s: id value of incorrect type: %.40s",
		    o->fields[0].label, id);
		return NULL;
	}
	if ((r = store_find(o, id18)) == NULL) {
		upd_error_set(
		    e, "INVALID_CROSS_REFERENCE_KEY", NULL, "invalid cross reference id");
		return NULL;
	}
	if (store_is_deleted(o, r)) {
		upd_error_set(e, "ENTITY_IS_DELETED", NULL, "entity is deleted");
		return NULL;
	}
	return r;
}

/* A field an update names (field: its index, or -1): 0 when it can be set. */
int
update_settable(const struct sobject *o, long field, const char *name, struct upd_error *e)
{
	if (field < 0) {
		upd_error_set(e, "INVALID_FIELD", NULL,
		    "No such column '%s' on sobject of type %s", name, o->name);
		return -1;
	}
	if (!o->fields[field].updateable) {
		upd_error_set(e, "INVALID_FIELD_FOR_INSERT_UPDATE", o->fields[field].name,
		    "Unable to create/update fields: %s. Please check the security settings of "
		    "this field and verify that it is read/write for your profile or permission "
		    "set.",
		    o->fields[field].name);
		return -1;
	}
	return 0;
}

static int
is_number_type(enum ftype t)
{
	return t == T_DOUBLE || t == T_CURRENCY || t == T_INT || t == T_PERCENT;
}

/*
 * A value given as text for a field, as the store keeps it (a new string in *out):
 * numbers as given, datetimes as 2024-01-02T03:04:05.000Z, booleans true or false.
 * Returns -1 when the text does not suit the field's type.
 */
int
update_convert(const struct sobject *o, size_t field, const char *text, char **out)
{
	char buf[STAMP_SIZE], *end;
	long long ms;
	double d;

	*out = NULL;
	switch (o->fields[field].type) {
	case T_DOUBLE:
	case T_CURRENCY:
	case T_INT:
	case T_PERCENT:
		d = strtod(text, &end);
		if (end == text || *end != '\0' || !isfinite(d) ||
		    (o->fields[field].type == T_INT && d != floor(d)))
			return -1;
		break;
	case T_DATETIME:
		if (stamp_parse(text, strlen(text), 0, &ms) != 0)
			return -1;
		stamp_format(ms, buf);
		*out = estrdup(buf);
		return 0;
	case T_DATE:
		if (date_parse(text, strlen(text)) != 0)
			return -1;
		break;
	case T_BOOLEAN:
		if (strcasecmp(text, "true") == 0 || strcmp(text, "1") == 0)
			*out = estrdup("true");
		else if (strcasecmp(text, "false") == 0 || strcmp(text, "0") == 0)
			*out = estrdup("false");
		else
			return -1;
		return 0;
	default: break;
	}
	*out = estrdup(text);
	return 0;
}

/* Characters of UTF-8 text. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* A value (NULL: null) against the field's nillable and length: 0 when it fits. */
int
update_check(const struct sobject *o, size_t field, const char *text, struct upd_error *e)
{
	const struct field *f = &o->fields[field];

	if (text == NULL && !f->nillable) {
		upd_error_set(e, "REQUIRED_FIELD_MISSING", f->name,
		    "Required fields are missing: [%s]", f->name);
		return -1;
	}
	if (text != NULL && f->length > 0 && f->type != T_ID && f->type != T_REFERENCE &&
	    utf8_chars(text) > (size_t)f->length) {
		upd_error_set(e, "STRING_TOO_LONG", f->name,
		    "%s: data value too large: %.300s (max length=%d)", f->label, text,
		    f->length);
		return -1;
	}
	return 0;
}

/* A failure /_sim/fail-records planned for the record: -1 with e set, or 0. */
int
update_failing(const struct record *r, struct upd_error *e)
{
	size_t i;

	for (i = 0; i < failing.n; i++) {
		if (strcmp(failing.ids[i], r->id) == 0) {
			upd_error_set(e, failing.code, NULL, "%s", failing.message);
			json_decref(e->fields);
			e->fields = json_deep_copy(failing.fields);
			return -1;
		}
	}
	return 0;
}

/*
 * /_sim/fail-records {"ids":[...],"statusCode","message","fields":[...]}: updates of those
 * records fail so until {"ids":[]}. Answers {"failing":N}.
 */
json_t *
update_fail_records(json_t *body, unsigned *status)
{
	json_t *ids = json_object_get(body, "ids"), *fields = json_object_get(body, "fields"),
	       *v;
	const char *code = json_string_value(json_object_get(body, "statusCode"));
	const char *message = json_string_value(json_object_get(body, "message"));
	char(*list)[SFID_LEN + 1], why[SFID_WHY_SIZE];
	size_t i;
	int bad = !json_is_array(ids) || (fields != NULL && !json_is_array(fields));

	json_array_foreach (fields, i, v) {
		bad |= !json_is_string(v);
	}
	if (bad) {
		*status = 400;
		return json_pack("{s:s}", "error",
		    "expected {\"ids\":[...],\"statusCode\":\"...\",\"message\":\"...\","
		    "\"fields\":[...]}");
	}
	list = ecalloc(json_array_size(ids) ? json_array_size(ids) : 1, sizeof *list);
	json_array_foreach (ids, i, v) {
		if (!json_is_string(v) ||
		    sfid_normalize(json_string_value(v), json_string_length(v), list[i], why) >
		        SFID_REPAIRED) {
			free(list);
			*status = 400;
			return json_pack(
			    "{s:s}", "error", "ids must be record ids (15 or 18 characters)");
		}
	}
	update_free();
	failing.ids = list;
	failing.n = json_array_size(ids);
	failing.code = estrdup(code ? code : "FIELD_CUSTOM_VALIDATION_EXCEPTION");
	failing.message =
	    estrdup(message ? message : "the simulator was told to fail this record");
	failing.fields = fields ? json_incref(fields) : json_array();
	*status = 200;
	return json_pack("{s:I}", "failing", (json_int_t)failing.n);
}

/* One record of a Collections call: what to set, or why it fails. */
struct item {
	struct sobject *o;
	struct record *r;
	size_t n;
	size_t *fields;
	char **texts;
	struct upd_error e; /* e.code[0] != '\0': failed */
};

/* Jackson's names of JSON tokens, as Salesforce's parser errors give them. */
static const char *
token_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "START_OBJECT";
	case JSON_ARRAY: return "START_ARRAY";
	case JSON_STRING: return "VALUE_STRING";
	case JSON_INTEGER: return "VALUE_NUMBER_INT";
	case JSON_REAL: return "VALUE_NUMBER_FLOAT";
	case JSON_TRUE: return "VALUE_TRUE";
	case JSON_FALSE: return "VALUE_FALSE";
	default: return "VALUE_NULL";
	}
}

/*
 * A JSON value for a field, as text (*out; NULL: null). Returns -1 when Salesforce's parser
 * would refuse it: the whole request fails with JSON_PARSER_ERROR.
 */
static int
json_value(const struct sobject *o, size_t field, json_t *v, char **out, struct answer *a)
{
	enum ftype t = o->fields[field].type;
	char *text = NULL;
	int ok;

	*out = NULL;
	if (json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return 0;
	if (json_is_string(v))
		ok = update_convert(o, field, json_string_value(v), out) == 0;
	else if (json_is_number(v))
		ok = (is_number_type(t) || t == T_STRING || t == T_TEXTAREA || t == T_PHONE ||
		         t == T_PICKLIST) &&
		     (text = json_dumps(v, JSON_ENCODE_ANY)) != NULL &&
		     update_convert(o, field, text, out) == 0;
	else if (json_is_boolean(v))
		ok = t != T_DATETIME && t != T_DATE && !is_number_type(t) &&
		     update_convert(o, field, json_is_true(v) ? "true" : "false", out) == 0;
	else
		ok = 0;
	free(text);
	if (ok)
		return 0;
	text = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	answer_error(a, 400, "JSON_PARSER_ERROR",
	    "Cannot deserialize instance of %s from %s value %.200s or request may be missing a "
	    "required field",
	    store_type_name(t), token_name(v), json_is_string(v) ? json_string_value(v) : text);
	free(text);
	return -1;
}

static void
items_free(struct item *items, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < items[i].n; k++)
			free(items[i].texts[k]);
		free(items[i].texts);
		free(items[i].fields);
		upd_error_clear(&items[i].e);
	}
	free(items);
}

/* One record's checks; returns -1 when the whole request fails (a is set). */
static int
item_check(struct item *it, json_t *rec, struct answer *a)
{
	json_t *attrs = json_object_get(rec, "attributes"), *v, *idv = NULL;
	const char *type = json_string_value(json_object_get(attrs, "type")), *key;
	long f;
	size_t k;

	json_object_foreach (rec, key, v) {
		if (strcmp(key, "id") == 0 || strcmp(key, "Id") == 0)
			idv = v;
	}
	if (type == NULL || (it->o = store_object(type)) == NULL) {
		if (type == NULL)
			upd_error_set(&it->e, "INVALID_TYPE", NULL,
			    "No SObject Type defined in the attributes map");
		else
			upd_error_set(&it->e, "INVALID_TYPE", NULL,
			    "sObject type '%s' is not supported.", type);
		return 0;
	}
	k = json_object_size(rec);
	it->fields = ecalloc(k ? k : 1, sizeof *it->fields);
	it->texts = ecalloc(k ? k : 1, sizeof *it->texts);
	/* a value's type first: Salesforce's parser refuses the whole request */
	json_object_foreach (rec, key, v) {
		if (strcmp(key, "attributes") == 0 || v == idv ||
		    (f = store_field(it->o, key)) < 0 || !it->o->fields[f].updateable)
			continue;
		if (json_value(it->o, (size_t)f, v, &it->texts[it->n], a) != 0)
			return -1;
		it->fields[it->n++] = (size_t)f;
	}
	if (idv == NULL || !json_is_string(idv) || json_string_length(idv) == 0) {
		upd_error_set(
		    &it->e, "MISSING_ARGUMENT", NULL, "Id not specified in an update call");
		return 0;
	}
	json_object_foreach (rec, key, v) {
		if (strcmp(key, "attributes") == 0 || v == idv)
			continue;
		if (update_settable(it->o, store_field(it->o, key), key, &it->e) != 0)
			return 0;
	}
	if ((it->r = update_target(it->o, json_string_value(idv), &it->e)) == NULL)
		return 0;
	for (k = 0; k < it->n; k++)
		if (update_check(it->o, it->fields[k], it->texts[k], &it->e) != 0)
			return 0;
	update_failing(it->r, &it->e);
	return 0;
}

/*
 * PATCH /composite/sobjects {"allOrNone":bool,"records":[{"attributes":{"type"},"id",...}]}:
 * one result per record, in order; with allOrNone, none applied if one fails.
 */
void
update_collections(const char *body, size_t len, struct answer *a)
{
	json_t *root, *records, *rec, *all, *res, *v;
	json_error_t err;
	struct item *items;
	size_t i, n, nfailed = 0;
	const char *id;

	update_counts.collections++;
	if ((root = json_loadb(body ? body : "", len, 0, &err)) == NULL) {
		answer_error(a, 400, "JSON_PARSER_ERROR", "%s at [line:%d, column:%d]",
		    err.text, err.line, err.column);
		return;
	}
	records = json_object_get(root, "records");
	all = json_object_get(root, "allOrNone");
	if (!json_is_array(records) || (all != NULL && !json_is_boolean(all))) {
		answer_error(a, 400, "JSON_PARSER_ERROR",
		    "expected {\"allOrNone\":true|false,\"records\":[...]}");
		json_decref(root);
		return;
	}
	n = json_array_size(records);
	if (n > COLLECTION_MAX) {
		answer_error(a, 400, "EXCEEDED_ID_LIMIT",
		    "record limit reached. cannot submit more than %d records into this call",
		    COLLECTION_MAX);
		json_decref(root);
		return;
	}
	jobs_settle(stamp_now());
	items = ecalloc(n ? n : 1, sizeof *items);
	json_array_foreach (records, i, rec) {
		if (!json_is_object(rec)) {
			answer_error(a, 400, "JSON_PARSER_ERROR",
			    "Cannot deserialize instance of SObject from %s value",
			    token_name(rec));
			break;
		}
		if (item_check(&items[i], rec, a) != 0)
			break;
		nfailed += items[i].e.code[0] != '\0';
	}
	if (i < n) {
		items_free(items, n);
		json_decref(root);
		return;
	}
	a->status = 200;
	a->json = json_array();
	for (i = 0; i < n; i++) {
		struct item *it = &items[i];

		rec = json_array_get(records, i);
		v = json_object_get(rec, "id");
		id = json_string_value(v ? v : json_object_get(rec, "Id"));
		if (it->e.code[0] == '\0' && json_is_true(all) && nfailed > 0)
			upd_error_set(&it->e, "ALL_OR_NONE_OPERATION_ROLLED_BACK", NULL,
			    "Record rolled back because not all records were valid and the request "
			    "was using AllOrNone header");
		if (it->e.code[0] != '\0') {
			res = json_pack("{s:s?, s:b, s:[{s:s, s:s, s:O}]}", "id",
			    it->r ? it->r->id : id, "success", 0, "errors", "statusCode",
			    it->e.code, "message", it->e.message, "fields", it->e.fields);
			update_counts.failures++;
		} else {
			store_update(it->o, it->r, it->n, it->fields, it->texts);
			res = json_pack(
			    "{s:s, s:b, s:[]}", "id", it->r->id, "success", 1, "errors");
			update_counts.updated++;
		}
		json_array_append_new(a->json, res);
	}
	items_free(items, n);
	json_decref(root);
}
