/*
 * form.c: a form body's parameters (application/x-www-form-urlencoded),
 * decoded by libmicrohttpd's MHD_http_unescape, '+' as a space: a new object,
 * the last of a name repeated winning. Shared by both simulators.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>

#include "ealloc.h"
#include "form.h"

json_t *
form_params(const char *form, size_t len)
{
	json_t *params = json_object();
	char *copy = emalloc(len + 1), *pair, *save = NULL, *eq, *p;
	size_t n;

	memcpy(copy, form, len);
	copy[len] = '\0';
	for (pair = strtok_r(copy, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
		if ((eq = strchr(pair, '=')) == NULL)
			continue;
		*eq++ = '\0';
		for (p = eq; *p; p++)
			if (*p == '+')
				*p = ' ';
		n = MHD_http_unescape(eq);
		json_object_set_new(params, pair, json_stringn(eq, n));
	}
	free(copy);
	return params;
}
