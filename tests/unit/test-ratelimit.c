/* test-ratelimit.c: the window and the calls in flight, on a clock the test moves; the shared
 * file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msg.h"
#include "ratelimit.h"
#include "unit.h"

/* A process id that no process has: a child's, once it is reaped. */
static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void
own_window(void)
{
	struct ratelimit r;
	double starts[400], t;
	int i, started = 0, over = 0;

	ratelimit_init(&r, 3, 20.0, 10);
	CHECK("empty window: start now", ratelimit_turn(&r, 0) == 0);
	CHECK("second", ratelimit_turn(&r, 1) == 0);
	CHECK("third", ratelimit_turn(&r, 2) == 0);
	CHECK("full: wait for the oldest to leave", ratelimit_turn(&r, 5) == 15.0);
	CHECK("calls in window", ratelimit_in_window(&r, 5) == 3);
	CHECK("exactly window later: may start", ratelimit_turn(&r, 20) == 0);
	CHECK("then the next waits for the second", ratelimit_turn(&r, 20) == 1.0);
	CHECK("one left the window", ratelimit_in_window(&r, 21.5) == 2);
	ratelimit_free(&r, 30);

	/* calls at once: a turn waits for one in flight to end */
	ratelimit_init(&r, 100, 20.0, 2);
	CHECK("first at once", ratelimit_turn(&r, 0) == 0);
	CHECK("second at once", ratelimit_turn(&r, 0) == 0);
	CHECK("third waits for one to end: its own answers wake it",
	    ratelimit_turn(&r, 0) == 0.1);
	ratelimit_done(&r, 0.5);
	CHECK("one just ended: still counted a moment", ratelimit_turn(&r, 0.505) > 0);
	CHECK("one ended: the third goes", ratelimit_turn(&r, 0.55) == 0);
	CHECK("in flight counted", r.flying == 2);
	ratelimit_free(&r, 1);

	/*
	 * Start calls as soon as allowed for 100 s: never more than max in any
	 * window, and as many as the limit allows (5 windows of 50).
	 */
	ratelimit_init(&r, 50, 20.0, 1000);
	for (t = 0; t < 100; t += 0.01) {
		while (started < 400 && ratelimit_turn(&r, t) == 0) {
			ratelimit_done(&r, t);
			starts[started++] = t;
		}
	}
	for (i = 50; i < started; i++)
		if (starts[i] - starts[i - 50] < 20.0 - 1e-9)
			over = 1;
	CHECK("never more than 50 in 20 s", !over);
	CHECK("all the calls the limit allows", started == 250);
	ratelimit_free(&r, 100);

	/* a request that goes later than its turn counts from when it goes */
	ratelimit_init(&r, 1, 20.0, 10);
	CHECK("turn at 0", ratelimit_turn(&r, 0) == 0);
	ratelimit_sent(&r, 1);
	ratelimit_done(&r, 2);
	CHECK("sent at 1: the window holds it until 21", ratelimit_turn(&r, 20.5) == 0.5);
	ratelimit_free(&r, 30);

	ratelimit_init(&r, 0, 1.0, 0);
	CHECK("a limit below 1 is 1", r.max == 1 && r.concurrency == 1);
	ratelimit_free(&r, 0);
}

