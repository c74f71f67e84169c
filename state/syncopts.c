/* syncopts.c: msi-sync's command line: its usage, its options read in order and checked. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ealloc.h"
#include "exitcode.h"
#include "msg.h"
#include "state.h"

/* What an option takes, and how its value is checked (as msi-sync checked it). */
enum kind {
	FLAG,    /* no value: sets its setting to arg */
	VALUE,   /* a value, not empty */
	NUMBER,  /* a number from 1 */
	COUNT,   /* a number from 0 */
	SECONDS, /* a number of seconds from 0 */
	PERCENT, /* a percent from 0 to 100 */
	CHOICE,  /* one of the words of arg */
};

/*
 * msi-sync's options, each the setting it sets (msi-sync's variable); those
 * of the pace (1) may be given with --resume, for that run only; those of
 * 2 with --resume too, not being the run's settings (run.conf's). Read as
 * getopt_long reads a C tool's (a value attached or not, options after the
 * operand, "--" their end), but not by it: its messages are its own, and
 * each option's value is checked as msi-sync's users have had it checked
 * since it was a bash loop.
 */
static const struct syncopt {
	const char *name, *alias;
	const char *var;
	enum kind kind;
	const char *arg;
	int pace; /* 1: a pace, may be given with --resume; 2: not a pace, but may be too */
} syncopts[] = {
    {"--apply", NULL, "apply", FLAG, "1", 0},
    {"--check", NULL, "check", FLAG, "1", 0},
    {"--confirm-source", NULL, "confirm_source", FLAG, "1", 0},
    {"--csv", NULL, "csv", FLAG, "1", 0},
    {"--delete-leads", NULL, "delete_leads", FLAG, "1", 0},
    {"--dry-run", NULL, "dry_run", FLAG, "1", 0},
    {"--from-salesforce", NULL, "from_sf", FLAG, "1", 0},
    {"--full-extract", NULL, "full_extract", FLAG, "1", 0},
    {"--lookback", NULL, "lookback", SECONDS, NULL, 0},
    {"--sf-config", NULL, "sf_config", VALUE, NULL, 0},
    {"--max-delete", NULL, "max_delete", PERCENT, NULL, 0},
    {"-S", "--state-dir", "state_dir", VALUE, NULL, 0},
    {"--follow-symlinks", NULL, "follow_symlinks", FLAG, "1", 0},
    {"--hold-unknown", NULL, "hold", FLAG, "1", 0},
    {"--new-set-asides", NULL, "new_set_asides", FLAG, "1", 0},
    {"--no-writeback", NULL, "writeback", FLAG, "0", 0},
    {"--no-progress", NULL, "progress", FLAG, "0", 2},
    {"--progress", NULL, "progress", FLAG, "1", 2},
    {"--verify", NULL, "verify", FLAG, "1", 0},
    {"-C", "--config", "config", VALUE, NULL, 1},
    {"-c", "--concurrency", "concurrency", NUMBER, NULL, 1},
    {"--date-order", NULL, "date_order", CHOICE, "mdy dmy", 0},
    {"--default-role", NULL, "default_role", VALUE, NULL, 0},
    {"--encoding", NULL, "encoding", CHOICE, "auto utf8 latin1 cp1252 utf16", 0},
    {"-l", "--lookup-field", "lookup", VALUE, NULL, 0},
    {"-m", "--max-retries", "max_retries", COUNT, NULL, 1},
    {"-N", "--namespace", "namespace", VALUE, NULL, 0},
    {"-n", "--calls-per-window", "per_window", NUMBER, NULL, 1},
    {"-o", "--runs-dir", "runs_dir", VALUE, NULL, 0},
    {"-s", "--writeback-state", "wb_state", VALUE, NULL, 0},
    {"-w", "--window", "window", NUMBER, NULL, 1},
    {"--keep-runs", NULL, "keep_runs", COUNT, NULL, 2},
};

#define NSYNCOPTS (sizeof syncopts / sizeof syncopts[0])

/*
 * The settings msi-sync takes from its options, with their defaults (empty:
 * the tools' own): run.conf's keys, then what a run needs besides. The
 * values are borrowed (argv's, these), but the paths made absolute (owned).
 */
