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
 *
 * Options add the defects real exports carry, each off by default: without
 * them the output is the same, byte for byte, as it has always been. Rows
 * are counted from 0 within a file, header not counted; a file of n rows
 * (for -p P: User 3 + P/1000, Account and Opportunity 2 + P/10, Contact
 * P*6/10, Lead P - P*6/10, OpportunityContactRole twice the Opportunities)
 * has its defects in the same rows whatever the seed:
 *   --accents        names with accented letters (Müller, José, Françoise,
 *                    Þórsson, ...) in place of some of the plain ones, in
 *                    every file that has names; Lead.csv and Opportunity.csv
 *                    gain a Description column (after Phone, after Name),
 *                    and every Description (Contact's too) holds the euro
 *                    sign, curly quotes and an em dash
 *   --empty-booleans the boolean columns (User IsActive, IsDeleted, Lead
 *                    IsConverted, Opportunity IsClosed and IsWon,
 *                    OpportunityContactRole IsPrimary) empty in the rows
 *                    i % 10 == 9 of each file: n / 10 rows; each such field
 *                    follows a field that is not empty
 *   --empty-roles    OpportunityContactRole Role empty in every row
 *   --encoding NAME  every file in NAME instead of UTF-8, the names accented
 *                    as with --accents: latin1 (ISO 8859-1; the Descriptions
 *                    without the characters Latin-1 lacks), cp1252 (Windows
 *                    Latin 1: the euro sign, curly quotes and em dash are
 *                    its bytes 0x80, 0x93, 0x94, 0x97), utf16 (UTF-16LE
 *                    with a byte order mark and CRLF row ends, as Excel's
 *                    "Unicode text" writes, but comma-separated); utf8 is
 *                    the default
 *   --excel          an Excel re-save: dates M/D/YY, datetimes M/D/YY
 *                    h:mm AM/PM, booleans TRUE/FALSE, amounts 1,500.00, a
 *                    field quoted only when it must be, CRLF row ends;
 *                    every row of every file
 *   --no-users       no User.csv: every owner is a User not in the export
 *   --nul            one NUL byte inside the quoted Description of the rows
 *                    i % 10 == 5 of Contact.csv, Lead.csv and
 *                    Opportunity.csv: (n + 4) / 10 rows of each; Lead.csv
 *                    and Opportunity.csv gain a Description column
 */

enum encoding { ENC_UTF8, ENC_LATIN1, ENC_CP1252, ENC_UTF16 };

struct org {
	long persons, users, accounts, contacts, leads, opportunities;
	unsigned long refs; /* references written: which get a defect */
	unsigned long rng;
	const char *dir;
	/* the defects the options ask for; all 0 for the plain export */
	enum encoding encoding;
	int accents;      /* accented names */
	int typographic;  /* Descriptions with the euro sign, curly quotes, em dash */
	int descriptions; /* a Description column in Lead.csv and Opportunity.csv */
	int empty_booleans, empty_roles, excel, no_users, nul;
};

/* A CSV file being written: a row at a time, a field at a time. */
struct csv {
	struct org *o;
	FILE *fp;
	const char *name;
	char path[4096];
	int fields; /* written in the row so far */
};

static const char *const first_names[] = {"Ana", "Bo", "Chloé", "Dmitri", "Eun-ji", "Farah",
    "Göran", "Hiro", "Inès", "Jonas", "Kwame", "Lucía", "Mateo", "Nadia", "Oskar", "Priya"};
static const char *const last_names[] = {"Silva", "Nakamura", "Dubois", "Ivanov", "Kim",
    "Haddad", "Lindqvist", "Tanaka", "Moreau", "Berg", "Mensah", "García", "Rossi", "Ali",
    "Nowak", "Sharma"};
/* --accents: every other name accented, each letter one Latin-1 has. */
static const char *const accented_first_names[] = {"José", "Bo", "Françoise", "Dmitri", "Zoë",
    "Farah", "Göran", "Hiro", "Inès", "Jonas", "Björn", "Lucía", "Renée", "Nadia", "Ángel",
    "Priya"};
static const char *const accented_last_names[] = {"Müller", "Nakamura", "Dubois", "Núñez",
    "Kim", "Þórsson", "Lindqvist", "Sørensen", "Moreau", "Berg", "Gonçalves", "García", "Rossi",
    "Ali", "Nowak", "Sánchez"};
static const char *const industries[] = {
    "Software", "Manufacturing", "Retail", "Healthcare", "Finance", "Education"};
static const char *const roles[] = {
    "Decision Maker", "Economic Buyer", "Evaluator", "Technical Buyer", "Influencer"};

static const char *
first_name(const struct org *o, long n)
{
	return (o->accents ? accented_first_names : first_names)[n % 16];
}

static const char *
last_name(const struct org *o, long n)
{
	return (o->accents ? accented_last_names : last_names)[n % 16];
}

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

/* A field of len bytes (NULs included): quoted always in the export, in an
 * Excel re-save only when it must be. */
static void
put_n(struct csv *c, const char *s, size_t len)
{
	size_t i;
	int quote = !c->o->excel;

	if (c->fields++ > 0)
		putc(',', c->fp);
	for (i = 0; i < len && !quote; i++)
		quote = strchr(",\"\r\n", s[i]) != NULL; /* a NUL byte matches too */
	if (quote)
		putc('"', c->fp);
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			putc('"', c->fp);
		putc(s[i], c->fp);
	}
	if (quote)
		putc('"', c->fp);
}

