/* msg.h: diagnostics on stderr as "prog: file:line: message". */
#ifndef MSI_MSG_H
#define MSI_MSG_H

#include <stdio.h>
#include <stdnoreturn.h>

/* The program name that starts every message; set by msg_init. */
extern const char *msg_prog;

void msg_init(const char *argv0);
void msg_before(void (*fn)(void));
void msg_secret(const char *s);
void msg_forget(const char *s);
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_at(const char *file, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void msg_line(FILE *fp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void msg_syswarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_badopt(int ch, char *const argv[]);
noreturn void msg_fatal(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
noreturn void msg_sysfatal(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