static struct setting {
	const char *name;
	const char *value;
} settings[] = {
    {"export_dir", ""},
    {"csv", "0"},
    {"hold", "0"},
    {"writeback", "1"},
    {"follow_symlinks", "0"},
    {"config", ""},
    {"concurrency", ""},
    {"lookup", "externalPersonId"},
    {"namespace", ""},
    {"per_window", ""},
    {"window", ""},
    {"wb_state", ""},
    {"max_retries", ""},
    {"encoding", ""},
    {"date_order", ""},
    {"default_role", ""},
    {"verify", ""},
    {"state_dir", ""},
    {"max_delete", ""},
    {"delete_leads", ""},
    {"dry_run", ""},
    {"from_sf", ""},
    {"sf_config", ""},
    {"full_extract", ""},
    {"apply", ""},
    {"confirm_source", ""},
    {"lookback", ""},
    {"new_set_asides", ""},
    {"resume", ""},
    {"runs_dir", "runs"},
    {"keep_runs", ""},
    {"export_arg", ""},
    {"help", ""},
    {"check", ""},
    /* --progress 1, --no-progress 0, else the terminal decides: not in run.conf */
    {"progress", ""},
};

#define NSETTINGS (sizeof settings / sizeof settings[0])

/* How many run folders a new run keeps without --keep-runs: a month of nights. */
#define KEEP_RUNS "30"

/* The paths made absolute (new strings), freed at the end. */
static char *owned[4];

/* msi-sync's usage, its man page's SYNOPSIS. */
void
sync_usage(FILE *fp)
{
	fputs("usage: msi-sync [-hV] [--apply] [--check] [--csv] [--dry-run]\n"
	      "                [--follow-symlinks] [--hold-unknown] [--new-set-asides]\n"
	      "                [--no-progress] [--no-writeback] [--progress] [--verify]\n"
	      "                [-C config] [-c concurrency] [--sf-config file]\n"
	      "                [--date-order order] [--default-role role]\n"
	      "                [--encoding name] [-l lookup-field] [-m max-retries]\n"
	      "                [-N namespace] [-n calls-per-window] [-o runs-dir]\n"
	      "                [-s writeback-state] [-w window]\n"
	      "                [--keep-runs n]\n"
	      "                [-S state-dir [--confirm-source] [--delete-leads]\n"
	      "                 [--max-delete percent]]\n"
	      "                export-dir\n"
	      "       msi-sync [options as above but --encoding]\n"
	      "                [-S state-dir [--full-extract] [--lookback seconds]]\n"
	      "                --from-salesforce\n"
	      "       msi-sync [-hV] [-C config] [-c concurrency] [-m max-retries]\n"
	      "                [-n calls-per-window] [-w window] [--keep-runs n]\n"
	      "                [--no-progress] [--progress] --resume run-dir\n",
	    fp);
}

/* msi-sync's help (-h): its usage, a line an option, its page. */
void
sync_help(FILE *fp)
{
	sync_usage(fp);
	fputs(
	    "\n"
	    "      --apply              apply the Salesforce updates to the org (msi-apply)\n"
	    "      --check              make the checks a run makes first, say each, and exit\n"
	    "      --csv                write the updates as Bulk API 2.0 CSV files\n"
	    "      --dry-run            send nothing, change no state: the calls written out\n"
	    "      --follow-symlinks    read an export file that is a symbolic link\n"
	    "      --hold-unknown       do not send records whose references are unknown\n"
	    "      --new-set-asides     status 1 only for set-asides the last run had not\n"
	    "      --no-progress        no progress lines, even on a terminal\n"
	    "      --no-writeback       stop after the loads\n"
	    "      --progress           the stages' progress lines, even when not a terminal\n"
	    "      --verify             read Marketo back and compare it with what was sent\n"
	    "  -C, --config config      Marketo's settings from config\n"
	    "  -c, --concurrency n      calls in flight at once, this machine's (default 8)\n"
	    "      --sf-config file     the Salesforce settings (--from-salesforce, --apply)\n"
	    "      --date-order order   local dates: month first, mdy (default), or dmy\n"
	    "      --default-role role  the role of a contact role without one\n"
	    "      --encoding name      the exports' encoding: auto (default), utf8, ...\n"
	    "  -h, --help               print this help and exit\n"
	    "  -l, --lookup-field field  the lead field persons are found by\n"
	    "  -m, --max-retries n      times a failed call is sent again (default 5)\n"
	    "  -N, --namespace prefix   the Salesforce fields' namespace prefix (mkto_si__)\n"
	    "  -n, --calls-per-window n  calls started a window, this machine's (default 80)\n"
	    "  -o, --runs-dir runs-dir  where run folders are made (default runs)\n"
	    "      --keep-runs n        run folders kept when a run ends (default 30; 0: all)\n"
	    "  -s, --writeback-state file  send only changed updates, digests in file\n"
	    "  -V, --version            print the version and exit\n"
	    "  -w, --window seconds     the window, in seconds (default 20)\n"
	    "  -S, --state-dir dir      keep what is in Marketo there: sync what changed\n"
	    "      --confirm-source     with -S: this source sees all the state's did\n"
	    "      --delete-leads       with -S: delete the persons gone, not list them\n"
	    "      --max-delete percent  with -S: refuse deletes over this share (default 10)\n"
	    "      --full-extract       with -S: read every record, not what changed\n"
	    "      --lookback seconds   with -S: ask again this long before each mark\n"
	    "      --from-salesforce    read the org itself, not an export folder\n"
	    "      --resume run-dir     continue the run in run-dir with its settings\n"
	    "  export-dir               the folder of the Salesforce exports (Lead.csv, ...)\n"
	    "\nSee msi-sync(1).\n",
	    fp);
}

