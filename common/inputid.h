/* inputid.h: which input files a state was made for: their names, sizes, contents, records. */
#ifndef MSI_INPUTID_H
#define MSI_INPUTID_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <jansson.h>

/* One input file, as a state keeps it. */
struct inputid {
	uint64_t size;
	uint64_t hash;         /* 64-bit FNV-1a of its bytes */
	uint64_t records;      /* its lines that ndjson_read returns: those not blank */
	struct timespec mtime; /* not kept: for a state written before identities were */
};

/* The input files of a run, each identified. */
struct inputs {
	char *const *names; /* as given: borrowed */
	int n;
	struct inputid *id; /* one a file */
	uint64_t records;   /* theirs, summed */
};

enum inputs_verdict {
	INPUTS_SAME,  /* the state was made for these inputs */
	INPUTS_OTHER, /* for others, or it cannot tell and they changed since: why says */
	INPUTS_BAD    /* its "input" or "identity" is not what a tool writes: why says */
};

int inputs_identify(struct inputs *in, char *const *names, int n);
void inputs_free(struct inputs *in);
json_t *inputs_names(const struct inputs *in);
json_t *inputs_identity(const struct inputs *in);
enum inputs_verdict inputs_compare(const struct inputs *in, const json_t *state,
    const struct stat *state_st, uint64_t *records, char *why, size_t size);
int inputs_other(
    const struct inputs *in, const char *state_name, const char *why, const char *settled);

#endif
