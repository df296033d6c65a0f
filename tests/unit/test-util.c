// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for util: units, cpumask, strings, the results-channel framing. */
#include <errno.h>

#include "tap.h"
#include "util/units.h"
#include "util/cpumask.h"
#include "proto/proto.h"
#include "spec/thresholds.h"

int main(void)
{
	uint64_t ns, mb;
	double f;
	struct cpumask m;
	char buf[128];
	int fds[2];
	struct proto_reader *r;
	struct proto_msg msg;
	char rbuf[512];
	ssize_t n;
	struct thresholds t, spec;

	tap_plan(26);
	tap_ok(!parse_duration_ns("500ms", &ns) && ns == 500 * NSEC_PER_MSEC, "500ms");
	tap_ok(!parse_duration_ns("2s", &ns) && ns == 2 * NSEC_PER_SEC, "2s");
	tap_ok(!parse_duration_ns("3", &ns) && ns == 3 * NSEC_PER_SEC, "bare seconds");
	tap_ok(parse_duration_ns("2 parsecs", &ns) == -EINVAL, "bad unit rejected");
	tap_ok(parse_duration_ns("-1s", &ns) == -EINVAL, "negative rejected");
	tap_ok(!parse_size_mb("512M", &mb) && mb == 512, "512M");
	tap_ok(!parse_size_mb("2G", &mb) && mb == 2048, "2G");
	tap_ok(!parse_percent("50%", &f, false) && f == 0.5, "50%%");
	tap_ok(parse_percent("0.5", &f, false) == -EINVAL, "fraction needs allow_fraction");
	tap_ok(!cpumask_parse("0-3,5,7-9", &m) && cpumask_weight(&m) == 8, "cpulist parse");
	tap_is_str(cpumask_format(&m, buf, sizeof(buf)), "0-3,5,7-9", "cpulist round trip");
	tap_ok(cpumask_parse("3-1", &m) == -EINVAL, "reversed range rejected");
	tap_ok(cpumask_parse("1,,2", &m) == -EINVAL, "empty element rejected");
	tap_ok(str_eq_loose("CpuSpin", "cpu_spin"), "loose compare");
	tap_is_str(fmt_duration(1500 * NSEC_PER_MSEC, buf, sizeof(buf)), "1.5s", "1.5s formats back");
	tap_is_str(fmt_duration(250 * NSEC_PER_MSEC, buf, sizeof(buf)), "250ms", "250ms formats back");
	tap_ok(!parse_size_mb("1.5G", &mb) && mb == 1536, "1.5G is 1536M");
	tap_ok(!parse_percent("12.5%", &f, false) && f == 0.125, "12.5%% is 0.125");
	tap_ok(parse_percent("-5%", &f, true) == -EINVAL, "negative percentage rejected");
	tap_is_int(str_distance("max_gap_ms", "max_gap_sm"), 2, "edit distance");

	/* framing: noise before, a good frame, a corrupted frame, a good frame */
	if (pipe(fds))
		return 1;
	if (write(fds[1], "boot noise\n", 11) != 11)
		return 1;
	proto__write(fds[1], MSG_LOG, "hello", 5);
	if (write(fds[1], "KTSTR1 LOG  9 3 00000000\nbad\n", 29) != 29)
		return 1;
	proto__write(fds[1], MSG_DONE, "{}", 2);
	close(fds[1]);
	r = proto_reader__new();
	while ((n = read(fds[0], rbuf, 7)) > 0)	/* small reads: frames arrive torn */
		proto_reader__feed(r, rbuf, n);
	tap_ok(proto_reader__next(r, &msg) == 1 && !strcmp(msg.payload, "hello"), "first frame");
	proto_msg__free(&msg);
	tap_ok(proto_reader__next(r, &msg) == 1 && !strcmp(msg.type, MSG_DONE), "corrupt frame skipped");
	proto_msg__free(&msg);
	tap_ok(proto_reader__bad_frames(r) >= 1, "bad frame counted");
	proto_reader__free(r);

	thresholds__defaults(&t, false);
	tap_ok(t.v[THR_MAX_GAP_MS].value == 2000, "release gap default");
	thresholds__defaults(&t, true);
	tap_ok(t.v[THR_MAX_SPREAD_PCT].value == 35, "relaxed spread default");
	memset(&spec, 0, sizeof(spec));
	spec.v[THR_MAX_GAP_MS].state = THR_OFF;
	thresholds__merge(&t, &spec, THR_LAYER_SPEC);
	tap_ok(!thresholds__active(&t, THR_MAX_GAP_MS, NULL) &&
	       t.v[THR_MAX_GAP_MS].layer == THR_LAYER_SPEC, "spec layer switches a check off");
	return tap_done();
}
