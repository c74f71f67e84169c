/* mapping.c: which Salesforce field becomes which Marketo field, and as what type. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ealloc.h"
#include "exitcode.h"
#include "jsonbuf.h"
#include "mapfile.h"
#include "mapping.h"
#include "msg.h"

/*
 * The defaults. Marketo names are those of Adobe's REST API: the standard
 * lead field list, and the describe answers and sync examples of sales
 * persons, companies, opportunities and opportunity roles. The external
 * ids MSI links records by come first and are required.
 */
struct default_rule {
	const char *source, *target;
	enum conv_type type;
	int required;
};

/* clang-format off */
#define ID(s, t)  {s, t, CONV_ID, 0}
#define KEY(s, t) {s, t, CONV_ID, 1}
#define STR(s, t) {s, t, CONV_STRING, 0}
#define END       {NULL, NULL, CONV_STRING, 0}
/* clang-format on */

static const struct default_rule user_rules[] = {
    KEY("Id", "externalSalesPersonId"),
    STR("Email", "email"),
    STR("FirstName", "firstName"),
    STR("LastName", "lastName"),
    END,
};

static const struct default_rule account_rules[] = {
    KEY("Id", "externalCompanyId"),
    ID("OwnerId", "externalSalesPersonId"),
    STR("Name", "company"),
    STR("Website", "website"),
    STR("Industry", "industry"),
    {"AnnualRevenue", "annualRevenue", CONV_NUMBER, 0},
    {"NumberOfEmployees", "numberOfEmployees", CONV_INTEGER, 0},
    STR("Phone", "mainPhone"),
    STR("BillingStreet", "billingStreet"),
    STR("BillingCity", "billingCity"),
    STR("BillingState", "billingState"),
    STR("BillingPostalCode", "billingPostalCode"),
    STR("BillingCountry", "billingCountry"),
    STR("Sic", "sicCode"),
    STR("Site", "site"),
    END,
};

/* A Lead holds its company's fields itself until it is converted. */
static const struct default_rule lead_rules[] = {
    KEY("Id", "externalPersonId"),
    ID("OwnerId", "externalSalesPersonId"),
    ID("ConvertedAccountId", "externalCompanyId"),
    STR("Email", "email"),
    STR("Salutation", "salutation"),
    STR("FirstName", "firstName"),
    STR("LastName", "lastName"),
    STR("Title", "title"),
    STR("Phone", "phone"),
    STR("MobilePhone", "mobilePhone"),
    STR("Fax", "fax"),
    STR("Street", "address"),
    STR("City", "city"),
    STR("State", "state"),
    STR("PostalCode", "postalCode"),
    STR("Country", "country"),
    STR("Company", "company"),
    STR("Website", "website"),
    STR("Industry", "industry"),
    {"AnnualRevenue", "annualRevenue", CONV_NUMBER, 0},
    {"NumberOfEmployees", "numberOfEmployees", CONV_INTEGER, 0},
    STR("LeadSource", "leadSource"),
    STR("Status", "leadStatus"),
    END,
};

/* A Contact's company is its Account, synced as a company. */
static const struct default_rule contact_rules[] = {
    KEY("Id", "externalPersonId"),
    ID("OwnerId", "externalSalesPersonId"),
    ID("AccountId", "externalCompanyId"),
    STR("Email", "email"),
    STR("Salutation", "salutation"),
    STR("FirstName", "firstName"),
    STR("LastName", "lastName"),
    STR("Title", "title"),
    STR("Department", "department"),
    STR("Phone", "phone"),
    STR("MobilePhone", "mobilePhone"),
    STR("Fax", "fax"),
    STR("MailingStreet", "address"),
    STR("MailingCity", "city"),
    STR("MailingState", "state"),
    STR("MailingPostalCode", "postalCode"),
    STR("MailingCountry", "country"),
    STR("LeadSource", "leadSource"),
    END,
};

