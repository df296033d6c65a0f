// SPDX-License-Identifier: GPL-2.0-only
/* The host-guest contract: encode -> decode is the identity for every message and the plan. */
#include <errno.h>
#include <time.h>

#include "proto/msg.h"
#include "tap.h"

/* Decoding s must fail, and the error must name the type and the key. */
#define REJECTS(dec, T, s, what)						\
	do {								\
		T v_;							\
		_cleanup_free_ char *e_ = NULL;				\
		int r_ = dec(s, strlen(s), &v_, &e_);			\
		tap_ok(r_ == -EINVAL && e_ && strstr(e_, what), "%s rejects %s: %s", #dec, s, \
		       e_ ?: "(accepted)");				\
	} while (0)

static bool strv_eq(char **a, char **b)
{
	size_t i;

	for (i = 0; a && b && a[i] && b[i]; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return (!a || !a[i]) && (!b || !b[i]) && !a == !b;
}

/* Every message's encoding is a frame's payload: JSON without a raw newline. */
static bool frames(const char *type, const char *p)
{
	char buf[8192];

	return proto__frame(buf, sizeof(buf), type, 0, p, strlen(p)) > 0;
}

static int got_pid;

static int got_baseline(void *ctx, struct telemetry *t)
{
	(void)ctx;
	got_pid = t->nworkers ? t->workers[0].pid : -1;
	return 0;
}

int main(void)
{
	tap_plan(50);
	{
		struct msg_hello a = { .version = (char *)"0.9", .kernel = (char *)"6.12.1", .uptime_ns = 123456789 }, b;
		_cleanup_free_ char *s = msg_hello__encode(&a);

		tap_ok(frames(MSG_HELLO, s) && !msg_hello__decode(s, strlen(s), &b, NULL) &&
		       str_eq(b.version, "0.9") && str_eq(b.kernel, "6.12.1") &&
		       b.uptime_ns == 123456789, "HELO round trip");
		msg_hello__free(&b);
		REJECTS(msg_hello__decode, struct msg_hello, "{\"version\":1}", "HELO $.version");
	}
	{
		struct msg_syms a = { .kernel_code = 0x1000000, .ncpus = 4, .read_ns = 7, .cached = true }, b;
		_cleanup_free_ char *s = NULL;
		uint64_t v = 0, w = 0;

		msg_syms__add(&a, "_text", 0xffffffff81000000ull);
		msg_syms__add(&a, "runqueues", 0x2c1c0);
		s = msg_syms__encode(&a);
		tap_ok(frames(MSG_SYMS, s) && !msg_syms__decode(s, strlen(s), &b, NULL) &&
		       b.nsyms == 2 && msg_syms__get(&b, "_text", &v) &&
		       v == 0xffffffff81000000ull && msg_syms__get(&b, "runqueues", &w) &&
		       w == 0x2c1c0 && b.kernel_code == 0x1000000 && b.ncpus == 4 && b.read_ns == 7 &&
		       b.cached, "SYMS round trip");
		msg_syms__free(&a);
		msg_syms__free(&b);
		REJECTS(msg_syms__decode, struct msg_syms, "{\"syms\":{\"_text\":5},\"ncpus\":1}",
			"SYMS $.syms._text");
		REJECTS(msg_syms__decode, struct msg_syms, "{\"syms\":{},\"ncpus\":\"4\"}", "$.ncpus");
		REJECTS(msg_syms__decode, struct msg_syms, "[1,2]", "expected an object");
	}
	{
		struct msg_log a = { .level = LOG_ERROR, .text = (char *)"verifier: R1 invalid" }, b;
		_cleanup_free_ char *s = msg_log__encode(&a);

		tap_ok(frames(MSG_LOG, s) && !msg_log__decode(s, strlen(s), &b, NULL) &&
		       b.level == LOG_ERROR && str_eq(b.text, "verifier: R1 invalid"), "LOG round trip");
		msg_log__free(&b);
		REJECTS(msg_log__decode, struct msg_log, "loud: x", "LOG");
	}
	{
		struct timeline_event a = { .at_ns = 5, .kind = EVT_SCENARIO_END, .step = 2,
					    .label = (char *)"op", .detail = (char *)"cg_0", .error = -5 }, b;
		struct timeline_event n = { .kind = EVT_NOTE, .step = -1, .label = (char *)"note" };
		_cleanup_free_ char *s = msg_event__encode(&a), *t = msg_event__encode(&n);

		tap_ok(frames(MSG_EVENT, s) && !msg_event__decode(s, strlen(s), &b, NULL) &&
		       b.at_ns == 5 && b.kind == EVT_SCENARIO_END && b.step == 2 &&
		       str_eq(b.label, "op") && str_eq(b.detail, "cg_0") && b.error == -5,
		       "EVNT round trip (the workload's event)");
		timeline_event__free(&b);
		/* a plugin's note and the workload's events are one encoding: kind by name */
		tap_ok(!msg_event__decode(t, strlen(t), &b, NULL) && b.kind == EVT_NOTE &&
		       str_eq(b.label, "note"), "EVNT round trip (a plugin's note, %s)", t);
		timeline_event__free(&b);
		REJECTS(msg_event__decode, struct timeline_event, "{\"at_ns\":1,\"kind\":4}", "EVNT $.kind");
		REJECTS(msg_event__decode, struct timeline_event, "{\"at_ns\":1,\"kind\":\"note\",\"step\":\"x\"}",
			"$.step");
	}
	{
		struct msg_sched a = { .state = (char *)"ejected", .exit_kind = (char *)"error",
				       .reason = (char *)"stall on cpu1" }, b;
		_cleanup_free_ char *s = msg_sched__encode(&a);

		tap_ok(frames(MSG_SCHED, s) && !msg_sched__decode(s, strlen(s), &b, NULL) &&
		       str_eq(b.state, "ejected") && str_eq(b.exit_kind, "error") &&
		       str_eq(b.reason, "stall on cpu1") && str_eq(b.name, ""), "SCHD round trip");
		msg_sched__free(&b);
		REJECTS(msg_sched__decode, struct msg_sched, "{\"exit_kind\":\"x\"}", "SCHD $.state");
		REJECTS(msg_sched__decode, struct msg_sched,
			"{\"state\":\"running\",\"progs\":[{\"name\":\"x\",\"id\":1}]}",
			"SCHD $.progs[0].verified_insns: missing");
		REJECTS(msg_sched__decode, struct msg_sched,
			"{\"state\":\"running\",\"progs\":[7]}", "SCHD $.progs[0]: expected an object");
		REJECTS(msg_sched__decode, struct msg_sched, "{\"state\":true}", "$.state");
	}
	{
		/* the verifier's figures of a running scheduler's programs */
		struct msg_bpf_prog progs[] = {
			{ .name = (char *)"faulty_enqueue", .id = 41, .verified_insns = 812345,
			  .xlated_len = 4096, .jited_len = 2600, .run_cnt = 5000000000ULL,
			  .run_time_ns = 1ULL << 40, .recursion_misses = 3 },
			{ .name = (char *)"faulty_init", .id = 42, .verified_insns = 12 },
		};
		struct msg_sched a = { .state = (char *)"running", .name = (char *)"faulty",
				       .progs = progs, .nprogs = 2 }, b;
		_cleanup_free_ char *s = msg_sched__encode(&a);
		bool same = !msg_sched__decode(s, strlen(s), &b, NULL) && b.nprogs == 2;

		for (size_t i = 0; same && i < 2; i++)
			same = str_eq(b.progs[i].name, progs[i].name) && b.progs[i].id == progs[i].id &&
			       b.progs[i].verified_insns == progs[i].verified_insns &&
			       b.progs[i].xlated_len == progs[i].xlated_len &&
			       b.progs[i].jited_len == progs[i].jited_len &&
			       b.progs[i].run_cnt == progs[i].run_cnt &&
			       b.progs[i].run_time_ns == progs[i].run_time_ns &&
			       b.progs[i].recursion_misses == progs[i].recursion_misses;
		tap_ok(frames(MSG_SCHED, s) && same, "SCHD round trip with the programs' verifier figures");
		msg_sched__free(&b);
	}
	{
		struct worker_report w = { .pid = 7, .cgroup = (char *)"cg_0", .work_units = 99,
					   .completed = true };
		struct telemetry a = { .duration_ns = 1000, .workers = &w, .nworkers = 1 }, b;
		_cleanup_free_ char *s = msg_result__encode(&a);

		tap_ok(frames(MSG_RESULT, s) && !msg_result__decode(s, strlen(s), &b, NULL) &&
		       b.duration_ns == 1000 && b.nworkers == 1 && b.workers[0].pid == 7 &&
		       b.workers[0].work_units == 99 && str_eq(b.workers[0].cgroup, "cg_0"),
		       "RSLT round trip");
		telemetry__free(&b);
		REJECTS(msg_result__decode, struct telemetry, "{\"version\":1,\"duration_ns\":\"1\"}",
			"RSLT $.duration_ns");
	}
	{
		static const unsigned char bin[] = { 0x00, 0xff, 0x10, 'a', 0x80 };
		struct msg_artifact a = { .name = (char *)"sched_stats.json",
					  .data = (unsigned char *)"{\"x\":1}\n", .len = 8 }, b;
		struct msg_artifact h = { .name = (char *)"blob.bin", .data = (unsigned char *)bin,
					  .len = sizeof(bin) };
		_cleanup_free_ char *s = msg_artifact__encode(&a), *t = msg_artifact__encode(&h);

		tap_ok(frames(MSG_ARTIFACT, s) && !msg_artifact__decode(s, strlen(s), &b, NULL) &&
		       str_eq(b.name, "sched_stats.json") && b.len == 8 &&
		       !memcmp(b.data, "{\"x\":1}\n", 8), "ARTF round trip (text)");
		msg_artifact__free(&b);
		/* binary goes as data_hex, which the host used to ignore */
		tap_ok(strstr(t, "data_hex") && frames(MSG_ARTIFACT, t) &&
		       !msg_artifact__decode(t, strlen(t), &b, NULL) && b.len == sizeof(bin) &&
		       !memcmp(b.data, bin, sizeof(bin)), "ARTF round trip (binary, as data_hex)");
		msg_artifact__free(&b);
		REJECTS(msg_artifact__decode, struct msg_artifact, "{\"name\":\"../x\",\"data\":\"\"}",
			"ARTF $.name");
		REJECTS(msg_artifact__decode, struct msg_artifact, "{\"name\":\"x\",\"data_hex\":\"0g\"}",
			"$.data_hex");
		REJECTS(msg_artifact__decode, struct msg_artifact, "{\"name\":\"x\",\"data\":3}", "$.data");
	}
	{
		struct msg_done a = { .error = (char *)"agent crashed: signal 11", .exit_code = -1 }, b;
		struct msg_done ok = { .exit_code = 3 };
		_cleanup_free_ char *s = msg_done__encode(&a), *t = msg_done__encode(&ok);

		tap_ok(frames(MSG_DONE, s) && !msg_done__decode(s, strlen(s), &b, NULL) &&
		       str_eq(b.error, "agent crashed: signal 11") && b.exit_code == -1,
		       "DONE round trip (error)");
		msg_done__free(&b);
		tap_ok(!msg_done__decode(t, strlen(t), &b, NULL) && !b.error && b.exit_code == 3,
		       "DONE round trip (ok, exit code)");
		msg_done__free(&b);
		REJECTS(msg_done__decode, struct msg_done, "{\"status\":\"maybe\"}", "DONE $.status");
		REJECTS(msg_done__decode, struct msg_done, "{\"status\":\"ok\",\"exit_code\":\"1\"}",
			"$.exit_code");
	}
	{
		struct topo a, b;
		_cleanup_free_ char *s = NULL, *diff = NULL;
		struct spec_topology;

		memset(&a, 0, sizeof(a));
		a.ncpus = 2;
		a.nllcs = 1;
		a.nnodes = 1;
		a.threads_per_core = 1;
		a.cores_per_llc = 2;
		a.cpus[1].core = 1;
		cpumask_set(&a.llc_cpus[0], 0);
		cpumask_set(&a.llc_cpus[0], 1);
		cpumask_set(&a.node_cpus[0], 0);
		cpumask_set(&a.node_cpus[0], 1);
		s = msg_topo__encode(&a);
		tap_ok(frames(MSG_TOPO, s) && !msg_topo__decode(s, strlen(s), &b, NULL) &&
		       !topo__compare(&a, &b, &diff), "TOPO round trip%s%s", diff ? ": " : "",
		       diff ?: "");
		{
			_cleanup_free_ char *e = NULL;

			int r = msg_topo__decode("{\"cpus\":7}", 10, &b, &e);

			tap_ok(r == -EINVAL && e && strstr(e, "TOPO"),
			       "msg_topo__decode rejects a bad TOPO: %s", e ?: "-");
		}
	}
	{
		char *flags[] = { (char *)"llc", NULL }, *argv[] = { (char *)"/bin/true", NULL };
		char *probes[] = { (char *)"do_enqueue_task", (char *)"scx_watchdog_workfn", NULL };
		struct run_plan_plugin pl = { .name = (char *)"scx_ktstr", .path = (char *)"/p.so",
					      .flags = flags, .files_dir = (char *)"/ktstr/files",
					      .watchdog_timeout_ns = 4000000000ull };
		struct msg_ksym ks[] = { { (char *)"runqueues", 0x2cf65c0 } };
		struct run_plan a = { .mode = RUN_MODE_RUN, .name = (char *)"t/1n1l2c1t",
				      .test = (char *)"t/1n1l2c1t", .spec = (char *)"/ktstr/spec.yaml",
				      .format = (char *)"yaml", .channel = (char *)"/dev/vport0p1",
				      .relaxed = true, .ksyms = ks, .nksyms = 1, .plugin = &pl,
				      .verifier = true, .probes = probes }, b;
		struct run_plan e = { .mode = RUN_MODE_EXEC, .exec = argv, .no_ksyms = true,
				      .selftest = (char *)"crash", .attempt = 2 };
		_cleanup_free_ char *s = run_plan__encode(&a), *t = run_plan__encode(&e);

		tap_ok(!run_plan__decode(s, strlen(s), &b, NULL) && b.mode == RUN_MODE_RUN &&
		       str_eq(b.test, a.test) && str_eq(b.spec, a.spec) && str_eq(b.format, "yaml") &&
		       str_eq(b.channel, a.channel) && b.relaxed && !b.no_ksyms && b.nksyms == 1 &&
		       str_eq(b.ksyms[0].name, "runqueues") && b.ksyms[0].addr == 0x2cf65c0 &&
		       b.plugin && str_eq(b.plugin->path, "/p.so") && strv_eq(b.plugin->flags, flags) &&
		       !b.plugin->args[0] && b.plugin->watchdog_timeout_ns == 4000000000ull &&
		       !b.selftest && !b.attempt && b.verifier && strv_eq(b.probes, probes),
		       "run.json round trip (mode run, plugin, symbol hint, verifier, auto-repro probes)");
		run_plan__free(&b);
		tap_ok(!run_plan__decode(t, strlen(t), &b, NULL) && b.mode == RUN_MODE_EXEC &&
		       strv_eq(b.exec, argv) && b.no_ksyms && !b.nksyms && str_eq(b.selftest, "crash") &&
		       !b.plugin && b.attempt == 2 && !b.verifier && !b.probes,
		       "run.json round trip (mode exec, no monitor, self-test, attempt 2)");
		run_plan__free(&b);
		{
			struct run_plan sh = a;
			_cleanup_free_ char *u = NULL;

			sh.mode = RUN_MODE_SHELL;
			sh.term = (char *)"xterm-256color";
			sh.rows = 50;
			sh.cols = 160;
			u = run_plan__encode(&sh);
			tap_ok(!run_plan__decode(u, strlen(u), &b, NULL) && b.mode == RUN_MODE_SHELL &&
			       str_eq(b.test, a.test) && str_eq(b.term, "xterm-256color") &&
			       b.rows == 50 && b.cols == 160 && b.plugin,
			       "run.json round trip (mode shell, the terminal's TERM and size)");
			run_plan__free(&b);
		}
		REJECTS(run_plan__decode, struct run_plan, "{\"version\":1,\"mode\":\"fly\"}", "run.json $.mode");
		REJECTS(run_plan__decode, struct run_plan,
			"{\"version\":1,\"mode\":\"run\",\"spec\":\"/s\",\"test\":\"t\",\"plugin\":{\"path\":\"/p\",\"flags\":[1]}}",
			"$.plugin.flags");
	}
	{
		/* a VM restored from a snapshot: RDY up, FILE and PLAN down */
		static const unsigned char elf[] = { 0x7f, 'E', 'L', 'F', 0x00, 0xfe };
		struct msg_ready r = { .uptime_ns = 4200000000ull }, rb;
		struct msg_file f = { .path = (char *)"/ktstr/payloads/x", .mode = 0755,
				      .data = (unsigned char *)elf, .len = sizeof(elf) }, fb;
		struct run_plan p = { .mode = RUN_MODE_RUN, .name = (char *)"t", .test = (char *)"t",
				      .spec = (char *)"/ktstr/spec.yaml", .format = (char *)"yaml",
				      .channel = (char *)"/dev/vport0p1", .relaxed = true };
		struct msg_plan a = { .plan = p, .realtime_ns = 1780000000123456789ull }, b;
		_cleanup_free_ char *rs = msg_ready__encode(&r), *fs = msg_file__encode(&f), *ps = NULL;

		for (size_t i = 0; i < sizeof(a.seed); i++)
			a.seed[i] = (unsigned char)(i * 37 + 1);
		ps = msg_plan__encode(&a);
		tap_ok(frames(MSG_READY, rs) && !msg_ready__decode(rs, strlen(rs), &rb, NULL) &&
		       rb.uptime_ns == 4200000000ull, "RDY round trip");
		tap_ok(frames(MSG_FILE, fs) && !msg_file__decode(fs, strlen(fs), &fb, NULL) &&
		       str_eq(fb.path, f.path) && fb.mode == 0755 && fb.len == sizeof(elf) &&
		       !memcmp(fb.data, elf, sizeof(elf)), "FILE round trip (binary)");
		msg_file__free(&fb);
		tap_ok(!memchr(ps, '\n', strlen(ps)) && !msg_plan__decode(ps, strlen(ps), &b, NULL) &&
		       !memcmp(b.seed, a.seed, sizeof(a.seed)) && b.realtime_ns == a.realtime_ns &&
		       b.plan.mode == RUN_MODE_RUN && str_eq(b.plan.spec, p.spec) && b.plan.relaxed &&
		       str_eq(b.plan.channel, p.channel), "PLAN round trip (plan, seed, clock)");
		msg_plan__free(&b);
		REJECTS(msg_ready__decode, struct msg_ready, "{}", "RDY  $.uptime_ns");
		REJECTS(msg_file__decode, struct msg_file, "{\"path\":\"/ktstr/../etc/x\",\"mode\":420,\"data\":\"\"}",
			"FILE $.path");
		REJECTS(msg_file__decode, struct msg_file, "{\"path\":\"rel\",\"mode\":420,\"data\":\"\"}",
			"FILE $.path");
		REJECTS(msg_file__decode, struct msg_file, "{\"path\":\"/x\",\"mode\":99999,\"data\":\"\"}",
			"FILE $.mode");
		REJECTS(msg_plan__decode, struct msg_plan, "{\"plan\":{\"version\":1,\"mode\":\"run\"},\"seed\":\"00\",\"realtime_ns\":1}",
			"PLAN $.seed");
		REJECTS(msg_plan__decode, struct msg_plan, "{\"plan\":{\"version\":1,\"mode\":\"fly\"},\"seed\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"realtime_ns\":1}",
			"PLAN $.plan");
		{
			struct proto_msg m = { .type = "RDY ", .payload = rs, .len = strlen(rs) };
			struct proto_handlers h = { 0 };

			tap_ok(proto_dispatch(&m, &h, NULL, NULL) == 0, "RDY is a known type to the dispatcher");
		}
	}
	{
		/*
		 * A big binary FILE (a payload's library to a restored guest)
		 * decodes in linear time: the old per-byte sscanf scanned the rest
		 * of the string each time (1 MiB: about a minute of CPU here).
		 */
		const size_t n = 1u << 20;
		_cleanup_free_ unsigned char *big = xmalloc(n);
		struct msg_file f = { .path = (char *)"/ktstr/files/lib.so", .mode = 0644,
				      .data = big, .len = n }, fb;
		_cleanup_free_ char *fs = NULL;
		clock_t t0;
		double cpu;
		bool ok;

		for (size_t i = 0; i < n; i++)
			big[i] = (unsigned char)(i * 2654435761u >> 13);	/* not UTF-8 */
		fs = msg_file__encode(&f);
		t0 = clock();
		ok = strstr(fs, "\"data_hex\"") && !msg_file__decode(fs, strlen(fs), &fb, NULL) &&
		     fb.len == n && !memcmp(fb.data, big, n);
		cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
		msg_file__free(&fb);
		tap_ok(ok && cpu < 5, "a 1 MiB binary FILE decodes intact in %.2f s of CPU", cpu);
		REJECTS(msg_file__decode, struct msg_file,
			"{\"path\":\"/x\",\"mode\":420,\"data_hex\":\"0g\"}", "FILE $.data_hex");
	}
	{
		struct proto_msg m = { .type = "LOG ", .payload = (char *)"shout: x", .len = 8 };
		struct proto_handlers h = { 0 };
		_cleanup_free_ char *e = NULL;

		tap_ok(proto_dispatch(&m, &h, NULL, &e) == 0, "a type without a handler is ignored");
	}
	{
		struct worker_report w = { .pid = 9, .cgroup = (char *)"cg_0", .work_units = 5 };
		struct telemetry a = { .duration_ns = 2000, .workers = &w, .nworkers = 1 };
		_cleanup_free_ char *s = msg_result__encode(&a), *e = NULL;
		struct proto_msg m = { .type = MSG_BASELINE, .payload = s, .len = strlen(s) };
		struct proto_handlers h = { .baseline = got_baseline };

		got_pid = 0;
		tap_ok(frames(MSG_BASELINE, s) && proto_dispatch(&m, &h, NULL, &e) == 0 && got_pid == 9,
		       "BASE frames and dispatches its telemetry to the baseline handler");
	}
	return tap_done();
}
