/* prune.c: the runs folder kept to its newest run folders (msi-sync --keep-runs). */
#define _XOPEN_SOURCE 700 /* nftw(3) and its FTW_ flags */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ealloc.h"
#include "exitcode.h"
#include "msg.h"
#include "state.h"

/* A run folder of the runs folder: its name, the order it was made in. */
struct runname {
	char *name;
	char stamp[16];  /* YYYYmmdd-HHMMSS */
	unsigned long n; /* the name's -N when the time was taken, else 1 */
	int current;     /* the run msi-sync has just ended: never removed */
};

/*
 * Whether name is one msi-state --new-run gives: YYYYmmdd-HHMMSS, or with
 * -N (N from 2) when that time was taken; *r set from it. A folder renamed
 * is not one: it is kept.
 */
static int
run_name(const char *name, struct runname *r)
{
	const char *p;
	char *end;
	int i;

	for (i = 0; i < 15; i++)
		if (i == 8 ? name[i] != '-' : name[i] < '0' || name[i] > '9')
			return 0;
	memcpy(r->stamp, name, 15);
	r->stamp[15] = '\0';
	r->n = 1;
	p = name + 15;
	if (*p == '\0')
		return 1;
	if (*p != '-' || p[1] < '1' || p[1] > '9')
		return 0;
	errno = 0;
	r->n = strtoul(p + 1, &end, 10);
	return *end == '\0' && errno == 0 && r->n >= 2;
}

/* Oldest first: by the time of the name, then by its -N. */
static int
older(const void *a, const void *b)
{
	const struct runname *x = a, *y = b;
	int c = strcmp(x->stamp, y->stamp);

	if (c != 0)
		return c;
	return (x->n > y->n) - (x->n < y->n);
}

/*
 * Whether folder name of the runs folder (open as fd) is a run folder, a
 * folder (not a link) holding a run.conf: 1, or 2 when it is the current
 * run's (current: its stat, or NULL), else 0.
 */
static int
is_run(int fd, const char *name, const struct stat *current)
{
	struct stat st;
	char conf[NAME_MAX + sizeof "/run.conf"];

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (current != NULL && st.st_dev == current->st_dev && st.st_ino == current->st_ino)
		return 2;
	snprintf(conf, sizeof conf, "%s/run.conf", name);
	return fstatat(fd, conf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* nftw's callback: each file and folder removed, the folders after what they hold. */
static int
remove_one(const char *file, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(file) : unlink(file)) == 0 || errno == ENOENT)
		return 0;
	msg_syswarn("%s: cannot remove", file);
	return -1;
}

/*
 * Removes run folder dir, while holding its msi-sync.lock: a folder whose
 * lock another holds (a run going on, a --resume) is kept. Returns 0, or
 * MSI_EXIT_IO after a message; *kept set when it was in use.
 */
static int
remove_run(const char *dir, int *kept)
{
	char *lock = emalloc(strlen(dir) + sizeof "/msi-sync.lock");
	int fd, status = 0;

	*kept = 0;
	sprintf(lock, "%s/msi-sync.lock", dir);
	fd = open(lock, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		msg_syswarn("%s: cannot open", lock);
		status = MSI_EXIT_IO;
	} else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		*kept = 1;
	} else if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0) {
		status = MSI_EXIT_IO;
	}
	if (fd >= 0)
		close(fd);
	free(lock);
	return status;
}

/*
 * The run folders of the runs folder (open as d), the current run's among
 * them (current: its stat, or NULL), oldest first: *n of them, a new array.
 */
static struct runname *
list_runs(DIR *d, const struct stat *current, size_t *n)
{
	struct runname *runs = NULL, r;
	struct dirent *e;
	size_t cap = 0;
	int kind;

	*n = 0;
	while ((e = readdir(d)) != NULL) {
		if (!run_name(e->d_name, &r) ||
		    (kind = is_run(dirfd(d), e->d_name, current)) == 0)
			continue;
		r.current = kind == 2;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			runs = erealloc(runs, cap * sizeof *runs);
		}
		r.name = estrdup(e->d_name);
		runs[(*n)++] = r;
	}
	qsort(runs, *n, sizeof *runs, older);
	return runs;
}

/*
 * Keeps the keep newest run folders of runs (0: all), and current (the run
 * that has just ended, or NULL) wherever it is in the order; removes the
 * others, oldest first, a line on stderr each.
 * A folder is a run folder when its name is one msi-state --new-run gives
 * and it holds a run.conf: anything else is left, unsaid. Returns 0, or
 * MSI_EXIT_IO when a folder could not be listed or removed (the others
 * still are).
 */
int
runs_prune(const char *runs, unsigned long keep, const char *current)
{
	struct stat cur, *curp = NULL;
	struct runname *list;
	size_t n, i, drop;
	char *dir;
	int status = 0, st, kept;
	DIR *d;

	if (keep == 0)
		return MSI_EXIT_OK;
	if (current != NULL && stat(current, &cur) == 0)
		curp = &cur;
	if ((d = opendir(runs)) == NULL) {
		msg_syswarn("%s: cannot read the runs folder", runs);
		return MSI_EXIT_IO;
	}
	list = list_runs(d, curp, &n);
	closedir(d);
	drop = n > keep ? n - keep : 0;
	for (i = 0; i < n; i++) {
		if (i < drop && !list[i].current) {
			dir = emalloc(strlen(runs) + strlen(list[i].name) + 2);
			sprintf(dir, "%s/%s", runs, list[i].name);
			if ((st = remove_run(dir, &kept)) != 0)
				status = st;
			else if (kept)
				msg_warn("%s: in use by another msi-sync: kept", dir);
			else
				msg_warn("removed run folder %s (older than the %lu kept)", dir,
				    keep);
			free(dir);
		}
		free(list[i].name);
	}
	free(list);
	return status;
}
