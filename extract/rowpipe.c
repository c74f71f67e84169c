/* rowpipe.c: CSV rows handed from a reading thread to a writing thread in batches. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "exitcode.h"
#include "jsonbuf.h"
#include "msg.h"
#include "rowpipe.h"

/*
 * Parsing CSV (libcsv) and encoding JSON cost about the same, so each has
 * a thread: the reader parses into a batch, the writer encodes the batch
 * before it. Batches come from a fixed pool, so memory does not grow with
 * the input: a reader that gets ahead waits for a free batch.
 */
#define POOL        4
#define BATCH_ROWS  1024
#define BATCH_BYTES (256 * 1024)

struct entry {
	enum rowpipe_kind kind;
	size_t file;
	int errnum;
	unsigned long line, last_line;
	int quoting, cut;
	size_t nfields, field0; /* its fields are off/len[field0 ...] */
	size_t raw, rawlen;     /* offsets into bytes */
	size_t error;           /* offset of a NUL-terminated reason, or NONE */
};
#define NONE ((size_t)-1)

struct batch {
	struct jsonbuf bytes;
	struct entry *e;
	size_t n, cap;
	size_t *off, *len;
	size_t nf, fcap;
	const char **ptr; /* the writer's view of one row's fields */
	size_t ptrcap;
};

struct rowpipe {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct batch pool[POOL];
	struct batch *free_[POOL], *full[POOL];
	size_t nfree, nfull, fullhead;
	int stop; /* the writer wants no more */

	pthread_t thread;
	char *const *paths;
	struct csvin_opts opts;
	struct batch *cur; /* the reader's batch */
	size_t file;
	struct rowpipe_file *files; /* one for each path */

	struct batch *out; /* the writer's batch */
	size_t outpos;
	int ended; /* the writer has had the END item */
};

static struct batch *
take_free(struct rowpipe *p)
{
	struct batch *b;

	pthread_mutex_lock(&p->lock);
	while (p->nfree == 0)
		pthread_cond_wait(&p->changed, &p->lock);
	b = p->free_[--p->nfree];
	pthread_mutex_unlock(&p->lock);
	b->bytes.len = b->n = b->nf = 0;
	return b;
}

static void
hand_over(struct rowpipe *p)
{
	pthread_mutex_lock(&p->lock);
	p->full[(p->fullhead + p->nfull++) % POOL] = p->cur;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	p->cur = NULL;
}

static int
stopped(struct rowpipe *p)
{
	int s;

	pthread_mutex_lock(&p->lock);
	s = p->stop;
	pthread_mutex_unlock(&p->lock);
	return s;
}

/*
 * A new entry in the reader's batch; NULL when the writer has stopped, which
 * is looked at when a batch is handed over (END entries are always added).
 */
static struct entry *
add_entry(struct rowpipe *p, enum rowpipe_kind kind, int errnum)
{
	struct batch *b;
	struct entry *e;

	if (p->cur != NULL && (p->cur->n >= BATCH_ROWS || p->cur->bytes.len >= BATCH_BYTES))
		hand_over(p);
	if (p->cur == NULL) {
		if (kind != ROWPIPE_END && stopped(p))
			return NULL;
		p->cur = take_free(p);
	}
	b = p->cur;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : BATCH_ROWS;
		b->e = erealloc(b->e, b->cap * sizeof *b->e);
	}
	e = &b->e[b->n++];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->file = p->file;
	e->errnum = errnum;
	e->error = NONE;
	return e;
}

/* The reader's csvin callback: a copy of the row goes into the batch. */
static int
copy_row(struct rowpipe *p, const struct csvin_row *row, enum rowpipe_kind kind)
{
	struct entry *e;
	struct batch *b;
	size_t i;

	if ((e = add_entry(p, kind, 0)) == NULL)
		return 1;
	b = p->cur;
	e->line = row->line;
	e->last_line = row->last_line;
	e->quoting = row->quoting;
	e->cut = row->cut;
	e->nfields = row->nfields;
	e->field0 = b->nf;
	if (b->nf + row->nfields > b->fcap) {
		while (b->nf + row->nfields > b->fcap)
			b->fcap = b->fcap ? b->fcap * 2 : 4096;
		b->off = erealloc(b->off, b->fcap * sizeof *b->off);
		b->len = erealloc(b->len, b->fcap * sizeof *b->len);
	}
	for (i = 0; i < row->nfields; i++) {
		b->off[b->nf] = b->bytes.len + (size_t)(row->field[i] - row->field[0]);
		b->len[b->nf++] = row->len[i];
	}
	if (row->nfields > 0)
		jsonbuf_add(&b->bytes, row->field[0],
		    (size_t)(row->field[row->nfields - 1] - row->field[0]) +
		        row->len[row->nfields - 1]);
	e->raw = b->bytes.len;
	e->rawlen = row->rawlen;
	jsonbuf_add(&b->bytes, row->raw, row->rawlen);
	if (row->error != NULL) {
		e->error = b->bytes.len;
		jsonbuf_add(&b->bytes, row->error, strlen(row->error) + 1);
	}
	return 0;
}

static int
copy_header(void *ctx, const struct csvin_row *row)
{
	return copy_row(ctx, row, ROWPIPE_HEADER);
}

