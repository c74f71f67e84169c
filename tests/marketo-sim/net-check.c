/* net-check.c: drives common/http's token and calls against marketo-sim, for the tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "exitcode.h"
#include "http.h"
#include "mkconf.h"
#include "msg.h"

/*
 * usage: net-check token | call PATH
 * Settings from MARKETO_* in the environment. "token" gets a token twice,
 * then once more by force, and says how often the identity service was
 * asked; "call" GETs PATH with the token and prints the status and the
 * answer's success. Tokens and secrets are never printed.
 */
int
main(int argc, char *argv[])
{
	char why[MKCONF_WHY_SIZE], url[1024], first[128];
	struct mkconf conf;
	struct token t;
	struct http_call c;
	json_t *answer;
	CURLcode rc;

	msg_init(argv[0]);
	if (argc < 2)
		msg_fatal(MSI_EXIT_USAGE, "usage: net-check token | call PATH");
	if (mkconf_load(&conf, getenv("MARKETO_CONFIG"), why) != 0)
		msg_fatal(MSI_EXIT_USAGE, "%s", why);
	http_init();
	memset(&t, 0, sizeof t);
	if (token_get(&conf, &t, 0, 5000, why, sizeof why) != 0) {
		mkconf_free(&conf);
		msg_fatal(MSI_EXIT_SERVICE, "%s", why);
	}
	if (strcmp(argv[1], "token") == 0) {
		strcpy(first, t.value);
		token_get(&conf, &t, 0, 5000, why, sizeof why);
		printf("asked %ld time(s) for two tokens; the same token: %s\n", t.fetched,
		    strcmp(first, t.value) == 0 ? "yes" : "no");
		token_get(&conf, &t, 1, 5000, why, sizeof why);
		printf("asked %ld time(s) after a forced renewal\n", t.fetched);
	} else if (strcmp(argv[1], "call") == 0 && argc == 3) {
		snprintf(url, sizeof url, "%s%s", conf.base_url, argv[2]);
		http_call_init(&c, url, t.value, NULL, 0, NULL, 5000);
		rc = curl_easy_perform(c.easy);
		answer =
		    json_loadb(c.response.data ? c.response.data : "", c.response.len, 0, NULL);
		printf("transport %d, HTTP %ld, success %s\n", (int)http_transport(rc),
		    http_status(&c),
		    json_is_true(json_object_get(answer, "success")) ? "true" : "false");
		json_decref(answer);
		http_call_free(&c);
	}
	mkconf_free(&conf);
	curl_global_cleanup();
	return 0;
}
