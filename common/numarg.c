/* numarg.c: whole-number option arguments. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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
	return numarg_range_or_usage(s, what, min, LONG_MAX, NULL, usage);
}

/*
 * The option name's argument s, a whole number from min to max; else a
 * message (with range, what the option takes, when given) and the usage,
 * which exits.
 */
long
numarg_range_or_usage(const char *s, const char *name, long min, long max, const char *range,
    void (*usage)(FILE *, int))
{
	long v;

	if (numarg(s, min, &v) != 0 || v > max) {
		if (range != NULL)
			msg_warn("bad %s \"%s\": %s", name, s, range);
		else
			msg_warn("bad %s \"%s\"", name, s);
		usage(stderr, MSI_EXIT_USAGE);
	}
	return v;
}

/*
 * Sets *v to s, a size in bytes of at least min: a decimal number, with K,
 * M or G (either case) for 1024, 1024^2 or 1024^3 of them. Returns 0 or -1.
 */
int
numarg_size(const char *s, long min, long *v)
{
	static const char units[] = "kmg";
	const char *u;
	char *end;
	long n, scale = 1;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || n < 0)
		return -1;
	if (*end != '\0') {
		if (end[1] != '\0' || (u = strchr(units, *end | 0x20)) == NULL)
			return -1;
		scale = 1L << (10 * (u - units + 1));
	}
	if (n > LONG_MAX / scale || n * scale < min)
		return -1;
	*v = n * scale;
	return 0;
}
