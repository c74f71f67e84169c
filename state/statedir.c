/* statedir.c: the state folder (-S): private, its generation, its source, claimed by a run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "ealloc.h"
#include "exitcode.h"
#include "fshut.h"
#include "msg.h"
#include "objects.h"
#include "state.h"

/* The generation file: the run that last moved the state. Missing: generation 0. */
struct generation {
	unsigned long long n;
	char *run;    /* an absolute path, or NULL: not named */
	char *source; /* "export" or "salesforce", or NULL: not named */
};

/* dir/name, a new string. */
static char *
path(const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);
	char *p = emalloc(d + n + 2);

	memcpy(p, dir, d);
	p[d] = '/';
	memcpy(p + d + 1, name, n + 1);
	return p;
}

/* The name file is written as before it is renamed over file: file.tmp, a new string. */
static char *
tmp_name(const char *file)
{
	size_t n = strlen(file);
	char *tmp = emalloc(n + sizeof ".tmp");

	memcpy(tmp, file, n);
	memcpy(tmp + n, ".tmp", sizeof ".tmp");
	return tmp;
}

/*
 * The folder's files: none a symbolic link, none of another user than
 * uid or root. Returns 0, or a status after a message naming the file.
 */
static int
private_files(const char *dir, uid_t uid)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char *f;
	int status = 0;

	if (d == NULL) {
		msg_syswarn("%s: cannot read the state folder", dir);
		return MSI_EXIT_IO;
	}
	while (status == 0 && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue; /* gone since it was listed */
		f = path(dir, e->d_name);
		if (S_ISLNK(st.st_mode)) {
			msg_warn(
			    "%s: a symbolic link in the state folder: refused; remove it", f);
			status = MSI_EXIT_USAGE;
		} else if (st.st_uid != uid && st.st_uid != 0) {
			msg_warn("%s: belongs to another user (uid %lu): refused; remove it", f,
			    (unsigned long)st.st_uid);
			status = MSI_EXIT_USAGE;
		}
		free(f);
	}
	closedir(d);
	return status;
}

/*
 * What the state says decides what is deleted: its folder this user's or
 * root's, not writable by others unless sticky, each file in it this
 * user's (or root's) and not a link: no one else forges it. Returns 0, or
 * MSI_EXIT_USAGE (MSI_EXIT_IO: not read) after a message.
 */
static int
private_state(const char *dir)
{
	uid_t uid = geteuid();
	struct stat st;
	unsigned mode;

	if (stat(dir, &st) != 0) {
		msg_warn("%s: cannot read its owner", dir);
		return MSI_EXIT_IO;
	}
	if (st.st_uid != uid && st.st_uid != 0) {
		msg_warn(
		    "%s: the state folder belongs to another user (uid %lu): use a folder of your "
		    "own",
		    dir, (unsigned long)st.st_uid);
		return MSI_EXIT_USAGE;
	}
	mode = (unsigned)st.st_mode & 07777;
	if ((mode & 022) != 0 && (mode & 01000) == 0) {
		msg_warn("%s: others may write in the state folder (mode %o); chmod go-w it",
		    dir, mode);
		return MSI_EXIT_USAGE;
	}
	return private_files(dir, uid);
}

/* A line of the generation file (line n of file): a setting of g. Returns 0 or a status. */
static int
generation_line(struct generation *g, char *line, const char *file, unsigned long n)
{
	char *eq = strchr(line, '='), *val = eq ? eq + 1 : line, *end;

	if (eq != NULL)
		*eq = '\0';
	if (strcmp(line, "generation") == 0) {
		errno = 0;
		g->n = strtoull(val, &end, 10);
		if (*val < '0' || *val > '9' || *end != '\0' || errno != 0) {
			msg_at(file, n, "generation \"%s\" is not a number", val);
			return MSI_EXIT_BADINPUT;
		}
	} else if (strcmp(line, "run") == 0) {
		if (*val != '\0' && *val != '/') {
			msg_at(file, n, "run \"%s\" is not a folder's path", val);
			return MSI_EXIT_BADINPUT;
		}
		free(g->run);
		g->run = *val ? estrdup(val) : NULL;
	} else if (strcmp(line, "source") == 0) {
		if (strcmp(val, "export") != 0 && strcmp(val, "salesforce") != 0) {
			msg_at(file, n, "source \"%s\" is not export or salesforce", val);
			return MSI_EXIT_BADINPUT;
		}
		free(g->source);
		g->source = estrdup(val);
	} else {
		msg_at(file, n, "not a line of the state folder's generation (msi-sync.1)");
		return MSI_EXIT_BADINPUT;
	}
	return 0;
}

