/* unit.h: the checks the C unit tests make, and how they report them. */
#ifndef MSI_UNIT_H
#define MSI_UNIT_H

#include <stdio.h>
#include <string.h>

/*
 * Each check prints "ok NAME" or "FAIL NAME: why" on its own line; the
 * runner counts those lines. A program exits 1 when any check failed.
 */
static int unit_failed;

#define CHECK(name, cond)                                                                 \
	do {                                                                              \
		if (cond) {                                                               \
			printf("ok %s\n", name);                                          \
		} else {                                                                  \
			printf("FAIL %s: %s (%s:%d)\n", name, #cond, __FILE__, __LINE__); \
			unit_failed = 1;                                                  \
		}                                                                         \
	} while (0)

#define CHECK_STR(name, got, want)                                                 \
	do {                                                                       \
		const char *g_ = (got), *w_ = (want);                              \
		if (g_ != NULL && strcmp(g_, w_) == 0) {                           \
			printf("ok %s\n", name);                                   \
		} else {                                                           \
			printf("FAIL %s: got \"%s\", want \"%s\" (%s:%d)\n", name, \
			    g_ ? g_ : "(null)", w_, __FILE__, __LINE__);           \
			unit_failed = 1;                                           \
		}                                                                  \
	} while (0)

#endif
