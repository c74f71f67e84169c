/* roles.c: the leadIds Marketo wants for opportunity roles, looked up by externalPersonId. */
#include <stdlib.h>
#include <string.h>

#include "jsonbuf.h"
#include "load.h"

/*
 * Whether a role's externalPersonId can be asked for as it is: the lookup
 * takes values separated by commas, so one holding a comma would ask for
 * several persons (up to the 300 the call allows, failing the batch).
 */
int
roles_person_ok(const char *pid)
{
	return *pid != '\0' && strchr(pid, ',') == NULL;
}

/* Forgets the persons of b asked for and not found: a later batch asks again. */
static void
forget_asked(struct load *l, struct batch *b)
{
	const char *pid;
	json_t *rec;
	size_t i;

	json_array_foreach(b->recs, i, rec)
	{
		pid = json_string_value(json_object_get(rec, "externalPersonId"));
		if (pid != NULL && json_is_null(json_object_get(l->lead_ids, pid)))
			json_object_del(l->lead_ids, pid);
	}
}

/*
 * Roles carry the Contact's externalPersonId; Marketo wants its leadId.
 * Persons not yet cached are asked for, up to 300 a call, in the POST
 * ?_method=GET form so that no URL nears 8 KB; the call counts against the
 * window like any other and is retried as any other (this waits). Then the
 * body is made again with leadIds; roles whose person Marketo lacks are
 * left out of it. Returns 0, or -1 when the lookup failed: then the batch
 * has failed, or calls must stop.
 */
int
roles_resolve(struct load *l, struct batch *b)
{
	struct jsonbuf form = {0};
	struct mkanswer a;
	json_t *rec, *item, *v, *input, *body;
	char *escaped;
	const char *pid;
	size_t i, asked = 0;
	int status = -1;

	json_array_foreach(b->recs, i, rec)
	{
		pid = json_string_value(json_object_get(rec, "externalPersonId"));
		if (pid == NULL || !roles_person_ok(pid) || json_object_get(l->lead_ids, pid) != NULL)
			continue;
		jsonbuf_addstr(&form,
		    asked ? "%2C" : "filterType=externalPersonId&fields=externalPersonId&filterValues=");
		escaped = curl_easy_escape(NULL, pid, 0);
		jsonbuf_addstr(&form, escaped);
		curl_free(escaped);
		json_object_set_new(l->lead_ids, pid, json_null());
		asked++;
	}
	if (asked > 0) {
		if (mkclient_call(&l->mk, "/v1/leads.json?_method=GET", form.data, form.len,
		        "application/x-www-form-urlencoded", &a) != RETRY_DONE) {
			forget_asked(l, b);
			if (mkclient_status(&l->mk) != 0)
				l->stopping = 1;
			else
				results_fail(l, b, a.code, a.message, a.exhausted);
			json_decref(a.json);
			goto out;
		}
		json_array_foreach(json_object_get(a.json, "result"), i, item)
		{
			if ((pid = json_string_value(json_object_get(item, "externalPersonId"))))
				json_object_set(l->lead_ids, pid, json_object_get(item, "id"));
		}
		json_decref(a.json);
	}
	input = json_array();
	json_array_foreach(b->recs, i, rec)
	{
		pid = json_string_value(json_object_get(rec, "externalPersonId"));
		v = pid ? json_object_get(l->lead_ids, pid) : NULL;
		if (!json_is_integer(v))
			continue;
		item = json_deep_copy(rec);
		json_object_del(item, "externalPersonId");
		json_object_set(item, "leadId", v);
		json_array_append_new(input, item);
	}
	body = json_pack(
	    "{s:s, s:s, s:o}", "action", l->action, "dedupeBy", "dedupeFields", "input", input);
	free(b->body);
	b->body = json_dumps(body, JSON_COMPACT);
	b->len = strlen(b->body);
	json_decref(body);
	b->resolved = 1;
	status = 0;
out:
	jsonbuf_free(&form);
	return status;
}
