// SPDX-License-Identifier: GPL-2.0-only
/* Selecting tests by name with a pcre2 regex (-E), shared by list, lint and run. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>

#include "spec/spec.h"

struct spec_filter {
	pcre2_code *re;
	pcre2_match_data *md;
};

int spec_filter__new(const char *regex, struct spec_filter **out, char **err)
{
	struct spec_filter *f;
	int ecode;
	PCRE2_SIZE eoff;

	*out = NULL;
	if (err)
		*err = NULL;
	f = xcalloc(1, sizeof(*f));
	if (!regex || !*regex) {
		*out = f;	/* matches everything */
		return 0;
	}
	f->re = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ecode, &eoff, NULL);
	if (!f->re) {
		if (err)
			*err = spec_regex__error(ecode, eoff);
		free(f);
		return -EINVAL;
	}
	f->md = pcre2_match_data_create_from_pattern(f->re, NULL);
	*out = f;
	return 0;
}

bool spec_filter__match(const struct spec_filter *f, const char *name)
{
	if (!f || !f->re)
		return true;
	return pcre2_match(f->re, (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0, 0, f->md, NULL) >= 0;
}

void spec_filter__free(struct spec_filter *f)
{
	if (!f)
		return;
	pcre2_match_data_free(f->md);
	pcre2_code_free(f->re);
	free(f);
}

char *spec_regex__error(int ecode, size_t offset)
{
	PCRE2_UCHAR buf[256];

	if (pcre2_get_error_message(ecode, buf, sizeof(buf)) < 0)
		snprintf((char *)buf, sizeof(buf), "error %d", ecode);
	return xasprintf("%s at offset %zu", (const char *)buf, offset);
}

int spec_regex__check(const char *regex, size_t *offset, char **msg)
{
	int ecode;
	PCRE2_SIZE eoff;
	pcre2_code *re;
	PCRE2_UCHAR buf[256];

	re = pcre2_compile((PCRE2_SPTR)regex, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ecode, &eoff, NULL);
	if (re) {
		pcre2_code_free(re);
		return 0;
	}
	if (pcre2_get_error_message(ecode, buf, sizeof(buf)) < 0)
		snprintf((char *)buf, sizeof(buf), "error %d", ecode);
	*offset = eoff;
	*msg = xstrdup((const char *)buf);
	return -EINVAL;
}
