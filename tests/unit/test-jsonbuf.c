/* test-jsonbuf.c: JSON text assembled in a buffer. */
#include <stdlib.h>
#include <string.h>

#include "jsonbuf.h"
#include "unit.h"

static const char *
enc(struct jsonbuf *b, const char *s, size_t n)
{
	b->len = 0;
	if (jsonbuf_addjsonstr(b, s, n) != 0)
		return "(refused)";
	jsonbuf_add(b, "", 1);
	return b->data;
}

int
main(void)
{
	struct jsonbuf b = {0};
	char *big;
	size_t i;

	CHECK_STR("plain ASCII", enc(&b, "abc 123", 7), "\"abc 123\"");
	CHECK_STR("empty", enc(&b, "", 0), "\"\"");
	CHECK_STR("quote and backslash", enc(&b, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	CHECK_STR("control characters", enc(&b, "a\r\n\tb\x01", 6), "\"a\\r\\n\\tb\\u0001\"");
	CHECK_STR("UTF-8 passes", enc(&b, "Zoë €", 8), "\"Zoë €\"");
	CHECK_STR("slash not escaped", enc(&b, "a/b", 3), "\"a/b\"");
	CHECK_STR("invalid UTF-8 refused", enc(&b, "caf\xe9", 4), "(refused)");
	CHECK_STR("overlong encoding refused", enc(&b, "\xc0\xaf", 2), "(refused)");
	CHECK_STR("truncated sequence refused", enc(&b, "\xe2\x82", 2), "(refused)");
	CHECK_STR("NUL escaped", enc(&b, "a\0b", 3), "\"a\\u0000b\"");

	/* A refused string leaves what was there before. */
	b.len = 0;
	jsonbuf_addstr(&b, "[1,");
	CHECK("refusal leaves buffer", jsonbuf_addjsonstr(&b, "\xff", 1) != 0 && b.len == 3);

	/* Growth: a long string of characters that need escaping. */
	big = malloc(100000);
	for (i = 0; i < 100000; i++)
		big[i] = (char)(i % 2 ? '"' : 0x1f);
	b.len = 0;
	CHECK("long escaped string",
	    jsonbuf_addjsonstr(&b, big, 100000) == 0 && b.len == 2 + 50000 * 2 + 50000 * 6);
	free(big);

	b.len = 0;
	jsonbuf_addlatin1(&b, "Zo\xeb \xff\x7f", 6);
	jsonbuf_add(&b, "", 1);
	CHECK_STR("Latin-1 to UTF-8", b.data, "Zo\xc3\xab \xc3\xbf\x7f");

	b.len = 0;
	jsonbuf_addulong(&b, 0);
	jsonbuf_add(&b, ",", 1);
	jsonbuf_addulong(&b, 18446744073709551615UL);
	jsonbuf_add(&b, "", 1);
	CHECK_STR("numbers", b.data, "0,18446744073709551615");
	jsonbuf_free(&b);
	return unit_failed;
}
