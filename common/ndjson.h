/* ndjson.h: one JSON object per line, in and out. */
#ifndef MSI_NDJSON_H
#define MSI_NDJSON_H

#include <stdio.h>

#include <jansson.h>

#define NDJSON_ERROR_SIZE 256

/* The longest line read: a record of msi-extract's largest row, escaped. */
#define NDJSON_MAX_LINE ((size_t)256 << 20)

struct ndjson_reader {
	FILE *fp;
	const char *name;   /* for messages: a file name or "<stdin>" */
	unsigned long line; /* line of the object last read */
	char *buf;
	size_t size;
	char error[256]; /* why the last line was refused */
	size_t max_line; /* longer lines are refused; NDJSON_MAX_LINE unless set */
};

enum ndjson_result {
	NDJSON_EOF = 0,
	NDJSON_OBJECT = 1,
	NDJSON_BADLINE = -1, /* r->error says why; reading can go on */
	NDJSON_READERR = -2  /* errno says why */
};

void ndjson_reader_init(struct ndjson_reader *r, FILE *fp, const char *name);
enum ndjson_result ndjson_read(struct ndjson_reader *r, json_t **obj);
enum ndjson_result ndjson_read_text(struct ndjson_reader *r, size_t *len);
enum ndjson_result ndjson_parse_text(struct ndjson_reader *r, size_t len, json_t **obj);
void ndjson_reader_free(struct ndjson_reader *r);
int ndjson_write(FILE *fp, const json_t *obj);
int ndjson_emit(FILE *fp, const char *name, json_t *obj);

/* Called for each object of a file; nonzero stops the reading and is returned. */
typedef int (*ndjson_fn)(void *ctx, json_t *obj, unsigned long line);
int ndjson_each(const char *path, ndjson_fn fn, void *ctx);

/* Whether a line of a file rewritten stays (1) or goes (0); *instead: a line in its place. */
typedef int (*ndjson_keep_fn)(void *ctx, json_t *obj, json_t **instead);
int ndjson_rewrite(const char *path, ndjson_keep_fn keep, void *ctx, const char *append);

#endif
