/* msi-state.c: msi-sync's helper: its run.conf and state folder, read and written. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "finish.h"
#include "msg.h"
#include "numarg.h"
#include "state.h"

/* What the run does: one mode a run. */
enum mode {
	NONE,
	KEYS,
	NEW_RUN,
	WRITE_CONF,
	READ_CONF,
	CHECK,
	CLAIM,
	COPY,
	HOLD_REASON,
	RESUME_CHECK,
	COMMIT,
	OPTIONS,
	SYNC_USAGE,
	PRUNE
};

static void
usage(FILE *fp, int status)
{
	fputs(
	    "usage: msi-state [-hV] --keys\n"
	    "       msi-state [-hV] --new-run runs-dir\n"
	    "       msi-state [-hV] --write-conf run-dir [key=value ...]\n"
	    "       msi-state [-hV] --read-conf run-dir\n"
	    "       msi-state [-hV] --check state-dir\n"
	    "       msi-state [-hV] --claim | --copy | --hold-reason | --resume-check run-dir\n"
	    "       msi-state [-hV] --commit file target\n"
	    "       msi-state [-hV] --options -- [msi-sync-argument ...]\n"
	    "       msi-state [-hV] --sync-usage\n"
	    "       msi-state [-hV] --prune runs-dir keep [run-dir]\n",
	    fp);
	if (status == MSI_EXIT_OK)
		fputs(
		    "\n"
		    "  -h, --help               print this help and exit\n"
		    "  -V, --version            print the version and exit\n"
		    "      --keys               print run.conf's keys, one a line\n"
		    "      --new-run runs-dir   make a new run folder, named by the time, in runs-dir\n"
		    "      --write-conf run-dir  write run-dir/run.conf from the key=value settings\n"
		    "      --read-conf run-dir  print run-dir/run.conf's settings, checked\n"
		    "      --check state-dir    refuse a state folder others could forge\n"
		    "      --claim run-dir      make the run the state's generation\n"
		    "      --copy run-dir       copy what the state knew into the run folder\n"
		    "      --hold-reason run-dir  print why the run's deletes are held, if they are\n"
		    "      --resume-check run-dir  resume only while the state is as the run left it\n"
		    "      --commit file target  replace target by a copy of file, synced and renamed\n"
		    "      --options -- args    print msi-sync's arguments as key=value settings\n"
		    "      --sync-usage         print msi-sync's help, its -h\n"
		    "      --prune runs-dir keep [run-dir]  remove the run folders past the keep newest\n"
		    "\nSee msi-state(1).\n",
		    fp);
	usage_exit(status);
}

/* dir as an absolute path, without a trailing slash: a new string. */
static char *
absolute(const char *dir)
{
	char cwd[PATH_MAX], *p;
	size_t n;

	if (*dir == '/')
		p = estrdup(dir);
	else if (getcwd(cwd, sizeof cwd) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "cannot name the current folder");
	else {
		p = emalloc(strlen(cwd) + strlen(dir) + 2);
		sprintf(p, "%s/%s", cwd, dir);
	}
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	return p;
}

/* Whether a setting of c is set (a flag of run.conf: "1"). */
static int
flag(const struct conf *c, const char *key)
{
	return *conf_get(c, key) != '\0';
}

/* A mode on the state folder, for the run in folder run as its settings c say. */
static int
state_mode(enum mode mode, const struct conf *c, const char *run)
{
	struct staterun r = {run, conf_get(c, "state_dir"), flag(c, "from_sf"),
	    flag(c, "full_extract"), flag(c, "confirm_source"), flag(c, "dry_run")};

	if (*r.state_dir == '\0')
		r.state_dir = NULL;
	switch (mode) {
	case CLAIM: return state_claim(&r);
	case COPY: return state_copy(&r);
	case HOLD_REASON: return state_hold_reason(&r, stdout);
	case RESUME_CHECK: return state_resume_check(&r);
	default: return MSI_EXIT_USAGE;
	}
}

/* --prune runs-dir keep [run-dir]: the runs folder kept to its keep newest runs and run-dir. */
static int
prune_mode(int argc, char *argv[])
{
	char *runs, *current = NULL;
	long keep;
	int status;

	if (numarg(argv[1], 0, &keep) != 0) {
		msg_warn("--prune: bad keep \"%s\": a number from 0 (0: keep all)", argv[1]);
		usage(stderr, MSI_EXIT_USAGE);
	}
	runs = absolute(argv[0]);
	if (argc > 2)
		current = absolute(argv[2]);
	status = runs_prune(runs, (unsigned long)keep, current);
	free(current);
	free(runs);
	return status;
}

