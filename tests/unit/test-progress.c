/* test-progress.c: the progress line on a terminal, and a message while it is open. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "progress.h"
#include "unit.h"

static double now;

static double
clock_of_test(void)
{
	return now;
}

/* What is in the pipe's read end rfd now (what the line wrote), as a string. */
static const char *
drained(int rfd)
{
	static char got[1024];
	ssize_t n = read(rfd, got, sizeof got - 1);

	got[n > 0 ? n : 0] = '\0';
	return got;
}

int
main(void)
{
	struct progress p;
	int fds[2], saved = dup(2), devnull;

	msg_init("test");
	if (pipe(fds) != 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0)
		return 2;
	/* a terminal's line: the pipe stands for the terminal */
	memset(&p, 0, sizeof p);
	p.fd = fds[1];
	p.tty = 1;
	p.unit = "records";
	p.clock = clock_of_test;
	progress_total(&p, 3000);
	now = 0.5;
	progress_update(&p, 10, "detail");
	CHECK_STR("nothing in the first second", drained(fds[0]), "");
	now = 1.5;
	progress_update(&p, 900, "detail");
	CHECK("the line rewritten in place",
	    strncmp(drained(fds[0]), "\rtest: 900 of 3,000 records (30%)", 33) == 0);
	/* a message while the line is open: the line is erased first */
	devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 2);
	msg_warn("a message");
	fflush(stderr);
	CHECK_STR("a message erases the open line", drained(fds[0]), "\r\033[K");
	msg_warn("another message");
	fflush(stderr);
	dup2(saved, 2);
	CHECK_STR("the next message has nothing to erase", drained(fds[0]), "");
	now = 3.0;
	progress_end(&p, 3000, "detail");
	CHECK("the last line ends with a newline", strchr(drained(fds[0]), '\n') != NULL);
	return unit_failed;
}
