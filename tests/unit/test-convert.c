/* test-convert.c: numbers, booleans, dates and datetimes as Marketo takes them. */
#include <string.h>

#include <jansson.h>

#include "convert.h"
#include "unit.h"

enum which { INTEGER, NUMBER, BOOLEAN, DATE, DATETIME };

static const char *
conv(enum which w, const char *s, char order, long offset)
{
	static struct jsonbuf b;
	static char why[CONV_WHY_SIZE + 8];
	struct conv_opts o = {order, offset};
	size_t n = strlen(s);
	int r = -1;

	b.len = 0;
	switch (w) {
	case INTEGER: r = conv_integer(&b, s, n, why); break;
	case NUMBER: r = conv_number(&b, s, n, why); break;
	case BOOLEAN: r = conv_boolean(&b, s, n, why); break;
	case DATE: r = conv_date(&b, s, n, &o, why); break;
	case DATETIME: r = conv_datetime(&b, s, n, &o, why); break;
	}
	if (r != 0) {
		memmove(why + 1, why, strlen(why) + 1);
		why[0] = '!'; /* a refusal: "!" and the reason */
		return why;
	}
	jsonbuf_add(&b, "", 1);
	return b.data;
}

int
main(void)
{
	/* Numbers keep their digits; no trip through a double. */
	CHECK_STR("number plain", conv(NUMBER, "1604.47", 0, 0), "1604.47");
	CHECK_STR(
	    "number weekly export currency", conv(NUMBER, "1500000.00", 0, 0), "1500000.00");
	CHECK_STR("number 0.1 stays", conv(NUMBER, "0.1", 0, 0), "0.1");
	CHECK_STR("number plus sign", conv(NUMBER, "+12", 0, 0), "12");
	CHECK_STR("number negative", conv(NUMBER, "-3.5", 0, 0), "-3.5");
	CHECK_STR("number leading zeros", conv(NUMBER, "007.50", 0, 0), "7.50");
	CHECK_STR("number no integer part", conv(NUMBER, ".5", 0, 0), "0.5");
	CHECK_STR("number trailing point", conv(NUMBER, "5.", 0, 0), "5");
	CHECK_STR("number exponent", conv(NUMBER, "1.5E+06", 0, 0), "1.5e+06");
	CHECK_STR("number long", conv(NUMBER, "12345678901234567890.123456789", 0, 0),
	    "12345678901234567890.123456789");
	CHECK_STR(
	    "number refuses comma", conv(NUMBER, "1,500", 0, 0), "!\"1,500\" is not a number");
	CHECK_STR(
	    "number refuses currency", conv(NUMBER, "$15", 0, 0), "!\"$15\" is not a number");
	CHECK_STR("number refuses text", conv(NUMBER, "N/A", 0, 0), "!\"N/A\" is not a number");
	CHECK_STR(
	    "number refuses sign alone", conv(NUMBER, "-", 0, 0), "!\"-\" is not a number");
	CHECK_STR(
	    "number refuses point alone", conv(NUMBER, ".", 0, 0), "!\".\" is not a number");
	CHECK_STR("number refuses bare exponent", conv(NUMBER, "1e", 0, 0),
	    "!\"1e\" is not a number");
	CHECK_STR("number refuses spaces", conv(NUMBER, " 5", 0, 0), "!\" 5\" is not a number");

	/* What is written must be read back by the next stage's JSON reader. */
	CHECK_STR("number beyond a double", conv(NUMBER, "1e999999", 0, 0),
	    "!\"1e999999\" is not a number in the range of a double");
	CHECK_STR("number 1e400", conv(NUMBER, "1e400", 0, 0),
	    "!\"1e400\" is not a number in the range of a double");
	CHECK_STR("number -1e400", conv(NUMBER, "-1e400", 0, 0),
	    "!\"-1e400\" is not a number in the range of a double");
	CHECK_STR("number 1e-400 is 0 to a reader", conv(NUMBER, "1e-400", 0, 0), "1e-400");
	CHECK_STR("number beyond 64 bits becomes a real",
	    conv(NUMBER, "12345678901234567890", 0, 0), "12345678901234567890.0");
	CHECK_STR("number 64 bits stays whole", conv(NUMBER, "-9223372036854775808", 0, 0),
	    "-9223372036854775808");
	CHECK_STR("number -0", conv(NUMBER, "-0", 0, 0), "0");
	CHECK_STR("number -0.0", conv(NUMBER, "-0.00", 0, 0), "0.00");
	CHECK_STR("number -.5", conv(NUMBER, "-.5", 0, 0), "-0.5");
	CHECK_STR("integer -0", conv(INTEGER, "-0", 0, 0), "0");
	CHECK_STR("integer -000.0", conv(INTEGER, "-000.0", 0, 0), "0");
	{
		static const char *const odd[] = {"1e308", "-1.7976931348623157e308", "1e-400",
		    "99999999999999999999999", "-99999999999999999999999", "-0", "0e0", "-0e-0",
		    "00000000000000000000000000001", ".0000000000000000000000000000001e-300"};
		json_t *v;
		size_t i;

		for (i = 0; i < sizeof odd / sizeof odd[0]; i++) {
			const char *text = conv(NUMBER, odd[i], 0, 0);

			v = json_loads(text, JSON_DECODE_ANY, NULL);
			CHECK(odd[i], text[0] != '!' && v != NULL && json_is_number(v));
			json_decref(v);
		}
	}

	CHECK_STR("integer", conv(INTEGER, "120", 0, 0), "120");
	CHECK_STR("integer with zero fraction", conv(INTEGER, "120.00", 0, 0), "120");
	CHECK_STR("integer zero", conv(INTEGER, "0", 0, 0), "0");
	CHECK_STR("integer negative", conv(INTEGER, "-2147483648", 0, 0), "-2147483648");
	CHECK_STR("integer largest", conv(INTEGER, "2147483647", 0, 0), "2147483647");
	CHECK_STR("integer too large", conv(INTEGER, "2147483648", 0, 0),
	    "!\"2147483648\" is not an integer in 32 bits");
	CHECK_STR("integer refuses fraction", conv(INTEGER, "12.5", 0, 0),
	    "!\"12.5\" is not a whole number");
	CHECK_STR("integer refuses exponent", conv(INTEGER, "1e3", 0, 0),
	    "!\"1e3\" is not a whole number");

	/* A datetime's UTC stays within the years ISO 8601 writes in four digits. */
	{
		static struct jsonbuf b;
		struct conv_opts late = {0, -14 * 3600}, early = {0, 23 * 3600 + 59 * 60};
		char why[CONV_WHY_SIZE];

		CHECK("9999-12-31 23:59:59 at -14:00 refused",
		    conv_datetime(&b, "9999-12-31 23:59:59", 19, &late, why) != 0);
		CHECK("0001-01-01 00:00:00 at +23:59 refused",
		    conv_datetime(&b, "0001-01-01 00:00:00", 19, &early, why) != 0);
		jsonbuf_free(&b);
	}

	/* Booleans in every form of the exports. */
	CHECK_STR("boolean 1", conv(BOOLEAN, "1", 0, 0), "true");
	CHECK_STR("boolean 0", conv(BOOLEAN, "0", 0, 0), "false");
	CHECK_STR("boolean true", conv(BOOLEAN, "true", 0, 0), "true");
	CHECK_STR("boolean FALSE", conv(BOOLEAN, "FALSE", 0, 0), "false");
	CHECK_STR("boolean TRUE", conv(BOOLEAN, "TRUE", 0, 0), "true");
	CHECK_STR("boolean yes", conv(BOOLEAN, "Yes", 0, 0), "true");
	CHECK_STR("boolean no", conv(BOOLEAN, "no", 0, 0), "false");
	CHECK_STR("boolean empty is false", conv(BOOLEAN, "", 0, 0), "false");
	CHECK_STR("boolean refuses 2", conv(BOOLEAN, "2", 0, 0),
	    "!\"2\" is not a boolean (0/1, true/false, yes/no)");
	CHECK_STR("boolean refuses truthy", conv(BOOLEAN, "t", 0, 0),
	    "!\"t\" is not a boolean (0/1, true/false, yes/no)");

	/* Dates. */
	CHECK_STR("date ISO", conv(DATE, "2025-03-28", 0, 0), "\"2025-03-28\"");
	CHECK_STR(
	    "date with midnight", conv(DATE, "2022-11-30 00:00:00", 0, 0), "\"2022-11-30\"");
	CHECK_STR("date with Z midnight", conv(DATE, "2024-01-02T00:00:00.000Z", 0, 0),
	    "\"2024-01-02\"");
	CHECK_STR("date refuses time of day", conv(DATE, "2022-11-30 10:00:00", 0, 0),
	    "!\"2022-11-30 10:00:00\" is not a date (it has a time of day)");
	CHECK_STR("date leap day", conv(DATE, "2024-02-29", 0, 0), "\"2024-02-29\"");
	CHECK_STR("date refuses 29 Feb 2023", conv(DATE, "2023-02-29", 0, 0),
	    "!\"2023-02-29\" is not a real date and time");
	CHECK_STR("date refuses month 13", conv(DATE, "2023-13-01", 0, 0),
	    "!\"2023-13-01\" is not a real date and time");
	CHECK_STR("date local needs an order", conv(DATE, "09-06-2026", 0, 0),
	    "!\"09-06-2026\": is 9 the day or the month? use --date-order dmy or mdy");
	CHECK_STR("date local dmy", conv(DATE, "09-06-2026", 'd', 0), "\"2026-06-09\"");
	CHECK_STR("date local mdy", conv(DATE, "09-06-2026", 'm', 0), "\"2026-09-06\"");
	CHECK_STR(
	    "date local slashes one digit", conv(DATE, "9/6/2026", 'm', 0), "\"2026-09-06\"");
	CHECK_STR("date local dots", conv(DATE, "31.12.2025", 'd', 0), "\"2025-12-31\"");
	CHECK_STR("date local impossible", conv(DATE, "31-12-2025", 'm', 0),
	    "!\"31-12-2025\" is not a real date and time");
	CHECK_STR("date refuses words", conv(DATE, "yesterday", 0, 0),
	    "!\"yesterday\" is not a date or time Salesforce writes");
	CHECK_STR("date refuses trailing text", conv(DATE, "2024-01-02x", 0, 0),
	    "!\"2024-01-02x\" is not a date or time Salesforce writes");

	/* Datetimes, all in UTC. */
	CHECK_STR("datetime weekly export GMT", conv(DATETIME, "2022-12-02 00:10:41", 0, 0),
	    "\"2022-12-02T00:10:41Z\"");
	CHECK_STR("datetime bulk API", conv(DATETIME, "2024-01-02T03:04:05.000Z", 0, 0),
	    "\"2024-01-02T03:04:05Z\"");
	CHECK_STR("datetime +0000", conv(DATETIME, "2024-01-22T20:36:47.000+0000", 0, 0),
	    "\"2024-01-22T20:36:47Z\"");
	CHECK_STR("datetime +02:00 to UTC", conv(DATETIME, "2024-01-01T01:30:00+02:00", 0, 0),
	    "\"2023-12-31T23:30:00Z\"");
	CHECK_STR("datetime -0500 to UTC", conv(DATETIME, "2024-02-28T22:00:00-0500", 0, 0),
	    "\"2024-02-29T03:00:00Z\"");
	CHECK_STR("datetime date only", conv(DATETIME, "2024-01-02", 0, 0),
	    "\"2024-01-02T00:00:00Z\"");
	CHECK_STR("datetime Excel dmy no seconds", conv(DATETIME, "09-06-2026 16:14", 'd', 0),
	    "\"2026-06-09T16:14:00Z\"");
	CHECK_STR("datetime zone-less with --utc-offset",
	    conv(DATETIME, "2022-12-02 00:10:41", 0, 3600), "\"2022-12-01T23:10:41Z\"");
	CHECK_STR("datetime zone wins over --utc-offset",
	    conv(DATETIME, "2024-01-02T03:04:05Z", 0, 3600), "\"2024-01-02T03:04:05Z\"");
	CHECK_STR("datetime refuses hour 24", conv(DATETIME, "2024-01-02 24:00:00", 0, 0),
	    "!\"2024-01-02 24:00:00\" is not a real date and time");
	CHECK_STR("datetime refuses bad zone", conv(DATETIME, "2024-01-02T03:04:05+2", 0, 0),
	    "!\"2024-01-02T03:04:05+2\" is not a date or time Salesforce writes");

	{
		enum conv_type t;

		CHECK("type names", conv_type_parse("DateTime", &t) == 0 &&
		                        t == CONV_DATETIME &&
		                        conv_type_parse("float", &t) != 0 &&
		                        strcmp(conv_type_name(CONV_BOOLEAN), "boolean") == 0);
	}
	return unit_failed;
}
