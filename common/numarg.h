/* numarg.h: whole-number option arguments. */
#ifndef MSI_NUMARG_H
#define MSI_NUMARG_H

int numarg(const char *s, long min, long *v);

#endif
