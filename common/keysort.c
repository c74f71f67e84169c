/*
 * keysort.c: lines sorted by a key, for the states that are too large to
 * hold in memory: sort(1) does it, with its memory capped (-S) and its
 * runs in TMPDIR (-T), in the C locale, so that the order is the bytes'
 * and the same on every machine. The tools read its output as a stream
 * and merge it with a state file kept in the same order.
 */
#define _GNU_SOURCE /* mkostemp, pipe2: O_CLOEXEC from the start, no fd for sort(1) to keep */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ealloc.h"
#include "keysort.h"
#include "msg.h"

extern char **environ;

/* TMPDIR, else /tmp: where scratch files and sort(1)'s runs go. */
static const char *
tmp_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir != NULL && *dir != '\0' ? dir : "/tmp";
}

/*
 * A scratch file of this user's in TMPDIR (else /tmp), open to write and
 * read, unlinked at once so that it goes with the process however it
 * ends. name is a word for ls(1) to show while it is made. NULL with errno
 * set.
 */
FILE *
scratch_file(const char *name)
{
	char path[4096];
	FILE *fp;
	int fd;

	snprintf(path, sizeof path, "%s/msi-%s.XXXXXX", tmp_dir(), name);
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0)
		return NULL;
	unlink(path);
	if ((fp = fdopen(fd, "w+")) == NULL)
		close(fd);
	else
		setvbuf(fp, NULL, _IOFBF, (size_t)1 << 18);
	return fp;
}

/*
 * The environment of sort(1): this one with LC_ALL=C, so that keys are
 * ordered by their bytes whatever the user's locale. An array to free
 * (its strings are borrowed).
 */
static char **
c_locale_env(void)
{
	size_t n = 0, i, j = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = emalloc((n + 2) * sizeof *env);
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LC_ALL=", 7) != 0)
			env[j++] = environ[i];
	env[j++] = "LC_ALL=C";
	env[j] = NULL;
	return env;
}

/*
 * Starts sort(1) by the first tab-separated field, stable or not. Returns
 * 0, or -1 after a message.
 */
int
keysort_start(struct keysort *ks, const char *what, int stable)
{
	int to[2], from[2], rc;
	char tdir[4096], **env;
	char *argv[] = {"sort", "-t", "\t", "-k1,1", "-S", KEYSORT_MEMORY, "--parallel=1", "-T",
	    tdir, stable ? "-s" : NULL, NULL};
	posix_spawn_file_actions_t fa;

	memset(ks, 0, sizeof *ks);
	ks->what = what;
	ks->pid = -1;
	snprintf(tdir, sizeof tdir, "%s", tmp_dir());
	if (pipe2(to, O_CLOEXEC) != 0)
		goto fail;
	if (pipe2(from, O_CLOEXEC) != 0) {
		close(to[0]);
		close(to[1]);
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, to[0], 0);
	posix_spawn_file_actions_adddup2(&fa, from[1], 1);
	/*
	 * Nothing else goes to sort(1): a lock a caller's caller holds on a
	 * descriptor (msi-sync's state folder's) would outlive a kill -9 of
	 * the tool while sort(1) ends its work.
	 */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	env = c_locale_env();
	rc = posix_spawnp(&ks->pid, "sort", &fa, NULL, argv, env);
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	close(to[0]);
	close(from[1]);
	if (rc != 0) {
		close(to[1]);
		close(from[0]);
		ks->pid = -1;
		errno = rc;
		goto fail;
	}
	ks->in = fdopen(to[1], "w");
	ks->out = fdopen(from[0], "r");
	if (ks->in == NULL || ks->out == NULL) {
		msg_syswarn("%s: sort", what);
		keysort_end(ks);
		return -1;
	}
	setvbuf(ks->in, NULL, _IOFBF, (size_t)1 << 16);
	return 0;
fail:
	msg_syswarn("%s: sort(1) could not be started", what);
	return -1;
}

