/* ratelimit.c: Marketo's limits on calls (a window, calls at once), shared by this machine's
 * processes. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ealloc.h"
#include "http.h"
#include "msg.h"
#include "ratelimit.h"

/*
 * Marketo refuses a call (606) when max calls arrived in the window before
 * it, and another (615) when concurrency calls are in flight: counted for
 * the instance, whoever calls. Every process of this machine that calls
 * an instance keeps its calls in one small file, locked with flock(2)
 * while a process reads and rewrites it: a line a call, its start and end
 * (0 while in flight), the window of the process that made it, its
 * process id, and 1 once its request has gone. Nothing else: no
 * credential, no URL path. Before each call a process counts the calls in
 * its window and those in flight, and when both allow it, adds its own
 * line: that is its turn. When the request goes (libcurl may connect
 * first, or the process may be kept waiting on a busy machine), its start
 * becomes that moment, so that the others count from when Marketo will.
 *
 * The kernel lets go of a lock when its holder dies, even by kill -9; the
 * lines of a process that died in flight are taken as ended when the next
 * process reads them. Clocks are CLOCK_MONOTONIC, the same for every
 * process of the machine; a start later than now is a line from before a
 * reboot and is dropped.
 *
 * Without a file (ratelimit_share not called, or the file failed) the same
 * lines are kept in memory for this process alone. Callers give the time,
 * so that the tests can give their own.
 */

/* How long a process waits for the lock before keeping a window of its own. */
#define LOCK_PATIENCE 5.0

/*
 * How often a process looks again when the calls in flight are the others'
 * (its own wake it when they end).
 */
#define FLIGHT_POLL     0.01
#define FLIGHT_POLL_OWN 0.1

/*
 * How long a call still counts as in flight once its answer is read: the
 * instance lets go of it a little after it has sent the answer.
 */
#define FLIGHT_GRACE 0.01

/*
 * A line in flight for longer than this has ended, whatever its process:
 * no call takes so long (the tools' time-out is a minute by default), and
 * a process id can be reused by a process that never made it.
 */
#define FLIGHT_MAX 600.0

void
ratelimit_init(struct ratelimit *r, int max, double window, int concurrency)
{
	memset(r, 0, sizeof *r);
	r->max = max < 1 ? 1 : max;
	r->window = window;
	r->concurrency = concurrency < 1 ? 1 : concurrency;
	r->pid = getpid();
	r->fd = -1;
}

/*
 * The file is given up for good: this process keeps its own calls of
 * those last read (the others' would never end here).
 */
static void
unshare(struct ratelimit *r, const char *why)
{
	size_t i, kept = 0;

	msg_warn("%s: %s; this process keeps a window of calls of its own from now on", r->path,
	    why);
	close(r->fd);
	r->fd = -1;
	for (i = 0; i < r->n; i++)
		if (r->calls[i].pid == r->pid)
			r->calls[kept++] = r->calls[i];
	r->n = kept;
}

static int
lock(struct ratelimit *r)
{
	double waited = 0;

	if (r->fd < 0)
		return 0;
	while (flock(r->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			unshare(r, strerror(errno));
			return 0;
		}
		if (waited >= LOCK_PATIENCE) {
			unshare(r, "locked by another process for over 5 s");
			return 0;
		}
		http_pause(0.001);
		waited += 0.001;
	}
	return 0;
}

static void
unlock(struct ratelimit *r)
{
	if (r->fd >= 0)
		flock(r->fd, LOCK_UN);
}

static void
add(struct ratelimit *r, const struct ratecall *c)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->calls = erealloc(r->calls, r->cap * sizeof *r->calls);
	}
	r->calls[r->n++] = *c;
}

