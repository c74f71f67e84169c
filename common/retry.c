/* retry.c: what to do about a failed Marketo call, and how long to wait first. */
#include <string.h>

#include "retry.h"

static const char *const cause_names[RETRY_CAUSES] = {"500", "502", "604", "606", "608", "611",
    "614", "615", "713", "http502", "http503", "http504", "connection", "timeout"};

const char *
retry_cause_name(enum retry_cause c)
{
	return cause_names[c];
}

/*
 * The response-level codes of Adobe's page "Error Codes"
 * (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes),
 * those with HTTP 200 and success:false, and what each asks of a client.
 * msi-formats(5), "Marketo's codes", is this table for people; the two
 * change together. A code not here (600: no token sent, 605, 609, 610,
 * 612, 613, 616, 703, and the 7xx codes of calls these tools do not make)
 * stops the calls: a bug of ours, or an instance that cannot serve them.
 */
static const struct {
	const char *code;
	enum retry_action act;
	enum retry_cause cause; /* of RETRY_AGAIN */
} codes[] = {
    {"500", RETRY_AGAIN, CAUSE_500},     /* internal server error: an unexpected condition */
    {"502", RETRY_AGAIN, CAUSE_502},     /* bad gateway, likely a time-out: back off */
    {"601", RETRY_TOKEN, RETRY_CAUSES},  /* access token invalid */
    {"602", RETRY_TOKEN, RETRY_CAUSES},  /* access token expired */
    {"603", RETRY_FATAL, RETRY_CAUSES},  /* access denied: permissions, IP allowlist */
    {"604", RETRY_AGAIN, CAUSE_604},     /* request time-out */
    {"606", RETRY_AGAIN, CAUSE_606},     /* over the calls of 20 s */
    {"607", RETRY_QUOTA, RETRY_CAUSES},  /* daily quota reached */
    {"608", RETRY_AGAIN, CAUSE_608},     /* API temporarily unavailable */
    {"611", RETRY_AGAIN, CAUSE_611},     /* system error: all unhandled exceptions */
    {"614", RETRY_AGAIN, CAUSE_614},     /* subscription unreachable: "usually temporary" */
    {"615", RETRY_AGAIN, CAUSE_615},     /* over 10 calls at once */
    {"701", RETRY_REJECT, RETRY_CAUSES}, /* a value the call needs is blank */
    {"702", RETRY_DONE, RETRY_CAUSES},   /* no data found: a search with no match */
    {"704", RETRY_REJECT, RETRY_CAUSES}, /* invalid date format */
    {"713", RETRY_AGAIN, CAUSE_713},     /* transient error: wait, then retry */
    {"718", RETRY_REJECT, RETRY_CAUSES}, /* externalSalesPersonId not found */
};

/*
 * Classifies a call's outcome: how it ended (transport), its HTTP status,
 * and the code of the first error of a success:false answer (NULL when
 * success was true): the table above, HTTP 413 and 414 (the call is too
 * large, as sent) and 502, 503, 504 from a gateway (retried), a broken
 * connection or a time-out (retried).
 */
enum retry_action
retry_classify(enum transport t, long http_status, const char *code, enum retry_cause *cause)
{
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
	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		if (strcmp(code, codes[i].code) == 0) {
			if (codes[i].act == RETRY_AGAIN)
				*cause = codes[i].cause;
			return codes[i].act;
		}
	}
	if (code[0] == '1' && strlen(code) == 4)
		return RETRY_REJECT; /* 1xxx: the call's content was refused */
	return RETRY_FATAL;          /* 603 access denied, the bugs and the unknown */
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