/* A bad use of msi-sync: the message, then the usage on stderr; status 2. */
static noreturn void __attribute__((format(printf, 1, 2))) bad_use(const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = evasprintf(fmt, ap);
	va_end(ap);
	msg_warn("%s", m);
	free(m);
	sync_usage(stderr);
	exit(MSI_EXIT_USAGE);
}

/* The slot of setting name: one of the table's. */
static const char **
slot(const char *name)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i].value;
	msg_fatal(MSI_EXIT_USAGE, "%s: no such setting", name);
}

/* The value of setting name (borrowed), "" when not set. */
static const char *
get(const char *name)
{
	return *slot(name);
}

/* Whether s is one or more ASCII digits, the first not 0 when from_one. */
static int
digits(const char *s, int from_one)
{
	if (*s < '0' || *s > '9' || (from_one && *s == '0'))
		return 0;
	return s[strspn(s, "0123456789")] == '\0';
}

/* Whether v is a percent from 0 to 100: digits, and a dot and digits. */
static int
percent(const char *v)
{
	const char *dot = strchr(v, '.');
	size_t n = strspn(v, "0123456789");

	if (n == 0 || (dot == NULL ? v[n] != '\0' : v + n != dot || !digits(dot + 1, 0)))
		return 0;
	return strtod(v, NULL) <= 100;
}

/* The value v (NULL: none) of option o, typed as name, checked; it is bad use if wrong. */
static void
check_value(const struct syncopt *o, const char *name, const char *v)
{
	char words[64], *p;
	const char *w;

	if (v == NULL)
		v = "";
	switch (o->kind) {
	case FLAG: break;
	case VALUE:
		if (*v == '\0')
			bad_use("%s needs a value", name);
		break;
	case NUMBER:
	case COUNT:
		if (!digits(v, o->kind == NUMBER))
			bad_use("bad %s \"%s\"", name, v);
		break;
	case SECONDS:
		if (!digits(v, 0))
			bad_use("bad %s \"%s\": seconds", name, v);
		break;
	case PERCENT:
		if (!percent(v))
			bad_use("bad %s \"%s\": a percent from 0 to 100", name, v);
		break;
	case CHOICE:
		if (conf_one_of(v, o->arg))
			break;
		for (p = words, w = o->arg; *w != '\0' && p < words + sizeof words - 3; w++)
			if (*w == ' ') {
				*p++ = ',';
				*p++ = ' ';
			} else
				*p++ = *w;
		*p = '\0';
		bad_use("bad %s \"%s\": one of %s", name, v, words);
	}
}

/* The option typed as a, or NULL. */
static const struct syncopt *
find(const char *a)
{
	size_t i;

	for (i = 0; i < NSYNCOPTS; i++)
		if (strcmp(a, syncopts[i].name) == 0 ||
		    (syncopts[i].alias != NULL && strcmp(a, syncopts[i].alias) == 0))
			return &syncopts[i];
	return NULL;
}

/*
 * The value of option o typed as a (NULL: none): attached to a ("--name=value",
 * "-cvalue") or the next argument, argv[*i + 1], which it then takes. A flag
 * takes none.
 */
