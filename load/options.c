/* options.c: msi-load's options: their defaults, their parsing, and the checks between them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deletes.h"
#include "exitcode.h"
#include "fshut.h"
#include "msg.h"
#include "progress.h"
#include "options.h"

static void
usage(FILE *fp, int status)
{
	fputs("usage: msi-load [-hV] [--dry-run] [--fail-fast] [--no-unlink] [--progress]\n"
	      "                [--no-progress] [--progress-fd fd]\n"
	      "                [-a action] [-c concurrency] [-C config] [-l lookup-field]\n"
	      "                [-m max-retries] [-n calls-per-window] [--own-window]\n"
	      "                [-r rejects] [--results file] [--retry results [--merge]]\n"
	      "                [-s state] [--stats-json file] [-t timeout] [-w window]\n"
	      "                [--window-dir dir]\n"
	      "                [--changed-only landed [--delete-missing | --delete-listed]\n"
	      "                 [--delete-leads] [--deletes file] [--hold-deletes reason]\n"
	      "                 [--keep file] [--max-delete percent]]\n"
	      "                object [file ...]\n"
	      "       msi-load --check [-C config] [-l lookup-field] [object ...]\n",
	    fp);
	if (status == MSI_EXIT_OK)
		fputs(
		    "\n"
		    "  -a, --action action      createOrUpdate (default), createOnly or updateOnly\n"
		    "  -c, --concurrency n      calls in flight at once, this machine's (default 8)\n"
		    "  -C, --config config      read the connection settings from config\n"
		    "      --changed-only landed  send only what differs from what landed\n"
		    "      --delete-leads       delete the leads gone, rather than list them\n"
		    "      --delete-listed      the input is what changed: delete the deleted ones\n"
		    "      --delete-missing     the input is whole: delete what it lacks\n"
		    "      --deletes file       write a line for each record gone\n"
		    "      --check              a token and each object's describe, a line each; no record\n"
		    "      --dry-run            no network: write the calls' bodies instead\n"
		    "      --fail-fast          stop after the first batch that fails\n"
		    "  -h, --help               print this help and exit\n"
		    "      --hold-deletes reason  make no delete this run; list them as held\n"
		    "      --keep file          records set aside this run: not deleted (rejects)\n"
		    "  -l, --lookup-field field  for leads: the field Marketo finds them by (email)\n"
		    "  -m, --max-retries n      times a failed call is sent again (default 5)\n"
		    "      --max-delete percent  refuse the deletes over this share (default 10)\n"
		    "      --merge              with --retry: the new result lines replace the old\n"
		    "  -n, --calls-per-window n  calls started a window, this machine's (default 80)\n"
		    "      --no-unlink          skip a record refused for its sales person (718)\n"
		    "      --own-window         a window for this process alone (tests)\n" PROGRESS_HELP
		    "  -r, --rejects rejects    write skipped and failed records there\n"
		    "      --results file       write the result lines to file, not standard output\n"
		    "      --retry results      send again what failed for the service in results\n"
		    "  -s, --state state        keep a checkpoint in state: a rerun resumes\n"
		    "      --stats-json file    write the counts to file as JSON at the end\n"
		    "  -t, --timeout seconds    seconds a call may take (default 60)\n"
		    "  -V, --version            print the version and exit\n"
		    "  -w, --window seconds     the window, in seconds (default 20)\n"
		    "      --window-dir dir     the folder of the shared window files\n"
		    "  object                   salespersons, companies, leads, opportunities, roles\n"
		    "\nSee msi-load(1).\n",
		    fp);
	usage_exit(status);
}

/* The defaults, in one place. */
static void
defaults(struct options *o)
{
	memset(o, 0, sizeof *o);
	mkopts_init(&o->mk);
	o->action = "createOrUpdate";
	o->lookup = "email";
	o->unlink = 1;
	o->max_delete = 10;
}

