/* roles.c: the leadIds Marketo wants for opportunity roles, looked up by externalPersonId. */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

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

/*
 * Roles carry the Contact's externalPersonId; Marketo wants its leadId.
 * l->lead_ids holds, per person, the leadId, null when Marketo has no such
 * lead, or false while a lookup asks for it. Persons not yet there are
 * asked for, up to 300 a call, in the POST ?_method=GET form (b->lookup)
 * so that no URL nears 8 KB; msi-load.c sends it as it sends any call, in
 * the window, beside the others, and retries it as any other.
 */

/*
 * What b needs before its call: 1, a lookup (its form is b->lookup); 0,
 * nothing: every person is known and the body is made with leadIds (roles
 * whose person Marketo lacks are left out of it); -1, the answer to
 * another batch's lookup, which asks for some of its persons.
 */
int
roles_ask(struct load *l, struct batch *b)
{
	json_t *rec, *item, *v, *input, *body;
	const char *pid;
	char *escaped;
	size_t i, asked = 0;
	int waiting = 0;

	json_array_foreach (b->recs, i, rec) {
		pid = json_string_value(json_object_get(rec, "externalPersonId"));
		if (pid == NULL || !roles_person_ok(pid))
			continue;
		if ((v = json_object_get(l->lead_ids, pid)) != NULL) {
			waiting |= json_is_false(v);
			continue;
		}
		jsonbuf_addstr(&b->lookup,
		    asked
		        ? "%2C"
		        : "filterType=externalPersonId&fields=externalPersonId&filterValues=");
		escaped = curl_easy_escape(NULL, pid, 0);
		jsonbuf_addstr(&b->lookup, escaped);
		curl_free(escaped);
		json_object_set_new(l->lead_ids, pid, json_false());
		if (b->asked == NULL)
			b->asked = json_array();
		json_array_append_new(b->asked, json_string(pid));
		asked++;
	}
	if (asked > 0)
		return 1;
	if (waiting)
		return -1;
	input = json_array();
	json_array_foreach (b->recs, i, rec) {
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
	return 0;
}

/*
 * The lookup of b came back: answer is Marketo's, or NULL when the lookup
 * failed for good, and its persons are to be asked again by a later batch.
 * The persons it asked for and Marketo did not name have no lead.
 */
void
roles_answer(struct load *l, struct batch *b, json_t *answer)
{
	json_t *item, *p;
	const char *pid;
	size_t i;

	json_array_foreach (json_object_get(answer, "result"), i, item) {
		pid = json_string_value(json_object_get(item, "externalPersonId"));
		if (pid != NULL && json_is_false(json_object_get(l->lead_ids, pid)) &&
		    json_is_integer(json_object_get(item, "id")))
			json_object_set(l->lead_ids, pid, json_object_get(item, "id"));
	}
	json_array_foreach (b->asked, i, p) {
		pid = json_string_value(p);
		if (!json_is_false(json_object_get(l->lead_ids, pid)))
			continue;
		if (answer != NULL)
			json_object_set_new(l->lead_ids, pid, json_null());
		else
			json_object_del(l->lead_ids, pid);
	}
	json_decref(b->asked);
	b->asked = NULL;
	jsonbuf_free(&b->lookup);
	memset(&b->lookup, 0, sizeof b->lookup);
}
