/*
 * finish.c: how every tool ends its run. The order is the same in each:
 * standard output and the rejects file closed (a lost write is status 4,
 * MSI_EXIT_IO), the tool's summary, records set aside turned into status
 * 1 (MSI_EXIT_REJECTS), then the --stats-json file with the final status.
 * A failure of a later step never hides a worse status found before it:
 * an output lost raises only a status of 0 or 1.
 */
#include <stdio.h>

#include "exitcode.h"
#include "finish.h"
#include "fshut.h"
#include "msg.h"
#include "stats.h"

/* Whether status may become MSI_EXIT_IO: nothing worse was found. */
static int
may_raise(int status)
{
	return status == MSI_EXIT_OK || status == MSI_EXIT_REJECTS;
}

int
finish_run(const struct finish *f, int status)
{
	json_t *counts;

	if (fshut(stdout, "stdout") != 0 && may_raise(status))
		status = MSI_EXIT_IO;
	if (f->rejects != NULL && fshut(f->rejects, f->rejects_name) != 0 && may_raise(status))
		status = MSI_EXIT_IO;
	if (f->summary != NULL)
		f->summary(f->ctx, status);
	if (status == MSI_EXIT_OK && f->rejected > 0) {
		if (f->noun != NULL)
			msg_warn("%s rejected: %lu, see %s", f->noun, f->rejected,
			    f->rejects_name ? f->rejects_name : "the messages above");
		status = MSI_EXIT_REJECTS;
	}
	if (f->stats_file != NULL && f->stats != NULL) {
		counts = f->stats(f->ctx, status);
		json_object_set_new(counts, "status", json_integer(status));
		if (stats_write(f->stats_file, counts) != 0 && may_raise(status))
			status = MSI_EXIT_IO;
	}
	return status;
}