/*
 * Reads dir's generation into g (zeroed first): generation=N, run=RUN,
 * source=export|salesforce, a line each; '#' starts a comment. A file
 * missing is generation 0. Returns 0, or a status after a message.
 */
static int
generation_read(struct generation *g, const char *dir)
{
	char *file = path(dir, "generation"), *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long n = 0;
	struct stat st;
	FILE *fp;
	int status = 0;

	memset(g, 0, sizeof *g);
	if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(file);
		return 0;
	}
	if ((fp = fopen(file, "r")) == NULL) {
		msg_syswarn("%s: cannot read it", file);
		free(file);
		return MSI_EXIT_IO;
	}
	while (status == 0 && (len = getline(&line, &cap, fp)) != -1) {
		n++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (*line != '\0' && *line != '#')
			status = generation_line(g, line, file, n);
	}
	if (status == 0 && ferror(fp)) {
		msg_syswarn("%s: cannot read it", file);
		status = MSI_EXIT_IO;
	}
	free(line);
	fclose(fp);
	free(file);
	return status;
}

static void
generation_free(struct generation *g)
{
	free(g->run);
	free(g->source);
}

/*
 * The folder made safe to read (private_state), and its generation file
 * read: what a run checks before it takes the folder's lock. Returns 0,
 * or a status after a message.
 */
int
state_check(const char *dir)
{
	struct generation g;
	int status;

	if ((status = private_state(dir)) != 0)
		return status;
	status = generation_read(&g, dir);
	generation_free(&g);
	return status;
}

/* The kind of source run r reads. */
static const char *
source_kind(const struct staterun *r)
{
	return r->from_sf ? "salesforce" : "export";
}

/*
 * The state's source: its generation's, else salesforce when it holds an
 * extract mark (O.extract), export when it holds records landed
 * (O.landed, not empty), else run r's. Borrowed from g or static.
 */
static const char *
state_source(const struct staterun *r, const struct generation *g)
{
	int extract = 0, landed = 0;
	struct dirent *e;
	struct stat st;
	size_t n;
	DIR *d;

	if (g->source != NULL)
		return g->source;
	if ((d = opendir(r->state_dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			n = strlen(e->d_name);
			if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, 0) != 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			if (n > 8 && strcmp(e->d_name + n - 8, ".extract") == 0)
				extract = 1;
			else if (n > 7 && strcmp(e->d_name + n - 7, ".landed") == 0 &&
			         st.st_size > 0)
				landed = 1;
		}
		closedir(d);
	}
	return extract ? "salesforce" : landed ? "export" : source_kind(r);
}

/*
 * Writes text to file whole: file.tmp made new, synced, renamed over it.
 * Returns 0, or MSI_EXIT_IO after a message.
 */
static int
commit_text(const char *file, const char *text, size_t len)
{
	char *tmp = tmp_name(file);
	FILE *fp;
	int status = 0;

	if ((fp = fopen_tmp(tmp)) == NULL ||
	    (fwrite(text, 1, len, fp) != len ? (fclose(fp), -1) : fcommit(fp, tmp, file)) !=
	        0) {
		msg_warn("%s: cannot write it", file);
		unlink(tmp);
		status = MSI_EXIT_IO;
	}
	free(tmp);
	return status;
}

/* The generation file as a claim writes it. */
static const char generation_format[] =
    "# msi-sync state folder: the run that last moved it (msi-sync.1)\n"
    "generation=%llu\nrun=%s\nsource=%s\n";

/*
 * Before run r first moves the state, the state's generation becomes the
 * run's: the next number, the run's folder, the source kind (the state's,
 * or the run's once --confirm-source confirmed a change). Returns 0, or a
 * status after a message.
 */
