// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of the sched_ext plugins without a sched_ext kernel: the BPF
 * objects open with libbpf and declare their struct_ops map, the watchdog
 * patch touches exactly ops.timeout_ms, the verifier log is trimmed to its
 * tail, exit kinds map to health, and a kfunc the kernel's BTF cannot serve
 * (7.2.12's implicit 'aux' without *_impl) is named as the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tap.h"
#include "scx_common.h"

static char *build_path(const char *rel)
{
	const char *bd = getenv("KTSTR_BUILDDIR");
	char *p;

	if (asprintf(&p, "%s/%s", bd ? bd : KTSTR_BUILDDIR, rel) < 0)
		abort();
	return p;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) == (size_t)n)
		*len = n;
	fclose(f);
	return buf;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static void test_object(const char *rel, const char *ops_name, unsigned min_progs)
{
	char *path = build_path(rel);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog;
	struct bpf_map *map;
	unsigned nprogs = 0, nops = 0;
	bool all_struct_ops = true;

	if (!tap_ok(obj != NULL, "%s opens with libbpf (no load)", rel)) {
		tap_skip("object did not open");
		tap_skip("object did not open");
		free(path);
		return;
	}
	bpf_object__for_each_map(map, obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS && !strcmp(bpf_map__name(map), ops_name))
			nops++;
	bpf_object__for_each_program(prog, obj) {
		nprogs++;
		if (bpf_program__type(prog) != BPF_PROG_TYPE_STRUCT_OPS)
			all_struct_ops = false;
	}
	tap_ok(nops == 1, "%s declares the struct_ops map %s", rel, ops_name);
	tap_ok(nprogs >= min_progs && all_struct_ops, "%s: %u struct_ops programs", rel, nprogs);
	bpf_object__close(obj);
	free(path);
}

static void test_patch(void)
{
	char *path = build_path("plugins/scx_ktstr.bpf.o");
	size_t len, ndiff = 0, at = 0;
	char *elf = slurp(path, &len);
	void *patched = NULL;
	uint32_t got = 0, orig = 0;
	int ret;

	if (!elf) {
		tap_ok(0, "read %s", path);
		tap_skip("no object");
		tap_skip("no object");
		free(path);
		return;
	}
	ret = scxp_patch_timeout(elf, len, 4000, &patched);
	tap_is_int(ret, 0, "scxp_patch_timeout sets ops.timeout_ms in the object");
	for (size_t i = 0; patched && i < len; i++)
		if (elf[i] != ((char *)patched)[i]) {
			if (!ndiff)
				at = i;
			ndiff++;
		}
	if (patched && ndiff) {
		size_t base = at & ~(size_t)3;

		memcpy(&got, (char *)patched + base, 4);
		memcpy(&orig, elf + base, 4);
	}
	tap_ok(ndiff >= 1 && ndiff <= 4 && got == 4000 && orig == 20000,
	       "only timeout_ms changed: 20000 -> 4000 (%zu bytes differ, %u -> %u)", ndiff, orig, got);
	free(patched);
	ret = scxp_patch_timeout(elf, 64, 4000, &patched);
	tap_ok(ret != 0, "a truncated object is refused (%d)", ret);
	free(patched);
	free(elf);
	free(path);
}

static void test_trim(void)
{
	size_t cap = 1 << 16, n = 0;
	char *log = malloc(cap), *t;

	n += snprintf(log + n, cap - n, "libbpf: loading object\n");
	n += snprintf(log + n, cap - n, "libbpf: prog 'x_enqueue': BPF program load failed: Permission denied\n");
	n += snprintf(log + n, cap - n, "libbpf: prog 'x_enqueue': -- BEGIN PROG LOAD LOG --\n");
	for (int i = 1; i <= 100; i++)
		n += snprintf(log + n, cap - n, "%d: (b7) r%d = %d\n", i, i % 10, i);
	n += snprintf(log + n, cap - n, "R0 invalid mem access 'map_value_or_null'\n");
	n += snprintf(log + n, cap - n, "-- END PROG LOAD LOG --\nlibbpf: prog 'x_enqueue': failed to load: -13\n");

	t = scxp_trim_verifier_log(log, 40);
	tap_ok(t && strstr(t, "BPF program load failed: Permission denied") &&
	       strstr(t, "-- BEGIN PROG LOAD LOG --") && strstr(t, "earlier verifier log lines omitted"),
	       "trimmed log keeps the failing program's header");
	tap_ok(t && strstr(t, "\n62: (b7)") && !strstr(t, "\n61: (b7)") && strstr(t, "100: (b7)") &&
	       strstr(t, "R0 invalid mem access 'map_value_or_null'\n-- END PROG LOAD LOG --"),
	       "trimmed log keeps the last 40 lines up to the error");
	tap_ok(t && !strstr(t, "loading object") && strstr(t, "failed to load: -13"),
	       "trimmed log drops what came before and keeps the error after");
	free(t);
	t = scxp_trim_verifier_log("libbpf: extern 'x' not found\n", 40);
	tap_is_str(t, "libbpf: extern 'x' not found\n", "a log without a verifier section is kept whole");
	free(t);
	free(log);
}

