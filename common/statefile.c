/*
 * statefile.c: how every tool opens, locks, appends to and replaces a
 * state file, in one place. The file is for its user only (mode 600). A
 * run that changes it holds an exclusive flock(2) on it for the run, taken
 * without waiting (another run holding it: status 7, MSI_EXIT_BUSY), and
 * checks after locking that the name still gives the file locked: the
 * holder before may have renamed a new file over it. A new state is
 * written as path.tmp (a stale or planted one removed first, the new one
 * made with O_EXCL and O_NOFOLLOW), locked, synced and renamed over the
 * old one, so that the name always gives the old file or the whole new
 * one, and the lock passes from the old file to the new without a gap, as
 * git's lockfile does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "fshut.h"
#include "msg.h"
#include "statefile.h"

/* Names the state without opening it: for a state only replaced whole (statefile_begin). */
void
statefile_init(struct statefile *sf, const char *path)
{
	memset(sf, 0, sizeof *sf);
	sf->path = path;
	sf->fd = -1;
	snprintf(sf->tmp, sizeof sf->tmp, "%s.tmp", path);
}

/* Whether the file of st is the one path names now; -1 when that cannot be told. */
static int
still_named(const struct stat *st, const char *path, int nofollow)
{
	struct stat now;

	if ((nofollow ? lstat(path, &now) : stat(path, &now)) != 0)
		return errno == ENOENT ? 0 : -1; /* removed: made anew */
	return now.st_dev == st->st_dev && now.st_ino == st->st_ino;
}

/*
 * Opens path for the run (made if missing, mode 600) and locks it; flags
 * are STATEFILE_NOFOLLOW and STATEFILE_APPEND. Another process holding
 * the lock is told as "path: busy" (the tool's words), status 7. Returns
 * 0, or an exit status after a message (sf->fd then -1).
 */
