/* csvin.h: Salesforce CSV exports read row by row, with positions and raw text. */
#ifndef MSI_CSVIN_H
#define MSI_CSVIN_H

#include <stddef.h>
#include <stdio.h>

#include "textenc.h"

struct csvin_opts {
	unsigned char delim;   /* ',' unless set */
	enum textenc encoding; /* csvin_read's input; TEXTENC_AUTO: decided from it */
	size_t max_row;        /* a row's bytes at most; 0: CSVIN_MAX_ROW */
};

/* The default limit of a row's size: far above Salesforce's largest records. */
#define CSVIN_MAX_ROW ((size_t)64 << 20)

/* One row; everything in it is borrowed and valid during the callback. */
struct csvin_row {
	unsigned long line; /* physical line the row starts on, from 1 */
	size_t nfields;
	const char *const *field; /* field[i] is len[i] bytes, not NUL-terminated; */
	                          /* the fields lie end to end from field[0] */
	const size_t *len;
	const char *raw; /* the row's text as read, line ends included */
	size_t rawlen;
	const char *error;       /* NULL, or why the row is unusable */
	unsigned long last_line; /* physical line the row ends on */
	int quoting; /* error is a quoting error: the row may hold other rows' lines */
	int cut;     /* the input ends inside this row (a quoted field left open, */
	             /* or fewer fields than the header and no line end): */
	             /* probably cut short, rows after it lost */
};

/* Returns 0 to go on; anything else stops the reader, which returns it. */
typedef int (*csvin_fn)(void *ctx, const struct csvin_row *row);

struct csvin;

struct csvin *csvin_new(
    const struct csvin_opts *opts, csvin_fn header_fn, csvin_fn row_fn, void *ctx);
int csvin_feed(struct csvin *c, const char *buf, size_t len);
int csvin_finish(struct csvin *c);
int csvin_read(struct csvin *c, FILE *fp);
enum textenc csvin_encoding(const struct csvin *c);
unsigned long csvin_nul(const struct csvin *c);
int csvin_spool_failed(const struct csvin *c);
unsigned long csvin_lines(const struct csvin *c);
void csvin_free(struct csvin *c);

/* csvin_read's result when reading fp failed; errno says why. */
#define CSVIN_READ_ERROR (-1)

#endif
