/* ealloc.h: allocation that ends the program with a message instead of returning NULL. */
#ifndef MSI_EALLOC_H
#define MSI_EALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *emalloc(size_t size);
void *ecalloc(size_t n, size_t size);
void *erealloc(void *p, size_t size);
char *estrdup(const char *s);
char *evasprintf(const char *fmt, va_list ap);
char *easprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