static const struct default_rule opportunity_rules[] = {
    KEY("Id", "externalOpportunityId"),
    ID("AccountId", "externalCompanyId"),
    ID("OwnerId", "externalSalesPersonId"),
    {"Name", "name", CONV_STRING, 1},
    STR("Description", "description"),
    {"Amount", "amount", CONV_NUMBER, 0},
    {"ExpectedRevenue", "expectedRevenue", CONV_NUMBER, 0},
    {"CloseDate", "closeDate", CONV_DATE, 0},
    STR("StageName", "stage"),
    {"Probability", "probability", CONV_NUMBER, 0},
    STR("Type", "type"),
    {"IsClosed", "isClosed", CONV_BOOLEAN, 0},
    {"IsWon", "isWon", CONV_BOOLEAN, 0},
    {"FiscalYear", "fiscalYear", CONV_INTEGER, 0},
    {"FiscalQuarter", "fiscalQuarter", CONV_INTEGER, 0},
    STR("ForecastCategoryName", "forecastCategoryName"),
    STR("LeadSource", "leadSource"),
    STR("NextStep", "nextStep"),
    {"TotalOpportunityQuantity", "quantity", CONV_NUMBER, 0},
    {"LastActivityDate", "lastActivityDate", CONV_DATE, 0},
    END,
};

/* msi-load turns externalPersonId (the Contact) into Marketo's leadId. */
static const struct default_rule role_rules[] = {
    KEY("OpportunityId", "externalOpportunityId"),
    KEY("ContactId", "externalPersonId"),
    {"Role", "role", CONV_STRING, 1},
    {"IsPrimary", "isPrimary", CONV_BOOLEAN, 0},
    END,
};

/* The rules of each object of sf_objects, in its order. */
static const struct default_rule *const defaults[MAPPING_OBJECTS] = {
    user_rules, account_rules, lead_rules, contact_rules, opportunity_rules, role_rules};

static void
rule_free(struct rule *r)
{
	free(r->source);
	free(r->constant);
	free(r->target);
	free(r->key);
	free(r->spelling);
	memset(r, 0, sizeof *r);
}

static struct rule *
rule_add(struct objmap *o)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 32;
		o->rules = erealloc(o->rules, o->cap * sizeof *o->rules);
	}
	memset(&o->rules[o->n], 0, sizeof o->rules[o->n]);
	return &o->rules[o->n++];
}

void
mapping_defaults(struct mapping *m)
{
	const struct default_rule *d;
	struct rule *r;
	int i;

	memset(m, 0, sizeof *m);
	for (i = 0; i < MAPPING_OBJECTS; i++) {
		m->obj[i].sftype = sf_objects[i].name;
		m->obj[i].mkto = sf_objects[i].mkto;
		for (d = defaults[i]; d->source != NULL; d++) {
			r = rule_add(&m->obj[i]);
			r->source = estrdup(d->source);
			r->target = estrdup(d->target);
			r->type = d->type;
			r->required = d->required;
		}
	}
}

struct objmap *
mapping_find(struct mapping *m, const char *sftype)
{
	int i;

	for (i = 0; i < MAPPING_OBJECTS; i++)
		if (strcasecmp(m->obj[i].sftype, sftype) == 0)
			return &m->obj[i];
	return NULL;
}

/* Marketo's external ids are Salesforce ids unless a map says otherwise. */
static enum conv_type
type_for(const struct objmap *o, const char *target)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->rules[i].target, target) == 0)
			return o->rules[i].type;
	return mkto_by_id_field(target) >= 0 ? CONV_ID : CONV_STRING;
}

/* "OBJECT SOURCE -": drops the rules SOURCE feeds, all of them for "*". */
static void
rules_drop(struct objmap *o, const char *source)
{
	struct rule *r;
	size_t i, j;

	for (i = j = 0; i < o->n; i++) {
		r = &o->rules[i];
		if (strcmp(source, "*") == 0 ||
		    (r->source != NULL && strcasecmp(r->source, source) == 0))
			rule_free(r);
		else
			o->rules[j++] = *r;
	}
	o->n = j;
}

