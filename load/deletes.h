/* deletes.h: msi-load's deletes: records known to be in Marketo that left Salesforce. */
#ifndef MSI_DELETES_H
#define MSI_DELETES_H

#include <stdio.h>

#include <jansson.h>

#include "landed.h"
#include "mkclient.h"
#include "objects.h"

/*
 * Which known records are gone: those the input lacks (--delete-missing, a
 * whole export), or only those the --keep files say Salesforce deleted or
 * converted (--delete-listed, an input of what changed).
 */
#define DELETE_MISSING 1
#define DELETE_LISTED  2

struct deletes {
	const struct mkto_def *obj;
	int is_lead;
	int mode;             /* DELETE_MISSING or DELETE_LISTED, or 0: none */
	int leads;            /* --delete-leads */
	double max_delete;    /* percent of the known */
	const char *out_name; /* --deletes */
	FILE *out;
	json_t *keep; /* --keep: keys set aside but not gone (true), or gone by */
	              /* IsDeleted/IsConverted ("deleted", "converted") */
	unsigned long unkeyed, planned, deleted, listed, not_deleted, calls;
	int refused, held;
	char hold[512]; /* why deletes are held (--hold-deletes, a reject's holds_deletes), or
	                   "" */
	unsigned long holds; /* the reasons met: the first is told */
	int hold_listed;     /* --hold-deletes: IsDeleted/IsConverted deletes held too */
	double needed;       /* the percent that would have let refused deletes go */
	int name;            /* a dry run reads each record to delete back (--check) */
	json_t *found;       /* a dry run's batch: the filter value -> Marketo's record */
};

void deletes_init(struct deletes *d, const struct mkto_def *obj, int mode, int leads,
    double max_delete, const char *out_name);
void deletes_hold(struct deletes *d, const char *why, int listed_too);
int deletes_keep(struct deletes *d, const char *path);
void deletes_report(struct deletes *d, int append);
int deletes_run(struct deletes *d, struct landed *s, struct mkclient *mk, int dry);
int deletes_close(struct deletes *d);
void deletes_stats(const struct deletes *d, json_t *stats);

#endif
