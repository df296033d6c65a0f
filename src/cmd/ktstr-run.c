// SPDX-License-Identifier: GPL-2.0-only
/* ktstr-run: boot a VM per spec test, run the workload, report verdicts. */
#include <errno.h>
#include <getopt.h>

#include "cmd/cmd.h"
#include "util/log.h"
#include "util/units.h"

enum run_mode { MODE_RUN, MODE_LINT, MODE_DRY_RUN, MODE_LIST };

enum {
	OPT_LINT = 0x100,
	OPT_DRY_RUN,
	OPT_LIST,
	OPT_KERNEL,
	OPT_ACCEL,
	OPT_RESULTS_DIR,
	OPT_TAP,
	OPT_JUNIT,
	OPT_RELEASE_THRESHOLDS,
	OPT_KEEP_GOING,
	OPT_VERSION,
	OPT_TOPOLOGY,
	OPT_EXEC,
	OPT_TOPO_ONLY,
	OPT_TIMEOUT,
	OPT_BOOT_TIMEOUT,
};

static const struct option long_opts[] = {
	{ "lint", no_argument, NULL, OPT_LINT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "filter", required_argument, NULL, 'E' },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "jobs", required_argument, NULL, 'j' },
	{ "results-dir", required_argument, NULL, OPT_RESULTS_DIR },
	{ "tap", no_argument, NULL, OPT_TAP },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "release-thresholds", no_argument, NULL, OPT_RELEASE_THRESHOLDS },
	{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "topology", required_argument, NULL, OPT_TOPOLOGY },
	{ "exec", no_argument, NULL, OPT_EXEC },
	{ "topo-only", no_argument, NULL, OPT_TOPO_ONLY },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "boot-timeout", required_argument, NULL, OPT_BOOT_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr-run [options] SPEC...\n"
		"       ktstr-run [options] [--topology LABEL] --topo-only\n"
		"       ktstr-run [options] [--topology LABEL] --exec -- /path/to/cmd [args...]\n"
		"Boot one VM per spec test, run its workload under the scheduler and judge it.\n"
		"\n"
		"modes:\n"
		"  --lint                 validate specs, print diagnostics, boot nothing\n"
		"  --dry-run              print each test's resolved plan, boot nothing\n"
		"  --list                 list the expanded test names\n"
		"options:\n"
		"  -E, --filter REGEX     only tests whose expanded name matches (pcre2)\n"
		"  --kernel SEL           kernel image, build tree, version or cache key\n"
		"  --accel auto|kvm|tcg   accelerator (auto: KVM only with /dev/kvm and vmx/svm)\n"
		"  -j, --jobs N           tests in parallel (default: host CPUs / vCPUs per test)\n"
		"  --results-dir DIR      per-test artifacts (default ./ktstr-results)\n"
		"  --tap                  TAP 14 on stdout\n"
		"  --junit FILE           write JUnit XML\n"
		"  --release-thresholds   no TCG relaxation of the default thresholds\n"
		"  --keep-going           (accepted; every test always runs)\n"
		"  --timeout DUR          run-phase timeout (default: duration + 30s)\n"
		"  --boot-timeout DUR     boot timeout: no agent after DUR is a TIMEOUT (default 60s)\n"
		"ad-hoc VMs (no spec):\n"
		"  --topology LABEL       topology for --exec/--topo-only (default 1n1l2c1t)\n"
		"  --topo-only            boot, compare the guest's topology, power off\n"
		"  --exec                 run the command after -- in the guest; its exit code decides\n"
		"  -q, --quiet / -v, --verbose\n"
		"  -h, --help / --version\n"
		"\n"
		"exit status: 0 all passed (or some skipped), 1 a test failed, 77 all skipped,\n"
		"99 error or timeout, 2 usage error, 128+N stopped by signal N\n"
		"(130 SIGINT, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT).\n"
		"\n"
		"environment: KTSTR_QEMU (QEMU binary), KTSTR_GUEST (agent binary),\n"
		"KTSTR_MACHINE=q35|microvm, KTSTR_NO_PVH=1 (boot the bzImage under TCG),\n"
		"KTSTR_TCG_THREAD=multi (multi-threaded TCG; default single),\n"
		"KTSTR_CACHE_DIR / XDG_CACHE_HOME (initramfs and vmlinux cache), TMPDIR.\n");
}