static void
put(struct csv *c, const char *s)
{
	put_n(c, s, strlen(s));
}

static void
put_long(struct csv *c, long n)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%ld", n);
	put(c, buf);
}

/* A checkbox: 0/1, or TRUE/FALSE from Excel; empty in the rows --empty-booleans picks. */
static void
put_bool(struct csv *c, int v, long row)
{
	if (c->o->empty_booleans && row % 10 == 9)
		put(c, "");
	else if (c->o->excel)
		put(c, v ? "TRUE" : "FALSE");
	else
		put(c, v ? "1" : "0");
}

static void
put_date(struct csv *c, long y, long m, long d)
{
	char buf[32];

	if (c->o->excel)
		snprintf(buf, sizeof buf, "%ld/%ld/%02ld", m, d, y % 100);
	else
		snprintf(buf, sizeof buf, "%04ld-%02ld-%02ld", y, m, d);
	put(c, buf);
}

/* The n-th record's CreatedDate. */
static void
put_created(struct csv *c, long n)
{
	long y = 2020 + n % 6, mo = 1 + n % 12, d = 1 + n % 28, h = n % 24, mi = n % 60;
	char buf[32];

	if (c->o->excel)
		snprintf(buf, sizeof buf, "%ld/%ld/%02ld %ld:%02ld %s", mo, d, y % 100,
		    h % 12 == 0 ? 12 : h % 12, mi, h < 12 ? "AM" : "PM");
	else
		snprintf(buf, sizeof buf, "%04ld-%02ld-%02ld %02ld:%02ld:00", y, mo, d, h, mi);
	put(c, buf);
}

/* A currency amount in whole units: 1500.00, or 1,500.00 from Excel. */
static void
put_amount(struct csv *c, unsigned long v)
{
	char digits[32], buf[48];
	size_t i, n, k = 0;

	if (!c->o->excel) {
		snprintf(buf, sizeof buf, "%lu.00", v);
		put(c, buf);
		return;
	}
	n = (size_t)snprintf(digits, sizeof digits, "%lu", v);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[k++] = ',';
		buf[k++] = digits[i];
	}
	memcpy(buf + k, ".00", 4);
	put(c, buf);
}

/* A Description; with --nul, in the rows it picks, a NUL byte before its first space. */
static void
put_description(struct csv *c, const char *text, long row)
{
	char buf[256];
	size_t len = strlen(text), at;

	if (!c->o->nul || row % 10 != 5 || len + 1 > sizeof buf) {
		put_n(c, text, len);
		return;
	}
	at = strcspn(text, " ");
	memcpy(buf, text, at);
	buf[at] = '\0';
	memcpy(buf + at + 1, text + at, len - at);
	put_n(c, buf, len + 1);
}