int
state_claim(const struct staterun *r)
{
	struct generation g;
	char *file, *text;
	const char *src;
	int status, len;

	if (r->state_dir == NULL || r->dry_run)
		return 0;
	if (strchr(r->run, '\n') != NULL) { /* the file keeps a setting a line */
		msg_warn("%s: a run folder's name holds a newline: refused", r->state_dir);
		return MSI_EXIT_USAGE;
	}
	if ((status = generation_read(&g, r->state_dir)) != 0) {
		generation_free(&g);
		return status;
	}
	src = r->confirm_source ? source_kind(r) : state_source(r, &g);
	len = snprintf(NULL, 0, generation_format, g.n + 1, r->run, src);
	text = emalloc((size_t)len + 1);
	snprintf(text, (size_t)len + 1, generation_format, g.n + 1, r->run, src);
	file = path(r->state_dir, "generation");
	status = commit_text(file, text, (size_t)len);
	free(file);
	free(text);
	generation_free(&g);
	return status;
}

/*
 * Copies from (a symbolic link refused when nofollow) to the new file to:
 * to.tmp made new, synced, renamed over to, so that to is always the old
 * file or the whole new one. Returns 0, or MSI_EXIT_IO after a message.
 */
static int
copy_file(const char *from, const char *to, int nofollow)
{
	char buf[65536], *tmp = tmp_name(to);
	int fd, status = MSI_EXIT_IO;
	FILE *fp = NULL;
	ssize_t n;

	if ((fd = open(from, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0))) < 0) {
		msg_syswarn("%s: cannot read it", from);
		goto out;
	}
	if ((fp = fopen_tmp(tmp)) == NULL) {
		msg_syswarn("%s: cannot write it", tmp);
		goto out;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (fwrite(buf, 1, (size_t)n, fp) != (size_t)n) {
			msg_syswarn("%s: cannot write it", tmp);
			goto out;
		}
	if (n < 0) {
		msg_syswarn("%s: cannot read it", from);
		goto out;
	}
	status = fcommit(fp, tmp, to);
	fp = NULL; /* closed by fcommit */
	if (status != 0) {
		msg_syswarn("%s: cannot write it", to);
		unlink(tmp);
		status = MSI_EXIT_IO;
	}
out:
	if (fp != NULL) {
		fclose(fp);
		unlink(tmp);
	}
	if (fd >= 0)
		close(fd);
	free(tmp);
	return status;
}

/* Copies dir/O.suffix, when there, to run folder file O.as. */
static int
copy_object(const struct staterun *r, const char *o, const char *suffix, const char *as)
{
	char name[128], *from, *to;
	struct stat st;
	int status = 0;

	snprintf(name, sizeof name, "%s.%s", o, suffix);
	from = path(r->state_dir, name);
	snprintf(name, sizeof name, "%s.%s", o, as);
	to = path(r->run, name);
	if (stat(from, &st) == 0 && S_ISREG(st.st_mode))
		status = copy_file(from, to, 1);
	free(from);
	free(to);
	return status;
}

/*
 * What the state knew when run r began (its loads add to it), kept in the
 * run folder: the generation (state.generation), each object's records
 * landed (O.landed.before) and, reading the org, its extract mark
 * (O.extract-state) unless the extract is whole. Returns 0 or a status.
 */
int
state_copy(const struct staterun *r)
{
	struct generation g;
	char text[32], *file;
	int status, i, len;

	if (r->state_dir == NULL)
		return 0;
	if ((status = generation_read(&g, r->state_dir)) != 0) {
		generation_free(&g);
		return status;
	}
	generation_free(&g);
	len = snprintf(text, sizeof text, "%llu\n", g.n);
	file = path(r->run, "state.generation");
	status = commit_text(file, text, (size_t)len);
	free(file);
	for (i = 0; status == 0 && i < SF_OBJECTS; i++) {
		status = copy_object(r, sf_objects[i].name, "landed", "landed.before");
		if (status == 0 && r->from_sf && !r->full_extract)
			status = copy_object(r, sf_objects[i].name, "extract", "extract-state");
	}
	return status;
}

/* Whether the run folder's stages.done has the line "state claimed": the run moved the state.
 */
