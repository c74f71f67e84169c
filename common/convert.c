/* convert.c: Salesforce export values turned into the JSON values Marketo expects. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "convert.h"

static const char *type_names[] = {
    "string", "id", "integer", "number", "boolean", "date", "datetime"};

int
conv_type_parse(const char *name, enum conv_type *type)
{
	size_t i;

	for (i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
		if (strcasecmp(name, type_names[i]) == 0) {
			*type = (enum conv_type)i;
			return 0;
		}
	}
	return -1;
}

const char *
conv_type_name(enum conv_type type)
{
	return type_names[type];
}

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The value, quoted and cut short, for a reason. */
static void
refuse(char why[CONV_WHY_SIZE], const char *what, const char *s, size_t n)
{
	snprintf(why, CONV_WHY_SIZE, "\"%.*s%s\" is not %s", (int)(n > 60 ? 60 : n), s,
	    n > 60 ? "..." : "", what);
}

/*
 * Whether the number written from start on is one that a JSON reader
 * (jansson, in the stages after this one) takes back: not beyond a
 * double's range, which it refuses. A whole number beyond a 64-bit
 * integer, which it refuses too, becomes a real by an added ".0".
 */
static int
readable(struct jsonbuf *out, size_t start, int real)
{
	char *text, *end;
	double d;

	jsonbuf_add(out, "", 1); /* a NUL, for strtod; taken off below */
	out->len--;
	text = out->data + start;
	errno = 0;
	d = strtod(text, &end);
	if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
		return 0;
	if (!real) {
		errno = 0;
		(void)strtoll(text, &end, 10);
		if (errno == ERANGE)
			jsonbuf_add(out, ".0", 2);
	}
	return 1;
}

/*
 * The currency signs a number may start with, in UTF-8: those Excel's
 * currency and accounting formats put before the digits in the locales
 * whose decimal mark is a point.
 */
static const char *const currency_signs[] = {"$", "\xc2\xa3", "\xe2\x82\xac", "\xc2\xa5"};

/* The length of the currency sign s starts with, or 0. */
static size_t
currency_sign(const char *s, size_t n)
{
	size_t i, len;

	for (i = 0; i < sizeof currency_signs / sizeof currency_signs[0]; i++) {
		len = strlen(currency_signs[i]);
		if (n >= len && memcmp(s, currency_signs[i], len) == 0)
			return len;
	}
	return 0;
}

/*
 * A decimal number as a JSON number, written as it was given: no trip
 * through a double, so 1604.47 stays 1604.47. Leading zeros and a '+'
 * go; ".5" becomes 0.5 and "5." becomes 5. Whole numbers only when
 * integer is set, where a fraction of zeros (120.00) is dropped.
 *
 * Excel's formats are read too: commas between thousands (1,234.5, in
 * groups of three), a currency sign before the digits ($1,500.00,
 * -$15, $-15), a negative amount in parentheses (($1,500.00)) and a
 * percentage (10% is 10, as Salesforce stores a percent field). An
 * exponent is only taken on a number without them.
 */