/*
 * key made fit for sort's key field: as it is when it holds no control
 * character and no backslash (a Salesforce id always), else with each
 * such byte as \xHH. Borrowed from b (or key itself), valid until b
 * changes.
 */
const char *
keysort_key(struct jsonbuf *b, const char *key)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char esc[4] = {'\\', 'x', 0, 0};

	for (p = (const unsigned char *)key; *p != '\0'; p++)
		if (*p < 0x20 || *p == '\\' || *p == 0x7f)
			break;
	if (*p == '\0')
		return key;
	b->len = 0;
	for (p = (const unsigned char *)key; *p != '\0'; p++) {
		if (*p < 0x20 || *p == '\\' || *p == 0x7f) {
			esc[2] = hex[*p >> 4];
			esc[3] = hex[*p & 15];
			jsonbuf_add(b, esc, 4);
		} else {
			jsonbuf_add(b, p, 1);
		}
	}
	jsonbuf_add(b, "", 1);
	return b->data;
}

/*
 * Puts a line: key (already escaped: keysort_key) and rest, which holds
 * no line break. Returns 0, or -1 after a message (sort(1) went away).
 */
int
keysort_put(struct keysort *ks, const char *key, const char *rest, size_t restlen)
{
	if (fputs(key, ks->in) == EOF || putc('\t', ks->in) == EOF ||
	    fwrite(rest, 1, restlen, ks->in) != restlen || putc('\n', ks->in) == EOF) {
		msg_syswarn("%s: writing to sort(1)", ks->what);
		return -1;
	}
	ks->lines++;
	return 0;
}

/* Ends the input: sort(1) sorts. Returns 0, or -1 after a message. */
int
keysort_sorted(struct keysort *ks)
{
	FILE *in = ks->in;

	ks->in = NULL;
	if (fclose(in) == EOF) {
		msg_syswarn("%s: writing to sort(1)", ks->what);
		return -1;
	}
	return 0;
}

/*
 * The next sorted line: *key its key, *rest (of *restlen bytes, without
 * the line break) the rest, both in the line read, valid until the next
 * call. Returns 1, 0 at the end, or -1 after a message.
 */
int
keysort_get(struct keysort *ks, char **key, char **rest, size_t *restlen)
{
	ssize_t len = getline(&ks->line, &ks->size, ks->out);
	char *tab;

	if (len < 0) {
		if (ferror(ks->out)) {
			msg_syswarn("%s: reading from sort(1)", ks->what);
			return -1;
		}
		return 0;
	}
	if (len == 0 || ks->line[len - 1] != '\n' ||
	    (tab = memchr(ks->line, '\t', (size_t)len)) == NULL) {
		msg_warn("%s: sort(1) gave a line that was not put", ks->what);
		return -1;
	}
	ks->line[--len] = '\0';
	*tab = '\0';
	*key = ks->line;
	*rest = tab + 1;
	*restlen = (size_t)(ks->line + len - *rest);
	return 1;
}

/*
 * Ends the sort: its pipes closed, the child waited for (killed first when
 * its output is not read to the end). Returns 0 when sort(1) ended well,
 * else -1 after a message (it could not sort: TMPDIR full, say).
 */
int
keysort_end(struct keysort *ks)
{
	int status = 0, st = 0, rest = 0;

	if (ks->in != NULL)
		fclose(ks->in);
	if (ks->out != NULL) {
		rest = getc(ks->out) != EOF;
		fclose(ks->out);
	}
	ks->in = ks->out = NULL;
	free(ks->line);
	ks->line = NULL;
	if (ks->pid < 0)
		return -1;
	if (rest)
		kill(ks->pid, SIGTERM);
	while (waitpid(ks->pid, &status, 0) < 0)
		if (errno != EINTR) {
			msg_syswarn("%s: sort(1)", ks->what);
			st = -1;
			break;
		}
	ks->pid = -1;
	if (st == 0 && !rest && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		msg_warn("%s: sort(1) failed (%s %d): is TMPDIR writable, with room?", ks->what,
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		st = -1;
	}
	return st;
}
