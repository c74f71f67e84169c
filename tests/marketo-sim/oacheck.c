/* oacheck.c: checks a JSON answer against the response schema an OpenAPI 2.0 file gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

/*
 * usage: oacheck spec.json METHOD PATH < answer.json
 *        oacheck spec.json --definition NAME < answer.json
 * Prints "schema: ok", or one line per difference; exits 1 on any.
 *
 * Checked: $ref, type, enum, required, properties, items. Not checked:
 * members the schema does not name (Marketo's records carry any fields).
 * Relaxed, as Adobe's own answers differ from the file in these ways
 * (the first two are listed in the file's README; the third is in the
 * examples of Adobe's sync pages):
 *  - errors, warnings and result are not required of a Response*: real
 *    answers leave out errors on success and result on failure;
 *  - a lead result's "reasons" (the file names it "reason");
 *  - a skipped record has no id or marketoGUID.
 */
static json_t *spec;
static int problems;

static void
problem(const char *where, const char *fmt, const char *a)
{
	printf("schema: %s: ", where[0] ? where : "(top)");
	printf(fmt, a);
	putchar('\n');
	problems++;
}

static json_t *
resolve(json_t *schema, const char **name)
{
	const char *ref;

	while ((ref = json_string_value(json_object_get(schema, "$ref"))) != NULL) {
		if (strncmp(ref, "#/definitions/", 14) != 0)
			return NULL;
		*name = ref + 14;
		schema = json_object_get(json_object_get(spec, "definitions"), ref + 14);
	}
	return schema;
}

static int
is_type(json_t *v, const char *type)
{
	if (strcmp(type, "object") == 0)
		return json_is_object(v);
	if (strcmp(type, "array") == 0)
		return json_is_array(v);
	if (strcmp(type, "string") == 0)
		return json_is_string(v);
	if (strcmp(type, "integer") == 0)
		return json_is_integer(v);
	if (strcmp(type, "number") == 0)
		return json_is_number(v);
	if (strcmp(type, "boolean") == 0)
		return json_is_boolean(v);
	return 1;
}

static int
relaxed(const char *def, const char *member, json_t *v)
{
	if (def != NULL && strncmp(def, "ResponseOf", 10) == 0 &&
	    (strcmp(member, "errors") == 0 || strcmp(member, "warnings") == 0 ||
	        strcmp(member, "result") == 0))
		return 1;
	if ((strcmp(member, "id") == 0 || strcmp(member, "marketoGUID") == 0) &&
	    json_is_string(json_object_get(v, "status")) &&
	    strcmp(json_string_value(json_object_get(v, "status")), "skipped") == 0)
		return 1;
	return 0;
}

static void
check(json_t *schema, json_t *v, const char *where)
{
	const char *def = NULL, *key, *type;
	json_t *sub, *e;
	char path[512];
	size_t i;
	int found;

	if ((schema = resolve(schema, &def)) == NULL) {
		problem(where, "unresolvable $ref%s", "");
		return;
	}
	if ((type = json_string_value(json_object_get(schema, "type"))) != NULL &&
	    !is_type(v, type)) {
		problem(where, "expected %s", type);
		return;
	}
	if ((sub = json_object_get(schema, "enum")) != NULL) {
		found = 0;
		json_array_foreach (sub, i, e)
			found |= json_equal(e, v);
		if (!found)
			problem(where, "value not in the enum%s", "");
	}
	if (json_is_object(v)) {
		json_array_foreach (json_object_get(schema, "required"), i, e) {
			key = json_string_value(e);
			if (json_object_get(v, key) == NULL && !relaxed(def, key, v))
				problem(where, "required member \"%s\" missing", key);
		}
		json_object_foreach (json_object_get(schema, "properties"), key, sub) {
			if ((e = json_object_get(v, key)) != NULL) {
				snprintf(path, sizeof path, "%s.%s", where, key);
				check(sub, e, path);
			}
		}
		if (def != NULL && strcmp(def, "Lead") == 0 &&
		    (e = json_object_get(v, "reasons")) != NULL) {
			snprintf(path, sizeof path, "%s.reasons", where);
			if (!json_is_array(e))
				problem(path, "expected array%s", "");
			else {
				json_t *reason =
				    json_pack("{s:s}", "$ref", "#/definitions/Reason");

				json_array_foreach (e, i, sub) {
					snprintf(
					    path, sizeof path, "%s.reasons[%zu]", where, i);
					check(reason, sub, path);
				}
				json_decref(reason);
			}
		}
	}
	if (json_is_array(v) && (sub = json_object_get(schema, "items")) != NULL) {
		json_array_foreach (v, i, e) {
			snprintf(path, sizeof path, "%s[%zu]", where, i);
			check(sub, e, path);
		}
	}
}

int
main(int argc, char *argv[])
{
	json_t *answer, *schema;
	json_error_t err;
	char method[8];
	size_t i;

	if (argc != 4) {
		fputs("usage: oacheck spec.json METHOD PATH < answer.json\n"
		      "       oacheck spec.json --definition NAME < answer.json\n",
		    stderr);
		return 2;
	}
	if ((spec = json_load_file(argv[1], 0, &err)) == NULL) {
		fprintf(stderr, "oacheck: %s:%d: %s\n", argv[1], err.line, err.text);
		return 2;
	}
	if (strcmp(argv[2], "--definition") == 0) {
		schema = json_pack("{s:s+}", "$ref", "#/definitions/", argv[3]);
	} else {
		for (i = 0; argv[2][i] && i < sizeof method - 1; i++)
			method[i] = (char)(argv[2][i] | 0x20);
		method[i] = '\0';
		schema = json_object_get(
		    json_object_get(
		        json_object_get(
		            json_object_get(
		                json_object_get(json_object_get(spec, "paths"), argv[3]),
		                method),
		            "responses"),
		        "200"),
		    "schema");
		if (schema == NULL) {
			fprintf(stderr, "oacheck: no 200 schema for %s %s\n", argv[2], argv[3]);
			return 2;
		}
		json_incref(schema);
	}
	if ((answer = json_loadf(stdin, 0, &err)) == NULL) {
		printf("schema: the answer is not JSON: %s\n", err.text);
		problems = 1;
	} else {
		check(schema, answer, "");
		if (problems == 0)
			puts("schema: ok");
	}
	json_decref(answer);
	json_decref(schema);
	json_decref(spec);
	return problems ? 1 : 0;
}
