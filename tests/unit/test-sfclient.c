/* test-sfclient.c: the JWT's audience sfclient chooses, for login URLs no test can reach. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt.h"
#include "sfclient.h"
#include "unit.h"

/*
 * jwt.c's function, stood in for: it notes the audience asked for and
 * signs nothing, so that sfclient_token stops before any call. Defined
 * here, it keeps jwt.o (and libcrypto) out of this program.
 */
static char asked_aud[200];

char *
jwt_rs256(const char *key_file, const char *iss, const char *sub, const char *aud,
    long lifetime, char why[JWT_WHY_SIZE])
{
	(void)key_file;
	(void)iss;
	(void)sub;
	(void)lifetime;
	snprintf(asked_aud, sizeof asked_aud, "%s", aud);
	snprintf(why, JWT_WHY_SIZE, "not signed: a unit test");
	return NULL;
}

/*
 * The audience of the JWT flow with login URL url (and SALESFORCE_AUDIENCE
 * audience, unless NULL), as sfclient_token asks jwt_rs256 for it; "" when
 * sfclient_init refused the settings, with why.
 */
static const char *
audience(const char *url, const char *aud, char why[MKCONF_WHY_SIZE])
{
	static char result[250];
	struct sfclient c;
	struct sferror e;

	setenv("SALESFORCE_LOGIN_URL", url, 1);
	if (aud != NULL)
		setenv("SALESFORCE_AUDIENCE", aud, 1);
	else
		unsetenv("SALESFORCE_AUDIENCE");
	asked_aud[0] = '\0';
	why[0] = '\0';
	if (sfclient_init(&c, NULL, 1000, 0, why) != 0) {
		sfclient_free(&c);
		return "";
	}
	sfclient_token(&c, &e);
	snprintf(result, sizeof result, "%s", asked_aud);
	if (strcmp(asked_aud, c.audience) != 0)
		snprintf(
		    result, sizeof result, "init %.100s, token %.100s", c.audience, asked_aud);
	sfclient_free(&c);
	return result;
}

int
main(void)
{
	static const char login[] = "https://login.salesforce.com",
	                  test[] = "https://test.salesforce.com";
	char why[MKCONF_WHY_SIZE];

	unsetenv("SALESFORCE_CONFIG");
	unsetenv("SALESFORCE_CLIENT_SECRET");
	unsetenv("SALESFORCE_API_VERSION");
	setenv("SALESFORCE_CLIENT_ID", "client", 1);
	setenv("SALESFORCE_USERNAME", "integration@example.com", 1);
	setenv("SALESFORCE_PRIVATE_KEY_FILE", "/nonexistent/key.pem", 1);

	CHECK_STR("production login", audience(login, NULL, why), login);
	CHECK_STR("a My Domain", audience("https://acme.my.salesforce.com", NULL, why), login);
	CHECK_STR("a site", audience("https://acme.my.site.com/partners", NULL, why), login);
	CHECK_STR("this machine", audience("http://127.0.0.1:8080", NULL, why), login);
	CHECK_STR("sandbox login", audience(test, NULL, why), test);
	CHECK_STR("sandbox login, capitals and a port",
	    audience("https://TEST.Salesforce.com:443/", NULL, why), test);
	CHECK_STR("a sandbox's My Domain",
	    audience("https://acme--uat.sandbox.my.salesforce.com", NULL, why), test);
	CHECK_STR("not a sandbox's: sandbox.my.salesforce.com.example.com",
	    audience("https://x.sandbox.my.salesforce.com.example.com", NULL, why), login);
	CHECK_STR("not test.salesforce.com: atest.salesforce.com",
	    audience("https://atest.salesforce.com", NULL, why), login);
	CHECK_STR("SALESFORCE_AUDIENCE wins",
	    audience("https://acme.my.site.com", "https://acme.my.site.com/partners", why),
	    "https://acme.my.site.com/partners");
	CHECK_STR("its trailing slash dropped",
	    audience(login, "https://test.salesforce.com/", why), test);
	CHECK_STR(
	    "not https: refused", audience(login, "http://login.salesforce.com", why), "");
	CHECK_STR("its reason", why,
	    "SALESFORCE_AUDIENCE \"http://login.salesforce.com\" is not an https:// URL such as "
	    "https://test.salesforce.com");
	CHECK_STR("a blank: refused", audience(login, "https://a b", why), "");
	CHECK_STR("no host: refused", audience(login, "https://", why), "");

	unsetenv("SALESFORCE_USERNAME");
	unsetenv("SALESFORCE_PRIVATE_KEY_FILE");
	setenv("SALESFORCE_CLIENT_SECRET", "secret", 1);
	CHECK_STR("without the JWT flow: refused", audience(login, test, why), "");
	CHECK_STR("its reason", why,
	    "SALESFORCE_AUDIENCE is the JWT bearer flow's: it needs SALESFORCE_USERNAME and "
	    "SALESFORCE_PRIVATE_KEY_FILE");
	return unit_failed;
}
