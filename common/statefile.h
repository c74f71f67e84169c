/* statefile.h: how a state file is opened, locked, re-checked, appended to and committed. */
#ifndef MSI_STATEFILE_H
#define MSI_STATEFILE_H

#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#define STATEFILE_NOFOLLOW 1 /* a symbolic link at the name is refused (ELOOP) */
#define STATEFILE_APPEND   2 /* the file is opened to append to (statefile_journal) */

/*
 * One state file. path is borrowed. While locked (statefile_lock), fd
 * holds an exclusive flock(2) for the run, and statefile_commit moves it
 * to the new file, so that the lock is never let go between the old file
 * and the new.
 */
struct statefile {
	const char *path;
	int flags;      /* STATEFILE_NOFOLLOW, STATEFILE_APPEND, as opened */
	int fd;         /* the file, or -1: none (statefile_open found no file) */
	int locked;     /* fd holds the lock */
	struct stat st; /* what fd is, as opened */
	FILE *journal;  /* appended to (statefile_journal), or NULL */
	FILE *next;     /* the new file while it is written (statefile_begin), or NULL */
	char tmp[4096]; /* its name: path.tmp */
};

void statefile_init(struct statefile *sf, const char *path);
int statefile_lock(struct statefile *sf, const char *path, int flags, const char *busy);
int statefile_held(const struct statefile *sf);
int statefile_open(struct statefile *sf, const char *path, int flags);
int statefile_regular(const struct statefile *sf, int status);
FILE *statefile_reader(struct statefile *sf);
int statefile_journal(struct statefile *sf, off_t keep);
int statefile_sync(struct statefile *sf);
FILE *statefile_begin(struct statefile *sf);
int statefile_commit(struct statefile *sf);
void statefile_abort(struct statefile *sf);
void statefile_close(struct statefile *sf);

#endif
