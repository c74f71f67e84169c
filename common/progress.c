/*
 * progress.c: the progress line a tool shows while it works: its options
 * (--progress, --no-progress, --progress-fd), the count done of a total,
 * the rate, the time left, or the state of what it waits for.
 *
 * A line at most once a second, the first a second after the work began:
 * a line drawn before then would say what was true before the first call
 * (it said "0 calls in the window" for the whole first second while calls
 * were made), and a run shorter than a second needs none (its summary says
 * it all). On a terminal the line is rewritten in place (a carriage
 * return, the line, then "erase to the end of the line", ECMA-48's EL,
 * CSI K, so that a shorter line leaves nothing of the longer one) and
 * ended by a newline; elsewhere (a file, a log, a pipe: --progress) each
 * line is a line of its own, with no control characters. A line goes out
 * in one write(2), so that two processes writing to one terminal
 * (msi-sync's stages) do not cut into each other's lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "http.h"
#include "msg.h"
#include "numarg.h"
#include "progress.h"

/* Seconds between two lines, and before the first. */
#define PROGRESS_EVERY 1.0

/* The default: a line when standard error is a terminal. */
void
progress_opts_init(struct progress_opts *o)
{
	o->on = -1;
	o->fd = STDERR_FILENO;
}

/*
 * Takes one of the progress options (ch as getopt_long gave it, with arg);
 * returns 1, or 0 when ch is not one of them. --progress-fd must name a
 * descriptor open for writing: else a message and the usage (status 2).
 */
int
progress_opts_parse(
    struct progress_opts *o, int ch, const char *arg, void (*usage)(FILE *, int))
{
	int flags;

	switch (ch) {
	case PROGRESS_ON: o->on = 1; break;
	case PROGRESS_OFF: o->on = 0; break;
	case PROGRESS_FD:
		o->fd = (int)numarg_range_or_usage(
		    arg, "--progress-fd", 0, 1023, "a descriptor from 0 to 1023", usage);
		if ((flags = fcntl(o->fd, F_GETFL)) == -1 || (flags & O_ACCMODE) == O_RDONLY) {
			msg_warn("--progress-fd %d: %s", o->fd,
			    flags == -1 ? strerror(errno) : "not open for writing");
			usage(stderr, MSI_EXIT_USAGE);
		}
		break;
	default: return 0;
	}
	return 1;
}

/* Begins a run's line, counting unit; off unless asked for or the descriptor is a terminal. */
void
progress_start(struct progress *p, const struct progress_opts *o, const char *unit)
{
	int tty = isatty(o->fd);

	memset(p, 0, sizeof *p);
	p->fd = o->on == 1 || (o->on == -1 && tty) ? o->fd : -1;
	p->tty = tty;
	p->unit = unit;
	p->clock = http_now;
	p->started = p->shown = p->clock();
}

int
progress_on(const struct progress *p)
{
	return p->fd >= 0;
}

/* Whether progress_update would show a line now: a caller may skip working out its detail. */
int
progress_due(const struct progress *p)
{
	return p->fd >= 0 && p->clock() - p->shown >= PROGRESS_EVERY;
}

/*
 * The rate counts from now: what is counted begins (a job's pages, once
 * it has run); the next line a second from now, with a rate worth showing.
 */
void
progress_restart(struct progress *p)
{
	p->started = p->shown = p->clock();
}

/* The total to count to, once known (0: not known). */
void
progress_total(struct progress *p, unsigned long total)
{
	p->total = total;
}

/*
 * The lines of a regular file open at fd, from its offset on, the last one
 * counted with or without its newline; 0 for anything else (a pipe, a
 * terminal) or when it cannot be read. pread(2) in blocks of 64 KB: the
 * offset is not moved, and the pass warms the page cache for the real read.
 */
unsigned long
progress_count_lines(int fd)
{
	char buf[65536];
	struct stat st;
	unsigned long lines = 0;
	off_t off;
	ssize_t got;
	char *p, *end;
	int last = '\n';

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (off = lseek(fd, 0, SEEK_CUR)) < 0)
		return 0;
	while ((got = pread(fd, buf, sizeof buf, off)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return 0;
		for (p = buf, end = buf + got; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
		     p++)
			lines++;
		last = buf[got - 1];
		off += got;
	}
	return lines + (last != '\n');
}

/* progress_count_lines of the file named path ("-": standard input). */
unsigned long
progress_count_file(const char *path)
{
	unsigned long n;
	int fd;

	if (strcmp(path, "-") == 0)
		return progress_count_lines(STDIN_FILENO);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = progress_count_lines(fd);
	close(fd);
	return n;
}

/*
 * The lines of files (a NULL-ended list, as a tool's operands): a record
 * or a person a line, the total a progress line counts to; 0 when one is
 * not a regular file (a pipe: no total).
 */
unsigned long
progress_count_files(char *const *files)
{
	unsigned long lines = 0, n;

	for (; *files != NULL; files++) {
		if ((n = progress_count_file(*files)) == 0)
			return 0;
		lines += n;
	}
	return lines;
}

