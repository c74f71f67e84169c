/* state.h: what msi-state's files share: run.conf's settings, the run a state serves. */
#ifndef MSI_STATE_H
#define MSI_STATE_H

#include <stdio.h>

/* run.conf's keys, as many as runconf.c's table holds. */
#define CONF_KEYS 28

/* A run's settings: each value a new string, or NULL when not given. */
struct conf {
	char *value[CONF_KEYS];
	unsigned long line[CONF_KEYS]; /* where each was read (0: not read, or an argument) */
};

/* The run a state folder serves, as its run.conf says (borrowed strings). */
struct staterun {
	const char *run;       /* the run folder, an absolute path */
	const char *state_dir; /* -S, or NULL: no state folder */
	int from_sf;           /* --from-salesforce: the source is the org */
	int full_extract;      /* --full-extract: no extract mark copied */
	int confirm_source;    /* --confirm-source: a change of source kind confirmed */
	int dry_run;           /* --dry-run: the state is never moved */
};

/* runconf.c: the run folder made; run.conf read, checked and written. */
int run_make(const char *runs);
void conf_keys(FILE *out);
int conf_one_of(const char *w, const char *list);
int conf_args(struct conf *c, int argc, char *const argv[]);
int conf_read(struct conf *c, const char *file);
int conf_write(const struct conf *c, const char *file);
int conf_print(const struct conf *c, FILE *out);
const char *conf_get(const struct conf *c, const char *key);
void conf_free(struct conf *c);

/* statedir.c: the state folder: private, its generation, its source, claimed by a run. */
int state_check(const char *dir);
int state_copy(const struct staterun *r);
int state_claim(const struct staterun *r);
int state_resume_check(const struct staterun *r);
int state_hold_reason(const struct staterun *r, FILE *out);
int state_commit(const char *from, const char *to);

/* prune.c: the runs folder kept to its newest run folders. */
int runs_prune(const char *runs, unsigned long keep, const char *current);

/* syncopts.c: msi-sync's command line: its usage, its options as settings. */
void sync_usage(FILE *fp);
void sync_help(FILE *fp);
int sync_options(int argc, char *argv[], FILE *out);

#endif
