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

	/* Excel's forms: thousands, a currency sign, parentheses, a percentage. */
	CHECK_STR("number thousands", conv(NUMBER, "1,500", 0, 0), "1500");
	CHECK_STR("number thousands and fraction", conv(NUMBER, "1,234.5", 0, 0), "1234.5");
	CHECK_STR("number millions", conv(NUMBER, "1,234,567.89", 0, 0), "1234567.89");
	CHECK_STR("number dollars", conv(NUMBER, "$1,500.00", 0, 0), "1500.00");
	CHECK_STR("number dollars plain", conv(NUMBER, "$15", 0, 0), "15");
	CHECK_STR("number pounds", conv(NUMBER, "\u00a315.5", 0, 0), "15.5");
	CHECK_STR("number euros", conv(NUMBER, "\u20ac1,234.50", 0, 0), "1234.50");
	CHECK_STR("number yen", conv(NUMBER, "\u00a51,000", 0, 0), "1000");
	CHECK_STR("number minus before the sign", conv(NUMBER, "-$1,500.00", 0, 0), "-1500.00");
	CHECK_STR("number minus after the sign", conv(NUMBER, "$-1,500.00", 0, 0), "-1500.00");
	CHECK_STR("number parentheses", conv(NUMBER, "($1,500.00)", 0, 0), "-1500.00");
	CHECK_STR("number parentheses plain", conv(NUMBER, "(1,234)", 0, 0), "-1234");
	CHECK_STR("number parentheses zero", conv(NUMBER, "($0.00)", 0, 0), "0.00");
	CHECK_STR("number percent", conv(NUMBER, "10%", 0, 0), "10");
	CHECK_STR("number percent fraction", conv(NUMBER, "12.5%", 0, 0), "12.5");
	CHECK_STR("number percent negative", conv(NUMBER, "-5%", 0, 0), "-5");
	CHECK_STR("number percent parentheses", conv(NUMBER, "(10%)", 0, 0), "-10");
	CHECK_STR("number percent thousands", conv(NUMBER, "1,000%", 0, 0), "1000");
	CHECK_STR("number refuses short group", conv(NUMBER, "1,50", 0, 0),
	    "!\"1,50\" is not a number (a comma separates thousands: 1,234.5)");
	CHECK_STR("number refuses long group", conv(NUMBER, "1,5000", 0, 0),
	    "!\"1,5000\" is not a number (a comma separates thousands: 1,234.5)");
	CHECK_STR("number refuses Indian grouping", conv(NUMBER, "12,34,567", 0, 0),
	    "!\"12,34,567\" is not a number (a comma separates thousands: 1,234.5)");
	CHECK_STR("number refuses four digits before a comma", conv(NUMBER, "1234,567", 0, 0),
	    "!\"1234,567\" is not a number (a comma separates thousands: 1,234.5)");
	CHECK_STR("number refuses leading comma", conv(NUMBER, ",500", 0, 0),
	    "!\",500\" is not a number (a comma separates thousands: 1,234.5)");
	CHECK_STR("number refuses trailing comma", conv(NUMBER, "1,500,", 0, 0),
	    "!\"1,500,\" is not a number (a comma separates thousands: 1,234.5)");
	CHECK_STR("number refuses decimal comma", conv(NUMBER, "0,5", 0, 0),
	    "!\"0,5\" is not a number (a comma separates thousands: 1,234.5)");
	CHECK_STR("number refuses European", conv(NUMBER, "1.234,50", 0, 0),
	    "!\"1.234,50\" is not a number (a comma separates thousands: 1,234.5)");
	CHECK_STR("number refuses European euros", conv(NUMBER, "\u20ac1.234,50", 0, 0),
	    "!\"\u20ac1.234,50\" is not a number (a comma separates thousands: "
	    "1,234.5)");
	CHECK_STR("number refuses code after", conv(NUMBER, "15 USD", 0, 0),
	    "!\"15 USD\" is not a number");
	CHECK_STR(
	    "number refuses sign after", conv(NUMBER, "15$", 0, 0), "!\"15$\" is not a number");
	CHECK_STR(
	    "number refuses US$", conv(NUMBER, "US$15", 0, 0), "!\"US$15\" is not a number");
	CHECK_STR(
	    "number refuses sign alone", conv(NUMBER, "$", 0, 0), "!\"$\" is not a number");
	CHECK_STR("number refuses space after sign", conv(NUMBER, "$ 15", 0, 0),
	    "!\"$ 15\" is not a number");
	CHECK_STR("number refuses two minus signs", conv(NUMBER, "-$-5", 0, 0),
	    "!\"-$-5\" is not a number");
	CHECK_STR("number refuses sign in parentheses", conv(NUMBER, "(-5)", 0, 0),
	    "!\"(-5)\" is not a number");
	CHECK_STR("number refuses open parenthesis", conv(NUMBER, "(5", 0, 0),
	    "!\"(5\" is not a number");
	CHECK_STR("number refuses empty parentheses", conv(NUMBER, "()", 0, 0),
	    "!\"()\" is not a number");
	CHECK_STR("number refuses money percent", conv(NUMBER, "$10%", 0, 0),
	    "!\"$10%\" is not a number");
	CHECK_STR("number refuses two percent signs", conv(NUMBER, "10%%", 0, 0),
	    "!\"10%%\" is not a number");
	CHECK_STR(
	    "number refuses percent alone", conv(NUMBER, "%", 0, 0), "!\"%\" is not a number");
	CHECK_STR("number refuses exponent with a sign", conv(NUMBER, "$1e3", 0, 0),
	    "!\"$1e3\" is not a number");
	CHECK_STR("number refuses exponent percent", conv(NUMBER, "1e3%", 0, 0),
	    "!\"1e3%\" is not a number");
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
	CHECK_STR("integer thousands", conv(INTEGER, "1,200", 0, 0), "1200");
	CHECK_STR("integer thousands zero fraction", conv(INTEGER, "1,200.00", 0, 0), "1200");
	CHECK_STR("integer dollars", conv(INTEGER, "$1,200", 0, 0), "1200");
	CHECK_STR("integer parentheses", conv(INTEGER, "(1,200)", 0, 0), "-1200");
	CHECK_STR("integer percent", conv(INTEGER, "10%", 0, 0), "10");
	CHECK_STR(
	    "integer largest grouped", conv(INTEGER, "2,147,483,647", 0, 0), "2147483647");
	CHECK_STR("integer too large grouped", conv(INTEGER, "2,147,483,648", 0, 0),
	    "!\"2,147,483,648\" is not an integer in 32 bits");
	CHECK_STR("integer smallest in parentheses", conv(INTEGER, "(2,147,483,648)", 0, 0),
	    "-2147483648");
	CHECK_STR("integer refuses fraction percent", conv(INTEGER, "12.5%", 0, 0),
	    "!\"12.5%\" is not a whole number");
	CHECK_STR("integer refuses short group", conv(INTEGER, "1,20", 0, 0),
	    "!\"1,20\" is not a whole number (a comma separates thousands: 1,234)");

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
	CHECK_STR("boolean YES", conv(BOOLEAN, "YES", 0, 0), "true");
	CHECK_STR("boolean no", conv(BOOLEAN, "no", 0, 0), "false");
	CHECK_STR("boolean NO", conv(BOOLEAN, "NO", 0, 0), "false");
	CHECK_STR("boolean mixed case", conv(BOOLEAN, "fAlSe", 0, 0), "false");
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
	CHECK_STR("date local month first by default", conv(DATE, "09-06-2026", 0, 0),
	    "\"2026-09-06\"");
	CHECK_STR("date local dmy", conv(DATE, "09-06-2026", 'd', 0), "\"2026-06-09\"");
	CHECK_STR("date local mdy", conv(DATE, "09-06-2026", 'm', 0), "\"2026-09-06\"");
	CHECK_STR(
	    "date local slashes one digit", conv(DATE, "9/6/2026", 'm', 0), "\"2026-09-06\"");
	CHECK_STR("date local dots", conv(DATE, "31.12.2025", 'd', 0), "\"2025-12-31\"");
	CHECK_STR("date local impossible", conv(DATE, "31-04-2025", 'm', 0),
	    "!\"31-04-2025\" is not a real date and time");
	CHECK_STR("date local day first names the order", conv(DATE, "31-12-2025", 'm', 0),
	    "!\"31-12-2025\" is not a month-first date; for day-first dates use --date-order dmy");
	CHECK_STR("date local 23/02/2026 names dmy", conv(DATE, "23/02/2026", 0, 0),
	    "!\"23/02/2026\" is not a month-first date; for day-first dates use --date-order dmy");
	CHECK_STR("date local 02/23/2026 names mdy", conv(DATE, "02/23/2026", 'd', 0),
	    "!\"02/23/2026\" is not a day-first date; for month-first dates use --date-order mdy");
	CHECK_STR("date local 13/13/2026 is no date", conv(DATE, "13/13/2026", 0, 0),
	    "!\"13/13/2026\" is not a real date and time");

	/* Two-digit years: 69-99 are 1969-1999, 00-68 are 2000-2068 (POSIX %y). */
	CHECK_STR("date M/D/YY 12/31/99", conv(DATE, "12/31/99", 0, 0), "\"1999-12-31\"");
	CHECK_STR("date M/D/YY 1/1/00", conv(DATE, "1/1/00", 0, 0), "\"2000-01-01\"");
	CHECK_STR("date M/D/YY 1/1/68", conv(DATE, "1/1/68", 0, 0), "\"2068-01-01\"");
	CHECK_STR("date M/D/YY 1/1/69", conv(DATE, "1/1/69", 0, 0), "\"1969-01-01\"");
	CHECK_STR("date M/D/YY 3/4/26", conv(DATE, "3/4/26", 'm', 0), "\"2026-03-04\"");
	CHECK_STR("date D/M/YY 3/4/26", conv(DATE, "3/4/26", 'd', 0), "\"2026-04-03\"");
	CHECK_STR("date D.M.YY 31.12.99", conv(DATE, "31.12.99", 'd', 0), "\"1999-12-31\"");
	CHECK_STR("date M/D/YYYY", conv(DATE, "3/4/2026", 0, 0), "\"2026-03-04\"");
	CHECK_STR("date 2/29/2024", conv(DATE, "2/29/2024", 0, 0), "\"2024-02-29\"");
	CHECK_STR("date 2/30/2024 invalid", conv(DATE, "2/30/2024", 0, 0),
	    "!\"2/30/2024\" is not a real date and time");
	CHECK_STR("date 2/29/23 invalid", conv(DATE, "2/29/23", 0, 0),
	    "!\"2/29/23\" is not a real date and time");
	CHECK_STR("date refuses three-digit year", conv(DATE, "1/2/202", 0, 0),
	    "!\"1/2/202\" is not a date or time Salesforce writes");
	CHECK_STR("date refuses five-digit year", conv(DATE, "1/2/20245", 0, 0),
	    "!\"1/2/20245\" is not a date or time Salesforce writes");
	CHECK_STR("date refuses one-digit year", conv(DATE, "1/2/4", 0, 0),
	    "!\"1/2/4\" is not a date or time Salesforce writes");
	CHECK_STR("date refuses a long year", conv(DATE, "1/2/99999999999999999999", 0, 0),
	    "!\"1/2/99999999999999999999\" is not a date or time Salesforce writes");
	CHECK_STR("date refuses mixed separators", conv(DATE, "1/2-2024", 0, 0),
	    "!\"1/2-2024\" is not a date or time Salesforce writes");
	CHECK_STR("date 12:00 AM is midnight", conv(DATE, "1/2/2024 12:00 AM", 0, 0),
	    "\"2024-01-02\"");
	CHECK_STR("date refuses 12:00 PM", conv(DATE, "1/2/2024 12:00 PM", 0, 0),
	    "!\"1/2/2024 12:00 PM\" is not a date (it has a time of day)");
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
	CHECK_STR("datetime M/D/YYYY H:MM", conv(DATETIME, "3/4/2026 16:14", 0, 0),
	    "\"2026-03-04T16:14:00Z\"");
	CHECK_STR("datetime M/D/YYYY HH:MM:SS", conv(DATETIME, "3/4/2026 16:14:05", 0, 0),
	    "\"2026-03-04T16:14:05Z\"");
	CHECK_STR("datetime M/D/YY h:mm PM", conv(DATETIME, "3/4/26 4:14 PM", 0, 0),
	    "\"2026-03-04T16:14:00Z\"");
	CHECK_STR("datetime M/D/YY h:mm:ss PM", conv(DATETIME, "3/4/26 4:14:05 PM", 0, 0),
	    "\"2026-03-04T16:14:05Z\"");
	CHECK_STR("datetime M/D/YYYY h:mm AM", conv(DATETIME, "3/4/2026 9:05 AM", 0, 0),
	    "\"2026-03-04T09:05:00Z\"");
	CHECK_STR("datetime pm lower case, no space",
	    conv(DATETIME, "3/4/2026 4:14:05pm", 0, 0), "\"2026-03-04T16:14:05Z\"");
	CHECK_STR("datetime D/M/YY h:mm PM", conv(DATETIME, "3/4/26 4:14 PM", 'd', 0),
	    "\"2026-04-03T16:14:00Z\"");
	CHECK_STR("datetime 12:00 AM = 00:00", conv(DATETIME, "1/1/2024 12:00 AM", 0, 0),
	    "\"2024-01-01T00:00:00Z\"");
	CHECK_STR("datetime 12:30:15 am", conv(DATETIME, "1/1/2024 12:30:15 am", 0, 0),
	    "\"2024-01-01T00:30:15Z\"");
	CHECK_STR("datetime 12:00 PM = 12:00", conv(DATETIME, "1/1/2024 12:00 PM", 0, 0),
	    "\"2024-01-01T12:00:00Z\"");
	CHECK_STR("datetime 11:59 PM", conv(DATETIME, "12/31/99 11:59 PM", 0, 0),
	    "\"1999-12-31T23:59:00Z\"");
	CHECK_STR("datetime 13:00 PM invalid", conv(DATETIME, "1/1/2024 13:00 PM", 0, 0),
	    "!\"1/1/2024 13:00 PM\" is not a real date and time (before AM or PM the hour is 1 "
	    "to 12)");
	CHECK_STR("datetime 0:30 AM invalid", conv(DATETIME, "1/1/2024 0:30 AM", 0, 0),
	    "!\"1/1/2024 0:30 AM\" is not a real date and time (before AM or PM the hour is 1 "
	    "to 12)");
	CHECK_STR("datetime refuses XM", conv(DATETIME, "1/1/2024 4:14 XM", 0, 0),
	    "!\"1/1/2024 4:14 XM\" is not a date or time Salesforce writes");
	CHECK_STR("datetime refuses P alone", conv(DATETIME, "1/1/2024 4:14 P", 0, 0),
	    "!\"1/1/2024 4:14 P\" is not a date or time Salesforce writes");
	CHECK_STR("datetime refuses two spaces before PM",
	    conv(DATETIME, "1/1/2024 4:14  PM", 0, 0),
	    "!\"1/1/2024 4:14  PM\" is not a date or time Salesforce writes");
	CHECK_STR("datetime refuses PM after a zone",
	    conv(DATETIME, "2024-01-01T04:14Z PM", 0, 0),
	    "!\"2024-01-01T04:14Z PM\" is not a date or time Salesforce writes");
	CHECK_STR("datetime day-first names the order",
	    conv(DATETIME, "23/02/2026 16:14", 0, 0),
	    "!\"23/02/2026 16:14\" is not a month-first date; for day-first dates use "
	    "--date-order dmy");
	CHECK_STR("datetime local PM with --utc-offset",
	    conv(DATETIME, "3/4/26 11:30 PM", 0, 3600), "\"2026-03-04T22:30:00Z\"");
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
