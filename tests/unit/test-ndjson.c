/* test-ndjson.c: reading and writing one JSON object per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ndjson.h"
#include "unit.h"

/* Reads all of text; returns the results as "O" (object), "B" (bad), "E" (end). */
static void
read_all(const char *text, size_t len, char *results, unsigned long *lines, char errors[][256])
{
	struct ndjson_reader r;
	FILE *fp = fmemopen((void *)text, len, "r");
	json_t *obj;
	int i = 0, res;

	ndjson_reader_init(&r, fp, "t.ndjson");
	do {
		res = ndjson_read(&r, &obj);
		results[i] = res == NDJSON_OBJECT    ? 'O'
		             : res == NDJSON_BADLINE ? 'B'
		             : res == NDJSON_EOF     ? 'E'
		                                     : 'R';
		lines[i] = r.line;
		strcpy(errors[i], res == NDJSON_BADLINE ? r.error : "");
		json_decref(obj);
		i++;
	} while (res != NDJSON_EOF && res != NDJSON_READERR && i < 15);
	results[i] = '\0';
	ndjson_reader_free(&r);
	fclose(fp);
}

int
main(void)
{
	char results[16], errors[16][256], *big, *out = NULL;
	unsigned long lines[16];
	struct ndjson_reader r;
	size_t outlen = 0, i;
	json_t *obj;
	FILE *fp;

	{
		const char text[] = "{\"a\":1}\n{\"b\":2}\r\n\n   \n{\"c\":3}";
		read_all(text, sizeof text - 1, results, lines, errors);
		CHECK_STR("LF, CRLF, blank lines, no final newline", results, "OOOE");
		CHECK("line numbers count blank lines",
		    lines[0] == 1 && lines[1] == 2 && lines[2] == 5);
	}
	{
		const char text[] = "{\"a\":1,\"a\":2}\n[1,2]\n\"s\"\n{\"ok\":true}\n{\"a\":\n";
		read_all(text, sizeof text - 1, results, lines, errors);
		CHECK_STR("bad lines are reported and reading goes on", results, "BBBOBE");
		CHECK("duplicate key named", strstr(errors[0], "duplicate object key") != NULL);
		CHECK_STR("array refused", errors[1], "expected a JSON object, found an array");
		CHECK_STR(
		    "string refused", errors[2], "expected a JSON object, found a string");
		CHECK("bad line's number", lines[4] == 5);
	}
	{
		const char text[] = "{\"a\":\"\xff\"}\n{\"a\":1} {\"b\":2}\n";
		read_all(text, sizeof text - 1, results, lines, errors);
		CHECK_STR("invalid UTF-8, two objects on a line", results, "BBE");
	}

	/* A line far longer than any buffer: 2 MB of string. */
	big = malloc(2 * 1024 * 1024 + 16);
	strcpy(big, "{\"long\":\"");
	i = strlen(big);
	memset(big + i, 'x', 2 * 1024 * 1024);
	strcpy(big + i + 2 * 1024 * 1024, "\"}\n");
	fp = fmemopen(big, strlen(big), "r");
	ndjson_reader_init(&r, fp, "big");
	CHECK("2 MB line read",
	    ndjson_read(&r, &obj) == NDJSON_OBJECT &&
	        strlen(json_string_value(json_object_get(obj, "long"))) == 2 * 1024 * 1024);
	json_decref(obj);
	ndjson_reader_free(&r);
	fclose(fp);
	free(big);

	/* A line over the limit is refused, read past without being kept, and reading goes on.
	 */
	{
		const char text[] =
		    "{\"a\":1}\n{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"b\":2}\n"
		    "{\"c\":\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"}";
		char got[8] = "";
		int k = 0, res;

		fp = fmemopen((void *)text, sizeof text - 1, "r");
		ndjson_reader_init(&r, fp, "t");
		r.max_line = 16;
		do {
			res = ndjson_read(&r, &obj);
			got[k++] = res == NDJSON_OBJECT    ? 'O'
			           : res == NDJSON_BADLINE ? 'B'
			                                   : 'E';
			json_decref(obj);
		} while (res != NDJSON_EOF && k < 7);
		CHECK_STR("lines over the limit refused", got, "OBOBE");
		CHECK_STR("the reason", r.error, "line over 16 bytes");
		CHECK("the buffer stays at the limit", r.size <= 17);
		ndjson_reader_free(&r);
		fclose(fp);
	}

	/* Writing: compact, keys in insertion order, a newline after each. */
	fp = open_memstream(&out, &outlen);
	obj = json_pack("{s:s, s:i, s:n}", "z", "é\"", "a", 1, "m");
	CHECK("write returns 0", ndjson_write(fp, obj) == 0);
	json_decref(obj);
	fclose(fp);
	CHECK_STR("written text", out, "{\"z\":\"é\\\"\",\"a\":1,\"m\":null}\n");
	free(out);

	if ((fp = fopen("/dev/full", "w")) != NULL) {
		int failed = 0;

		setvbuf(fp, NULL, _IONBF, 0);
		obj = json_pack("{s:s}", "a", "b");
		failed = ndjson_write(fp, obj) != 0;
		json_decref(obj);
		fclose(fp);
		CHECK("write to /dev/full fails", failed);
	}
	return unit_failed;
}