/* The file's lines, in place of those read before; a line that is not one is passed over. */
static void
load(struct ratelimit *r)
{
	struct ratecall c;
	struct stat st;
	char *line, *nl;
	ssize_t got;
	size_t len = 0;

	if (r->fd < 0)
		return;
	if (fstat(r->fd, &st) != 0) {
		unshare(r, strerror(errno));
		return;
	}
	if ((size_t)st.st_size + 1 > r->textcap) {
		r->textcap = (size_t)st.st_size + 1;
		r->text = erealloc(r->text, r->textcap);
	}
	while (len < (size_t)st.st_size &&
	       (got = pread(r->fd, r->text + len, (size_t)st.st_size - len, (off_t)len)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			unshare(r, strerror(errno));
			return;
		}
		len += (size_t)got;
	}
	r->text[len] = '\0';
	r->size = len;
	r->n = 0;
	for (line = r->text; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break; /* the end of a write cut short */
		*nl = '\0';
		c.sent = 1;
		if (line[0] != '#' &&
		    sscanf(line, "%lf %lf %lf %d %d", &c.start, &c.end, &c.window, &c.pid,
		        &c.sent) >= 4 &&
		    c.pid > 0 && c.window > 0)
			add(r, &c);
	}
}

/*
 * Writes the lines back; a file that cannot be written is given up. When
 * they are shorter than the file, a comment line pads them to its size:
 * a process killed between the write and the truncation then leaves no
 * part of the old lines behind the new ones.
 */
static void
store(struct ratelimit *r)
{
	FILE *mem;
	char *text = NULL;
	size_t len = 0, i, off = 0, used;
	ssize_t put;

	if (r->fd < 0)
		return;
	if ((mem = open_memstream(&text, &len)) == NULL) {
		unshare(r, strerror(errno));
		return;
	}
	fputs("# start end window pid sent: the recent calls of this machine to one "
	      "Marketo instance (msi-load(1))\n",
	    mem);
	for (i = 0; i < r->n; i++)
		fprintf(mem, "%.6f %.6f %g %d %d\n", r->calls[i].start, r->calls[i].end,
		    r->calls[i].window, (int)r->calls[i].pid, r->calls[i].sent != 0);
	used = (size_t)ftell(mem);
	if (r->size > used + 1) {
		fputc('#', mem);
		for (i = used + 1; i + 1 < r->size; i++)
			fputc(' ', mem);
		fputc('\n', mem);
	}
	if (fclose(mem) != 0) {
		free(text);
		unshare(r, strerror(errno));
		return;
	}
	while (off < len) {
		if ((put = pwrite(r->fd, text + off, len - off, (off_t)off)) < 0) {
			if (errno == EINTR)
				continue;
			free(text);
			unshare(r, strerror(errno));
			return;
		}
		off += (size_t)put;
	}
	free(text);
	if (ftruncate(r->fd, (off_t)used) != 0)
		unshare(r, strerror(errno));
	r->size = used;
}

static int
alive(pid_t pid, pid_t self)
{
	return pid == self || kill(pid, 0) == 0 || errno != ESRCH;
}

/*
 * Reads the calls and forgets those no process's window still holds; a
 * call in flight whose process is gone has ended.
 */
static void
refresh(struct ratelimit *r, double now)
{
	struct ratecall *c;
	size_t i, kept = 0;

	load(r);
	for (i = 0; i < r->n; i++) {
		c = &r->calls[i];
		if (c->start > now + 1)
			continue; /* from before a reboot */
		if (c->end == 0 && (now - c->start > FLIGHT_MAX || !alive(c->pid, r->pid)))
			c->end = now - 2 * FLIGHT_GRACE; /* it ended with its process */
		if (c->end != 0 &&
		    now - c->start >= (c->window > r->window ? c->window : r->window))
			continue;
		r->calls[kept++] = *c;
	}
	r->n = kept;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Whether a call may start at now. 0: it may, and it is counted (as in
 * flight until ratelimit_done); else the seconds to wait before asking
 * again: until the oldest of the window's calls leaves it; when the calls
 * in flight are at the limit, until one that just ended lets go, else
 * 10 ms when they are all the others' (nothing tells this process when
 * those end), else 0.1 s (its own answers wake it before).
 */
