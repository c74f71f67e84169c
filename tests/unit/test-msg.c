/* test-msg.c: messages as they reach a terminal and a log: no control character, no secret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "unit.h"

/* What msg_warn(fmt, arg) writes on stderr, stderr sent to a temporary file meanwhile. */
static const char *
warned(const char *fmt, const char *arg)
{
	static char got[512];
	char path[] = "/tmp/test-msg.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	unlink(path);
	fflush(stderr);
	dup2(fd, 2);
	msg_warn(fmt, arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, got, sizeof got - 1, 0);
	close(fd);
	got[n > 0 ? n : 0] = '\0';
	return got;
}

int
main(void)
{
	static char secret[] = "s3cr3t-client-secret", token[] = "00Dx!AQ4AQ.tok";
	char *freed;

	msg_init("test");
	CHECK_STR("plain", warned("%s", "a message"), "test: a message\n");
	CHECK_STR("line ends and escapes", warned("server: %s", "bad\r\nX-Injected: 1\x1b[31m"),
	    "test: server: bad??X-Injected: 1?[31m\n");
	CHECK_STR("C1 control in UTF-8",
	    warned("%s", "a\xc2\x9b"
	                 "2Jb"),
	    "test: a?2Jb\n");
	CHECK_STR("UTF-8 kept", warned("%s", "M\xc3\xbcller \xe2\x82\xac"),
	    "test: M\xc3\xbcller \xe2\x82\xac\n");
	msg_secret(secret);
	msg_secret(token);
	CHECK_STR("a secret echoed",
	    warned("invalid_client: %s", "client_secret=s3cr3t-client-secret&x"),
	    "test: invalid_client: client_secret=(hidden)&x\n");
	CHECK_STR("a token", warned("%s", "Bearer 00Dx!AQ4AQ.tok"), "test: Bearer (hidden)\n");
	msg_forget(token);
	CHECK_STR("forgotten", warned("%s", "00Dx!AQ4AQ.tok"), "test: 00Dx!AQ4AQ.tok\n");
	msg_secret("secret"); /* too short to be told from text */
	CHECK_STR("short", warned("%s", "client_secret"), "test: client_secret\n");
	/* a secret replaced (a config value set again) is forgotten before it is freed */
	freed = strdup("another-secret-value");
	msg_secret(freed);
	msg_forget(freed);
	free(freed);
	CHECK_STR("after a forget", warned("%s", "another-secret-value"),
	    "test: another-secret-value\n");
	return unit_failed;
}
