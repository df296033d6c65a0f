// SPDX-License-Identifier: GPL-2.0-only
/* The report front: fans each result out to the enabled renderers. */
#include "report/report.h"

struct report {
	struct report_opts o;
	size_t ntests;
};

struct report *report__new(const struct report_opts *o)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->o = *o;
	return r;
}

void report__begin(struct report *r, size_t ntests)
{
	r->ntests = ntests;
}

void report__progress(struct report *r, const char *test, const char *phase,
		      uint64_t elapsed_ns, uint64_t expected_ns)
{
}

void report__test_done(struct report *r, const struct test_result *t)
{
}

int report__end(struct report *r)
{
	return 0;
}

void report__free(struct report *r)
{
	free(r);
}

int report__write_json(const struct test_result *t, const struct spec_test *spec, const char *path)
{
	return 0;
}
