/* numarg.c: whole-number option arguments. */
#include <errno.h>
#include <stdlib.h>

#include "exitcode.h"
#include "msg.h"
#include "numarg.h"

/* Sets *v to s, a decimal number of at least min; returns 0, or -1 for anything else. */
int
numarg(const char *s, long min, long *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < min)
		return -1;
	*v = n;
	return 0;
}

/* An option's number, or a message and the tool's usage, which exits with status 2. */
long
numarg_or_usage(const char *s, const char *what, long min, void (*usage)(FILE *, int))
{
	long v;

	if (numarg(s, min, &v) != 0) {
		msg_warn("bad %s \"%s\"", what, s);
		usage(stderr, MSI_EXIT_USAGE);
	}
	return v;
}