/* "OBJECT SOURCE TARGET": the rule for TARGET, in the place of one there was. */
static void
rule_set(
    struct objmap *o, const char *source, const char *target, enum conv_type type, int required)
{
	struct rule *r;
	size_t i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->rules[i].target, target) == 0)
			break;
	if (i < o->n) {
		r = &o->rules[i];
		required |= r->required; /* a replaced key stays required */
		rule_free(r);
	} else {
		r = rule_add(o);
	}
	r->required = required;
	r->target = estrdup(target);
	r->type = type;
	if (source[0] == '=')
		r->constant = estrdup(source + 1);
	else
		r->source = estrdup(source);
}

/* One line of a map file, its n words in w; what is wrong goes to mapfile_error. */
static void
mapping_line(struct mapping *m, struct mapfile *mf, char **w, int n)
{
	struct objmap *o;
	enum conv_type type;

	if (n < 3 || n > 5)
		mapfile_error(mf, "expected OBJECT SOURCE TARGET [TYPE [required]]");
	else if ((o = mapping_find(m, w[0])) == NULL)
		mapfile_error(mf,
		    "unknown object \"%s\" (User, Account, Lead, "
		    "Contact, Opportunity or OpportunityContactRole)",
		    w[0]);
	else if (n >= 4 && conv_type_parse(w[3], &type) != 0)
		mapfile_error(mf,
		    "unknown type \"%s\" (string, id, integer, number, "
		    "boolean, date or datetime)",
		    w[3]);
	else if (n == 5 && strcmp(w[4], "required") != 0)
		mapfile_error(mf, "the fifth word can only be \"required\"");
	else if (strcmp(w[2], "-") == 0)
		rules_drop(o, w[1]);
	else if (w[1][0] == '\0' || w[2][0] == '\0' || strcmp(w[1], "*") == 0)
		mapfile_error(mf, "a rule needs a source field or =VALUE and a target");
	else
		rule_set(o, w[1], w[2], n < 4 ? type_for(o, w[2]) : type, n == 5);
}

/*
 * Applies one map file. Each line is OBJECT SOURCE TARGET [TYPE [required]]:
 * SOURCE is a Salesforce field (any case) or =VALUE for a constant; TARGET
 * is a Marketo field, or - to stop sending SOURCE; "OBJECT * -" drops all
 * of OBJECT's rules. A rule for a target already mapped takes its place.
 * Returns 0, or an exit status after a message naming file and line.
 */
int
mapping_load(struct mapping *m, const char *path)
{
	struct mapfile mf;
	char *w[6];
	int n;

	if (mapfile_open(&mf, path) != 0)
		return mf.status;
	while ((n = mapfile_next(&mf, w, 6)) != 0)
		mapping_line(m, &mf, w, n);
	return mapfile_close(&mf);
}

/* Encodes each target once, as the "target": that starts its member. */
void
mapping_prepare(struct mapping *m)
{
	struct jsonbuf b = {0};
	struct rule *r;
	size_t i;
	int k;

	for (k = 0; k < MAPPING_OBJECTS; k++) {
		for (i = 0; i < m->obj[k].n; i++) {
			r = &m->obj[k].rules[i];
			b.len = 0;
			if (jsonbuf_addjsonstr(&b, r->target, strlen(r->target)) != 0)
				msg_fatal(MSI_EXIT_USAGE, "field name \"%s\" is not UTF-8",
				    r->target);
			jsonbuf_add(&b, ":", 1);
			free(r->key);
			r->key = emalloc(b.len);
			memcpy(r->key, b.data, b.len);
			r->keylen = b.len;
		}
	}
	jsonbuf_free(&b);
}

void
mapping_free(struct mapping *m)
{
	size_t i;
	int k;

	for (k = 0; k < MAPPING_OBJECTS; k++) {
		for (i = 0; i < m->obj[k].n; i++)
			rule_free(&m->obj[k].rules[i]);
		free(m->obj[k].rules);
	}
}
