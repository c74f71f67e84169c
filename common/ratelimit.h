/* ratelimit.h: Marketo's limits on calls (a window, calls at once), shared by this machine's
 * processes. */
#ifndef MSI_RATELIMIT_H
#define MSI_RATELIMIT_H

#include <stddef.h>
#include <sys/types.h>

/* One call: when it started, when it ended (0 while in flight), whose it is. */
struct ratecall {
	double start, end;
	double window; /* the window of the process that made it */
	pid_t pid;
	int sent; /* its request has gone: start is when (else when its turn came) */
};

struct ratelimit {
	int max;         /* calls allowed ... */
	double window;   /* ... in any window of this many seconds */
	int concurrency; /* calls in flight at once */
	int flying;      /* this process's calls in flight */
	pid_t pid;
	struct ratecall *calls; /* the recent calls: this process's, or read from the file */
	size_t n, cap;
	int fd;     /* the shared window file (ratelimit_share), or -1 */
	char *path; /* its name */
	char *text; /* its contents, as read */
	size_t textcap, size;
};

void ratelimit_init(struct ratelimit *r, int max, double window, int concurrency);
int ratelimit_share(
    struct ratelimit *r, const char *dir, const char *base_url, char *why, size_t size);
double ratelimit_turn(struct ratelimit *r, double now);
void ratelimit_sent(struct ratelimit *r, double now);
void ratelimit_done(struct ratelimit *r, double now);
int ratelimit_in_window(struct ratelimit *r, double now);
void ratelimit_free(struct ratelimit *r, double now);

#endif
