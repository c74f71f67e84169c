/* msifields.c: which Marketo lead field becomes which Salesforce field, and as what. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert.h"
#include "ealloc.h"
#include "exitcode.h"
#include "msifields.h"
#include "jsonbuf.h"
#include "mapfile.h"
#include "msg.h"

/*
 * The MSI fields: the Marketo lead fields and the MSI package's Salesforce
 * fields on Lead and Contact they are written to, as Adobe's page "Sales
 * Insight for Non-Native Salesforce Integrations" on Experience League
 * names them
 * (https://experienceleague.adobe.com/en/docs/marketo/using/product-docs/marketo-sales-insight/sales-insight-for-non-native-salesforce-integrations).
 */
static const struct {
	const char *sf, *mkto[FIELD_ALTS];
	enum wb_type type;
} defaults[] = {
    {"Last_Interesting_Moment_Type__c", {"msiLastInterestingMomentType"}, WB_STRING},
    {"Last_Interesting_Moment_Date__c", {"msiLastInterestingMomentDate"}, WB_DATETIME},
    {"Last_Interesting_Moment_Desc__c", {"msiLastInterestingMomentDesc"}, WB_STRING},
    {"Last_Interesting_Moment_Source__c", {"msiLastInterestingMomentSource"}, WB_STRING},
    {"Priority__c", {"priority"}, WB_NUMBER},
    {"Urgency_Value__c", {"relativeUrgency", "urgency"}, WB_NUMBER},
    {"Relative_Score_Value__c", {"relativeScore", "relativeScoring"}, WB_NUMBER},
};

static const char *const type_names[] = {"string", "number", "datetime"};

static void
field_free(struct field *f)
{
	int i;

	free(f->sf);
	for (i = 0; i < f->nalt; i++)
		free(f->mkto[i]);
	memset(f, 0, sizeof *f);
}

static struct field *
field_add(struct fields *fs, const char *sf)
{
	struct field *f;

	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 16;
		fs->f = erealloc(fs->f, fs->cap * sizeof *fs->f);
	}
	f = &fs->f[fs->n++];
	memset(f, 0, sizeof *f);
	f->sf = estrdup(sf);
	return f;
}

void
fields_defaults(struct fields *fs)
{
	struct field *f;
	size_t i;

	for (i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
		f = field_add(fs, defaults[i].sf);
		for (; f->nalt < FIELD_ALTS && defaults[i].mkto[f->nalt] != NULL; f->nalt++)
			f->mkto[f->nalt] = estrdup(defaults[i].mkto[f->nalt]);
		f->type = defaults[i].type;
	}
}

static struct field *
field_find(struct fields *fs, const char *sf)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].sf, sf) == 0)
			return &fs->f[i];
	return NULL;
}

/* "FIELD -": drops FIELD; "* -" drops them all. */
static void
fields_drop(struct fields *fs, const char *sf)
{
	struct field *f;
	size_t i;

	if (strcmp(sf, "*") == 0) {
		for (i = 0; i < fs->n; i++)
			field_free(&fs->f[i]);
		fs->n = 0;
	} else if ((f = field_find(fs, sf)) != NULL) {
		field_free(f);
		memmove(f, f + 1, (size_t)(fs->f + fs->n - (f + 1)) * sizeof *f);
		fs->n--;
	}
}

/* "FIELD MARKETO_FIELD[,ALT...] [TYPE]": the rule for FIELD, in the place of one there was. */
static void
fields_set(struct fields *fs, struct mapfile *mf, char **w, int n)
{
	struct field *f = field_find(fs, w[0]);
	enum wb_type type = f != NULL ? f->type : WB_STRING;
	char *alt, *save;
	int t;

	if (n == 3) {
		for (t = 0; t < 3 && strcmp(w[2], type_names[t]) != 0; t++)
			;
		if (t == 3) {
			mapfile_error(
			    mf, "unknown type \"%s\": string, number or datetime", w[2]);
			return;
		}
		type = (enum wb_type)t;
	}
	if (f != NULL)
		field_free(f);
	else
		f = field_add(fs, w[0]);
	f->sf = f->sf ? f->sf : estrdup(w[0]);
	f->type = type;
	for (alt = strtok_r(w[1], ",", &save); alt != NULL; alt = strtok_r(NULL, ",", &save)) {
		if (f->nalt == FIELD_ALTS) {
			mapfile_error(mf, "at most %d Marketo fields a rule", FIELD_ALTS);
			return;
		}
		f->mkto[f->nalt++] = estrdup(alt);
	}
}