/* n with a comma every three digits, for people: "45,000". Returns buf. */
char *
progress_count(char buf[32], unsigned long n)
{
	char digits[24];
	size_t len, i, o = 0;

	len = (size_t)snprintf(digits, sizeof digits, "%lu", n);
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* "45 s", "3 min", "2 h 5 min": a duration as a person says it. */
static void
duration(char *buf, size_t size, double s)
{
	long t = s < 1 ? 1 : (long)(s + 0.5);

	if (t < 90)
		snprintf(buf, size, "%ld s", t);
	else if (t < 90 * 60)
		snprintf(buf, size, "%ld min", (t + 30) / 60);
	else
		snprintf(buf, size, "%ld h %ld min", t / 3600, (t % 3600 + 30) / 60);
}

/*
 * The descriptor of a terminal line left open, which a message erases
 * first (msg_before), or -1. A copy, not the line's struct: a message may
 * come after the struct is gone.
 */
static int open_fd = -1;

/*
 * Before a message: the open line is erased (a carriage return, EL), so
 * that the message is not written onto its end; the next line, due within
 * a second, is drawn after it.
 */
static void
clear_open(void)
{
	static const char erase[] = "\r\033[K";

	ssize_t put;

	if (open_fd >= 0) {
		put = write(open_fd, erase, sizeof erase - 1);
		(void)put; /* a terminal gone: nothing to erase */
	}
	open_fd = -1;
	msg_before(NULL);
}

/* Writes the line: rewritten in place on a terminal, else a line of its own. */
static void
draw(struct progress *p, const char *text, int last)
{
	char line[1024];
	size_t len, off = 0;
	ssize_t put;
	int n;

	n = snprintf(line, sizeof line, "%s%s: %s%s", p->tty ? "\r" : "", msg_prog, text,
	    p->tty ? (last ? "\033[K\n" : "\033[K") : "\n");
	len = n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	if (len > 0 && line[len - 1] != '\n' && !p->tty)
		line[len - 1] = '\n'; /* cut short: still a line */
	while (off < len) {
		if ((put = write(p->fd, line + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			/* a closed terminal or pipe: no more lines, the work goes on */
			p->fd = -1;
			return;
		}
		off += (size_t)put;
	}
	p->drawn = 1;
	p->open = p->tty && !last;
	p->shown = p->clock();
	open_fd = p->open ? p->fd : -1;
	msg_before(p->open ? clear_open : NULL);
}

/* "900 of 3,000 records (30%), 774/s, about 3 s left", then "; " and the tool's detail. */
static void
counts(
    struct progress *p, char *buf, size_t size, unsigned long done, const char *fmt, va_list ap)
{
	char a[32], b[32], left[32];
	double elapsed = p->clock() - p->started, rate = elapsed > 0 ? done / elapsed : 0;
	size_t len;

	if (p->total > 0 && done <= p->total)
		len = (size_t)snprintf(buf, size, "%s of %s %s (%lu%%), %s/s",
		    progress_count(a, done), progress_count(b, p->total), p->unit,
		    (unsigned long)(100.0 * (double)done / (double)p->total),
		    progress_count(left, (unsigned long)(rate + 0.5)));
	else
		len = (size_t)snprintf(buf, size, "%s %s, %s/s", progress_count(a, done),
		    p->unit, progress_count(left, (unsigned long)(rate + 0.5)));
	if (len < size && p->total > 0 && done < p->total && rate > 0) {
		duration(left, sizeof left, (double)(p->total - done) / rate);
		len += (size_t)snprintf(buf + len, size - len, ", about %s left", left);
	}
	if (len < size && fmt != NULL) {
		len += (size_t)snprintf(buf + len, size - len, "; ");
		if (len < size)
			vsnprintf(buf + len, size - len, fmt, ap);
	}
}

/*
 * done of the total so far, and the tool's detail (fmt, or NULL): shown
 * when a second has passed since the last line (or since the start).
 */
void
progress_update(struct progress *p, unsigned long done, const char *fmt, ...)
{
	char text[900];
	va_list ap;

	if (!progress_due(p))
		return;
	va_start(ap, fmt);
	counts(p, text, sizeof text, done, fmt, ap);
	va_end(ap);
	draw(p, text, 0);
}

/* What the tool waits for, in its words (a job's state): shown as progress_update's line. */
void
progress_note(struct progress *p, const char *fmt, ...)
{
	char text[900];
	va_list ap;

	if (!progress_due(p))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	draw(p, text, 0);
}

/*
 * The end: when a line was shown, the last one, with done, ended by a
 * newline; when none was (a run under a second), nothing.
 */
void
progress_end(struct progress *p, unsigned long done, const char *fmt, ...)
{
	char text[900];
	va_list ap;

	if (p->fd < 0 || !p->drawn)
		return;
	va_start(ap, fmt);
	counts(p, text, sizeof text, done, fmt, ap);
	va_end(ap);
	draw(p, text, 1);
	p->fd = -1;
}