static int
number(struct jsonbuf *out, const char *s, size_t n, int integer, char why[CONV_WHY_SIZE])
{
	size_t i = 0, end = n, int0, intend, frac0 = 0, fracn = 0, exp0 = 0, expn = 0, k;
	size_t start = out->len, intdigits = 0;
	int negative = 0, sign_seen = 0, parens = 0, percent = 0, money = 0, grouped = 0;
	int fraction_zero = 1;

	if (end >= 2 && s[0] == '(' && s[end - 1] == ')') {
		parens = negative = 1;
		i++;
		end--;
	}
	if (end > i && s[end - 1] == '%') {
		percent = 1;
		end--;
	}
	if (!parens && i < end && (s[i] == '+' || s[i] == '-')) {
		negative = s[i++] == '-';
		sign_seen = 1;
	}
	if ((k = currency_sign(s + i, end - i)) > 0) {
		i += k;
		money = 1;
		if (!parens && !sign_seen && i < end && (s[i] == '+' || s[i] == '-'))
			negative = s[i++] == '-';
	}
	if (money && percent)
		goto bad;
	int0 = i;
	while (i < end && digit(s[i]))
		i++;
	if (i < end && s[i] == ',') {
		/* 1 to 3 digits, then groups of 3; "0,5" is a decimal comma */
		if (i - int0 == 0 || i - int0 > 3 || s[int0] == '0')
			goto bad;
		while (i < end && s[i] == ',') {
			for (i++, k = 0; k < 3; k++, i++)
				if (i >= end || !digit(s[i]))
					goto bad;
		}
		if (i < end && digit(s[i]))
			goto bad;
		grouped = 1;
	}
	intend = i;
	if (i < end && s[i] == '.') {
		frac0 = ++i;
		while (i < end && digit(s[i]))
			fraction_zero &= s[i++] == '0';
		fracn = i - frac0;
	}
	if (intend == int0 && fracn == 0)
		goto bad;
	if (i < end && (s[i] == 'e' || s[i] == 'E') &&
	    !(parens || percent || money || grouped)) {
		exp0 = ++i;
		if (i < end && (s[i] == '+' || s[i] == '-'))
			i++;
		while (i < end && digit(s[i]))
			i++;
		expn = i - exp0;
		if (expn == 0 || !digit(s[i - 1]))
			goto bad;
	}
	if (i != end)
		goto bad;
	if (integer && (!fraction_zero || expn > 0)) {
		refuse(why, "a whole number", s, n);
		return -1;
	}
	while (int0 + 1 < intend && s[int0] == '0') /* a grouped number has none */
		int0++;
	for (k = int0; k < intend; k++)
		intdigits += s[k] != ',';
	if (negative && (intdigits > 1 || (intdigits == 1 && s[int0] != '0') ||
	                    (!integer && !fraction_zero) || expn > 0))
		jsonbuf_add(out, "-", 1); /* but 0 and -0 are both 0 */
	if (intdigits == 0)
		jsonbuf_add(out, "0", 1);
	for (k = int0; k < intend; k++)
		if (s[k] != ',')
			jsonbuf_add(out, s + k, 1);
	if (!integer && fracn > 0) {
		jsonbuf_add(out, ".", 1);
		jsonbuf_add(out, s + frac0, fracn);
	}
	if (expn > 0) {
		jsonbuf_add(out, "e", 1);
		jsonbuf_add(out, s + exp0, expn);
	}
	if (!integer && !readable(out, start, fracn > 0 || expn > 0)) {
		out->len = start;
		refuse(why, "a number in the range of a double", s, n);
		return -1;
	}
	if (integer) {
		/* Marketo integers are 32-bit. */
		long long v = 0;

		for (k = int0; k < intend && v <= 2147483648LL; k++)
			if (s[k] != ',')
				v = v * 10 + (s[k] - '0');
		if (v > (negative ? 2147483648LL : 2147483647LL)) {
			out->len = start;
			refuse(why, "an integer in 32 bits", s, n);
			return -1;
		}
	}
	return 0;
bad:
	if (memchr(s, ',', n) != NULL)
		refuse(why,
		    integer ? "a whole number (a comma separates thousands: 1,234)"
		            : "a number (a comma separates thousands: 1,234.5)",
		    s, n);
	else
		refuse(why, integer ? "a whole number" : "a number", s, n);
	return -1;
}

int
conv_integer(struct jsonbuf *out, const char *s, size_t n, char why[CONV_WHY_SIZE])
{
	return number(out, s, n, 1, why);
}

int
conv_number(struct jsonbuf *out, const char *s, size_t n, char why[CONV_WHY_SIZE])
{
	return number(out, s, n, 0, why);
}

/*
 * Salesforce checkboxes are never null: an empty one, as some org dumps
 * write false ("1" or nothing), is false.
 */
int
conv_boolean(struct jsonbuf *out, const char *s, size_t n, char why[CONV_WHY_SIZE])
{
	static const char *yes[] = {"1", "true", "yes"}, *no[] = {"0", "false", "no"};
	size_t i;

	if (n == 0) {
		jsonbuf_add(out, "false", 5);
		return 0;
	}
	for (i = 0; i < 3; i++) {
		if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0) {
			jsonbuf_add(out, "true", 4);
			return 0;
		}
		if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0) {
			jsonbuf_add(out, "false", 5);
			return 0;
		}
	}
	refuse(why, "a boolean (0/1, true/false, yes/no)", s, n);
	return -1;
}

