/* test-mkconf.c: connection settings from the environment and a private config file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkconf.h"
#include "unit.h"

static void
clear_env(void)
{
	unsetenv("MARKETO_BASE_URL");
	unsetenv("MARKETO_IDENTITY_URL");
	unsetenv("MARKETO_CLIENT_ID");
	unsetenv("MARKETO_CLIENT_SECRET");
}

static char *
write_file(const char *text, mode_t mode)
{
	static char path[64];
	FILE *fp;
	int fd;

	strcpy(path, "/tmp/test-mkconf-XXXXXX");
	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
	return path;
}

int
main(void)
{
	char why[MKCONF_WHY_SIZE], *path;
	struct mkconf c;

	CHECK("https allowed",
	    mkconf_url_allowed("URL", "https://123-ABC-456.mktorest.com/rest", why));
	CHECK("http to 127.0.0.1 allowed",
	    mkconf_url_allowed("URL", "http://127.0.0.1:8080", why));
	CHECK(
	    "http to 127.3.2.1 allowed", mkconf_url_allowed("URL", "http://127.3.2.1/x", why));
	CHECK(
	    "http to localhost allowed", mkconf_url_allowed("URL", "http://localhost:9/", why));
	CHECK("http to [::1] allowed", mkconf_url_allowed("URL", "http://[::1]:8080/", why));
	CHECK("http elsewhere refused",
	    !mkconf_url_allowed("URL", "http://123-ABC-456.mktorest.com", why));
	CHECK_STR("why", why,
	    "http://123-ABC-456.mktorest.com: plain http is allowed only to this "
	    "machine; use https");
	CHECK("127.example.com is not loopback",
	    !mkconf_url_allowed("URL", "http://127.example.com", why));
	CHECK("localhost.evil.example refused",
	    !mkconf_url_allowed("URL", "http://localhost.evil.example/", why));
	CHECK("ftp refused", !mkconf_url_allowed("URL", "ftp://127.0.0.1/", why));
	CHECK("file refused", !mkconf_url_allowed("URL", "file:///etc/passwd", why));

	/* A user-info part must not make a remote host pass for this machine. */
	CHECK("user:password@ refused",
	    !mkconf_url_allowed("URL", "http://localhost:x@127.0.0.3:9/rest", why));
	CHECK_STR("its reason names the setting, not the URL", why,
	    "URL: a user name or password in the URL is not allowed; the credentials go "
	    "in client_id and client_secret");
	CHECK("127.0.0.1:pw@ refused",
	    !mkconf_url_allowed("URL", "http://127.0.0.1:pw@mkto.example.com/rest", why));
	CHECK("[::1]@ refused",
	    !mkconf_url_allowed("URL", "http://[::1]@mkto.example.com/", why));
	CHECK("user-info over https refused too",
	    !mkconf_url_allowed("URL", "https://user:PASS@mkto.example.com/rest", why));
	CHECK("the password is not in the reason", strstr(why, "PASS") == NULL);
	CHECK("an empty user-info refused",
	    !mkconf_url_allowed("URL", "http://@127.0.0.1/", why));
	CHECK("a fragment refused",
	    !mkconf_url_allowed("URL", "http://127.0.0.1:9/rest#frag", why));
	CHECK_STR("its reason", why,
	    "http://127.0.0.1:9/rest#frag: a query (?) or fragment (#) has no place in this URL");
	CHECK("a query refused",
	    !mkconf_url_allowed("URL", "https://mkto.example.com/rest?a=b", why));
	CHECK("a space refused",
	    !mkconf_url_allowed("URL", "https://mkto.example.com/ rest", why));
	CHECK("CR LF refused",
	    !mkconf_url_allowed("URL", "https://mkto.example.com/rest\r\nX-Evil: 1", why));
	CHECK_STR("its reason does not show the line end", why,
	    "URL: the URL holds a space or a control character");
	CHECK("a tab refused",
	    !mkconf_url_allowed("URL", "https://mkto.example.com\t/rest", why));
	CHECK("not a URL", !mkconf_url_allowed("URL", "http://[::1/", why));
	CHECK("a backslash does not hide a host",
	    !mkconf_url_allowed("URL", "http://127.0.0.1\\@mkto.example.com/", why));
	CHECK("127.1 is 127.0.0.1", mkconf_url_allowed("URL", "http://127.1:9/rest", why));
	CHECK("LOCALHOST", mkconf_url_allowed("URL", "http://LOCALHOST:9/rest", why));
	CHECK("0x7f000001 is loopback", mkconf_url_allowed("URL", "http://0x7f000001:9/", why));
	CHECK("128.0.0.1 is not", !mkconf_url_allowed("URL", "http://128.0.0.1/", why));
	CHECK("[::ffff:10.0.0.1] is not",
	    !mkconf_url_allowed("URL", "http://[::ffff:10.0.0.1]/", why));

	clear_env();
	setenv("MARKETO_BASE_URL", "https://123-ABC-456.mktorest.com/rest/", 1);
	setenv("MARKETO_CLIENT_ID", "id-from-env", 1);
	setenv("MARKETO_CLIENT_SECRET", "s3cret-from-env", 1);
	CHECK("environment only", mkconf_load(&c, NULL, why) == 0);
	CHECK_STR("base URL without trailing slash", c.base_url,
	    "https://123-ABC-456.mktorest.com/rest");
	CHECK_STR("identity URL derived", c.identity_url,
	    "https://123-ABC-456.mktorest.com/identity");
	mkconf_free(&c);
	CHECK("freed", c.client_secret == NULL);

	unsetenv("MARKETO_CLIENT_SECRET");
	CHECK("a missing secret is named", mkconf_load(&c, NULL, why) != 0);
	CHECK_STR("its reason", why, "MARKETO_CLIENT_SECRET is not set (environment)");
	mkconf_free(&c);

	clear_env();
	path =
	    write_file("# instance\nbase_url = http://127.0.0.1:9999/rest\nclient_id=file-id\n"
	               "client_secret =  file-secret  \n",
	        0600);
	CHECK("a private config file",
	    mkconf_load(&c, path, why) == 0 && strcmp(c.client_secret, "file-secret") == 0 &&
	        strcmp(c.identity_url, "http://127.0.0.1:9999/identity") == 0);
	mkconf_free(&c);
	setenv("MARKETO_CLIENT_ID", "env-id", 1);
	CHECK("the environment wins over the file",
	    mkconf_load(&c, path, why) == 0 && strcmp(c.client_id, "env-id") == 0);
	mkconf_free(&c);
	clear_env();

	chmod(path, 0644);
	CHECK("a file others may read is refused",
	    mkconf_load(&c, path, why) != 0 &&
	        strstr(why, "others may read it (mode 644); chmod 600 it") != NULL);
	CHECK("the reason holds no secret", strstr(why, "file-secret") == NULL);
	mkconf_free(&c);
	chmod(path, 0640);
	CHECK("group-readable is refused too", mkconf_load(&c, path, why) != 0);
	mkconf_free(&c);
	unlink(path);

	path = write_file("base_url http://127.0.0.1\n", 0600);
	CHECK("a line without =",
	    mkconf_load(&c, path, why) != 0 && strstr(why, ":1: expected key = value"));
	mkconf_free(&c);
	unlink(path);
	path = write_file("secret = x\nhunter2-pasted-secret = y\n", 0600);
	CHECK("an unknown key",
	    mkconf_load(&c, path, why) != 0 && strstr(why, ":1: unknown key (the keys are"));
	mkconf_free(&c);
	unlink(path);
	path = write_file("client_id = a\nhunter2-pasted-secret-with-an = sign\n", 0600);
	CHECK("an unknown key is not echoed", mkconf_load(&c, path, why) != 0 &&
	                                          strstr(why, ":2: unknown key") &&
	                                          strstr(why, "hunter2") == NULL);
	mkconf_free(&c);
	unlink(path);
	path = write_file(
	    "base_url = http://mkto.example.com\nclient_id = a\nclient_secret = b\n", 0600);
	CHECK("plain http to a remote host refused",
	    mkconf_load(&c, path, why) != 0 &&
	        strstr(why, "plain http is allowed only to this machine"));
	mkconf_free(&c);
	unlink(path);
	path = write_file("  # a comment\nbase_url = https://mkto.example.com/rest\n"
	                  "client_id = a\nclient_secret = pa#ss # word\n",
	    0600);
	CHECK("'#' inside a value is part of it",
	    mkconf_load(&c, path, why) == 0 && strcmp(c.client_secret, "pa#ss # word") == 0);
	mkconf_free(&c);
	unlink(path);
	CHECK("a folder as the config file",
	    mkconf_load(&c, "/tmp", why) != 0 && strcmp(why, "/tmp: not a regular file") == 0);
	mkconf_free(&c);
	path = write_file("base_url = https://mkto.example.com/rest\nclient_id = a\n"
	                  "client_secret = b\n",
	    0600);
	if (geteuid() == 0) {
		/* root may hand the file to another user: then it is refused */
		CHECK("chown", chown(path, 65534, 65534) == 0);
		CHECK("a file of another user refused",
		    mkconf_load(&c, path, why) != 0 && strstr(why, "belongs to another user"));
		mkconf_free(&c);
	}
	unlink(path);
	{
		char dir[64] = "/tmp/test-mkconf-dir-XXXXXX", file[96], link[96];
		FILE *fp;

		CHECK("mkdtemp", mkdtemp(dir) != NULL);
		snprintf(file, sizeof file, "%s/c.conf", dir);
		fp = fopen(file, "w");
		fputs("base_url = https://mkto.example.com/rest\nclient_id = a\n"
		      "client_secret = b\n",
		    fp);
		fclose(fp);
		chmod(file, 0600);
		chmod(dir, 0777);
		CHECK("a folder others may write refused",
		    mkconf_load(&c, file, why) != 0 && strstr(why, "others may replace"));
		mkconf_free(&c);
		snprintf(link, sizeof link, "/tmp/test-mkconf-link-%d", (int)getpid());
		CHECK("symlink", symlink(file, link) == 0);
		CHECK("through a symbolic link too",
		    mkconf_load(&c, link, why) != 0 && strstr(why, "others may replace"));
		mkconf_free(&c);
		chmod(dir, 01777);
		CHECK("a sticky folder such as /tmp is fine", mkconf_load(&c, link, why) == 0);
		mkconf_free(&c);
		unlink(link);
		unlink(file);
		rmdir(dir);
	}
	CHECK("a missing file",
	    mkconf_load(&c, "/nonexistent/msi.conf", why) != 0 &&
	        strcmp(why, "/nonexistent/msi.conf: No such file or directory") == 0);
	mkconf_free(&c);
	return unit_failed;
}
