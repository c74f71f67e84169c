/* checkpoint.h: msi-load's --state: how much of the input is answered, for a resumed run. */
#ifndef MSI_CHECKPOINT_H
#define MSI_CHECKPOINT_H

#include "inputid.h"
#include "objects.h"

struct checkpoint {
	const char *path;             /* --state */
	const struct mkto_def *obj;   /* the object the input is of */
	struct inputs inputs;         /* the input files as identified: what it is of */
	unsigned long acked;          /* records at the start of the input fully answered */
	unsigned long skip;           /* ... by the runs before: not sent again */
	unsigned long results_before; /* result lines of the runs before */
};

int checkpoint_read(
    struct checkpoint *c, const char *path, const struct mkto_def *obj, char **files);
void checkpoint_write(struct checkpoint *c, unsigned long results);
void checkpoint_free(struct checkpoint *c);

#endif
