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

	CHECK(
	    "https allowed", mkconf_url_allowed("https://123-ABC-456.mktorest.com/rest", why));
	CHECK("http to 127.0.0.1 allowed", mkconf_url_allowed("http://127.0.0.1:8080", why));
	CHECK("http to 127.3.2.1 allowed", mkconf_url_allowed("http://127.3.2.1/x", why));
	CHECK("http to localhost allowed", mkconf_url_allowed("http://localhost:9/", why));
	CHECK("http to [::1] allowed", mkconf_url_allowed("http://[::1]:8080/", why));
	CHECK("http elsewhere refused",
	    !mkconf_url_allowed("http://123-ABC-456.mktorest.com", why));
	CHECK_STR("why", why,
	    "http://123-ABC-456.mktorest.com: plain http is allowed only to this "
	    "machine; use https");
	CHECK("127.example.com is not loopback",
	    !mkconf_url_allowed("http://127.example.com", why));
	CHECK("localhost.evil.example refused",
	    !mkconf_url_allowed("http://localhost.evil.example/", why));
	CHECK("ftp refused", !mkconf_url_allowed("ftp://127.0.0.1/", why));

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
	path = write_file("# instance\nbase_url = http://127.0.0.1:9999\nclient_id=file-id\n"
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
	path = write_file("secret = x\n", 0600);
	CHECK("an unknown key",
	    mkconf_load(&c, path, why) != 0 && strstr(why, ":1: unknown key \"secret\""));
	mkconf_free(&c);
	unlink(path);
	path = write_file(
	    "base_url = http://mkto.example.com\nclient_id = a\nclient_secret = b\n", 0600);
	CHECK("plain http to a remote host refused",
	    mkconf_load(&c, path, why) != 0 &&
	        strstr(why, "plain http is allowed only to this machine"));
	mkconf_free(&c);
	unlink(path);
	CHECK("a missing file",
	    mkconf_load(&c, "/nonexistent/msi.conf", why) != 0 &&
	        strcmp(why, "/nonexistent/msi.conf: No such file or directory") == 0);
	mkconf_free(&c);
	return unit_failed;
}