/*
 * Applies a map file. Each line is SALESFORCE_FIELD MARKETO_FIELD[,ALT...]
 * [TYPE]: the Salesforce field takes the first of the Marketo fields the
 * instance has; TYPE is string, number or datetime. "FIELD -" drops a
 * field, "* -" drops them all. A rule for a field already mapped takes its
 * place. Returns 0, or an exit status after a message naming file and line.
 */
int
fields_load(struct fields *fs, const char *path)
{
	struct mapfile mf;
	char *w[3];
	int n, status;

	if (mapfile_open(&mf, path) != 0)
		return mf.status;
	while ((n = mapfile_next(&mf, w, 3)) != 0) {
		if (n < 0 || n == 1)
			mapfile_error(
			    &mf, "expected SALESFORCE_FIELD MARKETO_FIELD[,ALT...] [TYPE]");
		else if (strcmp(w[1], "-") == 0)
			fields_drop(fs, w[0]);
		else if (strcmp(w[0], "*") == 0 || w[0][0] == '\0' || w[1][0] == '\0')
			mapfile_error(
			    &mf, "a rule needs a Salesforce field and a Marketo field");
		else
			fields_set(fs, &mf, w, n);
	}
	if ((status = mapfile_close(&mf)) == 0 && fs->n == 0) {
		msg_warn("%s: no Salesforce field is left to write", path);
		status = MSI_EXIT_USAGE;
	}
	return status;
}

/*
 * Takes -M (a map file more) and -N (the namespace); 1 when ch was one of
 * them, else 0. More than FIELDS_MAPS maps is a usage error.
 */
int
fields_opts_parse(struct fields_opts *o, int ch, const char *arg, void (*usage)(FILE *, int))
{
	switch (ch) {
	case 'M':
		if (o->nmaps == FIELDS_MAPS) {
			msg_warn("at most %d map files", FIELDS_MAPS);
			usage(stderr, MSI_EXIT_USAGE);
		}
		o->map[o->nmaps++] = arg;
		return 1;
	case 'N': o->ns = arg; return 1;
	default: return 0;
	}
}

/*
 * The fields as the options name them: the seven MSI fields, each map file
 * applied in turn, then the namespace. Returns 0, or an exit status after
 * a message.
 */
int
fields_setup(struct fields *fs, const struct fields_opts *o)
{
	int i, status;

	fields_defaults(fs);
	for (i = 0; i < o->nmaps; i++)
		if ((status = fields_load(fs, o->map[i])) != 0)
			return status;
	if (o->ns != NULL)
		fields_namespace(fs, o->ns);
	return 0;
}

/* Whether sf is one of the fields, without regard to case, as Salesforce compares names. */
int
fields_has(const struct fields *fs, const char *sf)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcasecmp(fs->f[i].sf, sf) == 0)
			return 1;
	return 0;
}

/*
 * Puts the managed package's namespace (mkto_si__) before each custom
 * field that has none: a name ending in __c with no other "__".
 */
void
fields_namespace(struct fields *fs, const char *ns)
{
	struct jsonbuf b = {0};
	size_t i, len;
	char *sf;

	for (i = 0; i < fs->n; i++) {
		sf = fs->f[i].sf;
		len = strlen(sf);
		if (len < 4 || strcmp(sf + len - 3, "__c") != 0 ||
		    strstr(sf, "__") != sf + len - 3)
			continue;
		b.len = 0;
		jsonbuf_addstr(&b, ns);
		jsonbuf_add(&b, sf, len + 1);
		free(sf);
		fs->f[i].sf = estrdup(b.data);
	}
	jsonbuf_free(&b);
}

static int
listed(json_t *list, const char *name)
{
	const char *s;
	json_t *item;
	size_t i;

	json_array_foreach (list, i, item) {
		if ((s = json_string_value(json_object_get(item, "name"))) != NULL &&
		    strcmp(s, name) == 0)
			return 1;
	}
	return 0;
}

/*
 * Picks, for each Salesforce field, the first of its Marketo fields that
 * describe2 lists (relativeScore on some instances, relativeScoring on
 * others). Returns 0, or -1 with why naming what the instance lacks.
 */
