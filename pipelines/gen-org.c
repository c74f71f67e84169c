/* gen-org.c: a synthetic Salesforce org as a Weekly Data Export, defects included. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exitcode.h"
#include "msg.h"
#include "numarg.h"
#include "sfid.h"

/*
 * The export is what Salesforce's Weekly Data Export writes: every field
 * quoted, LF line ends, booleans 0/1, datetimes "YYYY-MM-DD hh:mm:ss" in
 * GMT, empty lookups 000000000000000AAA. The defects, at fixed places so
 * that a run can be checked:
 *   - every 37th reference is written with 15 characters;
 *   - every 53rd reference is lower-cased (its 18 characters kept);
 *   - the third Contact row has one field too few (msi-extract rejects it);
 *   - the fifth Contact is deleted (IsDeleted 1);
 *   - one Contact, one Opportunity and one OpportunityContactRole refer to
 *     an Account, an Account and an Opportunity that do not exist;
 *   - every 20th Lead is converted, every 20th other Lead is owned by a queue.
 */

struct org {
	long persons, users, accounts, contacts, leads, opportunities;
	unsigned long refs; /* references written: which get a defect */
	unsigned long rng;
	const char *dir;
};

static const char *const first_names[] = {"Ana", "Bo", "Chloé", "Dmitri", "Eun-ji", "Farah",
    "Göran", "Hiro", "Inès", "Jonas", "Kwame", "Lucía", "Mateo", "Nadia", "Oskar", "Priya"};
static const char *const last_names[] = {"Silva", "Nakamura", "Dubois", "Ivanov", "Kim",
    "Haddad", "Lindqvist", "Tanaka", "Moreau", "Berg", "Mensah", "García", "Rossi", "Ali",
    "Nowak", "Sharma"};
static const char *const industries[] = {
    "Software", "Manufacturing", "Retail", "Healthcare", "Finance", "Education"};
static const char *const roles[] = {
    "Decision Maker", "Economic Buyer", "Evaluator", "Technical Buyer", "Influencer"};

static unsigned long
next(struct org *o)
{
	o->rng ^= o->rng << 13;
	o->rng ^= o->rng >> 7;
	o->rng ^= o->rng << 17;
	return o->rng;
}

/* The 18-character id of record n of a kind: prefix, "5e", a letter, 9 digits. */
static void
make_id(char out[SFID_LEN + 1], const char *prefix, char letter, long n)
{
	char suffix[3];

	snprintf(out, SFID_LEN + 1, "%.3s5e%c%09lu", prefix, letter,
	    (unsigned long)n % 1000000000UL);
	sfid_suffix(out, suffix);
	memcpy(out + 15, suffix, 3);
	out[SFID_LEN] = '\0';
}

/* An id as a reference: now and then in 15 characters, or lower-cased. */
static const char *
ref(struct org *o, const char *id)
{
	static char buf[4][SFID_LEN + 1];
	static int k;
	char *out = buf[k++ % 4];
	int i;

	memcpy(out, id, SFID_LEN + 1);
	o->refs++;
	if (o->refs % 37 == 0) {
		out[15] = '\0';
	} else if (o->refs % 53 == 0) {
		for (i = 0; i < SFID_LEN; i++)
			if (out[i] >= 'A' && out[i] <= 'Z')
				out[i] = (char)(out[i] - 'A' + 'a');
	}
	return out;
}

static FILE *
open_csv(struct org *o, const char *name, const char *header)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", o->dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", path);
	fprintf(fp, "%s\n", header);
	return fp;
}

static void
close_csv(FILE *fp, const char *name)
{
	if (fflush(fp) != 0 || ferror(fp) || fclose(fp) != 0)
		msg_fatal(MSI_EXIT_IO, "%s: write error", name);
}

static void
created(char buf[32], long n)
{
	snprintf(buf, 32, "20%02ld-%02ld-%02ld %02ld:%02ld:00", 20 + n % 6, 1 + n % 12,
	    1 + n % 28, n % 24, n % 60);
}

static void
users(struct org *o)
{
	FILE *fp = open_csv(o, "User.csv",
	    "\"Id\",\"FirstName\",\"LastName\",\"Email\",\"Title\",\"IsActive\",\"CreatedDate\"");
	char id[SFID_LEN + 1], when[32];
	long i;

	for (i = 0; i < o->users; i++) {
		make_id(id, "005", 'U', i + 1);
		created(when, i);
		fprintf(fp,
		    "\"%s\",\"%s\",\"%s\",\"rep%ld@example.com\",\"Account Executive\",\"1\",\"%s\"\n",
		    id, first_names[i % 16], last_names[(i * 7) % 16], i + 1, when);
	}
	close_csv(fp, "User.csv");
}

static void
user_of(char id[SFID_LEN + 1], struct org *o, long n)
{
	make_id(id, "005", 'U', n % o->users + 1);
}