struct when {
	int year, month, day, hour, min, sec;
	int has_time;
	int has_zone;
	long offset; /* seconds east of UTC, when has_zone */
};

/* Reads exactly count digits at *i. */
static int
digits(const char *s, size_t n, size_t *i, int count, int *v)
{
	int k;

	*v = 0;
	for (k = 0; k < count; k++, (*i)++) {
		if (*i >= n || !digit(s[*i]))
			return -1;
		*v = *v * 10 + (s[*i] - '0');
	}
	return 0;
}

/* Reads 1 or 2 digits at *i (a day or month of a local date). */
static int
digits12(const char *s, size_t n, size_t *i, int *v)
{
	if (*i >= n || !digit(s[*i]))
		return -1;
	*v = s[(*i)++] - '0';
	if (*i < n && digit(s[*i]))
		*v = *v * 10 + (s[(*i)++] - '0');
	return 0;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
valid(const struct when *w)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (w->year < 1 || w->month < 1 || w->month > 12 || w->day < 1)
		return 0;
	if (w->day > mdays[w->month - 1] + (w->month == 2 && leap(w->year)))
		return 0;
	return w->hour < 24 && w->min < 60 && w->sec < 60;
}

/*
 * A two-digit year as POSIX strptime's %y reads it: 69 to 99 are 1969 to
 * 1999, 00 to 68 are 2000 to 2068. The pivot is fixed, not moved with
 * today's date, so that the same input gives the same output any day.
 */
static int
full_year(int yy)
{
	return yy + (yy >= 69 ? 1900 : 2000);
}

/* An AM or PM at *i (any case, after one space or none): 'a', 'p', or 0. */
static int
half_day(const char *s, size_t n, size_t *i)
{
	size_t j = *i;
	int half;

	if (j < n && s[j] == ' ')
		j++;
	if (j + 2 > n || (s[j + 1] != 'M' && s[j + 1] != 'm'))
		return 0;
	if (s[j] == 'A' || s[j] == 'a')
		half = 'a';
	else if (s[j] == 'P' || s[j] == 'p')
		half = 'p';
	else
		return 0;
	*i = j + 2;
	return half;
}

/*
 * The forms Salesforce exports and their readers write:
 *   2024-01-02                      ISO date
 *   2022-12-02 00:10:41             Weekly Data Export (GMT)
 *   2024-01-02T03:04:05.000Z        Bulk API 2.0, Data Loader
 *   2024-01-22T20:36:47.000+0000    other org dumps (+00:00 too)
 *   9/6/2026 16:14                  Excel re-saves: '/', '-' or '.' between
 *   9/6/26 4:14:05 PM               the parts, month first unless o says
 *                                   day first, years of 2 or 4 digits,
 *                                   times of 24 or 12 hours
 * Returns 0, or -1 with why.
 */