int
fields_resolve(struct fields *fs, json_t *describe, char why[FIELDS_WHY_SIZE])
{
	json_t *list =
	    json_object_get(json_array_get(json_object_get(describe, "result"), 0), "fields");
	size_t i;
	int a, len = 0;

	if (!json_is_array(list)) {
		snprintf(why, FIELDS_WHY_SIZE, "Marketo's describe2 answer has no field list");
		return -1;
	}
	for (i = 0; i < fs->n; i++) {
		fs->f[i].use = NULL;
		for (a = 0; a < fs->f[i].nalt && fs->f[i].use == NULL; a++)
			if (listed(list, fs->f[i].mkto[a]))
				fs->f[i].use = fs->f[i].mkto[a];
		if (fs->f[i].use != NULL)
			continue;
		len =
		    snprintf(why, FIELDS_WHY_SIZE, "this Marketo instance has no lead field ");
		for (a = 0; a < fs->f[i].nalt; a++)
			len += snprintf(why + len,
			    len < FIELDS_WHY_SIZE ? FIELDS_WHY_SIZE - (size_t)len : 0, "%s%s",
			    a == 0                   ? ""
			    : a == fs->f[i].nalt - 1 ? " or "
			                             : ", ",
			    fs->f[i].mkto[a]);
		if (len < FIELDS_WHY_SIZE)
			snprintf(why + len, FIELDS_WHY_SIZE - (size_t)len,
			    " (for %s); map another with --map, or drop it", fs->f[i].sf);
		return -1;
	}
	return 0;
}

/* The fields parameter of the lead query: externalPersonId and each field in use. */
char *
fields_query(const struct fields *fs)
{
	struct jsonbuf b = {0};
	size_t i;

	jsonbuf_addstr(&b, "externalPersonId");
	for (i = 0; i < fs->n; i++) {
		jsonbuf_add(&b, ",", 1);
		jsonbuf_addstr(&b, fs->f[i].use);
	}
	jsonbuf_add(&b, "", 1);
	return b.data;
}

/* One Marketo value as the Salesforce field wants it; NULL with why when it cannot be. */
static json_t *
value(const struct field *f, json_t *v, char why[FIELDS_WHY_SIZE])
{
	static const struct conv_opts utc = {0, 0};
	struct jsonbuf b = {0};
	char cwhy[CONV_WHY_SIZE];
	const char *s;
	json_t *out = NULL;
	int rc = 0;

	if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return json_null(); /* Marketo has no value: Salesforce's is cleared */
	if (f->type == WB_STRING && json_is_string(v))
		return json_incref(v);
	if (f->type == WB_STRING && json_is_number(v)) {
		char *text = json_dumps(v, JSON_ENCODE_ANY);

		out = json_string(text);
		free(text);
		return out;
	}
	if (!json_is_string(v) && !(f->type == WB_NUMBER && json_is_number(v))) {
		snprintf(why, FIELDS_WHY_SIZE, "%s: Marketo's %s is not a %s", f->sf, f->use,
		    type_names[f->type]);
		return NULL;
	}
	if (json_is_number(v))
		return json_incref(v);
	s = json_string_value(v);
	rc = f->type == WB_NUMBER ? conv_number(&b, s, json_string_length(v), cwhy)
	                          : conv_datetime(&b, s, json_string_length(v), &utc, cwhy);
	if (rc == 0)
		out = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
	if (out == NULL)
		snprintf(why, FIELDS_WHY_SIZE, "%s: Marketo's %s: %s", f->sf, f->use,
		    rc == 0 ? "cannot be written" : cwhy);
	jsonbuf_free(&b);
	return out;
}

/*
 * The Salesforce update of one person, in the shape of an sObject
 * Collections record: attributes.type, Id, then the fields in map order.
 * Returns NULL with why when a value cannot be written.
 */
json_t *
fields_update(const struct fields *fs, json_t *lead, const char *type, const char *id,
    char why[FIELDS_WHY_SIZE])
{
	json_t *rec = json_pack("{s:{s:s}, s:s}", "attributes", "type", type, "Id", id), *v;
	size_t i;

	for (i = 0; i < fs->n; i++) {
		if ((v = value(&fs->f[i], json_object_get(lead, fs->f[i].use), why)) == NULL) {
			json_decref(rec);
			return NULL;
		}
		json_object_set_new(rec, fs->f[i].sf, v);
	}
	return rec;
}

void
fields_free(struct fields *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		field_free(&fs->f[i]);
	free(fs->f);
	memset(fs, 0, sizeof *fs);
}
