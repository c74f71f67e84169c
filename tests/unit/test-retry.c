/* test-retry.c: which failures are retried, renewed, stopped or set aside. */
#include <string.h>

#include "retry.h"
#include "unit.h"

static enum retry_action
cls(enum transport t, long status, const char *code, const char **cause)
{
	enum retry_cause c = RETRY_CAUSES;
	enum retry_action a = retry_classify(t, status, code, &c);

	*cause = c == RETRY_CAUSES ? "-" : retry_cause_name(c);
	return a;
}

int
main(void)
{
	static const char *again[] = {
	    "500", "502", "604", "606", "608", "611", "614", "615", "713"};
	static const char *aside[] = {"701", "704", "718", "1003"};
	const char *cause;
	char label[64];
	unsigned long s1 = 42, s2 = 42;
	double d, prev_cap;
	size_t i;
	int k, within = 1, same = 1;

	CHECK("success", cls(TRANSPORT_OK, 200, NULL, &cause) == RETRY_DONE);
	for (i = 0; i < sizeof again / sizeof again[0]; i++) {
		snprintf(label, sizeof label, "%s retried, counted as %s", again[i], again[i]);
		CHECK(label, cls(TRANSPORT_OK, 200, again[i], &cause) == RETRY_AGAIN &&
		                 strcmp(cause, again[i]) == 0);
	}
	CHECK("601 renews the token", cls(TRANSPORT_OK, 200, "601", &cause) == RETRY_TOKEN);
	CHECK("602 renews the token", cls(TRANSPORT_OK, 200, "602", &cause) == RETRY_TOKEN);
	CHECK("607 stops for the day", cls(TRANSPORT_OK, 200, "607", &cause) == RETRY_QUOTA);
	CHECK("603 is fatal", cls(TRANSPORT_OK, 200, "603", &cause) == RETRY_FATAL);
	CHECK("609 is fatal (our bug)", cls(TRANSPORT_OK, 200, "609", &cause) == RETRY_FATAL);
	CHECK("612 is fatal (our bug)", cls(TRANSPORT_OK, 200, "612", &cause) == RETRY_FATAL);
	for (i = 0; i < sizeof aside / sizeof aside[0]; i++) {
		snprintf(label, sizeof label, "%s sets the batch aside", aside[i]);
		CHECK(label, cls(TRANSPORT_OK, 200, aside[i], &cause) == RETRY_REJECT);
	}
	CHECK("702 is an answer of no records",
	    cls(TRANSPORT_OK, 200, "702", &cause) == RETRY_DONE);
	CHECK("605 is fatal", cls(TRANSPORT_OK, 200, "605", &cause) == RETRY_FATAL);
	CHECK("616 is fatal", cls(TRANSPORT_OK, 200, "616", &cause) == RETRY_FATAL);
	CHECK("HTTP 502", cls(TRANSPORT_OK, 502, NULL, &cause) == RETRY_AGAIN &&
	                      strcmp(cause, "http502") == 0);
	CHECK("HTTP 503", cls(TRANSPORT_OK, 503, NULL, &cause) == RETRY_AGAIN &&
	                      strcmp(cause, "http503") == 0);
	CHECK("HTTP 504", cls(TRANSPORT_OK, 504, NULL, &cause) == RETRY_AGAIN &&
	                      strcmp(cause, "http504") == 0);
	CHECK("HTTP 413 sets the batch aside",
	    cls(TRANSPORT_OK, 413, NULL, &cause) == RETRY_REJECT);
	CHECK("HTTP 401 is fatal", cls(TRANSPORT_OK, 401, NULL, &cause) == RETRY_FATAL);
	CHECK("HTTP 404 is fatal", cls(TRANSPORT_OK, 404, NULL, &cause) == RETRY_FATAL);
	CHECK("connection error retried",
	    cls(TRANSPORT_CONNECT, 0, NULL, &cause) == RETRY_AGAIN &&
	        strcmp(cause, "connection") == 0);
	CHECK("time-out retried", cls(TRANSPORT_TIMEOUT, 0, NULL, &cause) == RETRY_AGAIN &&
	                              strcmp(cause, "timeout") == 0);
	CHECK("TLS failure is fatal", cls(TRANSPORT_OTHER, 0, NULL, &cause) == RETRY_FATAL);

	/* Backoff: within [0, min(cap, base * 2^n)], seeded runs alike, growing. */
	for (k = 0; k < 12; k++) {
		prev_cap = 0.5;
		for (i = 0; i < (size_t)k && prev_cap < 30; i++)
			prev_cap *= 2;
		if (prev_cap > 30)
			prev_cap = 30;
		d = retry_backoff(k, 0.5, 30, &s1);
		within &= d >= 0 && d <= prev_cap;
		same &= d == retry_backoff(k, 0.5, 30, &s2);
	}
	CHECK("backoff within its ceiling", within);
	CHECK("backoff repeatable from a seed", same);
	return unit_failed;
}
