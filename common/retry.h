/* retry.h: what to do about a failed Marketo call, and how long to wait first. */
#ifndef MSI_RETRY_H
#define MSI_RETRY_H

enum transport {
	TRANSPORT_OK,      /* an HTTP answer came */
	TRANSPORT_CONNECT, /* no connection, or it broke before an answer */
	TRANSPORT_TIMEOUT, /* no answer in time */
	TRANSPORT_OTHER    /* anything else (TLS, a bad URL): not retried */
};

/* Why a call was sent again: Marketo's code, an HTTP status, the network. */
enum retry_cause {
	CAUSE_500,
	CAUSE_502,
	CAUSE_604,
	CAUSE_606,
	CAUSE_608,
	CAUSE_611,
	CAUSE_614,
	CAUSE_615,
	CAUSE_713,
	CAUSE_HTTP502,
	CAUSE_HTTP503,
	CAUSE_HTTP504,
	CAUSE_CONNECT,
	CAUSE_TIMEOUT,
	RETRY_CAUSES
};

enum retry_action {
	RETRY_DONE,   /* the call was executed: look at its records (702: none) */
	RETRY_AGAIN,  /* a passing fault: back off and resend */
	RETRY_TOKEN,  /* 601/602: get a token, resend at once */
	RETRY_QUOTA,  /* 607: stop sending; resumable tomorrow */
	RETRY_REJECT, /* the call was refused for what it sent: set the batch aside */
	RETRY_FATAL   /* 603 access denied, bad credentials, a bug, the unknown: stop */
};

enum retry_action retry_classify(
    enum transport t, long http_status, const char *code, enum retry_cause *cause);
const char *retry_cause_name(enum retry_cause c);
double retry_backoff(int attempt, double base, double cap, unsigned long *state);

#endif
