// SPDX-License-Identifier: GPL-2.0-only
/* Typed reads from jansson objects that remember the first problem and where. */
#include <limits.h>

#include "util/jdec.h"

void jdec_fail(struct jdec *d, const char *key, const char *what)
{
	if (!d->err)
		d->err = xasprintf("%s%s%s: %s", d->where ? d->where : "$", *key ? "." : "", key,
				   what);
}

uint64_t jdec_u64(struct jdec *d, json_t *o, const char *key, bool required)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		if (required)
			jdec_fail(d, key, "missing");
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		jdec_fail(d, key, "expected a non-negative integer");
		return 0;
	}
	return (uint64_t)json_integer_value(v);
}

int jdec_int(struct jdec *d, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < INT_MIN ||
	    json_integer_value(v) > INT_MAX) {
		jdec_fail(d, key, "expected an integer");
		return 0;
	}
	return (int)json_integer_value(v);
}

const char *jdec_str(struct jdec *d, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		jdec_fail(d, key, "expected a string");
		return NULL;
	}
	return json_string_value(v);
}

char *jdec_strdup(struct jdec *d, json_t *o, const char *key)
{
	const char *s = jdec_str(d, o, key);

	return xstrdup(s ? s : "");
}

bool jdec_bool(struct jdec *d, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (v && !json_is_boolean(v))
		jdec_fail(d, key, "expected true or false");
	return json_is_true(v);
}

json_t *jdec_array(struct jdec *d, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (v && !json_is_array(v)) {
		jdec_fail(d, key, "expected an array");
		return NULL;
	}
	return v;
}

char **jdec_strv(struct jdec *d, json_t *o, const char *key)
{
	json_t *a = jdec_array(d, o, key), *v;
	char **out;
	size_t i;

	if (!a)
		return NULL;
	out = xcalloc(json_array_size(a) + 1, sizeof(char *));
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			jdec_fail(d, key, "expected an array of strings");
			break;
		}
		out[i] = xstrdup(json_string_value(v));
	}
	return out;
}

json_t *jdec_load(struct jdec *d, const char *text, size_t len)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);

	if (!root) {
		if (!d->err)
			d->err = xasprintf("line %d column %d: %s", je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		jdec_fail(d, "", "expected an object");
		return NULL;
	}
	return root;
}

json_t *jdec_strv_json(const char *const *v)
{
	json_t *a = json_array();

	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

void jdec_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}
