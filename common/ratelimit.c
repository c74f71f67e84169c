/* ratelimit.c: a sliding-window limit on calls, as Marketo counts them. */
#include <stdlib.h>

#include "ealloc.h"
#include "ratelimit.h"

/*
 * Marketo refuses a call (606) when max calls arrived in the window before
 * it. Keeping the start times of the last max calls is enough to know when
 * the next may start: when the oldest of them leaves the window. Clocks are
 * the caller's (seconds, monotonic), so tests can give their own.
 */
void
ratelimit_init(struct ratelimit *r, int max, double window)
{
	r->max = max < 1 ? 1 : max;
	r->window = window;
	r->start = ecalloc((size_t)r->max, sizeof *r->start);
	r->head = r->len = 0;
}

static double
oldest(const struct ratelimit *r)
{
	return r->start[(r->head - r->len + r->max) % r->max];
}

static void
expire(struct ratelimit *r, double now)
{
	while (r->len > 0 && now - oldest(r) >= r->window)
		r->len--;
}

/* Seconds to wait before a call may start at now; 0 when it may start now. */
double
ratelimit_delay(struct ratelimit *r, double now)
{
	expire(r, now);
	if (r->len < r->max)
		return 0;
	return oldest(r) + r->window - now;
}

/* Records a call that starts at now (after ratelimit_delay said 0). */
void
ratelimit_take(struct ratelimit *r, double now)
{
	expire(r, now);
	r->start[r->head] = now;
	r->head = (r->head + 1) % r->max;
	if (r->len < r->max)
		r->len++;
}

/* Calls started in the window that ends at now, for progress reports. */
int
ratelimit_in_window(struct ratelimit *r, double now)
{
	expire(r, now);
	return r->len;
}

void
ratelimit_free(struct ratelimit *r)
{
	free(r->start);
	r->start = NULL;
}
