// SPDX-License-Identifier: GPL-2.0-only
/* The guest agent's kallsyms pass: what it takes, and where a hinted pass stops. */
#include <inttypes.h>

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

static struct msg_syms syms_buf;

static struct msg_syms *scan(const char *text, bool to_text, size_t *found)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct msg_syms *syms = &syms_buf;

	msg_syms__free(syms);

	*found = guest_ksyms__scan(f, want, ARRAY_SIZE(want), to_text, syms);
	if (f)
		fclose(f);
	return syms;
}

/* "0x..", as the SYMS frame carries it; NULL when not found */
static const char *sym(struct msg_syms *syms, const char *name)
{
	static char hex[8][32];
	static unsigned k;
	uint64_t a;

	if (!msg_syms__get(syms, name, &a))
		return NULL;
	k = (k + 1) % 8;
	snprintf(hex[k], sizeof(hex[k]), "0x%" PRIx64, a);
	return hex[k];
}

int main(void)
{
	struct msg_syms *s;
	size_t n;

	tap_plan(4);
	s = scan(zero_based, false, &n);
	tap_ok(n == 4 && !strcmp(sym(s, "runqueues") ?: "", "0x2c1c0") &&
	       !strcmp(sym(s, "_text") ?: "", "0xffffffff81000000"),
	       "full pass: every symbol, a module's symbol of the same name skipped");
	s = scan(zero_based, true, &n);
	tap_ok(sym(s, "_text") && sym(s, "runqueues") && !sym(s, "page_offset_base"),
	       "hinted pass over a zero-based per-CPU kernel: runqueues before _text does not end it "
	       "(_text %s)", sym(s, "_text") ?: "missing");
	s = scan(in_image, true, &n);
	tap_ok(n == 1 && sym(s, "_text") && !sym(s, "runqueues"),
	       "hinted pass over a 6.15+ kernel stops at _text");
	s = scan("garbage\n\n0x zz\n", false, &n);
	tap_ok(n == 0 && !s->nsyms, "lines that are not symbols are skipped");
	msg_syms__free(&syms_buf);
	return tap_done();
}
