/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Typed reads from a jansson object for the decoders of everything that
 * crosses the VM boundary: a cursor that keeps the first problem with its
 * JSON path ("RSLT $.workers[0].pid: expected an integer").
 */
#ifndef KTSTR_JDEC_H
#define KTSTR_JDEC_H

#include <jansson.h>

#include "util/util.h"

struct jdec {
	char *err;		/* owned: the first problem, or NULL */
	const char *where;	/* the JSON path of the object being read ("$") */
};

void jdec_fail(struct jdec *d, const char *key, const char *what);
/* Absent: 0 (required: an error). Not a non-negative integer: an error. */
uint64_t jdec_u64(struct jdec *d, json_t *o, const char *key, bool required);
int jdec_int(struct jdec *d, json_t *o, const char *key);
/* Absent: NULL. Not a string: an error. Borrowed from o. */
const char *jdec_str(struct jdec *d, json_t *o, const char *key);
/* jdec_str, copied; "" when absent. */
char *jdec_strdup(struct jdec *d, json_t *o, const char *key);
bool jdec_bool(struct jdec *d, json_t *o, const char *key);
/* Absent: NULL. Not an array: an error. */
json_t *jdec_array(struct jdec *d, json_t *o, const char *key);
/* A NULL-terminated copy of an array of strings; NULL when absent. */
char **jdec_strv(struct jdec *d, json_t *o, const char *key);
/* Parse text into an object; NULL with d->err set when it is not one. */
json_t *jdec_load(struct jdec *d, const char *text, size_t len);
/* An array of strings as JSON. */
json_t *jdec_strv_json(const char *const *v);
void jdec_strv_free(char **v);

#endif