static void
end_row(struct csv *c)
{
	fputs(c->o->excel || c->o->encoding == ENC_UTF16 ? "\r\n" : "\n", c->fp);
	c->fields = 0;
}

/* Opens o->dir/name and writes its header, the column leave_out left out. */
static void
open_csv(struct csv *c, struct org *o, const char *name, const char *const header[],
    const char *leave_out)
{
	int i;

	memset(c, 0, sizeof *c);
	c->o = o;
	c->name = name;
	snprintf(c->path, sizeof c->path, "%s/%s", o->dir, name);
	if ((c->fp = fopen(c->path, "w")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", c->path);
	for (i = 0; header[i] != NULL; i++)
		if (leave_out == NULL || strcmp(header[i], leave_out) != 0)
			put(c, header[i]);
	end_row(c);
}

/* Writes code point cp to fp in encoding e; 0 when e has no byte for it. */
static int
encode(FILE *fp, enum encoding e, unsigned long cp)
{
	/* Windows-1252's bytes 0x80 to 0x9F, 0 where it has none */
	static const unsigned short cp1252[32] = {0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026,
	    0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0, 0, 0x2018,
	    0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
	    0x0153, 0, 0x017E, 0x0178};
	int i;

	switch (e) {
	case ENC_UTF16:
		if (cp >= 0x10000) {
			cp -= 0x10000;
			encode(fp, e, 0xD800 + (cp >> 10));
			cp = 0xDC00 + (cp & 0x3FF);
		}
		putc((int)(cp & 0xFF), fp);
		putc((int)(cp >> 8), fp);
		return 1;
	case ENC_CP1252:
		if (cp >= 0x80 && cp < 0xA0)
			return 0;
		for (i = 0; i < 32 && cp > 0xFF; i++)
			if (cp1252[i] == cp)
				cp = 0x80 + (unsigned long)i;
		/* FALLTHROUGH */
	case ENC_LATIN1:
		if (cp > 0xFF)
			return 0;
		putc((int)cp, fp);
		return 1;
	case ENC_UTF8: break;
	}
	return 0;
}

/*
 * Rewrites the file, written in UTF-8, in o->encoding: through a new file
 * renamed over it, a byte order mark first for UTF-16. The text is this
 * program's own, so bytes that are not UTF-8, or a character the encoding
 * lacks, are a fault here.
 */
static void
reencode(const struct csv *c)
{
	char tmp[4200];
	FILE *in, *out;
	unsigned long cp;
	int ch, more;

	snprintf(tmp, sizeof tmp, "%s.tmp", c->path);
	if ((in = fopen(c->path, "rb")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", c->path);
	if ((out = fopen(tmp, "wb")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", tmp);
	if (c->o->encoding == ENC_UTF16)
		fputs("\xff\xfe", out);
	while ((ch = getc(in)) != EOF) {
		if (ch < 0x80)
			cp = (unsigned long)ch, more = 0;
		else if ((ch & 0xE0) == 0xC0)
			cp = (unsigned long)ch & 0x1F, more = 1;
		else if ((ch & 0xF0) == 0xE0)
			cp = (unsigned long)ch & 0x0F, more = 2;
		else if ((ch & 0xF8) == 0xF0)
			cp = (unsigned long)ch & 0x07, more = 3;
		else
			msg_fatal(MSI_EXIT_BADINPUT, "%s: not UTF-8", c->path);
		while (more-- > 0) {
			if ((ch = getc(in)) == EOF || (ch & 0xC0) != 0x80)
				msg_fatal(MSI_EXIT_BADINPUT, "%s: not UTF-8", c->path);
			cp = cp << 6 | ((unsigned long)ch & 0x3F);
		}
		if (!encode(out, c->o->encoding, cp))
			msg_fatal(MSI_EXIT_BADINPUT,
			    "%s: U+%04lX has no byte in the encoding asked", c->path, cp);
	}
	if (ferror(in))
		msg_sysfatal(MSI_EXIT_IO, "%s", c->path);
	fclose(in);
	if (fflush(out) != 0 || ferror(out) || fclose(out) != 0)
		msg_fatal(MSI_EXIT_IO, "%s: write error", tmp);
	if (rename(tmp, c->path) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", c->path);
}

static void
close_csv(struct csv *c)
{
	if (fflush(c->fp) != 0 || ferror(c->fp) || fclose(c->fp) != 0)
		msg_fatal(MSI_EXIT_IO, "%s: write error", c->name);
	if (c->o->encoding != ENC_UTF8)
		reencode(c);
}

static void
users(struct org *o)
{
	static const char *const header[] = {
	    "Id", "FirstName", "LastName", "Email", "Title", "IsActive", "CreatedDate", NULL};
	struct csv c;
	char id[SFID_LEN + 1], text[64];
	long i;

	open_csv(&c, o, "User.csv", header, NULL);
	for (i = 0; i < o->users; i++) {
		make_id(id, "005", 'U', i + 1);
		put(&c, id);
		put(&c, first_name(o, i));
		put(&c, last_name(o, i * 7));
		snprintf(text, sizeof text, "rep%ld@example.com", i + 1);
		put(&c, text);
		put(&c, "Account Executive");
		put_bool(&c, 1, i);
		put_created(&c, i);
		end_row(&c);
	}
	close_csv(&c);
}

static void
user_of(char id[SFID_LEN + 1], struct org *o, long n)
{
	make_id(id, "005", 'U', n % o->users + 1);
}

static void
accounts(struct org *o)
{
	static const char *const header[] = {"Id", "IsDeleted", "Name", "OwnerId", "ParentId",
	    "AnnualRevenue", "NumberOfEmployees", "Industry", "Website", "Phone",
	    "BillingStreet", "BillingCity", "BillingState", "BillingPostalCode",
	    "BillingCountry", "CreatedDate", NULL};
	struct csv c;
	char id[SFID_LEN + 1], owner[SFID_LEN + 1], text[128];
	unsigned long revenue, employees;
	long i;

	open_csv(&c, o, "Account.csv", header, NULL);
	for (i = 0; i < o->accounts; i++) {
		make_id(id, "001", 'A', i + 1);
		user_of(owner, o, i);
		/* drawn in the order the export has always had them */
		employees = 5 + next(o) % 5000;
		revenue = 100000 + next(o) % 90000000;
		put(&c, id);
		put_bool(&c, 0, i);
		snprintf(text, sizeof text, "%s %s, Ltd.", last_name(o, i), industries[i % 6]);
		put(&c, text);
		put(&c, ref(o, owner));
		put(&c, "000000000000000AAA");
		put_amount(&c, revenue);
		put_long(&c, (long)employees);
		put(&c, industries[i % 6]);
		snprintf(text, sizeof text, "https://www.a%ld.example.com", i + 1);
		put(&c, text);
		snprintf(text, sizeof text, "+1 415 555 %04ld", i % 10000);
		put(&c, text);
		snprintf(
		    text, sizeof text, "%ld Market Street\nSuite %ld", 100 + i, 1 + i % 40);
		put(&c, text);
		put(&c, "San Francisco");
		put(&c, "CA");
		put(&c, "94105");
		put(&c, "United States");
		put_created(&c, i);
		end_row(&c);
	}
	close_csv(&c);
}

static void
contacts(struct org *o)
{
	static const char *const header[] = {"Id", "IsDeleted", "AccountId", "LastName",
	    "FirstName", "Email", "Title", "Phone", "OwnerId", "Description", "LeadSource",
	    "CreatedDate", NULL};
	struct csv c;
	char id[SFID_LEN + 1], acct[SFID_LEN + 1], owner[SFID_LEN + 1], text[128];
	const char *owner_ref, *acct_ref;
	long i, a;

	open_csv(&c, o, "Contact.csv", header, NULL);
	for (i = 0; i < o->contacts; i++) {
		make_id(id, "003", 'C', i + 1);
		a = i % o->accounts;
		if (i == 6)
			make_id(acct, "001", 'A', o->accounts + 100); /* the orphan */
		else
			make_id(acct, "001", 'A', a + 1);
		user_of(owner, o, a);
		if (i == 2) { /* the bad row: a field short */
			put(&c, id);
			put_bool(&c, 0, i);
			put(&c, acct);
			put(&c, "Short");
			put(&c, "Row");
			put(&c, "short@example.com");
			end_row(&c);
			continue;
		}
		/* references taken in the order the export has always had them */
		owner_ref = ref(o, owner);
		acct_ref = ref(o, acct);
		put(&c, id);
		put_bool(&c, i == 4, i);
		put(&c, acct_ref);
		put(&c, last_name(o, i * 3));
		put(&c, first_name(o, i));
		snprintf(text, sizeof text, "c%ld@example.com", i + 1);
		put(&c, text);
		put(&c, i % 3 ? "Director" : "VP, Operations");
		snprintf(text, sizeof text, "+1 212 555 %04ld", i % 10000);
		put(&c, text);
		put(&c, owner_ref);
		if (o->typographic)
			snprintf(text, sizeof text,
			    "Met at the \u201cSummit\u201d, %ld \u2014 budget \u20ac%ld,000",
			    2020 + i % 6, 10 + i % 90);
		else
			snprintf(text, sizeof text, "Met at the \"Summit\", %ld", 2020 + i % 6);
		put_description(&c, text, i);
		put(&c, i % 2 ? "Web" : "Trade Show");
		put_created(&c, i);
		end_row(&c);
	}
	close_csv(&c);
}

static void
leads(struct org *o)
{
	static const char *const header[] = {"Id", "IsDeleted", "LastName", "FirstName",
	    "Company", "Email", "Title", "Phone", "Description", "OwnerId", "Status",
	    "IsConverted", "ConvertedAccountId", "ConvertedContactId", "CreatedDate",
	    "NumberOfEmployees", NULL};
	struct csv c;
	char id[SFID_LEN + 1], owner[SFID_LEN + 1], acct[SFID_LEN + 1], contact[SFID_LEN + 1];
	char text[128];
	const char *own;
	long i;
	int converted;

	open_csv(&c, o, "Lead.csv", header, o->descriptions ? NULL : "Description");
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
		put(&c, id);
		put_bool(&c, 0, i);
		put(&c, last_name(o, i * 5));
		put(&c, first_name(o, i + 3));
		snprintf(text, sizeof text, "%s Labs", last_name(o, i));
		put(&c, text);
		snprintf(text, sizeof text, "l%ld@example.com", i + 1);
		put(&c, text);
		put(&c, "Analyst");
		snprintf(text, sizeof text, "+44 20 7946 %04ld", i % 10000);
		put(&c, text);
		if (o->descriptions) {
			if (o->typographic)
				snprintf(text, sizeof text,
				    "Asked for a \u201cdemo\u201d \u2014 %ld seats, \u20ac%ld each",
				    5 + i % 50, 20 + i % 80);
			else
				snprintf(text, sizeof text, "Asked for a demo, %ld seats",
				    5 + i % 50);
			put_description(&c, text, i);
		}
		put(&c, own);
		put(&c, converted ? "Closed - Converted" : "Open - Not Contacted");
		put_bool(&c, converted, i);
		put(&c, acct);
		put(&c, contact);
		put_created(&c, i);
		put_long(&c, 10 + i % 500);
		end_row(&c);
	}
	close_csv(&c);
}

static void
opportunities(struct org *o)
{
	static const char *const header[] = {"Id", "IsDeleted", "AccountId", "Name",
	    "Description", "Amount", "CloseDate", "StageName", "Probability", "Type",
	    "IsClosed", "IsWon", "FiscalYear", "FiscalQuarter", "OwnerId", "CreatedDate", NULL};
	struct csv c;
	char id[SFID_LEN + 1], acct[SFID_LEN + 1], owner[SFID_LEN + 1], text[128];
	const char *acct_ref, *owner_ref;
	unsigned long amount;
	long i;

	open_csv(&c, o, "Opportunity.csv", header, o->descriptions ? NULL : "Description");
	for (i = 0; i < o->opportunities; i++) {
		make_id(id, "006", 'O', i + 1);
		if (i == 1)
			make_id(acct, "001", 'A', o->accounts + 200); /* the orphan */
		else
			make_id(acct, "001", 'A', i % o->accounts + 1);
		user_of(owner, o, i % o->accounts);
		/* drawn in the order the export has always had them */
		owner_ref = ref(o, owner);
		amount = 1000 + next(o) % 200000;
		acct_ref = ref(o, acct);
		put(&c, id);
		put_bool(&c, 0, i);
		put(&c, acct_ref);
		snprintf(text, sizeof text, "%s renewal %ld", industries[i % 6], i + 1);
		put(&c, text);
		if (o->descriptions) {
			if (o->typographic)
				snprintf(text, sizeof text,
				    "Renewal \u2014 \u201c%ld seats\u201d, \u20ac%lu",
				    5 + i % 50, amount);
			else
				snprintf(text, sizeof text, "Renewal of %ld seats, as quoted",
				    5 + i % 50);
			put_description(&c, text, i);
		}
		put_amount(&c, amount);
		put_date(&c, 2026, 1 + i % 12, 1 + i % 28);
		put(&c, "Negotiation");
		put(&c, "60");
		put(&c, "Existing Business");
		put_bool(&c, 0, i);
		put_bool(&c, 0, i);
		put(&c, "2026");
		put_long(&c, 1 + i % 4);
		put(&c, owner_ref);
		put_created(&c, i);
		end_row(&c);
	}
	close_csv(&c);
}

/* Two contact roles an opportunity, held by contacts of its account. */
static void
contact_roles(struct org *o)
{
	static const char *const header[] = {"Id", "IsDeleted", "OpportunityId", "ContactId",
	    "Role", "IsPrimary", "CreatedDate", NULL};
	struct csv c;
	char id[SFID_LEN + 1], opp[SFID_LEN + 1], contact[SFID_LEN + 1];
	const char *opp_ref, *contact_ref;
	long i, k, n = 0;

	open_csv(&c, o, "OpportunityContactRole.csv", header, NULL);
	for (i = 0; i < o->opportunities; i++) {
		for (k = 0; k < 2; k++) {
			long m = i % o->accounts + k * o->accounts; /* contacts of account i */
			if (m >= o->contacts)
				break;
			make_id(id, "00K", 'R', ++n);
			if (n == 3)
				make_id(
				    opp, "006", 'O', o->opportunities + 300); /* the orphan */
			else
				make_id(opp, "006", 'O', i + 1);
			make_id(contact, "003", 'C', m + 1);
			/* references taken in the order the export has always had them */
			contact_ref = ref(o, contact);
			opp_ref = ref(o, opp);
			put(&c, id);
			put_bool(&c, 0, n - 1);
			put(&c, opp_ref);
			put(&c, contact_ref);
			put(&c, o->empty_roles ? "" : roles[n % 5]);
			put_bool(&c, k == 0, n - 1);
			put_created(&c, n);
			end_row(&c);
		}
	}
	close_csv(&c);
}

static void
usage(FILE *fp, int status)
{
	fputs("usage: gen-org [-h] [--accents] [--empty-booleans] [--empty-roles]\n"
	      "               [--encoding name] [--excel] [--no-users] [--nul]\n"
	      "               [-p persons] [-s seed] dir\n",
	    fp);
	if (status == MSI_EXIT_OK)
		fputs(
		    "\n"
		    "A Weekly Data Export of a synthetic org in dir: every field quoted, LF\n"
		    "line ends, UTF-8, with fixed defects (ids of 15 characters, a short row,\n"
		    "a deleted Contact, references to records not in the export). A file of\n"
		    "n rows has each defect below in the same rows whatever the seed (rows\n"
		    "counted from 0). With -p P, User.csv has 3 + P/1000 rows, Account.csv\n"
		    "and Opportunity.csv 2 + P/10, Contact.csv P*6/10, Lead.csv the rest of\n"
		    "P, OpportunityContactRole.csv twice Opportunity.csv's.\n"
		    "  --accents         accented names (Müller, José, Françoise); a\n"
		    "                    Description in Lead.csv and Opportunity.csv; every\n"
		    "                    Description with a euro sign, curly quotes, an em dash\n"
		    "  --empty-booleans  IsActive, IsDeleted, IsConverted, IsClosed, IsWon and\n"
		    "                    IsPrimary empty in rows i % 10 == 9: n / 10 of each file\n"
		    "  --empty-roles     OpportunityContactRole.Role empty in every row\n"
		    "  --encoding name   every file in latin1, cp1252 or utf16 (UTF-16LE, a\n"
		    "                    byte order mark, CRLF) instead of utf8; names as\n"
		    "                    --accents; Descriptions as --accents but in latin1\n"
		    "  --excel           an Excel re-save: M/D/YY dates, M/D/YY h:mm AM/PM\n"
		    "                    datetimes, TRUE/FALSE, 1,500.00, quotes only where\n"
		    "                    needed, CRLF; every row\n"
		    "  --no-users        no User.csv: every owner is not in the export\n"
		    "  --nul             a NUL byte in the Description of rows i % 10 == 5 of\n"
		    "                    Contact.csv, Lead.csv and Opportunity.csv: (n + 4) / 10\n"
		    "                    of each; a Description in Lead.csv and Opportunity.csv\n",
		    fp);
	exit(status);
}

static int
parse_encoding(const char *s, enum encoding *e)
{
	static const char *const names[] = {"utf8", "latin1", "cp1252", "utf16"};
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*e = (enum encoding)i;
			return 0;
		}
	return -1;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"accents", no_argument, NULL, 'A'},
	    {"empty-booleans", no_argument, NULL, 'B'},
	    {"empty-roles", no_argument, NULL, 'R'},
	    {"encoding", required_argument, NULL, 'E'},
	    {"excel", no_argument, NULL, 'X'},
	    {"help", no_argument, NULL, 'h'},
	    {"no-users", no_argument, NULL, 'U'},
	    {"nul", no_argument, NULL, 'N'},
	    {NULL, 0, NULL, 0},
	};
	struct org o;
	long v;
	int ch;

	msg_init(argv[0]);
	memset(&o, 0, sizeof o);
	o.persons = 100;
	o.rng = 88172645463325252UL;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hp:s:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'A': o.accents = 1; break;
		case 'B': o.empty_booleans = 1; break;
		case 'E':
			if (parse_encoding(optarg, &o.encoding) != 0) {
				msg_warn(
				    "unknown encoding \"%s\": use utf8, latin1, cp1252 or utf16",
				    optarg);
				usage(stderr, MSI_EXIT_USAGE);
			}
			break;
		case 'N': o.nul = 1; break;
		case 'R': o.empty_roles = 1; break;
		case 'U': o.no_users = 1; break;
		case 'X': o.excel = 1; break;
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
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	if (optind != argc - 1)
		usage(stderr, MSI_EXIT_USAGE);
	o.dir = argv[optind];
	o.accents |= o.encoding != ENC_UTF8;
	o.typographic = o.accents && o.encoding != ENC_LATIN1;
	o.descriptions = o.accents || o.nul;
	if (mkdir(o.dir, 0777) != 0 && errno != EEXIST)
		msg_sysfatal(MSI_EXIT_IO, "%s", o.dir);
	o.users = 3 + o.persons / 1000;
	o.accounts = 2 + o.persons / 10;
	o.contacts = o.persons * 6 / 10;
	o.leads = o.persons - o.contacts;
	o.opportunities = o.accounts;
	if (!o.no_users)
		users(&o);
	accounts(&o);
	contacts(&o);
	leads(&o);
	opportunities(&o);
	contact_roles(&o);
	return MSI_EXIT_OK;
}
