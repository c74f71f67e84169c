/* convert.h: Salesforce export values turned into the JSON values Marketo expects. */
#ifndef MSI_CONVERT_H
#define MSI_CONVERT_H

#include <stddef.h>

#include "jsonbuf.h"

enum conv_type {
	CONV_STRING,
	CONV_ID, /* a Salesforce id: 18 characters, or null */
	CONV_INTEGER,
	CONV_NUMBER,
	CONV_BOOLEAN,
	CONV_DATE,    /* YYYY-MM-DD */
	CONV_DATETIME /* YYYY-MM-DDTHH:MM:SSZ, in UTC */
};

struct conv_opts {
	char date_order; /* local dates: 'd' day first; 'm' or 0 month first (Data Loader's) */
	long utc_offset; /* seconds east of UTC of times that name no zone */
};

#define CONV_WHY_SIZE 160

int conv_type_parse(const char *name, enum conv_type *type);
const char *conv_type_name(enum conv_type type);
int conv_integer(struct jsonbuf *out, const char *s, size_t n, char why[CONV_WHY_SIZE]);
int conv_number(struct jsonbuf *out, const char *s, size_t n, char why[CONV_WHY_SIZE]);
int conv_boolean(struct jsonbuf *out, const char *s, size_t n, char why[CONV_WHY_SIZE]);
int conv_date(struct jsonbuf *out, const char *s, size_t n, const struct conv_opts *o,
    char why[CONV_WHY_SIZE]);
int conv_datetime(struct jsonbuf *out, const char *s, size_t n, const struct conv_opts *o,
    char why[CONV_WHY_SIZE]);

#endif