double
ratelimit_turn(struct ratelimit *r, double now)
{
	struct ratecall c = {now, 0, r->window, r->pid, 0};
	const struct ratecall *k;
	double *starts, delay = 0, freed = FLIGHT_POLL_OWN;
	size_t i, in = 0, flying = 0, own = 0;

	lock(r);
	refresh(r, now);
	starts = emalloc((r->n + 1) * sizeof *starts);
	for (i = 0; i < r->n; i++) {
		k = &r->calls[i];
		if (now - k->start < r->window)
			starts[in++] = k->start;
		own += k->end == 0 && k->pid == r->pid;
		if (k->end != 0 && now - k->end < FLIGHT_GRACE) {
			flying++;
			if (k->end + FLIGHT_GRACE - now < freed)
				freed = k->end + FLIGHT_GRACE - now;
		} else {
			flying += k->end == 0;
		}
	}
	if (in >= (size_t)r->max) {
		qsort(starts, in, sizeof *starts, cmp_double);
		delay = starts[in - (size_t)r->max] + r->window - now;
		if (delay <= 0)
			delay = 1e-3;
	} else if (flying >= (size_t)r->concurrency) {
		/* when a call ends its grace; else a while, or until one's answer */
		if (own == 0 && freed > FLIGHT_POLL)
			freed = FLIGHT_POLL;
		delay = freed > 1e-3 ? freed : 1e-3;
	} else {
		add(r, &c);
		r->flying++;
		store(r);
	}
	unlock(r);
	free(starts);
	return delay;
}

/* The request of one of this process's calls went at now: its start. */
void
ratelimit_sent(struct ratelimit *r, double now)
{
	size_t i;

	lock(r);
	refresh(r, now);
	for (i = 0; i < r->n; i++) {
		if (r->calls[i].pid == r->pid && r->calls[i].end == 0 && !r->calls[i].sent) {
			if (now > r->calls[i].start)
				r->calls[i].start = now;
			r->calls[i].sent = 1;
			store(r);
			break;
		}
	}
	unlock(r);
}

/* One of this process's calls ended at now. */
void
ratelimit_done(struct ratelimit *r, double now)
{
	size_t i;

	if (r->flying == 0)
		return;
	lock(r);
	refresh(r, now);
	for (i = 0; i < r->n; i++) {
		if (r->calls[i].pid == r->pid && r->calls[i].end == 0) {
			r->calls[i].end = now;
			break;
		}
	}
	r->flying--;
	store(r);
	unlock(r);
}

/* Calls started in the window that ends at now, for progress lines. */
int
ratelimit_in_window(struct ratelimit *r, double now)
{
	size_t i;
	int in = 0;

	lock(r);
	refresh(r, now);
	unlock(r);
	for (i = 0; i < r->n; i++)
		in += now - r->calls[i].start < r->window;
	return in;
}

/* Creates the folders of path that are missing, each for its owner alone. */
static int
make_dirs(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/*
 * Shares the window with the other processes of the machine that call the
 * instance at base_url: through the file named for its host and port in
 * dir (made if missing). Returns 0, or -1 with why: the calls then stay
 * this process's own.
 */
int
ratelimit_share(
    struct ratelimit *r, const char *dir, const char *base_url, char *why, size_t size)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *d = estrdup(dir), *p;
	size_t len;
	int status = -1;

	if (curl_url_set(u, CURLUPART_URL, base_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		snprintf(
		    why, size, "%s: no host and port to name the window file by", base_url);
		goto out;
	}
	if (make_dirs(d) != 0) {
		snprintf(why, size, "%s: %s", dir, strerror(errno));
		goto out;
	}
	len = strlen(dir) + strlen(host) + strlen(port) + 16;
	r->path = emalloc(len);
	snprintf(r->path, len, "%s/%s_%s.window", dir, host, port);
	/* the host's name, lower-cased, and nothing a file name should not hold */
	for (p = r->path + strlen(dir) + 1; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		             *p == '-' || *p == '_'))
			*p = '_';
	}
	if ((r->fd = open(r->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		snprintf(why, size, "%s: %s", r->path, strerror(errno));
		goto out;
	}
	status = 0;
out:
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	free(d);
	return status;
}

/* Forgets the calls; those of this process still in flight end now. */
void
ratelimit_free(struct ratelimit *r, double now)
{
	size_t i;

	if (r->fd >= 0 && r->flying > 0) {
		lock(r);
		refresh(r, now);
		for (i = 0; i < r->n; i++)
			if (r->calls[i].pid == r->pid && r->calls[i].end == 0)
				r->calls[i].end = now;
		store(r);
		unlock(r);
	}
	if (r->fd >= 0)
		close(r->fd);
	free(r->calls);
	free(r->text);
	free(r->path);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}
