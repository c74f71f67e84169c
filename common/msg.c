/* msg.c: diagnostics on stderr as "prog: file:line: message". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

const char *msg_prog = "msi";

void
msg_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	msg_prog = slash ? slash + 1 : argv0;
}

/* Secrets the program holds (msg_secret): no message shows them. Borrowed. */
static const char *secrets[8];

/*
 * s (a client secret, a token) is never printed: a message that holds it,
 * as a server that echoes a request may make one, shows "(hidden)" in its
 * place. s stays the caller's and must outlive the messages.
 */
void
msg_secret(const char *s)
{
	size_t i;

	/*
	 * Too short to be told from ordinary text ("secret" is in "client_secret"):
	 * the services' secrets and tokens are of 20 characters and more.
	 */
	if (s == NULL || strlen(s) < 8)
		return;
	for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		if (secrets[i] == NULL || secrets[i] == s) {
			secrets[i] = s;
			return;
		}
	secrets[0] = s; /* more than eight: the newest count */
}

/* s is about to be freed: no longer looked for. */
void
msg_forget(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		if (secrets[i] == s)
			secrets[i] = NULL;
}

/*
 * Writes message m of len bytes as it may go to a terminal and a log: its
 * control characters (a server's text may carry line ends or a terminal's
 * escapes: C0, DEL, and C1 written in UTF-8) each a '?', and every secret
 * the program holds "(hidden)".
 */
static void
put_clean(FILE *fp, const char *m, size_t len)
{
	const unsigned char *p = (const unsigned char *)m, *end = p + len;
	char *out = malloc(len + 1), *o = out; /* "(hidden)" is no longer than a secret */
	size_t i, n;

	if (out == NULL) { /* no memory: the message as it is would show too much */
		fputs("(a message that could not be written)", fp);
		return;
	}
	while (p < end) {
		for (i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
			n = secrets[i] ? strlen(secrets[i]) : 0;
			if (n > 0 && (size_t)(end - p) >= n && memcmp(p, secrets[i], n) == 0)
				break;
		}
		if (i < sizeof secrets / sizeof secrets[0]) {
			memcpy(o, "(hidden)", 8);
			o += 8;
			p += n;
		} else if (*p == 0xc2 && p + 1 < end && p[1] >= 0x80 && p[1] <= 0x9f) {
			*o++ = '?';
			p += 2;
		} else {
			*o++ = (char)(*p < ' ' || *p == 0x7f ? '?' : *p);
			p++;
		}
	}
	fwrite(out, 1, (size_t)(o - out), fp);
	free(out);
}

/* fmt and ap's text, cleaned (put_clean), on fp. */
static void
vput(FILE *fp, const char *fmt, va_list ap)
{
	char small[1024], *m = small;
	va_list again;
	int len;

	va_copy(again, ap);
	len = vsnprintf(small, sizeof small, fmt, ap);
	if (len >= (int)sizeof small && (m = malloc((size_t)len + 1)) != NULL)
		vsnprintf(m, (size_t)len + 1, fmt, again);
	va_end(again);
	if (m == NULL) { /* no memory for a long message: its first part */
		m = small;
		len = (int)sizeof small - 1;
	}
	if (len > 0)
		put_clean(fp, m, (size_t)len);
	if (m != small)
		free(m);
}

/* What runs before a message is written (progress.c: a terminal's open progress line ended). */
static void (*before)(void);

void
msg_before(void (*fn)(void))
{
	before = fn;
}

/* The message, and ": " and errno's text when syserr is not 0 (errno as it was). */
static void
vmsg(const char *file, unsigned long line, int syserr, const char *fmt, va_list ap)
{
	if (before != NULL)
		before();
	fprintf(stderr, "%s: ", msg_prog);
	if (file != NULL) {
		if (line > 0)
			fprintf(stderr, "%s:%lu: ", file, line);
		else
			fprintf(stderr, "%s: ", file);
	}
	vput(stderr, fmt, ap);
	if (syserr != 0)
		fprintf(stderr, ": %s", strerror(syserr));
	fputc('\n', stderr);
}

void
msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, 0, 0, fmt, ap);
	va_end(ap);
}

/*
 * A line of a report on fp, as --check writes its results on standard
 * output: no program name, cleaned as messages are (a server's text may
 * hold a secret or a terminal's escapes).
 */
void
msg_line(FILE *fp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(fp, fmt, ap);
	va_end(ap);
	fputc('\n', fp);
}

/* A message ending with what errno says, as warn(3) writes it. */
void
msg_syswarn(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, 0, e, fmt, ap);
	va_end(ap);
}

/* A message ending with what errno says, then exit with status. */
void
msg_sysfatal(int status, const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, 0, e, fmt, ap);
	va_end(ap);
	exit(status);
}

/* A message about a place in the input; line 0 names only the file. */
void
msg_at(const char *file, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(file, line, 0, fmt, ap);
	va_end(ap);
}

/*
 * What getopt_long, run with opterr = 0 and a leading ':' in its option
 * string, found wrong: ch is ':' for a missing argument, anything else
 * for an unknown option. Reported with the program's short name.
 */
void
msg_badopt(int ch, char *const argv[])
{
	extern int optind, optopt;

	if (ch == ':')
		msg_warn("option %s needs an argument", argv[optind - 1]);
	else if (optopt != 0)
		msg_warn("unknown option -%c", optopt);
	else
		msg_warn("unknown option %s", argv[optind - 1]);
}

void
msg_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, 0, 0, fmt, ap);
	va_end(ap);
	exit(status);
}
