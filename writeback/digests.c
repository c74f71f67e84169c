/* digests.c: what was last sent for each person (--state), to send only what moved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "digests.h"
#include "exitcode.h"
#include "msg.h"
#include "ndjson.h"
#include "sfid.h"
#include "statefile.h"

/* Why a state line's Id and digest (borrowed) are not what digests_save writes, or NULL. */
static const char *
line_bad(const struct digests *d, const json_t *id, const json_t *dg)
{
	char norm[SFID_LEN + 1], why[SFID_WHY_SIZE];

	if (!json_is_string(id) || !json_is_integer(dg))
		return "not a state line ({\"Id\":..., \"digest\":...})";
	if (sfid_normalize(json_string_value(id), json_string_length(id), norm, why) !=
	    SFID_VALID)
		return "Id: not an 18-character Salesforce id";
	if (json_object_get(d->by_id, json_string_value(id)) != NULL)
		return "Id: on an earlier line too";
	if (json_integer_value(dg) < 0)
		return "digest: negative, not one msi-writeback makes";
	return NULL;
}

/*
 * Reads the state: one {"Id":..., "digest":...} a line, each checked as if
 * edited by hand: an 18-character Salesforce id, once, and a digest as
 * digest_of makes them (from 0 to 2^63 - 1). A state that does not exist
 * yet is empty; one that cannot be read, or is not what digests_save
 * writes, stops the run (status 3, naming the line and the member).
 */
void
digests_load(struct digests *d, const char *path)
{
	struct ndjson_reader r;
	enum ndjson_result res;
	json_t *line, *id, *dg;
	const char *bad;
	struct statefile sf;
	FILE *fp;
	int status;

	d->path = path;
	d->by_id = json_object();
	d->loaded = 0;
	/* read whole, replaced whole (digests_save): no lock is held */
	if ((status = statefile_open(&sf, path, 0)) != 0)
		exit(status);
	if (sf.fd < 0)
		return;
	/* /dev/zero never ends */
	if ((status = statefile_regular(&sf, MSI_EXIT_IO)) != 0)
		exit(status);
	if ((fp = statefile_reader(&sf)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", path);
	statefile_close(&sf);
	ndjson_reader_init(&r, fp, path);
	while ((res = ndjson_read(&r, &line)) != NDJSON_EOF) {
		if (res == NDJSON_READERR)
			msg_sysfatal(MSI_EXIT_IO, "%s", path);
		if (res == NDJSON_BADLINE) {
			msg_at(path, r.line, "%s", r.error);
			exit(MSI_EXIT_BADINPUT);
		}
		id = json_object_get(line, "Id");
		dg = json_object_get(line, "digest");
		if ((bad = line_bad(d, id, dg)) != NULL) {
			json_decref(line);
			msg_at(path, r.line, "%s", bad);
			exit(MSI_EXIT_BADINPUT);
		}
		json_object_set(d->by_id, json_string_value(id), dg);
		d->loaded++;
		json_decref(line);
	}
	ndjson_reader_free(&r);
	fclose(fp);
}

/* Whether the update differs from the one last written for id; if so it is remembered. */
int
digests_changed(struct digests *d, const char *id, json_t *update)
{
	json_int_t h = digest_of(update);
	json_t *old = json_object_get(d->by_id, id);

	if (json_is_integer(old) && json_integer_value(old) == h)
		return 0;
	json_object_set_new(d->by_id, id, json_integer(h));
	return 1;
}

/*
 * Writes the state beside its name, syncs it, and renames it over the old
 * one: a crash leaves the old state or the new, never half of one.
 */
void
digests_save(struct digests *d)
{
	struct statefile sf;
	const char *id;
	json_t *v, *line;
	FILE *fp;

	statefile_init(
	    &sf, d->path); /* no lock: msi-writeback reads it whole, then replaces it */
	if ((fp = statefile_begin(&sf)) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "%s", sf.tmp);
	json_object_foreach (d->by_id, id, v) {
		line = json_pack("{s:s, s:O}", "Id", id, "digest", v);
		if (ndjson_write(fp, line) != 0)
			msg_sysfatal(MSI_EXIT_IO, "%s", sf.tmp);
		json_decref(line);
	}
	if (statefile_commit(&sf) != 0)
		msg_sysfatal(MSI_EXIT_IO, "%s", d->path);
}

void
digests_free(struct digests *d)
{
	json_decref(d->by_id);
	d->by_id = NULL;
}

/* Drops a person's digest (id: 18 characters), so that the next run writes its update again; 1
 * if it was kept. */
int
digests_forget(struct digests *d, const char *id)
{
	return json_object_del(d->by_id, id) == 0;
}
