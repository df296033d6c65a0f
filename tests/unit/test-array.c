// SPDX-License-Identifier: GPL-2.0-only
/*
 * array_push grows geometrically: reallocations are counted through the
 * linker's --wrap=realloc (xrealloc is the only caller in util.c), and a copied
 * spec node, the one array built outside array_push before, can be appended to.
 */
#include "tap.h"
#include "util/util.h"
#include "spec/spec-int.h"

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static size_t reallocs;

void *__wrap_realloc(void *p, size_t n)
{
	reallocs++;
	return __real_realloc(p, n);
}

int main(void)
{
	unsigned *v = NULL;
	size_t n = 0, caps = 0, prev = 0;
	bool intact = true, bounded = true;
	struct node *map, *copy;

	tap_plan(8);
	for (unsigned i = 0; i < 1000; i++)
		*(unsigned *)array_push(&v, &n, sizeof(*v)) = i;
	for (unsigned i = 0; i < 1000; i++)
		intact &= v[i] == i;
	tap_ok(n == 1000 && intact, "1000 pushes keep every element");
	/* 4, 8, ..., 1024: 9 allocations; one per push before */
	tap_ok(reallocs <= 9, "1000 pushes reallocate %zu times (at most 9)", reallocs);
	free(v);

	tap_is_int(array_capacity(0), 0, "an empty array has no room");
	tap_is_int(array_capacity(1), 4, "the first push makes room for 4");
	tap_is_int(array_capacity(5), 8, "then doubles");
	for (size_t k = 1; k <= 100000; k++) {
		size_t c = array_capacity(k);

		bounded &= c >= k && (k <= 4 || c < 2 * k);
		caps += c != prev;
		prev = c;
	}
	tap_ok(bounded, "capacity is at least n and under 2n");
	tap_ok(caps <= 16, "%zu distinct capacities up to 100000 elements", caps);

	/* a matrix value is appended to a copy of the test's map (under ASan: no overflow) */
	map = node__new(NODE_MAP, 1, 1);
	for (int i = 0; i < 5; i++)
		node__append(map, node__scalar("x", 1, 1), "k", 1, 1);
	copy = node__dup(map);
	node__append(copy, node__scalar("y", 2, 1), "extra", 2, 1);
	tap_ok(copy->nkids == 6 && !strcmp(copy->kids[5]->value, "y") &&
	       !strcmp(copy->kids[4]->value, "x"), "a copied node takes another child");
	node__free(copy);
	node__free(map);
	return tap_done();
}
