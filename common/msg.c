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

/* The message, and ": " and errno's text when syserr is not 0 (errno as it was). */
static void
vmsg(const char *file, unsigned long line, int syserr, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", msg_prog);
	if (file != NULL) {
		if (line > 0)
			fprintf(stderr, "%s:%lu: ", file, line);
		else
			fprintf(stderr, "%s: ", file);
	}
	vfprintf(stderr, fmt, ap);
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