static int parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 4096)
		return -EINVAL;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct run_opts o = { .results_dir = "ktstr-results" };
	enum run_mode mode = MODE_RUN;
	bool exec = false;
	int c;

	while ((c = getopt_long(argc, argv, "E:j:qvh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_LINT:
			mode = MODE_LINT;
			break;
		case OPT_DRY_RUN:
			mode = MODE_DRY_RUN;
			break;
		case OPT_LIST:
			mode = MODE_LIST;
			break;
		case 'E':
			o.filter = optarg;
			break;
		case OPT_KERNEL:
			o.kernel = optarg;
			break;
		case OPT_ACCEL:
			if (str_eq(optarg, "auto"))
				o.accel = ACCEL_AUTO;
			else if (str_eq(optarg, "kvm"))
				o.accel = ACCEL_KVM;
			else if (str_eq(optarg, "tcg"))
				o.accel = ACCEL_TCG;
			else {
				fprintf(stderr, "ktstr-run: --accel: '%s' is not auto, kvm or tcg\n",
					optarg);
				return 2;
			}
			break;
		case 'j':
			if (parse_uint(optarg, &o.jobs) || !o.jobs) {
				fprintf(stderr, "ktstr-run: -j: '%s' is not a count from 1 to 4096\n",
					optarg);
				return 2;
			}
			break;
		case OPT_RESULTS_DIR:
			if (!*optarg) {	/* "" would put each test's directory at the root */
				fprintf(stderr, "ktstr-run: --results-dir: give a directory, not ''\n");
				return 2;
			}
			o.results_dir = optarg;
			break;
		case OPT_TAP:
			o.tap = true;
			break;
		case OPT_JUNIT:
			o.junit = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case OPT_RELEASE_THRESHOLDS:
			o.strict_thresholds = true;
			break;
		case OPT_KEEP_GOING:
			o.keep_going = true;
			break;
		case OPT_TOPOLOGY:
			o.topology = optarg;
			break;
		case OPT_EXEC:
			exec = true;
			break;
		case OPT_TOPO_ONLY:
			o.topo_only = true;
			break;
		case OPT_TIMEOUT:
		case OPT_BOOT_TIMEOUT:
			if (parse_duration_ns(optarg, c == OPT_TIMEOUT ? &o.timeout_ns :
					      &o.boot_timeout_ns)) {
				fprintf(stderr, "ktstr-run: '%s' is not a duration (\"30s\")\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("ktstr-run %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (exec || o.topo_only) {
		if (mode != MODE_RUN || (exec && o.topo_only)) {
			fprintf(stderr, "ktstr-run: --exec and --topo-only run one ad-hoc VM\n");
			return 2;
		}
		if (exec && optind >= argc) {
			fprintf(stderr, "ktstr-run: --exec needs a command after --\n");
			return 2;
		}
		if (exec)
			o.exec_argv = argv + optind;
		return cmd_run(&o);
	}
	if (optind >= argc) {
		fprintf(stderr, "ktstr-run: no spec given\n");
		usage(stderr);
		return 2;
	}
	o.specs = argv + optind;
	o.nspecs = argc - optind;
	if (o.verbose)
		log_set_level(LOG_DEBUG);
	else if (o.quiet)
		log_set_level(LOG_WARN);

	switch (mode) {
	case MODE_LINT:
		return cmd_lint(&o);
	case MODE_DRY_RUN:
		return cmd_dry_run(&o);
	case MODE_LIST:
		return cmd_list(&o);
	default:
		return cmd_run(&o);
	}
}
