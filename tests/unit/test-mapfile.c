/* test-mapfile.c: the map files' reader, both grammars on it, and the key of a Marketo record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "exitcode.h"
#include "mapfile.h"
#include "mapping.h"
#include "msg.h"
#include "msifields.h"
#include "objects.h"
#include "unit.h"

static char path[] = "/tmp/test-mapfile.XXXXXX";
static char err[1024]; /* what the last call wrote on stderr */

/* Writes text to the map file. */
static void
map_file(const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

/* Runs load(ctx, path) with stderr caught in err; returns its status. */
static int
caught(int (*load)(void *, const char *), void *ctx)
{
	char tmp[] = "/tmp/test-mapfile-err.XXXXXX";
	int fd = mkstemp(tmp), saved = dup(2), status;
	ssize_t n;

	unlink(tmp);
	fflush(stderr);
	dup2(fd, 2);
	status = load(ctx, path);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, err, sizeof err - 1, 0);
	close(fd);
	err[n > 0 ? n : 0] = '\0';
	return status;
}

static int
load_mapping(void *ctx, const char *p)
{
	return mapping_load(ctx, p);
}

static int
load_fields(void *ctx, const char *p)
{
	return fields_load(ctx, p);
}

/* The words of each line, "|" between words and "\n" after a line, and the status. */
static int
read_words(void *ctx, const char *p)
{
	struct mapfile mf;
	char *w[3], *out = ctx;
	int n, i;

	*out = '\0';
	if (mapfile_open(&mf, p) != 0)
		return mf.status;
	while ((n = mapfile_next(&mf, w, 3)) != 0) {
		if (n < 0) {
			mapfile_error(&mf, "more than %d words", 3);
			continue;
		}
		sprintf(out + strlen(out), "%lu:", mf.line);
		for (i = 0; i < n; i++)
			sprintf(out + strlen(out), "%s%s", i ? "|" : "", w[i]);
		strcat(out, "\n");
	}
	return mapfile_close(&mf);
}

static void
reader(void)
{
	char words[512], want[600];

	map_file(
	    "# a comment\n\n  a b\t c # and a comment\n=\"Web Form\" \"say \"\"hi\"\"\"\n");
	CHECK("words status", caught(read_words, words) == 0);
	CHECK_STR("words", words, "3:a|b|c\n4:=Web Form|say \"hi\"\n");
	CHECK_STR("words quiet", err, "");

	map_file("a b\nc \"d\n");
	CHECK("open quote status", caught(read_words, words) == MSI_EXIT_USAGE);
	snprintf(want, sizeof want, "test: %s:2: a quote is not closed\n", path);
	CHECK_STR("open quote message", err, want);
	CHECK_STR("open quote: the lines before", words, "1:a|b\n");

	map_file("a b c d\ne f\n");
	CHECK("too many status", caught(read_words, words) == MSI_EXIT_USAGE);
	snprintf(want, sizeof want, "test: %s:1: more than 3 words\n", path);
	CHECK_STR("too many: the reader stops", err, want);
	CHECK_STR("too many: no line after", words, "");
}

static void
grammars(void)
{
	struct mapping m;
	struct fields fs = {0};
	char want[600];

	mapping_defaults(&m);
	map_file("Lead LeadSource - \nLead =Web leadSource string required # a constant\n");
	CHECK("mapping status", caught(load_mapping, &m) == 0);
	CHECK_STR("mapping quiet", err, "");
	map_file("Lead Id\n");
	CHECK("mapping short status", caught(load_mapping, &m) == MSI_EXIT_USAGE);
	snprintf(want, sizeof want,
	    "test: %s:1: expected OBJECT SOURCE TARGET [TYPE [required]]\n", path);
	CHECK_STR("mapping short message", err, want);
	map_file("Lead a b c d e f g\n");
	CHECK("mapping long status", caught(load_mapping, &m) == MSI_EXIT_USAGE);
	CHECK_STR("mapping long message", err, want);
	mapping_free(&m);

	fields_defaults(&fs);
	map_file("Priority__c -\nScore__c relativeScore,relativeScoring number\n");
	CHECK("fields status", caught(load_fields, &fs) == 0);
	CHECK("fields rules",
	    fs.n == 7 && fields_has(&fs, "score__c") && !fields_has(&fs, "Priority__c"));
	map_file("\n\nA b c d\n");
	CHECK("fields long status", caught(load_fields, &fs) == MSI_EXIT_USAGE);
	snprintf(want, sizeof want,
	    "test: %s:3: expected SALESFORCE_FIELD MARKETO_FIELD[,ALT...] [TYPE]\n", path);
	CHECK_STR("fields long message", err, want);
	map_file("A \"b\n");
	CHECK("fields quote status", caught(load_fields, &fs) == MSI_EXIT_USAGE);
	snprintf(want, sizeof want, "test: %s:1: a quote is not closed\n", path);
	CHECK_STR("fields quote message", err, want);
	fields_free(&fs);
}

/* mkto_record_key of the JSON text rec, dumped. */
static const char *
key(enum mkto_object o, const char *rec, const char *lookup)
{
	static char out[256];
	json_t *r = json_loads(rec, 0, NULL), *k = mkto_record_key(o, r, lookup);
	char *s = json_dumps(k, JSON_ENCODE_ANY);

	snprintf(out, sizeof out, "%s", s);
	free(s);
	json_decref(k);
	json_decref(r);
	return out;
}

static int
whole(enum mkto_object o, const char *rec)
{
	json_t *r = json_loads(rec, 0, NULL);
	int w = mkto_record_key_whole(o, r);

	json_decref(r);
	return w;
}

static void
record_key(void)
{
	CHECK_STR(
	    "company", key(MKTO_COMPANY, "{\"externalCompanyId\":\"001A\"}", NULL), "\"001A\"");
	CHECK_STR("company none", key(MKTO_COMPANY, "{}", NULL), "null");
	CHECK_STR("opportunity as it is",
	    key(MKTO_OPPORTUNITY, "{\"externalOpportunityId\":7}", NULL), "7");
	CHECK_STR("lead",
	    key(MKTO_LEAD, "{\"externalPersonId\":\"00QA\",\"email\":\"a@b\"}", "email"),
	    "\"00QA\"");
	CHECK_STR("lead by lookup", key(MKTO_LEAD, "{\"email\":\"a@b\"}", "email"), "\"a@b\"");
	CHECK_STR("lead no lookup", key(MKTO_LEAD, "{\"email\":\"a@b\"}", NULL), "null");
	CHECK_STR("role",
	    key(MKTO_ROLE,
	        "{\"externalOpportunityId\":\"006A\",\"externalPersonId\":\"003B\",\"role\":\"Other\"}",
	        NULL),
	    "\"006A/003B/Other\"");
	CHECK_STR("role lead id, no name",
	    key(MKTO_ROLE, "{\"externalOpportunityId\":\"006A\",\"externalPersonId\":12}",
	        NULL),
	    "\"006A/12/\"");
	CHECK("whole role",
	    whole(MKTO_ROLE,
	        "{\"externalOpportunityId\":\"006A\",\"externalPersonId\":\"003B\"}"));
	CHECK("role without person", !whole(MKTO_ROLE, "{\"externalOpportunityId\":\"006A\"}"));
	CHECK("empty id", !whole(MKTO_SALESPERSON, "{\"externalSalesPersonId\":\"\"}"));
}

int
main(void)
{
	int fd = mkstemp(path);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	close(fd);
	msg_init("test");
	reader();
	grammars();
	record_key();
	unlink(path);
	return unit_failed;
}