static void test_health(void)
{
	struct ktstr_health h = { .sz = sizeof(h) };
	const char *const flags[] = { "llc", "slice-ms=5", "bad=x", NULL };
	const char *const numeric[] = { "slice-ms=", "bad=", NULL };
	uint64_t v = 0;
	char err[128];

	tap_is_str(scxp_exit_kind_name(1026), "SCX_EXIT_ERROR_STALL", "kind 1026 is the watchdog stall");
	tap_is_int(scxp_exit_kind_from_reason("scx_bpf_error"), 1025, "the kernel's 'scx_bpf_error' reason");
	scxp_health_set(&h, 1026, "runnable task stall", "worker[42] failed to run for 4.2s");
	tap_ok(h.state == KTSTR_SCHED_EJECTED && !strcmp(h.exit_kind, "SCX_EXIT_ERROR_STALL") &&
	       !strcmp(h.reason, "runnable task stall: worker[42] failed to run for 4.2s"),
	       "an error kind is EJECTED with reason and message: %s", h.reason);
	scxp_health_set(&h, 64, "unregistered from user space", "");
	tap_ok(h.state == KTSTR_SCHED_EXITED && !strcmp(h.reason, "unregistered from user space"),
	       "an unregistration is EXITED: %s", h.reason);
	tap_ok(scxp_flag_on(flags, "llc") && !scxp_flag_on(flags, "fifo") &&
	       !scxp_flag_u64(flags, "slice-ms", 20, &v) && v == 5, "flag helpers read llc and slice-ms=5");
	tap_ok(scxp_validate_numeric(numeric, flags, err, sizeof(err)) == -EINVAL && strstr(err, "'bad'"),
	       "a non-numeric value is refused: %s", err);
}

static void test_kmsg(void)
{
	char reason[128] = "", msg[512] = "";

	scxp_kmsg_record("6,100,5000,-;sched_ext: BPF scheduler \"ktstr\" enabled\n", reason, sizeof(reason),
			 msg, sizeof(msg));
	tap_ok(!reason[0], "an enable line sets no reason");
	scxp_kmsg_record("3,101,6000,-;sched_ext: BPF scheduler \"rusty\" disabled (runnable task stall)\n",
			 reason, sizeof(reason), msg, sizeof(msg));
	scxp_kmsg_record("6,102,6001,-;random: crng init done\n", reason, sizeof(reason), msg, sizeof(msg));
	scxp_kmsg_record("3,103,6002,-;sched_ext: rusty: kworker/1:2[77] failed to run for 4.512s\n",
			 reason, sizeof(reason), msg, sizeof(msg));
	tap_is_str(reason, "runnable task stall", "the disabled line gives the reason");
	tap_is_str(msg, "kworker/1:2[77] failed to run for 4.512s", "the next sched_ext line gives the message");
	tap_is_int(scxp_exit_kind_from_reason(reason), 1026, "and the reason maps to SCX_EXIT_ERROR_STALL");
}

/*
 * A kernel BTF as 7.2.12's (scx_bpf_create_dsq(dsq_id, node, aux) without
 * scx_bpf_create_dsq_impl) and libbpf's refusal of our 2-argument extern:
 * the reason names the kfunc and the missing _impl; with the _impl (as 7.3)
 * or for another refusal there is no such reason.
 */
static void test_implicit_args(void)
{
	static const char log[] = "libbpf: extern (func ksym) 'bpf_cpumask_test_cpu': resolved to kernel [65461]\n"
				  "libbpf: extern (func ksym) 'scx_bpf_create_dsq': func_proto [58] "
				  "incompatible with kernel [48700]\nlibbpf: failed to load object 'faulty'\n";
	struct btf *b = btf__new_empty();
	int s32, u64, aux, proto, proto2;
	char why[512] = "";

	s32 = btf__add_int(b, "s32", 4, BTF_INT_SIGNED);
	u64 = btf__add_int(b, "u64", 8, 0);
	aux = btf__add_ptr(b, btf__add_struct(b, "bpf_prog_aux", 0));
	proto = btf__add_func_proto(b, s32);
	btf__add_func_param(b, "dsq_id", u64);
	btf__add_func_param(b, "node", s32);
	btf__add_func_param(b, "aux", aux);
	btf__add_func(b, "scx_bpf_create_dsq", BTF_FUNC_STATIC, proto);
	proto2 = btf__add_func_proto(b, 0);
	btf__add_func_param(b, "cpu", s32);
	btf__add_func_param(b, "flags", u64);
	btf__add_func(b, "scx_bpf_kick_cpu", BTF_FUNC_STATIC, proto2);
	tap_ok(scxp_explain_implicit_args(b, log, why, sizeof(why)) &&
	       strstr(why, "scx_bpf_create_dsq: this kernel's BTF gives it the implicit argument 'aux' but has "
			   "no scx_bpf_create_dsq_impl"),
	       "a kfunc with 'aux' and no _impl is named as the reason");
	tap_ok(!scxp_explain_implicit_args(b, "libbpf: extern (func ksym) 'scx_bpf_kick_cpu': func_proto [9] "
					   "incompatible with kernel [3]\n", why, sizeof(why)),
	       "a refused kfunc without a trailing 'aux' is not explained so");
	btf__add_func(b, "scx_bpf_create_dsq_impl", BTF_FUNC_STATIC, proto);
	tap_ok(!scxp_explain_implicit_args(b, log, why, sizeof(why)), "with its _impl (as 7.3) it is not");
	btf__free(b);
}

int main(void)
{
	tap_plan(26);
	libbpf_set_print(silent);
	test_object("plugins/scx_ktstr.bpf.o", "ktstr_ops", 8);
	test_object("plugins/faulty.bpf.o", "faulty_ops", 5);
	test_patch();
	test_trim();
	test_health();
	test_kmsg();
	test_implicit_args();
	return tap_done();
}
