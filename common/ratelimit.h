/* ratelimit.h: a sliding-window limit on calls, as Marketo counts them. */
#ifndef MSI_RATELIMIT_H
#define MSI_RATELIMIT_H

struct ratelimit {
	int max;       /* calls allowed ... */
	double window; /* ... in any window of this many seconds */
	double *start; /* ring of the last max calls' start times */
	int head, len;
};

void ratelimit_init(struct ratelimit *r, int max, double window);
double ratelimit_delay(struct ratelimit *r, double now);
void ratelimit_take(struct ratelimit *r, double now);
int ratelimit_in_window(struct ratelimit *r, double now);
void ratelimit_free(struct ratelimit *r);

#endif
