/*
 * keyfile.c: msi-verify's tables, kept on disk instead of in memory: what
 * the run sent, what the state says landed, the ids asked for and what
 * Marketo answered, each a scratch file of keyed lines sorted by sort(1)
 * (common/keysort.c) and then merged with the others key by key. Memory
 * holds a line (and keyfile_lookup's group of one key) at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "ealloc.h"
#include "exitcode.h"
#include "keyfile.h"
#include "keysort.h"
#include "msg.h"

/* An empty keyfile on a new scratch file; ends the run when TMPDIR cannot hold one. */
void
keyfile_open(struct keyfile *kf, const char *what)
{
	memset(kf, 0, sizeof *kf);
	kf->what = what;
	if ((kf->fp = scratch_file("verify")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "a scratch file for %s in TMPDIR", what);
}

/* key as the file keeps it (keysort_key): borrowed, valid until the next call. */
const char *
keyfile_escape(struct keyfile *kf, const char *key)
{
	return keysort_key(&kf->esc, key);
}

/* An escaped key made the key again, in place (keysort_key's \xHH undone). */
void
keyfile_unescape(char *key)
{
	char *in = key, *out = key, hex[3] = {0, 0, 0};

	while (*in != '\0') {
		if (in[0] == '\\' && in[1] == 'x' && in[2] != '\0' && in[3] != '\0') {
			hex[0] = in[2];
			hex[1] = in[3];
			*out++ = (char)strtoul(hex, NULL, 16);
			in += 4;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
}

static void
write_failed(struct keyfile *kf)
{
	msg_sysfatal(MSI_EXIT_IO, "%s: writing a scratch file in TMPDIR", kf->what);
}

/* Puts a line: an escaped key and rest (no line break in it). */
void
keyfile_put(struct keyfile *kf, const char *escaped, const char *rest)
{
	if (fputs(escaped, kf->fp) == EOF || putc('\t', kf->fp) == EOF ||
	    fputs(rest, kf->fp) == EOF || putc('\n', kf->fp) == EOF)
		write_failed(kf);
	kf->lines++;
}

/* Puts a line: key (escaped here) and rest (borrowed), as compact JSON. */
void
keyfile_put_json(struct keyfile *kf, const char *key, json_t *rest)
{
	if (fputs(keyfile_escape(kf, key), kf->fp) == EOF || putc('\t', kf->fp) == EOF ||
	    json_dumpf(rest, kf->fp, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) !=
	        0 ||
	    putc('\n', kf->fp) == EOF)
		write_failed(kf);
	kf->lines++;
}

/*
 * The lines put, sorted by key (lines of a key in the order they were put
 * when stable), into a new scratch file that replaces the old one, ready
 * to read. sort(1) failing ends the run (status 4: TMPDIR, most likely).
 */
void
keyfile_sort(struct keyfile *kf, int stable)
{
	struct keysort ks;
	FILE *out;
	char *line = NULL, *key, *rest, *tab;
	size_t size = 0, restlen;
	ssize_t len;
	int got;

	if (fflush(kf->fp) == EOF)
		write_failed(kf);
	rewind(kf->fp);
	if ((out = scratch_file("verify")) == NULL)
		msg_sysfatal(MSI_EXIT_IO, "a scratch file for %s in TMPDIR", kf->what);
	if (keysort_start(&ks, kf->what, stable) != 0)
		exit(MSI_EXIT_IO);
	while ((len = getline(&line, &size, kf->fp)) > 0) {
		line[--len] = '\0';
		tab = strchr(line, '\t');
		*tab = '\0';
		if (keysort_put(&ks, line, tab + 1, (size_t)(line + len - tab - 1)) != 0) {
			keysort_end(&ks);
			exit(MSI_EXIT_IO);
		}
	}
	if (ferror(kf->fp))
		msg_sysfatal(MSI_EXIT_IO, "%s: reading a scratch file", kf->what);
	free(line);
	if (keysort_sorted(&ks) != 0) {
		keysort_end(&ks);
		exit(MSI_EXIT_IO);
	}
	while ((got = keysort_get(&ks, &key, &rest, &restlen)) == 1)
		if (fputs(key, out) == EOF || putc('\t', out) == EOF ||
		    fwrite(rest, 1, restlen, out) != restlen || putc('\n', out) == EOF)
			msg_sysfatal(
			    MSI_EXIT_IO, "%s: writing a scratch file in TMPDIR", kf->what);
	if (keysort_end(&ks) != 0 || got < 0)
		exit(MSI_EXIT_IO);
	fclose(kf->fp);
	kf->fp = out;
	keyfile_rewind(kf);
}

/* Back to the first line, to read the file again. */
void
keyfile_rewind(struct keyfile *kf)
{
	if (fflush(kf->fp) == EOF)
		write_failed(kf);
	rewind(kf->fp);
	kf->ahead = 0;
	free(kf->last);
	kf->last = NULL;
	json_decref(kf->group);
	kf->group = NULL;
}

/* The key of the next line, not taken (borrowed until it is): 1, or 0 at the end. */
int
keyfile_peek(struct keyfile *kf, const char **key)
{
	ssize_t len;

	if (!kf->ahead) {
		if ((len = getline(&kf->line, &kf->size, kf->fp)) <= 0) {
			if (ferror(kf->fp))
				msg_sysfatal(
				    MSI_EXIT_IO, "%s: reading a scratch file", kf->what);
			return 0;
		}
		kf->line[--len] = '\0';
		kf->key = kf->line;
		kf->rest = strchr(kf->line, '\t');
		*kf->rest++ = '\0';
		kf->ahead = 1;
	}
	*key = kf->key;
	return 1;
}

/* The next line taken, its rest as it is (borrowed until the next read), or NULL at the end. */
const char *
keyfile_skip(struct keyfile *kf)
{
	const char *key;

	if (!keyfile_peek(kf, &key))
		return NULL;
	kf->ahead = 0;
	return kf->rest;
}

/* The next line's JSON, taken: a new reference, or NULL at the end. */
json_t *
keyfile_take(struct keyfile *kf)
{
	const char *key;
	json_t *v;

	if (!keyfile_peek(kf, &key))
		return NULL;
	kf->ahead = 0;
	if ((v = json_loads(kf->rest, JSON_DECODE_ANY, NULL)) == NULL)
		msg_fatal(MSI_EXIT_IO, "%s: a scratch file's line is not JSON", kf->what);
	return v;
}

/*
 * The lines of one key, as an array of their JSON (borrowed, valid until a
 * later key is looked up); lines of keys before it are passed over. Keys
 * looked up must not go down: the file is read once, front to back.
 */
json_t *
keyfile_lookup(struct keyfile *kf, const char *escaped)
{
	const char *key;
	int cmp;

	if (kf->last != NULL && strcmp(kf->last, escaped) == 0)
		return kf->group;
	free(kf->last);
	json_decref(kf->group);
	kf->last = estrdup(escaped);
	kf->group = json_array();
	while (keyfile_peek(kf, &key) && (cmp = strcmp(key, escaped)) <= 0) {
		if (cmp < 0)
			kf->ahead = 0;
		else
			json_array_append_new(kf->group, keyfile_take(kf));
	}
	return kf->group;
}

void
keyfile_close(struct keyfile *kf)
{
	if (kf->fp != NULL)
		fclose(kf->fp);
	free(kf->line);
	free(kf->last);
	json_decref(kf->group);
	jsonbuf_free(&kf->esc);
	memset(kf, 0, sizeof *kf);
}
