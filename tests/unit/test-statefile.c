/*
 * test-statefile.c: common/statefile.c, the one way a state file is
 * opened, locked, re-checked, appended to and committed: a lock another
 * descriptor holds refuses the run (status 7); a file renamed over the
 * one opened is told; a commit leaves the old file or the whole new one,
 * never writes through a planted path.tmp, and keeps the lock.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "msg.h"
#include "statefile.h"
#include "unit.h"

#define BUSY "another test is using it"

/* Where the messages go (stderr): a file read back by said(). */
static int said_fd;

/* The messages since the last call, on one line. */
static const char *
said(void)
{
	static char buf[4096];
	ssize_t n;

	fflush(stderr);
	n = pread(said_fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (ftruncate(said_fd, 0) != 0)
		exit(1);
	return buf;
}

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

/* The text of path (up to 4 KB), or "(none)". */
static const char *
got(const char *path)
{
	static char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (fp == NULL)
		return "(none)";
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Whether another descriptor of path could take the lock now. */
static int
lockable(const char *path)
{
	int fd = open(path, O_RDONLY), ok;

	if (fd < 0)
		return 0;
	ok = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return ok;
}

static void
test_lock(void)
{
	struct statefile a, b;
	struct stat st;
	int fd;

	unlink("s");
	CHECK("lock: made, mode 600", statefile_lock(&a, "s", 0, BUSY) == 0 && a.fd >= 0 &&
	                                  stat("s", &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK("lock: held against another descriptor", !lockable("s"));
	CHECK("lock: a second one refused, status 7",
	    statefile_lock(&b, "s", 0, BUSY) == MSI_EXIT_BUSY && b.fd < 0);
	CHECK_STR("lock: the tool's words", said(), "test-statefile: s: " BUSY);
	statefile_close(&a);
	CHECK("lock: let go on close", lockable("s"));

	/* a lock taken by another descriptor first (another process's, as flock sees it) */
	fd = open("s", O_RDONLY);
	CHECK("lock: another's lock refuses it",
	    fd >= 0 && flock(fd, LOCK_EX) == 0 &&
	        statefile_lock(&b, "s", 0, BUSY) == MSI_EXIT_BUSY);
	said();
	close(fd);

	unlink("link");
	CHECK("lock: NOFOLLOW refuses a symbolic link",
	    symlink("s", "link") == 0 &&
	        statefile_lock(&b, "link", STATEFILE_NOFOLLOW, BUSY) == MSI_EXIT_IO &&
	        strstr(said(), "link: ") != NULL);
	unlink("link");
}

static void
test_replaced(void)
{
	struct statefile a, b;

	unlink("r");
	put("r", "old\n");
	CHECK("replaced: locked, named",
	    statefile_lock(&a, "r", 0, BUSY) == 0 && statefile_held(&a) == 1);
	/* another file renamed over the one opened: what a run ending does */
	put("r.other", "new\n");
	CHECK("replaced: a file renamed over it is told",
	    rename("r.other", "r") == 0 && statefile_held(&a) == 0);
	/* the lock on the old file does not hold the new one: a new lock takes the new file */
	CHECK("replaced: a new lock takes the file named",
	    statefile_lock(&b, "r", 0, BUSY) == 0 && statefile_held(&b) == 1 &&
	        b.st.st_ino != a.st.st_ino);
	statefile_close(&b);
	CHECK("replaced: removed is told", unlink("r") == 0 && statefile_held(&a) == 0);
	statefile_close(&a);
}

static void
test_commit(void)
{
	struct statefile a, b;
	struct stat st;
	FILE *fp;

	unlink("c");
	unlink("c.tmp");
	put("c", "old\n");
	put("victim", "victim\n");
	CHECK("commit: planted c.tmp", symlink("victim", "c.tmp") == 0);
	CHECK("commit: locked", statefile_lock(&a, "c", 0, BUSY) == 0);
	fp = statefile_begin(&a);
	CHECK("commit: begun", fp != NULL && fputs("new\n", fp) != EOF && fflush(fp) == 0);
	CHECK_STR("commit: the old file whole till the commit", got("c"), "old\n");
	CHECK_STR("commit: a planted c.tmp is not written through", got("victim"), "victim\n");
	CHECK("commit: the new file is locked before the rename", !lockable("c.tmp"));
	CHECK("commit: done", statefile_commit(&a) == 0);
	CHECK_STR("commit: the new file whole", got("c"), "new\n");
	CHECK("commit: no c.tmp left", access("c.tmp", F_OK) != 0);
	CHECK("commit: a regular file, mode 600",
	    lstat("c", &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
	CHECK("commit: the lock kept, on the new file",
	    !lockable("c") && statefile_held(&a) == 1 &&
	        statefile_lock(&b, "c", 0, BUSY) == MSI_EXIT_BUSY);
	said();

	fp = statefile_begin(&a);
	CHECK("abort: begun", fp != NULL && fputs("half", fp) != EOF);
	statefile_abort(&a);
	CHECK_STR("abort: the old file stays", got("c"), "new\n");
	CHECK("abort: no c.tmp left", access("c.tmp", F_OK) != 0);
	statefile_close(&a);

	/* a state replaced whole, not locked (msi-writeback's, msi-load's checkpoint) */
	statefile_init(&a, "c");
	fp = statefile_begin(&a);
	CHECK("unlocked commit", fp != NULL && fputs("third\n", fp) != EOF &&
	                             statefile_commit(&a) == 0 &&
	                             strcmp(got("c"), "third\n") == 0 && lockable("c"));
	statefile_close(&a);
}

static void
test_journal(void)
{
	struct statefile a;
	FILE *fp;
	char line[64];

	unlink("j");
	put("j", "one\ntwo\nthr");
	CHECK(
	    "journal: locked to append", statefile_lock(&a, "j", STATEFILE_APPEND, BUSY) == 0);
	fp = statefile_reader(&a);
	CHECK("journal: read from the start",
	    fp != NULL && fgets(line, sizeof line, fp) != NULL && strcmp(line, "one\n") == 0);
	if (fp != NULL)
		fclose(fp);
	/* the line cut short goes; what is appended follows the whole lines */
	CHECK("journal: opened", statefile_journal(&a, 8) == 0 && a.journal != NULL);
	CHECK("journal: appended, synced",
	    fputs("four\n", a.journal) != EOF && statefile_sync(&a) == 0);
	CHECK_STR("journal: the cut line gone", got("j"), "one\ntwo\nfour\n");
	fp = statefile_begin(&a);
	CHECK("journal: a commit replaces it", fp != NULL && fputs("all\n", fp) != EOF &&
	                                           statefile_commit(&a) == 0 &&
	                                           a.journal == NULL);
	CHECK_STR("journal: the new file", got("j"), "all\n");
	statefile_close(&a);
}

static void
test_open(void)
{
	struct statefile a;

	unlink("none");
	CHECK(
	    "open: none is no file, no error", statefile_open(&a, "none", 0) == 0 && a.fd < 0 &&
	                                           statefile_regular(&a, MSI_EXIT_USAGE) == 0);
	statefile_close(&a);
	CHECK("open: a device is refused with the status given",
	    statefile_open(&a, "/dev/null", 0) == 0 &&
	        statefile_regular(&a, MSI_EXIT_USAGE) == MSI_EXIT_USAGE);
	CHECK_STR("open: the message", said(), "test-statefile: /dev/null: not a regular file");
	statefile_close(&a);
	unlink("fifo");
	CHECK("open: a FIFO does not block, and is refused",
	    mkfifo("fifo", 0600) == 0 && statefile_open(&a, "fifo", 0) == 0 &&
	        statefile_regular(&a, MSI_EXIT_IO) == MSI_EXIT_IO);
	said();
	statefile_close(&a);
}

int
main(void)
{
	char dir[] = "/tmp/test-statefile.XXXXXX", rm[64];
	int stderr_fd;

	msg_init("test-statefile");
	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		return 1;
	if ((stderr_fd = dup(2)) < 0 ||
	    (said_fd = open("said", O_RDWR | O_CREAT | O_APPEND, 0600)) < 0 ||
	    dup2(said_fd, 2) < 0)
		return 1;
	test_lock();
	test_replaced();
	test_commit();
	test_journal();
	test_open();
	dup2(stderr_fd, 2);
	close(stderr_fd);
	close(said_fd);
	snprintf(rm, sizeof rm, "rm -rf %s", dir);
	if (chdir("/") != 0 || system(rm) != 0)
		return 1;
	return unit_failed;
}
