/* gen-leads.c: a synthetic Salesforce Lead export for the benchmarks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfid.h"

/*
 * usage: gen-leads rows
 * Writes a Data Loader style Lead.csv to stdout: 33 columns, every field
 * quoted, CRLF line ends, a multi-line Description on every 7th row,
 * doubled quotes, non-ASCII names. The same rows every time.
 */
static const char *first[] = {"Zoë", "José", "Ana", "Björn", "Chloé", "Jürgen", "Małgorzata",
    "Søren", "Renée", "Ödön", "Mary", "John", "Wei", "Aiko"};
static const char *last[] = {"Müller", "García", "O'Brien", "Nguyễn", "Łukasik", "Smith",
    "Dvořák", "Johansson", "François", "Kowalski", "Brown"};
static const char *city[] = {
    "München", "São Paulo", "Zürich", "Kraków", "New York", "Malmö", "Paris", "Tokyo"};
static const char *source[] = {
    "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"};
static const char *industry[] = {
    "Banking", "Retail", "Technology", "Healthcare", "Manufacturing", "Education"};

static unsigned long state = 88172645463325252UL;

static unsigned long
next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

#define PICK(a) (a[next() % (sizeof a / sizeof a[0])])

static void
id(char out[19], const char *prefix, unsigned long n)
{
	static const char alnum[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	int i;

	memcpy(out, prefix, 3);
	out[3] = '5';
	out[4] = 'e';
	out[5] = '0';
	for (i = 14; i >= 6; i--) {
		out[i] = alnum[n % 62];
		n /= 62;
	}
	sfid_suffix(out, out + 15);
	out[18] = '\0';
}

int
main(int argc, char *argv[])
{
	unsigned long rows, r;
	char lead[19], owner[19];
	const char *f, *l, *c;

	if (argc != 2 || (rows = strtoul(argv[1], NULL, 10)) == 0) {
		fputs("usage: gen-leads rows\n", stderr);
		return 2;
	}
	fputs("\"Id\",\"IsDeleted\",\"MasterRecordId\",\"LastName\",\"FirstName\","
	      "\"Salutation\",\"Name\",\"Title\",\"Company\",\"Street\",\"City\","
	      "\"State\",\"PostalCode\",\"Country\",\"Phone\",\"MobilePhone\","
	      "\"Email\",\"Website\",\"Description\",\"LeadSource\",\"Status\","
	      "\"Industry\",\"Rating\",\"AnnualRevenue\",\"NumberOfEmployees\","
	      "\"OwnerId\",\"IsConverted\",\"ConvertedDate\",\"ConvertedAccountId\","
	      "\"ConvertedContactId\",\"CreatedDate\",\"LastModifiedDate\","
	      "\"SystemModstamp\"\r\n",
	    stdout);
	for (r = 1; r <= rows; r++) {
		id(lead, "00Q", r);
		id(owner, "005", 1 + next() % 50);
		f = PICK(first);
		l = PICK(last);
		c = PICK(city);
		printf("\"%s\",\"false\",\"\",\"%s\",\"%s\",\"\",\"%s %s\","
		       "\"Director of \"\"Operations\"\"\",\"%s Holdings %lu\","
		       "\"%lu Main Street\",\"%s\",\"\",\"%05lu\",\"Germany\","
		       "\"+49 89 %07lu\",\"\",\"lead%lu@example.com\","
		       "\"https://example.com/%lu\",",
		    lead, l, f, f, l, l, r % 997, next() % 2000, c, next() % 100000,
		    next() % 10000000, r, r % 5000);
		if (r % 7 == 0)
			printf("\"Met at the %s fair.\r\nWants a demo, \"\"soon\"\".\r\n"
			       "Budget: €%lu\",",
			    c, next() % 100000);
		else
			printf("\"Asked about pricing for %lu seats\",", next() % 500);
		printf("\"%s\",\"Open - Not Contacted\",\"%s\",\"Warm\",\"%lu.00\","
		       "\"%lu\",\"%s\",\"false\",\"\",\"\",\"\","
		       "\"2024-01-02T03:04:05.000Z\",\"2024-03-%02luT10:11:12.000Z\","
		       "\"2024-03-%02luT10:11:12.000Z\"\r\n",
		    PICK(source), PICK(industry), next() % 10000000, next() % 5000, owner,
		    1 + r % 28, 1 + r % 28);
	}
	return ferror(stdout) || fclose(stdout) ? 1 : 0;
}