static const char *
option_value(const struct syncopt *o, const char *a, int argc, char *argv[], int *i)
{
	const char *eq = strchr(a, '=');

	if (a[1] == '-' && eq != NULL) {
		if (o->kind == FLAG)
			bad_use("%.*s takes no value", (int)(eq - a), a);
		return eq + 1;
	}
	if (o->kind == FLAG)
		return NULL;
	if (a[1] != '-' && a[2] != '\0')
		return a + 2;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* The option typed as a ("--name=value": its name; "-cvalue": -c), or NULL. */
static const struct syncopt *
find_typed(const char *a)
{
	char name[64];
	size_t n = a[1] == '-' ? strcspn(a, "=") : 2;

	if (n >= sizeof name)
		return NULL;
	memcpy(name, a, n);
	name[n] = '\0';
	return find(name);
}

/*
 * Reads the options of argv (argc of them) in order, as getopt_long does:
 * operands among them are set aside (*first: the first), "--" ends the
 * options; a value follows its option or is attached to it ("--name=value",
 * "-cvalue"). Each is checked as it comes: the first wrong is the one told.
 * -h and -V (or -hV) end it (help, version). *not_pace: the first option given that
 * --resume does not take. Returns the number of operands.
 */
static int
read_options(int argc, char *argv[], const char **not_pace, const char **first, int *version)
{
	const struct syncopt *o;
	const char *a, *v, *typed;
	int i, operands = 0;

	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0) {
			if (operands == 0 && i + 1 < argc)
				*first = argv[i + 1];
			return operands + argc - i - 1;
		}
		if (*a != '-' || a[1] == '\0') {
			if (operands++ == 0)
				*first = a;
			continue;
		}
		/* -h and -V may come together, as the C tools' -hV: the first is done */
		if (a[1] != '-' && a[strspn(a + 1, "hV") + 1] == '\0')
			a = a[1] == 'h' ? "-h" : "-V";
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			*slot("help") = "1";
			return 0;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			*version = 1;
			return 0;
		}
		if (strcmp(a, "--resume") == 0 || strncmp(a, "--resume=", 9) == 0) {
			v = a[8] == '=' ? a + 9 : i + 1 < argc ? argv[++i] : NULL;
			if (v == NULL || *v == '\0')
				bad_use("--resume needs a value");
			*slot("resume") = v;
			continue;
		}
		if ((o = find_typed(a)) == NULL)
			bad_use("unknown option %s", a);
		typed = a[1] == '-' && o->alias != NULL ? o->alias : o->name;
		if (o->pace == 0 && *not_pace == NULL)
			*not_pace = typed;
		v = option_value(o, a, argc, argv, &i);
		if (o->kind == FLAG) {
			*slot(o->var) = o->arg;
			continue;
		}
		check_value(o, typed, v);
		*slot(o->var) = v;
	}
	return operands;
}

/* run.conf holds a setting a line: a value with a newline is refused, status 2. */
static void
one_line(void)
{
	static const char *const what[][2] = {
	    {"the export folder's name", "export_arg"},
	    {"the run folder's name (--resume)", "resume"},
	    {"-o runs-dir", "runs_dir"},
	    {"-C config", "config"},
	    {"--sf-config", "sf_config"},
	    {"-s writeback-state", "wb_state"},
	    {"-S state-dir", "state_dir"},
	    {"-l lookup-field", "lookup"},
	    {"-N namespace", "namespace"},
	    {"--default-role", "default_role"},
	};
	size_t i;

	for (i = 0; i < sizeof what / sizeof what[0]; i++)
		if (strchr(get(what[i][1]), '\n') != NULL)
			msg_fatal(MSI_EXIT_USAGE,
			    "%s holds a newline: refused (run.conf keeps a setting a line)",
			    what[i][0]);
}

/*
 * The folder msi-sync runs in as the shell names it: $PWD when it is that
 * folder (a path through a symbolic link stays one), else getcwd's. A new
 * string.
 */
static char *
shell_pwd(void)
{
	const char *pwd = getenv("PWD");
	struct stat here, there;
	char cwd[PATH_MAX];

	if (pwd != NULL && *pwd == '/' && stat(pwd, &there) == 0 && stat(".", &here) == 0 &&
	    here.st_dev == there.st_dev && here.st_ino == there.st_ino)
		return estrdup(pwd);
	if (getcwd(cwd, sizeof cwd) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "cannot name the current folder");
	return estrdup(cwd);
}

/* The paths the run keeps made absolute: the current folder's name before them. */
static void
absolute_paths(void)
{
	static const char *const keys[] = {"wb_state", "config", "sf_config", "state_dir"};
	const char **v;
	char *pwd = NULL;
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		v = slot(keys[i]);
		if (**v == '\0' || **v == '/')
			continue;
		if (pwd == NULL)
			pwd = shell_pwd();
		owned[i] = emalloc(strlen(pwd) + strlen(*v) + 2);
		sprintf(owned[i], "%s/%s", pwd, *v);
		*v = owned[i];
	}
	free(pwd);
}

/* Whether setting name is set (not empty). */
static int
is_set(const char *name)
{
	return *get(name) != '\0';
}

