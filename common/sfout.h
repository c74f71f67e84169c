/* sfout.h: Salesforce updates written out: NDJSON records or Bulk API 2.0 CSV files. */
#ifndef MSI_SFOUT_H
#define MSI_SFOUT_H

#include <stdio.h>

#include <jansson.h>

#include "msifields.h"

#define SFOUT_TYPES 2

struct sfout_file {
	const char *type; /* Lead or Contact */
	char *path, *tmp;
	FILE *fp;
	unsigned long rows;
};

struct sfout {
	const char *dir; /* --csv; NULL: NDJSON on standard output */
	const struct fields *fs;
	struct sfout_file file[SFOUT_TYPES];
};

void sfout_open(struct sfout *o, const char *dir, const struct fields *fs);
int sfout_write(struct sfout *o, json_t *rec);
int sfout_close(struct sfout *o);
void sfout_csv_value(FILE *fp, const json_t *v);

#endif
