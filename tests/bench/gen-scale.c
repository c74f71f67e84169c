/* gen-scale.c: leads in a random order, and the landed state msi-load would keep of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "digest.h"

/*
 * usage: gen-scale [-s seed] [-L landed -u instance] persons
 * Writes persons leads to stdout, a line each, as msi-transform writes
 * them ({"externalPersonId":"00Q5e0...AAA","email":...,"firstName":...,
 * "lastName":...,"title":...,"company":...}): the same records for any
 * seed, in an order the seed shuffles. With -L, also writes file landed:
 * msi-load --changed-only's state after every one of them landed in
 * Marketo instance (the REST URL, as MARKETO_BASE_URL): its header line,
 * then a line a lead in key order, {"externalPersonId":...,"id":N,
 * "digest":D}, D the digest msi-load takes of the record (common/digest.c),
 * so that a run over the leads finds every one unchanged.
 */

static unsigned long long rng = 88172645463325252ULL;

static unsigned long long
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Lead n, a new reference. Its ids sort as n does (base 62, ASCII's order). */
static json_t *
lead(unsigned long n)
{
	static const char alnum[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	char id[19], email[40], first[24], last[24], company[32];
	unsigned long v = n;
	int i;

	memcpy(id, "00Q5e0", 6);
	for (i = 14; i >= 6; i--) {
		id[i] = alnum[v % 62];
		v /= 62;
	}
	memcpy(id + 15, "AAA", 4);
	snprintf(email, sizeof email, "p%lu@example.com", n);
	snprintf(first, sizeof first, "F%lu", n);
	snprintf(last, sizeof last, "L%lu", n);
	snprintf(company, sizeof company, "Co %lu", n / 7);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "externalPersonId", id, "email",
	    email, "firstName", first, "lastName", last, "title", "Analyst", "company",
	    company);
}

static void
usage(void)
{
	fputs("usage: gen-scale [-s seed] [-L landed -u instance] persons\n", stderr);
	exit(2);
}

static void
put(json_t *v, FILE *fp, const char *name)
{
	if (json_dumpf(v, fp, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 ||
	    putc('\n', fp) == EOF) {
		perror(name);
		exit(4);
	}
}

int
main(int argc, char *argv[])
{
	const char *landed = NULL, *instance = NULL;
	unsigned long n, i, j, t, *order;
	FILE *fp;
	json_t *rec, *line;
	char *end;
	int c;

	while ((c = getopt(argc, argv, "L:s:u:")) != -1) {
		switch (c) {
		case 'L': landed = optarg; break;
		case 's': rng += strtoull(optarg, NULL, 10) * 0x9E3779B97F4A7C15ULL; break;
		case 'u': instance = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || (landed != NULL) != (instance != NULL))
		usage();
	n = strtoul(argv[optind], &end, 10);
	if (*end != '\0' || n == 0)
		usage();
	if (landed != NULL) {
		if ((fp = fopen(landed, "w")) == NULL) {
			perror(landed);
			return 4;
		}
		line = json_pack("{s:s, s:s, s:s}", "msi-load", "changed-only", "object",
		    "leads", "instance", instance);
		put(line, fp, landed);
		json_decref(line);
		for (i = 0; i < n; i++) {
			rec = lead(i);
			line = json_pack("{s:O, s:I, s:I}", "externalPersonId",
			    json_object_get(rec, "externalPersonId"), "id", (json_int_t)(i + 1),
			    "digest", digest_of(rec));
			put(line, fp, landed);
			json_decref(line);
			json_decref(rec);
		}
		if (fclose(fp) != 0) {
			perror(landed);
			return 4;
		}
	}
	if ((order = malloc(n * sizeof *order)) == NULL) {
		perror("gen-scale");
		return 2;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) { /* Fisher-Yates */
		j = (unsigned long)(next() % (i + 1));
		t = order[i], order[i] = order[j], order[j] = t;
	}
	for (i = 0; i < n; i++) {
		rec = lead(order[i]);
		put(rec, stdout, "<stdout>");
		json_decref(rec);
	}
	free(order);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("<stdout>");
		return 4;
	}
	return 0;
}
