/* retry.c: what to do about a failed Marketo call, and how long to wait first. */
#include <string.h>

#include "retry.h"

static const char *const cause_names[RETRY_CAUSES] = {"604", "606", "608", "611", "615", "713",
    "http502", "http503", "http504", "connection", "timeout"};

const char *
retry_cause_name(enum retry_cause c)
{
	return cause_names[c];
}

/*
 * Classifies a call's outcome: how it ended (transport), its HTTP status,
 * and the code of the first error of a success:false answer (NULL when
 * success was true). Codes and actions are those of API-NOTES section 2.
 */
enum retry_action
retry_classify(enum transport t, long http_status, const char *code, enum retry_cause *cause)
{
	static const struct {
		const char *code;
		enum retry_cause cause;
	} again[] = {{"604", CAUSE_604}, {"606", CAUSE_606}, {"608", CAUSE_608},
	    {"611", CAUSE_611}, {"615", CAUSE_615}, {"713", CAUSE_713}};
	size_t i;

	if (t == TRANSPORT_CONNECT) {
		*cause = CAUSE_CONNECT;
		return RETRY_AGAIN;
	}
	if (t == TRANSPORT_TIMEOUT) {
		*cause = CAUSE_TIMEOUT;
		return RETRY_AGAIN;
	}
	if (t != TRANSPORT_OK)
		return RETRY_FATAL;
	if (http_status == 502 || http_status == 503 || http_status == 504) {
		*cause = http_status == 502   ? CAUSE_HTTP502
		         : http_status == 503 ? CAUSE_HTTP503
		                              : CAUSE_HTTP504;
		return RETRY_AGAIN;
	}
	if (http_status == 401 || http_status == 403)
		return RETRY_FATAL;
	if (http_status == 413 || http_status == 414)
		return RETRY_REJECT;
	if (http_status != 200)
		return RETRY_FATAL;
	if (code == NULL)
		return RETRY_DONE;
	for (i = 0; i < sizeof again / sizeof again[0]; i++) {
		if (strcmp(code, again[i].code) == 0) {
			*cause = again[i].cause;
			return RETRY_AGAIN;
		}
	}
	if (strcmp(code, "601") == 0 || strcmp(code, "602") == 0)
		return RETRY_TOKEN;
	if (strcmp(code, "607") == 0)
		return RETRY_QUOTA;
	if (code[0] == '1' && strlen(code) == 4)
		return RETRY_REJECT; /* 1xxx: the call's content was refused */
	return RETRY_FATAL;          /* 600, 603, 609, 610, 612 and the unknown */
}

/*
 * Exponential backoff with full jitter: a delay drawn evenly from
 * [0, min(cap, base * 2^attempt)], attempt counting from 0. state is the
 * caller's xorshift state, so a seeded run waits the same.
 */
double
retry_backoff(int attempt, double base, double cap, unsigned long *state)
{
	double ceiling = base;
	int i;

	for (i = 0; i < attempt && ceiling < cap; i++)
		ceiling *= 2;
	if (ceiling > cap)
		ceiling = cap;
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return ceiling * (double)(*state % 1000001) / 1000000.0;
}
