/* progress.h: the progress line a tool shows while it works: options, counts, rate, time left.
 */
#ifndef MSI_PROGRESS_H
#define MSI_PROGRESS_H

#include <stdio.h>

/* --progress, --no-progress, --progress-fd, as given; progress_opts_init sets the defaults. */
struct progress_opts {
	int on; /* 1: --progress, 0: --no-progress, -1: when the descriptor is a terminal */
	int fd; /* --progress-fd, else 2 (standard error) */
};

/* an initializer list in a macro, laid out as the tables it goes in */
/* clang-format off */
#define PROGRESS_LONG \
	{"no-progress", no_argument, NULL, PROGRESS_OFF}, \
	{"progress", no_argument, NULL, PROGRESS_ON}, \
	{"progress-fd", required_argument, NULL, PROGRESS_FD}
/* clang-format on */
/* Their lines in a tool's --help. */
#define PROGRESS_HELP                                                                          \
	"      --progress           a progress line once a second, even when not a terminal\n" \
	"      --no-progress        no progress line, even on a terminal\n"                    \
	"      --progress-fd fd     progress lines to descriptor fd, not standard error\n"
#define PROGRESS_ON  0x300
#define PROGRESS_OFF 0x301
#define PROGRESS_FD  0x302

/* One run's line. Its members are read and set through the functions below. */
struct progress {
	int fd;                /* where the line goes, or -1: no line */
	int tty;               /* a terminal: the line is rewritten in place */
	int drawn;             /* a line was shown */
	int open;              /* a terminal's line not yet ended by a newline */
	const char *unit;      /* what is counted: "records" */
	unsigned long total;   /* of them, 0 while not known */
	double started;        /* when the work began */
	double shown;          /* when the line was last shown */
	double (*clock)(void); /* seconds; http_now, or a test's */
};

void progress_opts_init(struct progress_opts *o);
int progress_opts_parse(
    struct progress_opts *o, int ch, const char *arg, void (*usage)(FILE *, int));
void progress_start(struct progress *p, const struct progress_opts *o, const char *unit);
int progress_on(const struct progress *p);
int progress_due(const struct progress *p);
void progress_restart(struct progress *p);
void progress_total(struct progress *p, unsigned long total);
unsigned long progress_count_lines(int fd);
unsigned long progress_count_file(const char *path);
unsigned long progress_count_files(char *const *files);
void progress_update(struct progress *p, unsigned long done, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void progress_note(struct progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void progress_end(struct progress *p, unsigned long done, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *progress_count(char buf[32], unsigned long n);

#endif
