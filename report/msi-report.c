/* msi-report.c: the summary of a run folder of msi-sync: what each stage did, what became of
 * each row read. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ealloc.h"
#include "exitcode.h"
#include "finish.h"
#include "fshut.h"
#include "msg.h"
#include "ndjson.h"
#include "report.h"

/* What the run asks: the summary, or one of the lists msi-sync needs. */
enum mode { SUMMARY, NOTES, PERSONS, REFERENCES, SET_ASIDES, UNAPPLIED, UNDONE };

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-report [-hV] [--new-set-asides]\n"
	      "                  [--notes object | --persons | --references |\n"
	      "                  --set-asides | --unapplied | --undone object] run-dir\n",
	    fp);
	if (status == MSI_EXIT_OK)
		fputs(
		    "\n"
		    "  -h, --help               print this help and exit\n"
		    "      --notes object       how the object's export files were read\n"
		    "      --new-set-asides     status 1 only for set-asides the previous run had not\n"
		    "      --persons            the result lines of the persons Marketo took\n"
		    "      --set-asides         the keys of what was set aside, sorted, a line each\n"
		    "      --references         the objects naming records not in the export\n"
		    "      --unapplied          the Ids of the updates not applied\n"
		    "      --undone object      what keeps the object's load from being whole\n"
		    "  -V, --version            print the version and exit\n"
		    "  run-dir                  the run folder (msi-sync(1)); the summary by default\n"
		    "\nSee msi-report(1).\n",
		    fp);
	usage_exit(status);
}

/* The files of set-aside records, each with its count of lines. */
static void
print_set_aside(struct run *r)
{
	static const char *const patterns[] = {
	    "*rejects.ndjson", "writeback.missing.ndjson", "*.deletes.ndjson"};
	const char *f;
	size_t k, i;

	printf("set aside, with reasons:\n");
	for (k = 0; k < sizeof patterns / sizeof patterns[0]; k++)
		for (i = 0; (f = run_next(r, &i, patterns[k])) != NULL;)
			if (run_size(r, f) > 0)
				printf("  %s/%s (%lu)\n", r->dir, f, run_lines(r, f));
}

/*
 * The summary: the table of what each stage did, object by object; what
 * the deletes, the writeback, the apply and the verify did; what became of
 * the rows read; where the set-aside records are. Returns 0, 1 when
 * anything was set aside (only_new: anything the previous run did not set
 * aside), 5 when records failed for the service and can be sent again
 * (--resume).
 */
static int
summary(struct run *r, int only_new)
{
	struct verdict v = {0, 0};

	table_print(r, &v);
	apply_print(r, &v);
	verify_print(r, &v);
	retryable_print(r, &v);
	if (!r->dry_run)
		fates_print(r);
	print_set_aside(r);
	if (only_new && v.failed && !new_set_asides_print(r))
		v.failed = 0; /* all set aside by the previous run too */
	printf("run folder: %s\n", r->dir);
	if (v.retryable > 0)
		return MSI_EXIT_SERVICE;
	return v.failed ? MSI_EXIT_REJECTS : MSI_EXIT_OK;
}

/* A result line of a person's object: written when Marketo took the person. */
static int
landed_person(void *ctx, json_t *res, unsigned long line)
{
	const char *st = json_string_value(json_object_get(res, "status"));

	(void)ctx, (void)line;
	if (st != NULL && (strcmp(st, "created") == 0 || strcmp(st, "updated") == 0) &&
	    ndjson_write(stdout, res) != 0)
		return fwrite_failed(stdout, "stdout");
	return 0;
}

/* The persons that landed, as msi-writeback reads them: Lead's result lines, then Contact's. */
static int
persons(struct run *r)
{
	char *name;
	int i;

	for (i = 0; i < SF_OBJECTS; i++) {
		if (sf_objects[i].mkto != MKTO_LEAD)
			continue;
		name = easprintf("%s.results.ndjson", sf_objects[i].name);
		run_each(r, name, landed_person, NULL);
		free(name);
	}
	return MSI_EXIT_OK;
}

static int
list_unapplied(struct run *r)
{
	json_t *ids = unapplied(r), *id;
	size_t i;

	json_array_foreach (ids, i, id)
		printf("%s\n", json_string_value(id));
	json_decref(ids);
	return MSI_EXIT_OK;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"new-set-asides", no_argument, NULL, 'W'},
	    {"notes", required_argument, NULL, 'N'},
	    {"persons", no_argument, NULL, 'P'},
	    {"references", no_argument, NULL, 'R'},
	    {"set-asides", no_argument, NULL, 'A'},
	    {"unapplied", no_argument, NULL, 'U'},
	    {"undone", required_argument, NULL, 'D'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct finish fin = {0};
	enum mode mode = SUMMARY;
	struct run r;
	const char *object = NULL;
	int ch, status, modes = 0, only_new = 0;

	msg_init(argv[0]);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'N': mode = NOTES, object = optarg, modes++; break;
		case 'P': mode = PERSONS, modes++; break;
		case 'R': mode = REFERENCES, modes++; break;
		case 'A': mode = SET_ASIDES, modes++; break;
		case 'W': only_new = 1; break;
		case 'U': mode = UNAPPLIED, modes++; break;
		case 'D': mode = UNDONE, object = optarg, modes++; break;
		case 'V': printf("msi-report %s\n", MSI_VERSION); return MSI_EXIT_OK;
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	if (modes > 1) {
		msg_warn("--notes, --persons, --references, --set-asides, --unapplied and "
		         "--undone: one at a time");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (only_new && mode != SUMMARY) {
		msg_warn("--new-set-asides is the summary's: not with a list");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (object != NULL && sf_by_name(object) == NULL) {
		msg_warn("\"%s\" is not an object msi-sync extracts", object);
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (argc - optind != 1) {
		if (argc == optind)
			msg_warn("which run folder?");
		else
			msg_warn("one run folder, not %d", argc - optind);
		usage(stderr, MSI_EXIT_USAGE);
	}

	run_open(&r, argv[optind]);
	if (mode == NOTES)
		notes_print(&r, object);
	else if (mode == REFERENCES)
		references_print(&r);
	else if (mode == UNDONE)
		undone_print(&r, object);
	else if (mode == SET_ASIDES)
		set_asides_print(&r);
	if (mode == PERSONS)
		status = persons(&r);
	else if (mode == UNAPPLIED)
		status = list_unapplied(&r);
	else if (mode == SUMMARY)
		status = summary(&r, only_new);
	else
		status = MSI_EXIT_OK;
	if (r.status != 0) /* a file damaged or unreadable: what was printed is not all */
		status = r.status;
	run_close(&r);
	return finish_run(&fin, status);
}