static int
claimed(const char *run)
{
	char *file = path(run, "stages.done"), *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp = fopen(file, "r");
	int found = 0;

	free(file);
	if (fp == NULL)
		return 0;
	while (!found && (len = getline(&line, &cap, fp)) != -1)
		found =
		    strcmp(line, "state claimed\n") == 0 || strcmp(line, "state claimed") == 0;
	free(line);
	fclose(fp);
	return found;
}

/* Whether run's stages.done says the state was copied (msi-sync's "state copied"). */
static int
copied(const char *run)
{
	char *file = path(run, "stages.done"), *line = NULL;
	size_t cap = 0;
	int found = 0;
	FILE *fp = fopen(file, "r");

	free(file);
	if (fp == NULL)
		return 0;
	while (!found && getline(&line, &cap, fp) > 0)
		found = strcmp(line, "state copied\n") == 0;
	free(line);
	fclose(fp);
	return found;
}

/* The generation run began from (its state.generation, trailing newlines dropped), or NULL. */
static char *
began_at(const char *run)
{
	char *file = path(run, "state.generation"), *text = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp = fopen(file, "r");

	free(file);
	if (fp == NULL)
		return NULL;
	len = getdelim(&text, &cap, '\0', fp);
	fclose(fp);
	if (len < 0) {
		free(text);
		return estrdup("");
	}
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	return text;
}

/*
 * A resumed run goes on only with the state as it left it (it claimed
 * it: the generation names it) or found it (the generation it began
 * from); else its extract is older than the state. Returns 0, or
 * MSI_EXIT_STALE after a message.
 */
int
state_resume_check(const struct staterun *r)
{
	struct generation g;
	char *began = NULL, since[128], number[32];
	int status;

	if (r->state_dir == NULL)
		return 0;
	if ((status = generation_read(&g, r->state_dir)) != 0)
		goto out;
	snprintf(number, sizeof number, "%llu", g.n);
	if (claimed(r->run)) {
		if (g.run != NULL && strcmp(g.run, r->run) == 0)
			goto out;
		snprintf(since, sizeof since, "this run last moved it");
	} else {
		began = began_at(r->run);
		/* killed before it copied the state: it began from nothing yet, and copies it
		 * now */
		if (began == NULL && !copied(r->run))
			goto out;
		if (began != NULL && *began != '\0' && strcmp(began, number) == 0)
			goto out;
		if (began != NULL && *began != '\0')
			snprintf(
			    since, sizeof since, "this run began (generation %.60s)", began);
		else
			snprintf(since, sizeof since, "this run began");
	}
	msg_warn(
	    "%s: the state folder %s has moved on since %s: generation %s, by %s; resumed, this "
	    "run would send older records over newer ones and delete what was made since",
	    r->run, r->state_dir, since, number, g.run ? g.run : "another msi-sync");
	msg_warn("not resumed; a new run does its work: msi-sync -S %s ...", r->state_dir);
	status = MSI_EXIT_STALE;
out:
	free(began);
	generation_free(&g);
	return status;
}

/*
 * Why run r's whole extract may not delete what it lacks: the state's
 * records came from another kind of source than the run reads (unless
 * --confirm-source). Prints the reason, msi-load's --hold-deletes, on a
 * line; nothing when the deletes may go. Returns 0 or a status.
 */
int
state_hold_reason(const struct staterun *r, FILE *out)
{
	struct generation g;
	int status;

	if (r->state_dir == NULL || r->confirm_source)
		return 0;
	if ((status = generation_read(&g, r->state_dir)) == 0 &&
	    strcmp(state_source(r, &g), source_kind(r)) != 0)
		fprintf(out, "%s\n",
		    r->from_sf
		        ? "the state's records came from export files and this run reads the org: a "
		          "record the integration user cannot see (sharing, field-level security) "
		          "would be taken for one deleted; --confirm-source lets them go"
		        : "the state's records came from the org (--from-salesforce) and this run "
		          "reads export files: a record the export lacks (a filter, its user's view) "
		          "would be taken for one deleted; --confirm-source lets them go");
	generation_free(&g);
	return status;
}

/* File to (a state file) replaced whole by a copy of from (copy_file). Returns 0 or a status.
 */
int
state_commit(const char *from, const char *to)
{
	return copy_file(from, to, 0);
}