static int
parse_when(
    const char *s, size_t n, const struct conv_opts *o, struct when *w, char why[CONV_WHY_SIZE])
{
	size_t i = 0, year0;
	int a = 0, b = 0, sign, hh, mm, local = 0, half = 0;
	int dmy = o->date_order == 'd';

	memset(w, 0, sizeof *w);
	if (n >= 10 && digit(s[0]) && digit(s[3]) && s[4] == '-') {
		if (digits(s, n, &i, 4, &w->year) || s[i++] != '-' ||
		    digits(s, n, &i, 2, &w->month) || i >= n || s[i++] != '-' ||
		    digits(s, n, &i, 2, &w->day))
			goto bad;
	} else {
		char sep;

		if (digits12(s, n, &i, &a) || i >= n)
			goto bad;
		sep = s[i++];
		if ((sep != '-' && sep != '/' && sep != '.') || digits12(s, n, &i, &b) ||
		    i >= n || s[i++] != sep)
			goto bad;
		for (year0 = i; i < n && digit(s[i]); i++)
			if (i - year0 < 4)
				w->year = w->year * 10 + (s[i] - '0');
		if (i - year0 == 2)
			w->year = full_year(w->year);
		else if (i - year0 != 4)
			goto bad;
		local = 1;
		w->day = dmy ? a : b;
		w->month = dmy ? b : a;
	}
	if (i < n) {
		if (s[i] != ' ' && s[i] != 'T')
			goto bad;
		i++;
		w->has_time = 1;
		if (digits12(s, n, &i, &w->hour) || i >= n || s[i++] != ':' ||
		    digits(s, n, &i, 2, &w->min))
			goto bad;
		if (i < n && s[i] == ':') {
			i++;
			if (digits(s, n, &i, 2, &w->sec))
				goto bad;
			if (i < n && s[i] == '.') {
				for (i++; i < n && digit(s[i]); i++)
					; /* Marketo keeps seconds: the fraction goes */
			}
		}
		if (i < n && s[i] == 'Z') {
			i++;
			w->has_zone = 1;
		} else if (i < n && (s[i] == '+' || s[i] == '-')) {
			sign = s[i++] == '-' ? -1 : 1;
			if (digits(s, n, &i, 2, &hh))
				goto bad;
			if (i < n && s[i] == ':')
				i++;
			if (digits(s, n, &i, 2, &mm) || hh > 23 || mm > 59)
				goto bad;
			w->has_zone = 1;
			w->offset = sign * (hh * 3600L + mm * 60L);
		} else {
			half = half_day(s, n, &i);
		}
	}
	if (i != n)
		goto bad;
	if (half != 0) {
		if (w->hour < 1 || w->hour > 12) {
			refuse(why,
			    "a real date and time (before AM or PM the hour is 1 to 12)", s, n);
			return -1;
		}
		w->hour = w->hour % 12 + (half == 'p' ? 12 : 0); /* 12 AM is 0:00 */
	}
	if (!valid(w)) {
		struct when other = *w;

		other.day = w->month;
		other.month = w->day;
		if (local && valid(&other)) {
			/* 23/02/2026 read month first: the other order would take it */
			snprintf(why, CONV_WHY_SIZE,
			    "\"%.*s%s\" is not a %s-first date; for %s-first dates use "
			    "--date-order %s",
			    (int)(n > 40 ? 40 : n), s, n > 40 ? "..." : "",
			    dmy ? "day" : "month", dmy ? "month" : "day", dmy ? "mdy" : "dmy");
			return -1;
		}
		refuse(why, "a real date and time", s, n);
		return -1;
	}
	return 0;
bad:
	refuse(why, "a date or time Salesforce writes", s, n);
	return -1;
}

/* A date field: a time is allowed only when it is midnight, as exports add " 00:00:00". */
int
conv_date(struct jsonbuf *out, const char *s, size_t n, const struct conv_opts *o,
    char why[CONV_WHY_SIZE])
{
	struct when w;
	char buf[64];

	if (parse_when(s, n, o, &w, why) != 0)
		return -1;
	if (w.has_time && (w.hour || w.min || w.sec || w.offset)) {
		refuse(why, "a date (it has a time of day)", s, n);
		return -1;
	}
	snprintf(buf, sizeof buf, "\"%04d-%02d-%02d\"", w.year, w.month, w.day);
	jsonbuf_addstr(out, buf);
	return 0;
}

/* A datetime field, in UTC; a value without a zone is --utc-offset away from UTC. */
int
conv_datetime(struct jsonbuf *out, const char *s, size_t n, const struct conv_opts *o,
    char why[CONV_WHY_SIZE])
{
	struct when w;
	struct tm tm;
	time_t t;
	char buf[96];

	if (parse_when(s, n, o, &w, why) != 0)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = w.year - 1900;
	tm.tm_mon = w.month - 1;
	tm.tm_mday = w.day;
	tm.tm_hour = w.hour;
	tm.tm_min = w.min;
	tm.tm_sec = w.sec;
	t = timegm(&tm) - (w.has_zone ? w.offset : o->utc_offset);
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999) {
		/* 9999-12-31 23:59 at -14:00 is past the last year ISO 8601 writes in four
		 * digits */
		refuse(why, "a date and time in the years 1 to 9999 in UTC", s, n);
		return -1;
	}
	snprintf(buf, sizeof buf, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	jsonbuf_addstr(out, buf);
	return 0;
}
