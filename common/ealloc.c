/* ealloc.c: allocation that ends the program with a message instead of returning NULL. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "exitcode.h"
#include "msg.h"

static void *
checked(void *p)
{
	if (p == NULL)
		msg_fatal(MSI_EXIT_IO, "out of memory");
	return p;
}

void *
emalloc(size_t size)
{
	return checked(malloc(size ? size : 1));
}

void *
ecalloc(size_t n, size_t size)
{
	return checked(calloc(n ? n : 1, size ? size : 1));
}

void *
erealloc(void *p, size_t size)
{
	return checked(realloc(p, size ? size : 1));
}

char *
estrdup(const char *s)
{
	return checked(strdup(s));
}

/* A new string, as vsprintf would write it; the caller frees it. */
char *
evasprintf(const char *fmt, va_list ap)
{
	va_list again;
	char *s;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	s = emalloc((size_t)(n < 0 ? 0 : n) + 1);
	vsnprintf(s, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	return s;
}

/* A new string, as sprintf would write it; the caller frees it. */
char *
easprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = evasprintf(fmt, ap);
	va_end(ap);
	return s;
}