static int
copy_data(void *ctx, const struct csvin_row *row)
{
	return copy_row(ctx, row, ROWPIPE_ROW);
}

static void *
reader(void *arg)
{
	struct rowpipe *p = arg;
	struct csvin *c;
	FILE *fp;
	int r = 0, errnum = 0;

	for (p->file = 0; p->paths[p->file] != NULL && r == 0; p->file++) {
		if (strcmp(p->paths[p->file], "-") == 0) {
			fp = stdin;
		} else if ((fp = fopen(p->paths[p->file], "rb")) == NULL) {
			add_entry(p, ROWPIPE_FILE, errno);
			break;
		}
		if (add_entry(p, ROWPIPE_FILE, 0) == NULL) {
			if (fp != stdin)
				fclose(fp);
			break;
		}
		c = csvin_new(&p->opts, copy_header, copy_data, p);
		if ((r = csvin_read(c, fp)) == CSVIN_READ_ERROR)
			errnum = errno ? errno : EIO;
		p->files[p->file].encoding = csvin_encoding(c);
		p->files[p->file].nul = csvin_nul(c);
		p->files[p->file].read = r == 0;
		p->files[p->file].spool_failed = csvin_spool_failed(c);
		csvin_free(c);
		if (fp != stdin)
			fclose(fp);
		if (errnum != 0)
			break;
	}
	add_entry(p, ROWPIPE_END, errnum);
	hand_over(p);
	return NULL;
}

struct rowpipe *
rowpipe_start(char *const *paths, const struct csvin_opts *opts)
{
	struct rowpipe *p = ecalloc(1, sizeof *p);
	int i;

	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->changed, NULL);
	for (i = 0; i < POOL; i++)
		p->free_[p->nfree++] = &p->pool[i];
	p->paths = paths;
	for (i = 0; paths[i] != NULL; i++)
		;
	p->files = ecalloc((size_t)i + 1, sizeof *p->files);
	p->opts = *opts;
	if ((errno = pthread_create(&p->thread, NULL, reader, p)) != 0)
		msg_sysfatal(MSI_EXIT_IO, "cannot start the reading thread");
	return p;
}

/*
 * The writer's side: fills item with the next item. Returns 1, or 0 after
 * the END item. A batch goes back to the pool once it has been read out.
 */
int
rowpipe_next(struct rowpipe *p, struct rowpipe_item *item)
{
	struct batch *b;
	struct entry *e;
	size_t i;

	if (p->out != NULL && p->outpos == p->out->n) {
		pthread_mutex_lock(&p->lock);
		p->free_[p->nfree++] = p->out;
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->lock);
		p->out = NULL;
	}
	if (p->out == NULL) {
		pthread_mutex_lock(&p->lock);
		while (p->nfull == 0)
			pthread_cond_wait(&p->changed, &p->lock);
		p->out = p->full[p->fullhead];
		p->fullhead = (p->fullhead + 1) % POOL;
		p->nfull--;
		pthread_mutex_unlock(&p->lock);
		p->outpos = 0;
	}
	b = p->out;
	e = &b->e[p->outpos++];
	item->kind = e->kind;
	p->ended = e->kind == ROWPIPE_END;
	item->file = e->file;
	item->errnum = e->errnum;
	if (e->kind == ROWPIPE_HEADER || e->kind == ROWPIPE_ROW) {
		if (e->nfields > b->ptrcap) {
			b->ptrcap = e->nfields * 2;
			b->ptr = erealloc(b->ptr, b->ptrcap * sizeof *b->ptr);
		}
		for (i = 0; i < e->nfields; i++)
			b->ptr[i] = b->bytes.data + b->off[e->field0 + i];
		item->row.line = e->line;
		item->row.last_line = e->last_line;
		item->row.quoting = e->quoting;
		item->row.cut = e->cut;
		item->row.nfields = e->nfields;
		item->row.field = b->ptr;
		item->row.len = b->len + e->field0;
		item->row.raw = b->bytes.data ? b->bytes.data + e->raw : "";
		item->row.rawlen = e->rawlen;
		item->row.error = e->error == NONE ? NULL : b->bytes.data + e->error;
	}
	return e->kind != ROWPIPE_END;
}

/* The writer wants no more rows: the reader ends at its next look. */
void
rowpipe_stop(struct rowpipe *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_mutex_unlock(&p->lock);
}

/*
 * Drains what the reader still sends, waits for it, frees everything.
 * files, if not NULL, gets what the reader found of each file.
 */
void
rowpipe_finish(struct rowpipe *p, struct rowpipe_file *files)
{
	struct rowpipe_item item;
	int i;

	while (!p->ended && rowpipe_next(p, &item))
		;
	pthread_join(p->thread, NULL);
	if (files != NULL)
		for (i = 0; p->paths[i] != NULL; i++)
			files[i] = p->files[i];
	free(p->files);
	for (i = 0; i < POOL; i++) {
		jsonbuf_free(&p->pool[i].bytes);
		free(p->pool[i].e);
		free(p->pool[i].off);
		free(p->pool[i].len);
		free(p->pool[i].ptr);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->changed);
	free(p);
}
