/* numarg.h: whole-number option arguments. */
#ifndef MSI_NUMARG_H
#define MSI_NUMARG_H

#include <stdio.h>

int numarg(const char *s, long min, long *v);
int numarg_size(const char *s, long min, long *v);
long numarg_or_usage(const char *s, const char *what, long min, void (*usage)(FILE *, int));
long numarg_range_or_usage(const char *s, const char *name, long min, long max,
    const char *range, void (*usage)(FILE *, int));

#endif