/* One option of msi-load's own (not the Marketo ones); a bad one ends the run with usage. */
static void
option(struct options *o, int ch, char *argv[])
{
	char *end;

	switch (ch) {
	case 'a':
		if (strcmp(optarg, "createOrUpdate") != 0 &&
		    strcmp(optarg, "createOnly") != 0 && strcmp(optarg, "updateOnly") != 0) {
			msg_warn("--action takes createOrUpdate, createOnly or updateOnly");
			usage(stderr, MSI_EXIT_USAGE);
		}
		o->action = optarg;
		break;
	case 'D': o->dry = 1; break;
	case 'Q': o->check = 1; break;
	case 'E': o->delete_leads = 1; break;
	case 'G': o->deletes = optarg; break;
	case 'K': o->landed = optarg; break;
	case 'I':
	case 'M':
		if (o->delete_mode != 0) {
			msg_warn("one of --delete-missing and --delete-listed");
			usage(stderr, MSI_EXIT_USAGE);
		}
		o->delete_mode = ch == 'M' ? DELETE_MISSING : DELETE_LISTED;
		break;
	case 'P':
		if (o->nkeep == MAX_KEEP) {
			msg_warn("--keep: at most 16 files");
			usage(stderr, MSI_EXIT_USAGE);
		}
		o->keep[o->nkeep++] = optarg;
		break;
	case 'X':
		o->max_delete = strtod(optarg, &end);
		if (*optarg == '\0' || *end != '\0' || !(o->max_delete >= 0) ||
		    o->max_delete > 100) {
			msg_warn(
			    "--max-delete takes a percent from 0 to 100, not \"%s\"", optarg);
			usage(stderr, MSI_EXIT_USAGE);
		}
		break;
	case 'F': o->fail_fast = 1; break;
	case 'h': usage(stdout, MSI_EXIT_OK); break;
	case 'H': o->hold = optarg; break;
	case 'l': o->lookup = optarg; break;
	case 'J': o->merge = 1; break;
	case 'O': o->results = optarg; break;
	case 'r': o->rejects = optarg; break;
	case 'R': o->retry = optarg; break;
	case 's': o->state = optarg; break;
	case 'S': o->stats = optarg; break;
	case 'U': o->unlink = 0; break;
	case 'V': printf("msi-load %s\n", MSI_VERSION); exit(MSI_EXIT_OK);
	default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
	}
}

/* --check's operands: the objects to describe; none: every one. */
static void
check_operands(struct options *o, int argc, char *argv[])
{
	const struct mkto_def *d;
	int i;

	for (i = 0; i < argc; i++) {
		if ((d = mkto_by_name(argv[i])) == NULL) {
			msg_warn(
			    "--check: unknown object \"%s\": salespersons, companies, leads, "
			    "opportunities or roles",
			    argv[i]);
			usage(stderr, MSI_EXIT_USAGE);
		}
		o->check_objs[d - mkto_objects] = 1;
	}
	for (i = 0; argc == 0 && i < MKTO_OBJECTS; i++)
		o->check_objs[i] = 1;
}