static void
accounts(struct org *o)
{
	FILE *fp = open_csv(o, "Account.csv",
	    "\"Id\",\"IsDeleted\",\"Name\",\"OwnerId\",\"ParentId\",\"AnnualRevenue\","
	    "\"NumberOfEmployees\",\"Industry\",\"Website\",\"Phone\",\"BillingStreet\","
	    "\"BillingCity\",\"BillingState\",\"BillingPostalCode\",\"BillingCountry\","
	    "\"CreatedDate\"");
	char id[SFID_LEN + 1], owner[SFID_LEN + 1], when[32];
	long i;

	for (i = 0; i < o->accounts; i++) {
		make_id(id, "001", 'A', i + 1);
		user_of(owner, o, i);
		created(when, i);
		fprintf(fp,
		    "\"%s\",\"0\",\"%s %s, Ltd.\",\"%s\",\"000000000000000AAA\",\"%lu.00\",\"%lu\","
		    "\"%s\",\"https://www.a%ld.example.com\",\"+1 415 555 %04ld\",\"%ld Market "
		    "Street\nSuite %ld\",\"San Francisco\",\"CA\",\"94105\",\"United States\","
		    "\"%s\"\n",
		    id, last_names[i % 16], industries[i % 6], ref(o, owner),
		    100000 + next(o) % 90000000, 5 + next(o) % 5000, industries[i % 6], i + 1,
		    i % 10000, 100 + i, 1 + i % 40, when);
	}
	close_csv(fp, "Account.csv");
}

static void
contacts(struct org *o)
{
	FILE *fp = open_csv(o, "Contact.csv",
	    "\"Id\",\"IsDeleted\",\"AccountId\",\"LastName\",\"FirstName\",\"Email\","
	    "\"Title\",\"Phone\",\"OwnerId\",\"Description\",\"LeadSource\",\"CreatedDate\"");
	char id[SFID_LEN + 1], acct[SFID_LEN + 1], owner[SFID_LEN + 1], when[32];
	long i, a;

	for (i = 0; i < o->contacts; i++) {
		make_id(id, "003", 'C', i + 1);
		a = i % o->accounts;
		if (i == 6)
			make_id(acct, "001", 'A', o->accounts + 100); /* the orphan */
		else
			make_id(acct, "001", 'A', a + 1);
		user_of(owner, o, a);
		created(when, i);
		if (i == 2) { /* the bad row: a field short */
			fprintf(fp,
			    "\"%s\",\"0\",\"%s\",\"Short\",\"Row\",\"short@example.com\"\n", id,
			    acct);
			continue;
		}
		fprintf(fp,
		    "\"%s\",\"%d\",\"%s\",\"%s\",\"%s\",\"c%ld@example.com\",\"%s\",\"+1 212 555 "
		    "%04ld\",\"%s\",\"Met at the \"\"Summit\"\", %ld\",\"%s\",\"%s\"\n",
		    id, i == 4, ref(o, acct), last_names[(i * 3) % 16], first_names[i % 16],
		    i + 1, i % 3 ? "Director" : "VP, Operations", i % 10000, ref(o, owner),
		    2020 + i % 6, i % 2 ? "Web" : "Trade Show", when);
	}
	close_csv(fp, "Contact.csv");
}

static void
leads(struct org *o)
{
	FILE *fp = open_csv(o, "Lead.csv",
	    "\"Id\",\"IsDeleted\",\"LastName\",\"FirstName\",\"Company\",\"Email\",\"Title\","
	    "\"Phone\",\"OwnerId\",\"Status\",\"IsConverted\",\"ConvertedAccountId\","
	    "\"ConvertedContactId\",\"CreatedDate\",\"NumberOfEmployees\"");
	char id[SFID_LEN + 1], owner[SFID_LEN + 1], acct[SFID_LEN + 1], contact[SFID_LEN + 1];
	char when[32];
	const char *own;
	long i;
	int converted;

	for (i = 0; i < o->leads; i++) {
		make_id(id, "00Q", 'L', i + 1);
		converted = i % 20 == 7 && o->contacts > 0;
		strcpy(acct, "000000000000000AAA");
		strcpy(contact, "000000000000000AAA");
		if (converted) {
			make_id(contact, "003", 'C', i % o->contacts + 1);
			make_id(acct, "001", 'A', i % o->contacts % o->accounts + 1);
		}
		if (i % 20 == 13) {
			make_id(owner, "00G", 'G', 1); /* the queue */
			own = owner;
		} else {
			user_of(owner, o, i);
			own = ref(o, owner);
		}
		created(when, i);
		fprintf(fp,
		    "\"%s\",\"0\",\"%s\",\"%s\",\"%s Labs\",\"l%ld@example.com\",\"Analyst\","
		    "\"+44 20 7946 %04ld\",\"%s\",\"%s\",\"%d\",\"%s\",\"%s\",\"%s\",\"%ld\"\n",
		    id, last_names[(i * 5) % 16], first_names[(i + 3) % 16], last_names[i % 16],
		    i + 1, i % 10000, own,
		    converted ? "Closed - Converted" : "Open - Not Contacted", converted, acct,
		    contact, when, 10 + i % 500);
	}
	close_csv(fp, "Lead.csv");
}

