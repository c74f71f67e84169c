/* rowpipe.h: CSV rows handed from a reading thread to a writing thread in batches. */
#ifndef MSI_ROWPIPE_H
#define MSI_ROWPIPE_H

#include <stddef.h>

#include "csvin.h"

enum rowpipe_kind {
	ROWPIPE_FILE,   /* the next file starts; errnum says whether it opened */
	ROWPIPE_HEADER, /* its header row */
	ROWPIPE_ROW,    /* a data row */
	ROWPIPE_END     /* no more input; errnum is a read error, or 0 */
};

/* One item as the writing side sees it; borrowed until the next rowpipe_next. */
struct rowpipe_item {
	enum rowpipe_kind kind;
	size_t file; /* index of the file in the reader's list */
	int errnum;
	struct csvin_row row; /* for HEADER and ROW */
};

/* What the reader found of a file, known once it is read. */
struct rowpipe_file {
	enum textenc encoding; /* what the file was read as */
	unsigned long nul;     /* NUL bytes dropped */
	int read;              /* the file was read to its end */
	int spool_failed;      /* a stream could not be copied to decide its encoding */
};

struct rowpipe;

struct rowpipe *rowpipe_start(char *const *paths, const struct csvin_opts *opts);
int rowpipe_next(struct rowpipe *p, struct rowpipe_item *item);
void rowpipe_stop(struct rowpipe *p);
void rowpipe_finish(struct rowpipe *p, struct rowpipe_file *files);

#endif
