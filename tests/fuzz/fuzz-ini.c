// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: any bytes through the INI front end, matrix and validator. */
#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list dl = {};
	struct spec_file *sf = NULL;

	spec_file__parse("fuzz.ini", (const char *)data, size, SPEC_FORMAT_INI, &sf, &dl);
	if (sf)
		for (size_t i = 0; i < sf->ntests; i++)
			spec_file__find(sf, sf->tests[i].name);
	diag_free(&dl);
	spec_file__free(sf);
	return 0;
}
