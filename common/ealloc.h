/* ealloc.h: allocation that ends the program with a message instead of returning NULL. */
#ifndef MSI_EALLOC_H
#define MSI_EALLOC_H

#include <stddef.h>

void *emalloc(size_t size);
void *ecalloc(size_t n, size_t size);
void *erealloc(void *p, size_t size);
char *estrdup(const char *s);

#endif
