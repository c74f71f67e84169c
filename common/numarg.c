/* numarg.c: whole-number option arguments. */
#include <errno.h>
#include <stdlib.h>

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