/* The operands: the object, then the files (none: standard input). */
static void
operands(struct options *o, int argc, char *argv[])
{
	static char *stdin_only[] = {"-", NULL};

	if (o->check && !o->dry) {
		check_operands(o, argc, argv);
		return;
	}
	if (argc < 1) {
		msg_warn(
		    "which object: salespersons, companies, leads, opportunities or roles?");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if ((o->obj = mkto_by_name(argv[0])) == NULL) {
		msg_warn(
		    "unknown object \"%s\": salespersons, companies, leads, opportunities or "
		    "roles",
		    argv[0]);
		usage(stderr, MSI_EXIT_USAGE);
	}
	/* sales persons are what 718 is about; roles name none */
	if (o->obj == &mkto_objects[MKTO_SALESPERSON] || o->obj == &mkto_objects[MKTO_ROLE])
		o->unlink = 0;
	o->files = argc > 1 ? argv + 1 : stdin_only;
}

/* The options that go only with others, or not with others. */
static void
cross_check(const struct options *o)
{
	if (o->landed == NULL && (o->delete_mode || o->delete_leads || o->deletes != NULL ||
	                             o->nkeep > 0 || o->hold != NULL)) {
		msg_warn(
		    "--delete-missing, --delete-listed, --delete-leads, --deletes, --hold-deletes "
		    "and --keep go with --changed-only, whose state says what is in Marketo");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (o->delete_leads && o->obj == &mkto_objects[MKTO_LEAD] &&
	    strcmp(o->lookup, "externalPersonId") != 0) {
		/* by email, a Lead and its Contact can be one Marketo lead: deleting it for one
		 */
		/* would delete the other's */
		msg_warn(
		    "--delete-leads needs -l externalPersonId: by %s, Salesforce persons may "
		    "share one Marketo lead",
		    o->lookup);
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (o->delete_mode && o->retry != NULL) {
		msg_warn(
		    "--delete-missing and --delete-listed need the whole input, not a --retry "
		    "of some of it");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (o->merge && (o->retry == NULL || o->results != NULL || o->dry)) {
		msg_warn(
		    "--merge puts a --retry's result lines in its results file: it goes with "
		    "--retry, not with --results or --dry-run");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (o->results != NULL && o->dry) {
		msg_warn(
		    "--results is where result lines go: a dry run writes calls, not results");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (o->check && !o->dry &&
	    (o->landed != NULL || o->retry != NULL || o->results != NULL || o->state != NULL ||
	        o->rejects != NULL || o->stats != NULL)) {
		msg_warn("--check reads no records and writes no file: it takes -C, -l and the "
		         "objects to describe (or --dry-run, whose deletes it names)");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (o->landed != NULL && o->state != NULL && strcmp(o->landed, o->state) == 0) {
		msg_warn(
		    "--changed-only and --state are two files: the same name is given to both");
		usage(stderr, MSI_EXIT_USAGE);
	}
}

/*
 * Parses the command line into o, defaults first; a bad option, operand
 * or pairing ends the run with the usage (status 2), -h and -V with 0.
 */
void
options_parse(struct options *o, int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"action", required_argument, NULL, 'a'},
	    {"changed-only", required_argument, NULL, 'K'},
	    {"delete-leads", no_argument, NULL, 'E'},
	    {"delete-listed", no_argument, NULL, 'I'},
	    {"delete-missing", no_argument, NULL, 'M'},
	    {"deletes", required_argument, NULL, 'G'},
	    {"check", no_argument, NULL, 'Q'},
	    {"dry-run", no_argument, NULL, 'D'},
	    {"keep", required_argument, NULL, 'P'},
	    {"max-delete", required_argument, NULL, 'X'},
	    {"merge", no_argument, NULL, 'J'},
	    {"fail-fast", no_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {"hold-deletes", required_argument, NULL, 'H'},
	    {"lookup-field", required_argument, NULL, 'l'},
	    {"no-unlink", no_argument, NULL, 'U'},
	    {"rejects", required_argument, NULL, 'r'},
	    {"results", required_argument, NULL, 'O'},
	    {"retry", required_argument, NULL, 'R'},
	    {"state", required_argument, NULL, 's'},
	    {"stats-json", required_argument, NULL, 'S'},
	    {"version", no_argument, NULL, 'V'},
	    MKOPTS_LONG,
	    {NULL, 0, NULL, 0},
	};
	int ch;

	defaults(o);
	opterr = 0;
	while (
	    (ch = getopt_long(argc, argv, ":a:hl:r:s:V" MKOPTS_SHORT, longopts, NULL)) != -1) {
		if (!mkopts_parse(&o->mk, ch, optarg, usage))
			option(o, ch, argv);
	}
	operands(o, argc - optind, argv + optind);
	cross_check(o);
}