/* Whether environment variable name is set and not empty. */
static int
env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0';
}

/* The options that go together, or do not, in the order msi-sync checked them. */
static void
check_together(void)
{
	int from_sf = is_set("from_sf"), apply = is_set("apply"), state = is_set("state_dir");

	if (!from_sf && is_set("full_extract"))
		bad_use("--full-extract goes with --from-salesforce");
	if (!from_sf && !apply && is_set("sf_config"))
		bad_use("--sf-config goes with --from-salesforce or --apply");
	if (apply && (strcmp(get("writeback"), "1") != 0 || strcmp(get("csv"), "0") != 0))
		bad_use(
		    "--apply applies msi-writeback's NDJSON updates: not with --no-writeback or "
		    "--csv");
	if (apply && !from_sf && !is_set("sf_config") && !env_set("SALESFORCE_CONFIG") &&
	    !env_set("SALESFORCE_LOGIN_URL") && !is_set("resume"))
		bad_use("--apply with an export folder needs the org's connection: --sf-config "
		        "file, or SALESFORCE_LOGIN_URL and the credentials in the environment "
		        "(msi-apply(1))");
	if (from_sf && is_set("encoding"))
		bad_use("--encoding is how export files are read: not with --from-salesforce");
	if (is_set("full_extract") && !state)
		bad_use(
		    "--full-extract goes with -S state-dir (without it every extract is whole)");
	if (is_set("lookback") && !(from_sf && state))
		bad_use("--lookback goes with --from-salesforce and -S state-dir (what changed "
		        "since the marks)");
	if (!state &&
	    (is_set("max_delete") || is_set("delete_leads") || is_set("confirm_source")))
		bad_use(
		    "--max-delete, --delete-leads and --confirm-source go with -S state-dir");
	/* by another field, a Lead and its Contact can be one Marketo lead: deleting it for
	 * one deletes both */
	if (is_set("delete_leads") && strcmp(get("lookup"), "externalPersonId") != 0)
		bad_use(
		    "--delete-leads needs -l externalPersonId (persons found by %s may share a "
		    "lead)",
		    get("lookup"));
}

/* The operands, n of them: the export folder, or none (--from-salesforce, --resume). */
static void
check_operands(int n, const char *not_pace)
{
	if (is_set("resume")) {
		if (n != 0)
			bad_use("--resume takes the run folder only");
		if (not_pace != NULL)
			msg_fatal(MSI_EXIT_USAGE,
			    "%s: not with --resume, which syncs as the run began (its run.conf); only "
			    "-C, -c, -m, -n, -w, --keep-runs, --progress and --no-progress may be "
			    "given with it",
			    not_pace);
	} else if (is_set("from_sf")) {
		if (n != 0)
			bad_use("--from-salesforce reads the org: no export folder");
	} else if (n == 0)
		bad_use("which export folder?");
	else if (n != 1)
		bad_use("one export folder, not %d", n);
}

/*
 * msi-sync's arguments (argv, argc of them) read as its loop read them and
 * checked; the settings printed to out as key=value lines: run.conf's keys,
 * resume, runs_dir, export_arg (the export folder as given), help, and
 * pace_KEY for the pace given (with --resume, for that run only). -h: only
 * help=1; -V: only version=VERSION. A bad use ends the program with the message and
 * msi-sync's usage.
 */
int
sync_options(int argc, char *argv[], FILE *out)
{
	const char *not_pace = NULL, *first = "";
	int version = 0, operands = read_options(argc, argv, &not_pace, &first, &version);
	size_t i;

	if (is_set("help")) {
		fputs("help=1\n", out);
		return MSI_EXIT_OK;
	}
	if (version) {
		fputs("help=\nversion=" MSI_VERSION "\n", out);
		return MSI_EXIT_OK;
	}
	*slot("export_arg") = first;
	one_line();
	absolute_paths();
	check_together();
	check_operands(operands, not_pace);
	/* a resumed run prunes only when told (the nights' --keep-runs is not in run.conf) */
	if (!is_set("keep_runs") && !is_set("resume"))
		*slot("keep_runs") = KEEP_RUNS;
	for (i = 0; i < NSETTINGS; i++)
		fprintf(out, "%s=%s\n", settings[i].name, settings[i].value);
	for (i = 0; i < NSYNCOPTS; i++)
		if (syncopts[i].pace == 1)
			fprintf(out, "pace_%s=%s\n", syncopts[i].var, get(syncopts[i].var));
	for (i = 0; i < sizeof owned / sizeof owned[0]; i++)
		free(owned[i]);
	return MSI_EXIT_OK;
}
