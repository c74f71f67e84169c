/*
 * notes.c: the notes msi-sync shows as its run goes, from the stages' stats:
 * how an export file was read (--notes), the references to records not in
 * the export (--references).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ealloc.h"
#include "report.h"

/* A number of a stats file as a count: a number, else 0; as jq's "// 0" then a type test. */
static double
amount(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : 0;
}

/* One file msi-extract read (an object of its stats' "files"): a note when not UTF-8 or NUL. */
static void
file_note(const json_t *f)
{
	const json_t *enc = json_object_get(f, "encoding"), *file = json_object_get(f, "file");
	const json_t *nul = json_object_get(f, "nul_bytes");
	char *name = truthy(file) ? interp(file) : estrdup(""), *text;
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	int other = truthy(enc) &&
	            !(json_is_string(enc) && strcmp(json_string_value(enc), "utf8") == 0);

	if (!json_is_number(nul))
		nul = NULL;
	if (other || amount(nul) > 0) {
		printf("%s: ", base);
		if (truthy(enc)) {
			text = interp(enc);
			printf("read as %s%s", text, amount(nul) > 0 ? "; " : "");
			free(text);
		}
		if (amount(nul) > 0) {
			text = interp(nul);
			printf("%s NUL byte%s dropped", text, amount(nul) == 1 ? "" : "s");
			free(text);
		}
		putchar('\n');
	}
	free(name);
}

/* How msi-extract read object's export files, when not UTF-8 or with NUL bytes: a line each. */
void
notes_print(struct run *r, const char *object)
{
	char *name = easprintf("%s.extract.stats.json", object);
	json_t *st = run_has(r, name) ? run_json(r, name) : NULL, *files, *f;
	size_t i;

	files = json_object_get(st, "files");
	json_array_foreach (files, i, f)
		if (json_is_object(f))
			file_note(f);
	json_decref(st);
	free(name);
}

/*
 * The objects whose records name a record not in the export, and how many
 * (msi-transform's unknown_references), on one line; nothing when none.
 * hold: --hold-unknown held them back, else they were sent unlinked.
 */
void
references_print(struct run *r)
{
	const json_t *u, *sent, *held;
	json_t *st, *sum;
	char *name, *text;
	double n;
	int i, any = 0;

	for (i = 0; i < SF_OBJECTS; i++) {
		name = easprintf("%s.transform.stats.json", sf_objects[i].name);
		st = run_has(r, name) ? run_json(r, name) : NULL;
		u = json_object_get(st, "unknown_references");
		sent = json_object_get(u, "sent"), held = json_object_get(u, "held");
		n = amount(sent) + amount(held);
		if (n > 0) {
			if (!any++)
				printf("records naming a record not in the export, %s:",
				    r->hold ? "held back (--hold-unknown)"
				            : "sent unlinked (--hold-unknown holds them back)");
			sum = json_is_integer(sent) && json_is_integer(held)
			          ? json_integer(
			                json_integer_value(sent) + json_integer_value(held))
			      : !json_is_number(held) ? json_incref((json_t *)sent)
			      : !json_is_number(sent) ? json_incref((json_t *)held)
			                              : json_real(n);
			text = interp(sum);
			json_decref(sum);
			printf("%s %s %s", any > 1 ? "," : "", sf_objects[i].name, text);
			free(text);
		}
		json_decref(st);
		free(name);
	}
	if (any)
		putchar('\n');
}
