/* fshut.h: closing an output stream so that a lost write is an error, not silence. */
#ifndef MSI_FSHUT_H
#define MSI_FSHUT_H

#include <stdio.h>
#include <stdnoreturn.h>

int fshut(FILE *fp, const char *name);
int fwrite_failed(FILE *fp, const char *name);
int fwritten(FILE *fp, const char *name);
FILE *fopen_private(const char *path, int append);
FILE *fopen_tmp(const char *tmp);
int fcommit(FILE *fp, const char *tmp, const char *path);
noreturn void usage_exit(int status);

#endif
