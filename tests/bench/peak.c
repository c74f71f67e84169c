/*
 * peak.c: runs a command and reports the peak of the memory its whole
 * process tree holds at once, and the CPU the tree used.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: peak [-a] [-i ms] [-l label] report-file command [arg ...]
 *
 * Runs command with this program's standard streams. Every ms
 * milliseconds (default 20) it sums the resident memory (field rss of
 * /proc/PID/stat, the VmRSS of /proc/PID/status) of the command and of
 * every process descended from it, and keeps the largest sum. This
 * program is their subreaper (PR_SET_CHILD_SUBREAPER): a descendant whose
 * parent ended is still counted, and is reaped here. When the command
 * ends it writes a line to report-file (appended with -a, in one write,
 * so that several peaks may share a file), its fields:
 *
 *	seconds peak_kb status cpu_seconds user_seconds sys_seconds
 *	    max_one_kb samples self_seconds [label]
 *
 * peak_kb is the largest sum sampled, or max_one_kb when that is larger
 * (a process that lived less than a sample); max_one_kb is the largest
 * peak of any one process of the tree that was waited for (getrusage's
 * RUSAGE_CHILDREN ru_maxrss); the CPU is the tree's processes waited for
 * (user + system); self_seconds is this program's own (its samples),
 * which a peak around it counts among its tree's. Resident memory
 * shared between processes (their libraries' pages) is counted once for
 * each. SIGHUP, SIGINT and SIGTERM are passed on to the command; peak
 * exits with the command's status, or ends by its signal.
 */

static pid_t child;

static void
pass_on(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static double
seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* The parent and the resident pages of process pid; 0, or -1 when it is gone. */
static int
stat_of(long pid, long *ppid, long *rss)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* after the command's name, in parentheses and maybe with spaces: state ppid ... */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p++;
	/* fields 3 (state) to 24 (rss): ppid is field 4, rss field 24 */
	for (i = 3; i <= 24; i++) {
		while (*p == ' ')
			p++;
		if (i == 4)
			*ppid = strtol(p, NULL, 10);
		else if (i == 24)
			*rss = strtol(p, NULL, 10);
		while (*p != ' ' && *p != '\0')
			p++;
	}
	return 0;
}

struct proc {
	long pid, ppid, rss;
};

static int
by_pid(const void *a, const void *b)
{
	long x = ((const struct proc *)a)->pid, y = ((const struct proc *)b)->pid;

	return x < y ? -1 : x > y;
}

/* The resident KB of the processes descended from pid me (not counting me). */
static long
tree_kb(long me, long page_kb)
{
	static struct proc *ps;
	static size_t cap;
	size_t n = 0, i;
	struct dirent *e;
	long sum = 0, pid, ppid, rss;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if ((pid = strtol(e->d_name, NULL, 10)) <= 0 || pid == me)
			continue;
		if (stat_of(pid, &ppid, &rss) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((ps = realloc(ps, cap * sizeof *ps)) == NULL) {
				perror("peak");
				exit(2);
			}
		}
		ps[n].pid = pid;
		ps[n].ppid = ppid;
		ps[n++].rss = rss;
	}
	closedir(d);
	/* a process is counted when its chain of parents reaches me */
	qsort(ps, n, sizeof *ps, by_pid);
	for (i = 0; i < n; i++) {
		const struct proc *q = &ps[i];
		int depth = 0;

		while (q != NULL && q->ppid != me && ++depth < 64) {
			struct proc k = {q->ppid, 0, 0};

			q = bsearch(&k, ps, n, sizeof *ps, by_pid);
		}
		if (q != NULL && q->ppid == me)
			sum += ps[i].rss * page_kb;
	}
	return sum;
}

static void
usage(void)
{
	fputs("usage: peak [-a] [-i ms] [-l label] report-file command [arg ...]\n", stderr);
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct timespec t0, t1, pause;
	struct rusage ru, self;
	struct sigaction sa;
	const char *label = NULL;
	long ms = 20, page_kb = sysconf(_SC_PAGESIZE) / 1024, peak = 0, kb, samples = 0;
	int c, append = 0, st = 0, fd, len, code;
	char line[512], *end;
	pid_t w;

	while ((c = getopt(argc, argv, "+ai:l:")) != -1) {
		switch (c) {
		case 'a': append = 1; break;
		case 'i':
			ms = strtol(optarg, &end, 10);
			if (*end != '\0' || ms < 1 || ms > 10000)
				usage();
			break;
		case 'l': label = optarg; break;
		default: usage();
		}
	}
	if (argc - optind < 2)
		usage();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		perror("peak: PR_SET_CHILD_SUBREAPER (orphans not counted)");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = pass_on;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((child = fork()) < 0) {
		perror("peak: fork");
		return 2;
	}
	if (child == 0) {
		execvp(argv[optind + 1], argv + optind + 1);
		perror(argv[optind + 1]);
		_exit(127);
	}
	pause.tv_sec = ms / 1000;
	pause.tv_nsec = ms % 1000 * 1000000L;
	for (;;) {
		if ((kb = tree_kb(getpid(), page_kb)) > peak)
			peak = kb;
		samples++;
		/* reap whatever ended: the command, or an orphan of the tree */
		while ((w = waitpid(-1, &code, WNOHANG)) > 0)
			if (w == child)
				st = code, child = -1;
		if (w < 0 && errno != ECHILD && errno != EINTR) {
			perror("peak: waitpid");
			return 2;
		}
		if (child == -1)
			break;
		nanosleep(&pause, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_CHILDREN, &ru);
	getrusage(RUSAGE_SELF, &self);
	if (ru.ru_maxrss > peak)
		peak = ru.ru_maxrss;
	len = snprintf(line, sizeof line, "%.6f %ld %d %.3f %.3f %.3f %ld %ld %.3f%s%s\n",
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, peak,
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
	    seconds(ru.ru_utime) + seconds(ru.ru_stime), seconds(ru.ru_utime),
	    seconds(ru.ru_stime), ru.ru_maxrss, samples,
	    seconds(self.ru_utime) + seconds(self.ru_stime), label ? " " : "",
	    label ? label : "");
	if ((fd = open(
	         argv[optind], O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0666)) < 0 ||
	    write(fd, line, (size_t)len) != len || close(fd) != 0) {
		perror(argv[optind]);
		return 2;
	}
	if (WIFSIGNALED(st)) {
		signal(WTERMSIG(st), SIG_DFL);
		raise(WTERMSIG(st));
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