static void
opportunities(struct org *o)
{
	FILE *fp = open_csv(o, "Opportunity.csv",
	    "\"Id\",\"IsDeleted\",\"AccountId\",\"Name\",\"Amount\",\"CloseDate\",\"StageName\","
	    "\"Probability\",\"Type\",\"IsClosed\",\"IsWon\",\"FiscalYear\",\"FiscalQuarter\","
	    "\"OwnerId\",\"CreatedDate\"");
	char id[SFID_LEN + 1], acct[SFID_LEN + 1], owner[SFID_LEN + 1], when[32];
	long i;

	for (i = 0; i < o->opportunities; i++) {
		make_id(id, "006", 'O', i + 1);
		if (i == 1)
			make_id(acct, "001", 'A', o->accounts + 200); /* the orphan */
		else
			make_id(acct, "001", 'A', i % o->accounts + 1);
		user_of(owner, o, i % o->accounts);
		created(when, i);
		fprintf(fp,
		    "\"%s\",\"0\",\"%s\",\"%s renewal %ld\",\"%lu.00\",\"2026-%02ld-%02ld\","
		    "\"Negotiation\",\"60\",\"Existing Business\",\"0\",\"0\",\"2026\",\"%ld\","
		    "\"%s\",\"%s\"\n",
		    id, ref(o, acct), industries[i % 6], i + 1, 1000 + next(o) % 200000,
		    1 + i % 12, 1 + i % 28, 1 + i % 4, ref(o, owner), when);
	}
	close_csv(fp, "Opportunity.csv");
}

/* Two contact roles an opportunity, held by contacts of its account. */
static void
contact_roles(struct org *o)
{
	FILE *fp = open_csv(o, "OpportunityContactRole.csv",
	    "\"Id\",\"IsDeleted\",\"OpportunityId\",\"ContactId\",\"Role\",\"IsPrimary\","
	    "\"CreatedDate\"");
	char id[SFID_LEN + 1], opp[SFID_LEN + 1], contact[SFID_LEN + 1], when[32];
	long i, k, c, n = 0;

	for (i = 0; i < o->opportunities; i++) {
		for (k = 0; k < 2; k++) {
			c = i % o->accounts + k * o->accounts; /* contacts of account i */
			if (c >= o->contacts)
				break;
			make_id(id, "00K", 'R', ++n);
			if (n == 3)
				make_id(
				    opp, "006", 'O', o->opportunities + 300); /* the orphan */
			else
				make_id(opp, "006", 'O', i + 1);
			make_id(contact, "003", 'C', c + 1);
			created(when, n);
			fprintf(fp, "\"%s\",\"0\",\"%s\",\"%s\",\"%s\",\"%d\",\"%s\"\n", id,
			    ref(o, opp), ref(o, contact), roles[n % 5], k == 0, when);
		}
	}
	close_csv(fp, "OpportunityContactRole.csv");
}

static void
usage(FILE *fp, int status)
{
	fputs("usage: gen-org [-h] [-p persons] [-s seed] dir\n", fp);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct org o;
	long v;
	int ch;

	msg_init(argv[0]);
	memset(&o, 0, sizeof o);
	o.persons = 100;
	o.rng = 88172645463325252UL;
	while ((ch = getopt(argc, argv, "hp:s:")) != -1) {
		switch (ch) {
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'p':
			if (numarg(optarg, 10, &v) != 0) {
				msg_warn("bad -p \"%s\": at least 10 persons", optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			o.persons = v;
			break;
		case 's':
			if (numarg(optarg, 1, &v) != 0) {
				msg_warn("bad -s \"%s\"", optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			o.rng ^= (unsigned long)v * 0x9e3779b97f4a7c15UL;
			break;
		default: usage(stderr, MSI_EXIT_USAGE);
		}
	}
	if (optind != argc - 1)
		usage(stderr, MSI_EXIT_USAGE);
	o.dir = argv[optind];
	if (mkdir(o.dir, 0777) != 0 && errno != EEXIST)
		msg_sysfatal(MSI_EXIT_IO, "%s", o.dir);
	o.users = 3 + o.persons / 1000;
	o.accounts = 2 + o.persons / 10;
	o.contacts = o.persons * 6 / 10;
	o.leads = o.persons - o.contacts;
	o.opportunities = o.accounts;
	users(&o);
	accounts(&o);
	contacts(&o);
	leads(&o);
	opportunities(&o);
	contact_roles(&o);
	return MSI_EXIT_OK;
}
