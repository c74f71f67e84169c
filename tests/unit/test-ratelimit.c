/* test-ratelimit.c: the sliding window, on a clock the test moves. */
#include "ratelimit.h"
#include "unit.h"

int
main(void)
{
	struct ratelimit r;
	double t;
	int i, started = 0, over = 0;

	ratelimit_init(&r, 3, 20.0);
	CHECK("empty window: start now", ratelimit_delay(&r, 0) == 0);
	ratelimit_take(&r, 0);
	ratelimit_take(&r, 1);
	ratelimit_take(&r, 2);
	CHECK("full: wait for the oldest to leave", ratelimit_delay(&r, 5) == 15.0);
	CHECK("calls in window", ratelimit_in_window(&r, 5) == 3);
	CHECK("exactly window later: may start", ratelimit_delay(&r, 20) == 0);
	ratelimit_take(&r, 20);
	CHECK("then the next waits for the second", ratelimit_delay(&r, 20) == 1.0);
	CHECK("one left the window", ratelimit_in_window(&r, 21.5) == 2);
	ratelimit_free(&r);

	/*
	 * Start calls as soon as allowed for 100 s: never more than max in any
	 * window, and as many as the limit allows (5 windows of 50).
	 */
	ratelimit_init(&r, 50, 20.0);
	double starts[400];

	for (t = 0; t < 100; t += 0.01) {
		while (ratelimit_delay(&r, t) == 0 && started < 400) {
			ratelimit_take(&r, t);
			starts[started++] = t;
		}
	}
	for (i = 50; i < started; i++)
		if (starts[i] - starts[i - 50] < 20.0 - 1e-9)
			over = 1;
	CHECK("never more than 50 in 20 s", !over);
	CHECK("all the calls the limit allows", started == 250);
	ratelimit_free(&r);

	ratelimit_init(&r, 0, 1.0);
	CHECK("a limit below 1 is 1", r.max == 1);
	ratelimit_free(&r);
	return unit_failed;
}
