/* ealloc.c: allocation that ends the program with a message instead of returning NULL. */
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
