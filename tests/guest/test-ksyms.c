// SPDX-License-Identifier: GPL-2.0-only
/* The guest agent's kallsyms pass: what it takes, and where a hinted pass stops. */
#include "guest/guest.h"
#include "tap.h"
#include "util/util.h"

static const char *const want[] = { "_text", "runqueues", "__per_cpu_offset", "page_offset_base" };

/* Before 6.15 x86-64 per-CPU symbols are zero-based and listed before _text. */
static const char zero_based[] =
	"0000000000000000 A fixed_percpu_data\n"
	"000000000002c1c0 A runqueues\n"
	"ffffffff81000000 T _text\n"
	"ffffffff81000000 T startup_64\n"
	"ffffffff82a00000 D page_offset_base\n"
	"ffffffff82b00000 D __per_cpu_offset\n"
	"ffffffffc0001000 t _text\t[fake_mod]\n";

/* 6.15 and later: per-CPU symbols live in the image, after _text. */
static const char in_image[] =
	"ffffffff81000000 T _text\n"
	"ffffffff82a00000 D page_offset_base\n"
	"ffffffff82c1c1c0 D runqueues\n"
	"ffffffff82d00000 D __per_cpu_offset\n";

static json_t *scan(const char *text, bool to_text, size_t *found)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	json_t *syms = json_object();

	*found = guest_ksyms__scan(f, want, ARRAY_SIZE(want), to_text, syms);
	if (f)
		fclose(f);
	return syms;
}

static const char *sym(json_t *syms, const char *name)
{
	return json_string_value(json_object_get(syms, name));
}

int main(void)
{
	json_t *s;
	size_t n;

	tap_plan(4);
	s = scan(zero_based, false, &n);
	tap_ok(n == 4 && !strcmp(sym(s, "runqueues") ?: "", "0x2c1c0") &&
	       !strcmp(sym(s, "_text") ?: "", "0xffffffff81000000"),
	       "full pass: every symbol, a module's symbol of the same name skipped");
	json_decref(s);
	s = scan(zero_based, true, &n);
	tap_ok(sym(s, "_text") && sym(s, "runqueues") && !sym(s, "page_offset_base"),
	       "hinted pass over a zero-based per-CPU kernel: runqueues before _text does not end it "
	       "(_text %s)", sym(s, "_text") ?: "missing");
	json_decref(s);
	s = scan(in_image, true, &n);
	tap_ok(n == 1 && sym(s, "_text") && !sym(s, "runqueues"),
	       "hinted pass over a 6.15+ kernel stops at _text");
	json_decref(s);
	s = scan("garbage\n\n0x zz\n", false, &n);
	tap_ok(n == 0 && !json_object_size(s), "lines that are not symbols are skipped");
	json_decref(s);
	return tap_done();
}
