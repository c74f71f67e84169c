/* stats.h: a tool's counts as one JSON object in a file, for scripts (--stats-json). */
#ifndef MSI_STATS_H
#define MSI_STATS_H

#include <jansson.h>

int stats_write(const char *path, json_t *stats);

#endif
