/* stamp.c: datetimes as Salesforce writes and SOQL reads them, in milliseconds since 1970. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim.h"

long long
stamp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (H. Hinnant's). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* The n digits at s as a number, or -1. */
static int
digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
valid_date(int y, int m, int d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/* 0 when the len bytes at s are a date YYYY-MM-DD, else -1. */
int
date_parse(const char *s, size_t len)
{
	if (len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	return valid_date(digits(s, 4), digits(s + 5, 2), digits(s + 8, 2)) ? 0 : -1;
}

/*
 * Reads a datetime: 2024-01-02T03:04:05, then optionally .000 (any number
 * of digits), then Z, +0000, +00:00 (any offset) or, unless soql, nothing
 * (UTC). Unless soql, a space may stand for the T (exports write
 * "2024-01-02 03:04:05"). Returns 0 and sets *ms, or -1.
 */
int
stamp_parse(const char *s, size_t len, int soql, long long *ms)
{
	int y, mo, d, h, mi, sec, frac = 0, scale = 100, oh, om, sign;
	size_t i = 19;

	if (len < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':')
		return -1;
	if (s[10] != 'T' && (soql || s[10] != ' '))
		return -1;
	y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (!valid_date(y, mo, d) || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
	    sec > 60)
		return -1;
	if (i < len && s[i] == '.') {
		if (++i == len || s[i] < '0' || s[i] > '9')
			return -1;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
			frac += (s[i] - '0') * scale;
	}
	oh = om = 0;
	sign = 1;
	if (i == len) {
		if (soql)
			return -1;
	} else if (s[i] == 'Z' && i + 1 == len) {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '-' ? -1 : 1;
		if (len - i == 5) {
			oh = digits(s + i + 1, 2), om = digits(s + i + 3, 2);
		} else if (len - i == 6 && s[i + 3] == ':') {
			oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
		} else
			return -1;
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
	} else
		return -1;
	*ms = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
	           sec - sign * (oh * 3600 + om * 60)) *
	          1000) +
	      frac;
	return 0;
}

static void
format(long long ms, const char *zone, char out[STAMP_SIZE])
{
	long long secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	time_t t = (time_t)secs;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, STAMP_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (int)(ms - secs * 1000), zone);
}

/* As records carry it: 2024-01-02T03:04:05.000Z. */
void
stamp_format(long long ms, char out[STAMP_SIZE])
{
	format(ms, "Z", out);
}

/* As job information carries it: 2024-01-02T03:04:05.000+0000. */
void
stamp_format_job(long long ms, char out[STAMP_SIZE])
{
	format(ms, "+0000", out);
}