/* The mode's work on its operands (argv, argc of them, checked). Returns the status. */
static int
run(enum mode mode, int argc, char *argv[])
{
	struct conf c = {0};
	char *dir, *file;
	int status;

	if (mode == KEYS) {
		conf_keys(stdout);
		return MSI_EXIT_OK;
	}
	if (mode == SYNC_USAGE) {
		sync_help(stdout);
		return MSI_EXIT_OK;
	}
	if (mode == OPTIONS)
		return sync_options(argc, argv, stdout);
	if (mode == CHECK)
		return state_check(argv[0]);
	if (mode == COMMIT)
		return state_commit(argv[0], argv[1]);
	if (mode == PRUNE)
		return prune_mode(argc, argv);
	if (mode == NEW_RUN) {
		dir = absolute(argv[0]);
		status = run_make(dir);
		free(dir);
		return status;
	}
	dir = absolute(argv[0]);
	file = emalloc(strlen(dir) + sizeof "/run.conf");
	sprintf(file, "%s/run.conf", dir);
	if (mode == WRITE_CONF) {
		if ((status = conf_args(&c, argc - 1, argv + 1)) == 0)
			status = conf_write(&c, file);
	} else if ((status = conf_read(&c, file)) == 0)
		status = mode == READ_CONF ? conf_print(&c, stdout) : state_mode(mode, &c, dir);
	conf_free(&c);
	free(file);
	free(dir);
	return status;
}

/* The operands the mode takes: a folder (and settings to write), or none. */
static void
check_operands(enum mode mode, int modes, int operands)
{
	if (modes != 1) {
		msg_warn(
		    modes == 0 ? "what to do? one of the modes below" : "one mode at a time");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if ((mode == KEYS || mode == SYNC_USAGE) && operands > 0) {
		msg_warn("%s takes no operand", mode == KEYS ? "--keys" : "--sync-usage");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (mode == OPTIONS || mode == KEYS || mode == SYNC_USAGE)
		return; /* --options: msi-sync's arguments, checked as its options */
	if (mode == COMMIT && operands != 2) {
		msg_warn("--commit takes a file and its target");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (mode == PRUNE && (operands < 2 || operands > 3)) {
		msg_warn(
		    "--prune takes the runs folder, how many runs to keep, and the run that ended");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (operands == 0) {
		msg_warn(mode == CHECK     ? "which state folder?"
		         : mode == NEW_RUN ? "which runs folder?"
		                           : "which run folder?");
		usage(stderr, MSI_EXIT_USAGE);
	}
	if (mode != WRITE_CONF && mode != COMMIT && mode != PRUNE && operands > 1) {
		msg_warn("one folder, not %d", operands);
		usage(stderr, MSI_EXIT_USAGE);
	}
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"check", no_argument, NULL, CHECK},
	    {"claim", no_argument, NULL, CLAIM},
	    {"commit", no_argument, NULL, COMMIT},
	    {"copy", no_argument, NULL, COPY},
	    {"help", no_argument, NULL, 'h'},
	    {"hold-reason", no_argument, NULL, HOLD_REASON},
	    {"keys", no_argument, NULL, KEYS},
	    {"new-run", no_argument, NULL, NEW_RUN},
	    {"options", no_argument, NULL, OPTIONS},
	    {"prune", no_argument, NULL, PRUNE},
	    {"read-conf", no_argument, NULL, READ_CONF},
	    {"resume-check", no_argument, NULL, RESUME_CHECK},
	    {"sync-usage", no_argument, NULL, SYNC_USAGE},
	    {"version", no_argument, NULL, 'V'},
	    {"write-conf", no_argument, NULL, WRITE_CONF},
	    {NULL, 0, NULL, 0},
	};
	struct finish fin = {0};
	enum mode mode = NONE;
	int ch, modes = 0, status;

	/* it speaks for msi-sync, which runs it: its messages are msi-sync's */
	msg_init("msi-sync");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h': usage(stdout, MSI_EXIT_OK); break;
		case 'V': printf("msi-state %s\n", MSI_VERSION); return MSI_EXIT_OK;
		case KEYS:
		case NEW_RUN:
		case COMMIT:
		case WRITE_CONF:
		case READ_CONF:
		case CHECK:
		case CLAIM:
		case COPY:
		case HOLD_REASON:
		case RESUME_CHECK:
		case OPTIONS:
		case PRUNE:
		case SYNC_USAGE: mode = (enum mode)ch, modes++; break;
		default: msg_badopt(ch, argv); usage(stderr, MSI_EXIT_USAGE);
		}
	}
	check_operands(mode, modes, argc - optind);

	status = run(mode, argc - optind, argv + optind);
	return finish_run(&fin, status);
}