static void
shared_window(void)
{
	struct ratelimit a, b;
	char dir[] = "/tmp/test-ratelimit.XXXXXX", path[200], why[300], text[4096];
	FILE *fp;
	size_t len;
	int fails = 0;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof path, "%s/w/127.0.0.1_8080.window", dir);
	ratelimit_init(&a, 3, 20.0, 2);
	ratelimit_init(&b, 3, 20.0, 2);
	CHECK("shared: made its folder and file",
	    ratelimit_share(&a, strcat(strcpy(text, dir), "/w"), "http://127.0.0.1:8080/rest",
	        why, sizeof why) == 0 &&
	        access(path, R_OK | W_OK) == 0);
	CHECK("shared: the same instance, the same file",
	    ratelimit_share(&b, text, "http://127.0.0.1:8080/rest/", why, sizeof why) == 0 &&
	        strcmp(a.path, b.path) == 0);
	CHECK("a takes a turn", ratelimit_turn(&a, 10) == 0);
	CHECK("b takes a turn", ratelimit_turn(&b, 11) == 0);
	CHECK("a waits: two in flight between them", ratelimit_turn(&a, 11) > 0);
	ratelimit_done(&b, 12);
	CHECK("b's ended: a goes", ratelimit_turn(&a, 12.1) == 0);
	ratelimit_done(&a, 12.1);
	ratelimit_done(&a, 12.1);
	CHECK("three in the window: b waits until the first leaves (at 30)",
	    ratelimit_turn(&b, 13) == 17.0);
	CHECK("b sees the window a filled", ratelimit_in_window(&b, 13) == 3);
	CHECK("b goes at 30", ratelimit_turn(&b, 30) == 0);
	ratelimit_free(&b, 31);

	/* a process killed in flight: its call ends when another reads it */
	fp = fopen(path, "w");
	fprintf(fp, "# a comment\n100.0 0.000000 20 %d\nnot a line\n101.0 0.0 20 %d\n",
	    (int)dead_pid(), (int)dead_pid());
	fclose(fp);
	CHECK("the dead holders' calls are not in flight", ratelimit_turn(&a, 102) == 0);
	CHECK("... but their starts stay in the window",
	    ratelimit_turn(&a, 102) > 0 && ratelimit_in_window(&a, 102) == 3);
	ratelimit_done(&a, 102);

	/* a line in flight for over 10 minutes has ended, even of a live process */
	fp = fopen(path, "w");
	fprintf(fp, "300.0 0.0 20 %d 1\n300.0 0.0 20 %d 1\n", (int)getppid(), (int)getppid());
	fclose(fp);
	CHECK("a live process's calls 5 minutes in flight count", ratelimit_turn(&a, 600) > 0);
	CHECK("... and after 10 minutes no longer", ratelimit_turn(&a, 901) == 0);
	ratelimit_done(&a, 901);

	/* a line from before a reboot (a start later than now) is dropped */
	fp = fopen(path, "w");
	fprintf(fp, "5000.0 0.0 20 %d\n5000.0 5001.0 20 %d\n5000.0 5001.0 20 %d\n",
	    (int)getpid(), (int)getpid(), (int)getpid());
	fclose(fp);
	CHECK("lines from another boot are dropped", ratelimit_turn(&a, 200) == 0);
	ratelimit_free(&a, 201);

	/* the file: one line a call, with no more than times and process ids */
	fp = fopen(path, "r");
	len = fread(text, 1, sizeof text - 1, fp);
	text[len] = '\0';
	fclose(fp);
	CHECK("the file is a comment and lines of five numbers",
	    strncmp(text, "# start end window pid sent", 27) == 0);
	{
		char *line = strchr(text, '\n') + 1, *nl;
		double s, e, w;
		int pid, sent;

		for (; *line != '\0'; line = nl + 1) {
			nl = strchr(line, '\n');
			*nl = '\0';
			if (sscanf(line, "%lf %lf %lf %d %d", &s, &e, &w, &pid, &sent) != 5 ||
			    e == 0)
				fails++;
		}
	}
	CHECK("every call of a freed window has ended", fails == 0);

	/* a folder that cannot be made: no sharing, and why */
	ratelimit_init(&a, 3, 20.0, 2);
	CHECK("unmakeable folder refused",
	    ratelimit_share(&a, "/proc/no/such", "http://h:1/rest", why, sizeof why) != 0 &&
	        strstr(why, "/proc/no/such") != NULL);
	CHECK("... and the window still works, unshared", ratelimit_turn(&a, 0) == 0);
	ratelimit_free(&a, 1);

	unlink(path);
	snprintf(path, sizeof path, "%s/w", dir);
	rmdir(path);
	rmdir(dir);
}

int
main(int argc, char *argv[])
{
	(void)argc;
	msg_init(argv[0]);
	own_window();
	shared_window();
	return unit_failed;
}