int
statefile_lock(struct statefile *sf, const char *path, int flags, const char *busy)
{
	int oflags = O_RDWR | O_CREAT | O_CLOEXEC, fd, saved, named;

	statefile_init(sf, path);
	sf->flags = flags;
	if (flags & STATEFILE_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	if (flags & STATEFILE_APPEND)
		oflags |= O_APPEND;
	for (;;) {
		if ((fd = open(path, oflags, 0600)) < 0) {
			msg_syswarn("%s", path);
			return MSI_EXIT_IO;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			saved = errno;
			close(fd);
			if (saved == EWOULDBLOCK) {
				msg_warn("%s: %s", path, busy);
				return MSI_EXIT_BUSY;
			}
			errno = saved;
			msg_syswarn("%s", path);
			return MSI_EXIT_IO;
		}
		/* the holder before may have renamed a new state over the one opened */
		if (fstat(fd, &sf->st) != 0 ||
		    (named = still_named(&sf->st, path, flags & STATEFILE_NOFOLLOW)) < 0) {
			msg_syswarn("%s", path);
			close(fd);
			return MSI_EXIT_IO;
		}
		if (named)
			break;
		close(fd);
	}
	sf->fd = fd;
	sf->locked = 1;
	return 0;
}

/*
 * Whether the state's name still gives the file opened: 0 once another
 * file was renamed over it, or it was removed; -1 with errno set when
 * that cannot be told.
 */
int
statefile_held(const struct statefile *sf)
{
	if (sf->fd < 0)
		return 0;
	return still_named(&sf->st, sf->path, sf->flags & STATEFILE_NOFOLLOW);
}

/*
 * Opens path to read only, without a lock (a dry run; a state its tool
 * replaces whole at the end of a run). A FIFO does not block the open.
 * Returns 0, with sf->fd -1 when there is no such file, or an exit
 * status after a message.
 */
int
statefile_open(struct statefile *sf, const char *path, int flags)
{
	int fd;

	statefile_init(sf, path);
	sf->flags = flags;
	fd = open(path,
	    O_RDONLY | O_NONBLOCK | O_CLOEXEC | (flags & STATEFILE_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		msg_syswarn("%s", path);
		return MSI_EXIT_IO;
	}
	if (fstat(fd, &sf->st) != 0) {
		msg_syswarn("%s", path);
		close(fd);
		return MSI_EXIT_IO;
	}
	sf->fd = fd;
	return 0;
}

/*
 * A state is replaced by rename and read to its end: a device or a pipe
 * must not be one. Returns 0, or status after "path: not a regular file".
 */
int
statefile_regular(const struct statefile *sf, int status)
{
	if (sf->fd < 0 || S_ISREG(sf->st.st_mode))
		return 0;
	msg_warn("%s: not a regular file", sf->path);
	return status;
}

/* The file, to read from its start: a new stream of its own. NULL with errno set. */
FILE *
statefile_reader(struct statefile *sf)
{
	FILE *fp;
	int fd;

	if (sf->fd < 0) {
		errno = ENOENT;
		return NULL;
	}
	if ((fd = dup(sf->fd)) < 0)
		return NULL;
	if (lseek(fd, 0, SEEK_SET) < 0 || (fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return NULL;
	}
	return fp;
}

/*
 * Cuts the locked file to keep bytes (what was read whole: a line cut
 * short by a kill goes) and opens sf->journal to append lines to it.
 * Returns 0, or -1 with errno set.
 */
int
statefile_journal(struct statefile *sf, off_t keep)
{
	int fd;

	if (ftruncate(sf->fd, keep) != 0 || (fd = dup(sf->fd)) < 0)
		return -1;
	if ((sf->journal = fdopen(fd, "a")) == NULL) {
		close(fd);
		return -1;
	}
	return 0;
}

/* Flushes what was appended to the disk. 0, or -1 with errno set. */
int
statefile_sync(struct statefile *sf)
{
	if (sf->journal == NULL)
		return 0;
	if (fflush(sf->journal) == EOF || fsync(fileno(sf->journal)) != 0)
		return -1;
	return 0;
}

/*
 * Starts the new state: path.tmp made (fopen_tmp: a stale one removed, the
 * new one O_EXCL, O_NOFOLLOW, mode 600) and, when the state is locked,
 * locked too, so that the lock holds across the rename. The caller writes
 * to the stream returned, then calls statefile_commit or statefile_abort.
 * NULL with errno set.
 */
FILE *
statefile_begin(struct statefile *sf)
{
	if ((sf->next = fopen_tmp(sf->tmp)) == NULL)
		return NULL;
	if (sf->locked && flock(fileno(sf->next), LOCK_EX) != 0) {
		statefile_abort(sf);
		return NULL;
	}
	return sf->next;
}

/*
 * Ends the new state: flushed, synced to disk, renamed over path. A
 * locked state keeps its lock on the new file; the old one (and its
 * journal) is closed. On failure the new file is closed and removed and
 * the old one stays as it was. Returns 0, or -1 with errno set.
 */
int
statefile_commit(struct statefile *sf)
{
	FILE *fp = sf->next;
	int saved, fd = -1;

	errno = 0;
	if (fflush(fp) == EOF || ferror(fp) || fsync(fileno(fp)) != 0 ||
	    (sf->locked && (fd = dup(fileno(fp))) < 0))
		goto fail;
	sf->next = NULL;
	if (fclose(fp) == EOF)
		goto fail;
	if (rename(sf->tmp, sf->path) != 0)
		goto fail;
	if (sf->journal != NULL)
		fclose(sf->journal); /* the old file, replaced: what it held is in the new */
	sf->journal = NULL;
	if (sf->locked) {
		close(sf->fd);
		sf->fd = fd;
		if (fstat(fd, &sf->st) != 0)
			memset(&sf->st, 0, sizeof sf->st);
	}
	return 0;
fail:
	saved = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	if (sf->next != NULL)
		statefile_abort(sf);
	else
		unlink(sf->tmp);
	errno = saved;
	return -1;
}

/* Drops the new state being written: closed and removed; the old one stays. */
void
statefile_abort(struct statefile *sf)
{
	if (sf->next == NULL)
		return;
	fclose(sf->next);
	sf->next = NULL;
	unlink(sf->tmp);
}

/* Closes the state: its journal, a new file not committed, and the file (its lock goes). */
void
statefile_close(struct statefile *sf)
{
	statefile_abort(sf);
	if (sf->journal != NULL)
		fclose(sf->journal);
	sf->journal = NULL;
	if (sf->fd >= 0)
		close(sf->fd);
	sf->fd = -1;
	sf->locked = 0;
}
