// SPDX-License-Identifier: GPL-2.0-only
/* ktstr-run: boot a VM per spec test, run the workload, report verdicts. */
#include <errno.h>
#include <getopt.h>

#include "cmd/cmd.h"
#include "cmd/shard.h"
#include "report/report.h"
#include "util/log.h"
#include "util/units.h"
#include "spec/worktype.h"

enum run_mode { MODE_RUN, MODE_LINT, MODE_DRY_RUN, MODE_LIST };

enum {
	OPT_LINT = 0x100,
	OPT_DRY_RUN,
	OPT_LIST,
	OPT_KERNEL,
	OPT_ACCEL,
	OPT_RESULTS_DIR,
	OPT_RUNS_DIR,
	OPT_TAP,
	OPT_JUNIT,
	OPT_HTML,
	OPT_RELEASE_THRESHOLDS,
	OPT_KEEP_GOING,
	OPT_VERSION,
	OPT_TOPOLOGY,
	OPT_EXEC,
	OPT_TOPO_ONLY,
	OPT_TIMEOUT,
	OPT_BOOT_TIMEOUT,
	OPT_SCHEDULER,
	OPT_FLAGS,
	OPT_SCHED_ARGS,
	OPT_DURATION,
	OPT_WORKERS,
	OPT_WORK_TYPE,
	OPT_GAUNTLET,
	OPT_PROFILES,
	OPT_TAG,
	OPT_EXCLUDE_TAG,
	OPT_SHARD,
	OPT_SHARDS,
	OPT_TIMINGS,
	OPT_BUDGET,
	OPT_NO_HOST_FIT,
	OPT_RETRIES,
	OPT_SNAPSHOT,
	OPT_NO_SNAPSHOT,
	OPT_VERIFIER,
	OPT_SHELL,
	OPT_INCLUDE,
	OPT_DMESG,
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
	{ "runs-dir", required_argument, NULL, OPT_RUNS_DIR },
	{ "tap", no_argument, NULL, OPT_TAP },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "release-thresholds", no_argument, NULL, OPT_RELEASE_THRESHOLDS },
	{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
	{ "snapshot", no_argument, NULL, OPT_SNAPSHOT },
	{ "no-snapshot", no_argument, NULL, OPT_NO_SNAPSHOT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "topology", required_argument, NULL, OPT_TOPOLOGY },
	{ "exec", no_argument, NULL, OPT_EXEC },
	{ "topo-only", no_argument, NULL, OPT_TOPO_ONLY },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "boot-timeout", required_argument, NULL, OPT_BOOT_TIMEOUT },
	{ "scheduler", required_argument, NULL, OPT_SCHEDULER },
	{ "flags", required_argument, NULL, OPT_FLAGS },
	{ "sched-args", required_argument, NULL, OPT_SCHED_ARGS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "work-type", required_argument, NULL, OPT_WORK_TYPE },
	{ "gauntlet", no_argument, NULL, OPT_GAUNTLET },
	{ "profiles", no_argument, NULL, OPT_PROFILES },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "exclude-tag", required_argument, NULL, OPT_EXCLUDE_TAG },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "shards", required_argument, NULL, OPT_SHARDS },
	{ "timings", required_argument, NULL, OPT_TIMINGS },
	{ "budget", required_argument, NULL, OPT_BUDGET },
	{ "no-host-fit", no_argument, NULL, OPT_NO_HOST_FIT },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "verifier", no_argument, NULL, OPT_VERIFIER },
	{ "shell", no_argument, NULL, OPT_SHELL },
	{ "include", required_argument, NULL, OPT_INCLUDE },
	{ "dmesg", no_argument, NULL, OPT_DMESG },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ktstr-run [options] SPEC...\n"
		"       ktstr-run [options] [--topology LABEL] --topo-only\n"
		"       ktstr-run [options] [--topology LABEL] --exec -- /path/to/cmd [args...]\n"
		"       ktstr-run [options] --shell [--include PATH]... [--dmesg] SPEC\n"
		"Boot one VM per spec test, run its workload under the scheduler and judge it.\n"
		"\n"
		"modes:\n"
		"  --lint                 validate specs, print diagnostics, boot nothing\n"
		"  --dry-run              print each test's resolved plan, boot nothing\n"
		"  --list                 list the expanded test names\n"
		"  --verifier             boot each test's VM, attach its scheduler, print its BPF\n"
		"                         programs' verifier figures; no workload\n"
		"options:\n"
		"  -E, --filter REGEX     only tests whose expanded name matches (pcre2)\n"
		"  --kernel SEL           kernel image, build tree, version or cache key; repeat it\n"
		"                         to run every test on each kernel (.../kernel-LABEL)\n"
		"  --budget DUR           the subset covering the most configurations in DUR (20m)\n"
		"  --timings PATH         estimates from an earlier --results-dir (or {name: s} JSON)\n"
		"  --no-host-fit          run tests whose guest the host cannot carry (else SKIP)\n"
		"  --accel auto|kvm|tcg   accelerator (auto: KVM only with /dev/kvm and vmx/svm)\n"
		"  -j, --jobs N           tests in parallel (default: host CPUs / vCPUs per test)\n"
		"  --results-dir DIR      per-test artifacts of this run (default ./ktstr-results)\n"
		"  --runs-dir DIR         keep each run's results in DIR/<start time>/, never\n"
		"                         overwritten (default $KTSTR_RUNS_DIR, else\n"
		"                         $XDG_DATA_HOME/ktstr/runs; 'none' keeps nothing)\n"
		"  --tap                  TAP 14 on stdout\n"
		"  --junit FILE           write JUnit XML\n"
		"  --html FILE            write a self-contained HTML report with plots\n"
		"  --release-thresholds   no TCG relaxation of the default thresholds\n"
		"  --snapshot             start each VM from a snapshot of a booted guest\n"
		"                         (KTSTR_SNAPSHOT=1; default auto: when two tests\n"
		"                         share one, or it is cached)\n"
		"  --no-snapshot          boot every VM afresh (KTSTR_SNAPSHOT=0)\n"
		"  --keep-going           (accepted; every test always runs)\n"
		"  --timeout DUR          run-phase timeout (default: duration + 30s)\n"
		"  --boot-timeout DUR     boot timeout: no agent after DUR is a TIMEOUT (default 60s)\n"
		"  --retries N            rerun a FAIL, ERROR or TIMEOUT up to N times (0-%u);\n"
		"                         a pass on a retry is FLAKY, which exits as passed\n"
		"overrides (command line > spec > plugin > default; --dry-run shows each value's layer):\n"
		"  --scheduler NAME       scheduler plugin (name or .so path)\n"
		"  --flags A,B            scheduler flags\n"
		"  --sched-args 'ARGS'    scheduler arguments (exec: the binary and its arguments)\n"
		"  --duration DUR         workload duration\n"
		"  --workers N            workers_per_cgroup\n"
		"  --work-type TYPE       the work of every cgroup marked swappable\n"
		"  --topology NAME|LABEL  a preset (tiny-2llc) or 1n2l2c1t; also for --exec/--topo-only\n"
		"  --gauntlet             every test over the topology presets and flag profiles\n"
		"  --profiles             every test under each flag profile of its scheduler\n"
		"  --tag TAG              only tests tagged TAG (repeatable: any of them)\n"
		"  --exclude-tag TAG      no test tagged TAG (repeatable)\n"
		"sharding over machines (ktstr-run(1), SHARDING):\n"
		"  --shard K/N            run (or --list) only shard K of N, balanced by expected time\n"
		"  --shard auto           K/N from a Slurm array, Kubernetes Indexed Job or GitLab job\n"
		"  --shards N             the shard count for a Kubernetes Indexed Job (or KTSTR_SHARDS)\n"
		"  (--timings PATH above also balances the shards by measured time)\n"
		"  A SPEC that is a directory means its *.yaml, *.yml and *.ini files, recursively, sorted.\n"
		"ad-hoc VMs (no spec):\n"
		"  --topo-only            boot, compare the guest's topology, power off\n"
		"  --exec                 run the command after -- in the guest; its exit code decides\n"
		"interactive:\n"
		"  --shell                boot the one selected test's VM, attach its scheduler and\n"
		"                         give this terminal a shell in the guest; exits with its status\n"
		"  --include PATH         (--shell, repeatable) a file or directory, or a command on\n"
		"                         $PATH, at /include-files/<basename> in the guest\n"
		"  --dmesg                (--shell) follow the kernel log on the terminal too\n"
		"  -q, --quiet / -v, --verbose\n"
		"  -h, --help / --version\n"
		"\n"
		"exit status: 0 all passed (FLAKY counts as passed; or some skipped), 1 a test failed,\n"
		"77 all skipped,\n"
		"99 error or timeout, 2 usage error, 128+N stopped by signal N\n"
		"(130 SIGINT, 143 SIGTERM, 129 SIGHUP, 131 SIGQUIT).\n"
		"\n"
		"environment: KTSTR_QEMU (QEMU binary), KTSTR_GUEST (agent binary),\n"
		"KTSTR_KERNEL_LIST=SEL,SEL (the kernel dimension),\n"
		"KTSTR_MACHINE=q35|microvm, KTSTR_NO_PVH=1 (boot the bzImage under TCG),\n"
		"KTSTR_TCG_THREAD=multi (multi-threaded TCG; default single),\n"
		"KTSTR_CACHE_DIR / XDG_CACHE_HOME (initramfs and vmlinux cache), TMPDIR,\n"
		"KTSTR_CHARTJS (Chart.js for --html).\n"
		"The guest's commands see KTSTR_ATTEMPT (1, then 2... under --retries).\n",
		RUN_MAX_RETRIES);
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

/* Append a NULL-terminated list entry (the option lists live until exit). */
static void strv_push(const char ***v, size_t *n, const char *s)
{
	*(const char **)array_push(v, n, sizeof(char *)) = s;
}

/* Every SPEC argument, a directory replaced by its spec files. 0, or 2 (usage) after a message. */
static int expand_spec_args(char **args, size_t nargs, char ***out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	for (size_t i = 0; i < nargs; i++) {
		_cleanup_free_ char *err = NULL;
		char **v;
		size_t n;

		if (spec_paths__expand(args[i], &v, &n, &err)) {
			fprintf(stderr, "ktstr-run: %s\n", err);
			return 2;
		}
		for (size_t j = 0; j < n; j++)
			*(char **)array_push(out, nout, sizeof(char *)) = v[j];
		free(v);
	}
	return 0;
}

static void free_spec_args(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* KTSTR_KERNEL_LIST=a,b: the kernel dimension when no --kernel is given. 0, or -EINVAL after a message. */
static int kernel_list_env(struct run_opts *o)
{
	const char *env = getenv("KTSTR_KERNEL_LIST");
	_cleanup_free_ char *copy = NULL;
	char *rest, *tok;

	if (!env || !*env)
		return 0;
	copy = xstrdup(env);
	rest = copy;
	while ((tok = strsep(&rest, ","))) {
		tok = str_trim(tok);
		if (!*tok) {
			fprintf(stderr, "ktstr-run: KTSTR_KERNEL_LIST='%s': an empty entry; give SEL,SEL\n",
				env);
			return -EINVAL;
		}
		*(char **)array_push(&o->kernels, &o->nkernels, sizeof(char *)) = xstrdup(tok);
	}
	if (o->nkernels == 1)
		o->kernel = o->kernels[0];
	return 0;
}

static int run_mode(enum run_mode mode, const struct run_opts *o)
{
	switch (mode) {
	case MODE_LINT:
		return cmd_lint(o);
	case MODE_DRY_RUN:
		return cmd_dry_run(o);
	case MODE_LIST:
		return cmd_list(o);
	default:
		return cmd_run(o);
	}
}

int main(int argc, char **argv)
{
	struct run_opts o = { .results_dir = "ktstr-results" };
	enum run_mode mode = MODE_RUN;
	struct cmd_plugins plugins = { 0 };
	const char **set = NULL, **tags = NULL, **xtags = NULL, **includes = NULL;
	size_t nset = 0, ntags = 0, nxtags = 0, nspecs = 0, nincludes = 0;
	char **specs = NULL;
	bool exec = false;
	const char *shard_arg = NULL;
	unsigned shards = 0;
	struct shard_sel shard = {};
	unsigned u;
	int c, r;

	{
		const char *env = getenv("KTSTR_SNAPSHOT");

		if (str_eq(env, "1"))
			o.snapshot = SNAP_ALWAYS;
		else if (str_eq(env, "0"))
			o.snapshot = SNAP_NEVER;
		else if (env && *env && !str_eq(env, "auto")) {
			fprintf(stderr, "ktstr-run: KTSTR_SNAPSHOT='%s': want 1 (always), 0 (never) "
				"or auto\n", env);
			goto usage;
		}
	}
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
			*(char **)array_push(&o.kernels, &o.nkernels, sizeof(char *)) = xstrdup(optarg);
			break;
		case OPT_BUDGET: {
			uint64_t ns;

			if (parse_duration_ns(optarg, &ns) || !ns) {
				fprintf(stderr, "ktstr-run: --budget: '%s' is not a positive duration (\"20m\")\n",
					optarg);
				goto usage;
			}
			o.budget_s = ns / 1e9;
			break;
		}
		case OPT_TIMINGS:
			o.timings = optarg;
			break;
		case OPT_NO_HOST_FIT:
			o.no_host_fit = true;
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
				goto usage;
			}
			break;
		case 'j':
			if (parse_uint(optarg, &o.jobs) || !o.jobs) {
				fprintf(stderr, "ktstr-run: -j: '%s' is not a count from 1 to 4096\n",
					optarg);
				goto usage;
			}
			break;
		case OPT_RESULTS_DIR:
			if (!*optarg) {	/* "" would put each test's directory at the root */
				fprintf(stderr, "ktstr-run: --results-dir: give a directory, not ''\n");
				goto usage;
			}
			o.results_dir = optarg;
			break;
		case OPT_RUNS_DIR:
			if (!*optarg) {
				fprintf(stderr, "ktstr-run: --runs-dir: give a directory, or 'none', not ''\n");
				goto usage;
			}
			o.runs_dir = optarg;
			break;
		case OPT_TAP:
			o.tap = true;
			break;
		case OPT_JUNIT:
			o.junit = optarg;
			break;
		case OPT_HTML: {
			_cleanup_free_ char *why = NULL;

			/* refused before any VM boots, not after the run */
			if (report_html__check(&why)) {
				fprintf(stderr, "ktstr-run: --html: %s\n", why);
				goto usage;
			}
			o.html = optarg;
			break;
		}
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
		case OPT_SNAPSHOT:
		case OPT_NO_SNAPSHOT:
			o.snapshot = c == OPT_SNAPSHOT ? SNAP_ALWAYS : SNAP_NEVER;
			break;
		case OPT_TOPOLOGY:
			o.topology = optarg;
			strv_push(&set, &nset, spec_set__scalar("topology", optarg));
			break;
		case OPT_SCHEDULER:
			strv_push(&set, &nset, spec_set__scalar("scheduler.plugin", optarg));
			break;
		case OPT_FLAGS:
			strv_push(&set, &nset, spec_set__list("scheduler.flags", optarg));
			break;
		case OPT_SCHED_ARGS:
			strv_push(&set, &nset, spec_set__scalar("scheduler.args", optarg));
			break;
		case OPT_DURATION:
			strv_push(&set, &nset, spec_set__scalar("duration", optarg));
			break;
		case OPT_WORKERS:
			if (parse_uint(optarg, &u) || !u) {
				fprintf(stderr, "ktstr-run: --workers: '%s' is not a count from 1 to 4096\n",
					optarg);
				goto usage;
			}
			strv_push(&set, &nset, spec_set__scalar("workers_per_cgroup", optarg));
			break;
		case OPT_WORK_TYPE:
			if (!worktype_lookup(optarg)) {
				fprintf(stderr, "ktstr-run: --work-type: '%s' is no work type (ktstr-spec(5), WORK TYPES)\n",
					optarg);
				goto usage;
			}
			strv_push(&set, &nset, spec_set__scalar("work_type", optarg));
			break;
		case OPT_GAUNTLET:
			o.spec.gauntlet = true;
			break;
		case OPT_PROFILES:
			o.spec.profiles = true;
			break;
		case OPT_TAG:
			strv_push(&tags, &ntags, optarg);
			break;
		case OPT_EXCLUDE_TAG:
			strv_push(&xtags, &nxtags, optarg);
			break;
		case OPT_RETRIES:
			if (parse_uint(optarg, &o.retries) || o.retries > RUN_MAX_RETRIES) {
				fprintf(stderr, "ktstr-run: --retries: '%s' is not a count from 0 to %u\n",
					optarg, RUN_MAX_RETRIES);
				goto usage;
			}
			break;
		case OPT_SHARD:
			shard_arg = optarg;
			break;
		case OPT_SHARDS:
			if (parse_uint(optarg, &shards) || !shards) {
				fprintf(stderr, "ktstr-run: --shards: '%s' is not a count from 1 to 4096\n",
					optarg);
				goto usage;
			}
			break;
		case OPT_EXEC:
			exec = true;
			break;
		case OPT_SHELL:
			o.shell = true;
			break;
		case OPT_INCLUDE:
			strv_push(&includes, &nincludes, optarg);
			break;
		case OPT_DMESG:
			o.dmesg = true;
			break;
		case OPT_TOPO_ONLY:
			o.topo_only = true;
			break;
		case OPT_VERIFIER:
			o.verifier = true;
			break;
		case OPT_TIMEOUT:
		case OPT_BOOT_TIMEOUT:
			if (parse_duration_ns(optarg, c == OPT_TIMEOUT ? &o.timeout_ns :
					      &o.boot_timeout_ns)) {
				fprintf(stderr, "ktstr-run: '%s' is not a duration (\"30s\")\n",
					optarg);
				goto usage;
			}
			break;
		case 'h':
			usage(stdout);
			r = 0;
			goto out;
		case OPT_VERSION:
			printf("ktstr-run %s\n", PACKAGE_VERSION);
			r = 0;
			goto out;
		default:
			usage(stderr);
			goto usage;
		}
	}
	if (shard_arg) {
		_cleanup_free_ char *err = NULL;

		/* never a silent full run: a shard that cannot be named stops here */
		if (shard_sel__parse(shard_arg, shards, &shard, &err)) {
			fprintf(stderr, "ktstr-run: %s\n", err);
			goto usage;
		}
		if (mode != MODE_RUN && mode != MODE_LIST) {
			fprintf(stderr, "ktstr-run: --shard selects tests to run or --list\n");
			goto usage;
		}
		o.shard = &shard;
	} else if (shards) {
		fprintf(stderr, "ktstr-run: --shards goes with --shard\n");
		goto usage;
	}
	if (!o.nkernels && kernel_list_env(&o))
		goto usage;
	if (o.verifier && (exec || o.topo_only || mode != MODE_RUN)) {
		fprintf(stderr, "ktstr-run: --verifier attaches a spec's scheduler: not with --exec, "
			"--topo-only, --lint, --dry-run or --list\n");
		goto usage;
	}
	if ((nincludes || o.dmesg) && !o.shell) {
		fprintf(stderr, "ktstr-run: --include and --dmesg go with --shell\n");
		goto usage;
	}
	if (o.shell) {
		if (exec || o.topo_only || mode != MODE_RUN || o.shard || o.spec.gauntlet ||
		    o.spec.profiles || o.retries || o.nkernels > 1 || o.verifier) {
			fprintf(stderr, "ktstr-run: --shell boots one spec test's VM: no --exec, "
				"--topo-only, --lint, --dry-run, --list, --shard, --gauntlet, "
				"--profiles, --retries, --verifier or second kernel with it\n");
			goto usage;
		}
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			fprintf(stderr, "ktstr-run: --shell needs a terminal on stdin and stdout\n");
			goto usage;
		}
		strv_push(&includes, &nincludes, NULL);
		o.includes = (char **)includes;
		o.quiet = true;		/* no progress lines over the shell */
		o.jobs = 1;
		o.snapshot = SNAP_NEVER;
		if (!o.runs_dir)
			o.runs_dir = "none";	/* a shell session is not a run to compare */
	}
	if (exec || o.topo_only) {
		if (o.shard) {
			fprintf(stderr, "ktstr-run: --shard splits a spec list, not an ad-hoc VM\n");
			goto usage;
		}
		if (mode != MODE_RUN || (exec && o.topo_only)) {
			fprintf(stderr, "ktstr-run: --exec and --topo-only run one ad-hoc VM\n");
			goto usage;
		}
		if (exec && optind >= argc) {
			fprintf(stderr, "ktstr-run: --exec needs a command after --\n");
			goto usage;
		}
		if (exec)
			o.exec_argv = argv + optind;
		r = cmd_run(&o);
		goto out;
	}
	if (optind >= argc) {
		fprintf(stderr, "ktstr-run: no spec given\n");
		usage(stderr);
		goto usage;
	}
	if (o.spec.gauntlet && o.topology) {
		fprintf(stderr, "ktstr-run: --gauntlet and --topology both choose the topology: give one\n");
		goto usage;
	}
	if (expand_spec_args(argv + optind, argc - optind, &specs, &nspecs))
		goto usage;
	o.specs = specs;
	o.nspecs = nspecs;
	strv_push(&set, &nset, NULL);
	strv_push(&tags, &ntags, NULL);
	strv_push(&xtags, &nxtags, NULL);
	o.spec.set = set;
	o.spec.tags = ntags > 1 ? tags : NULL;
	o.spec.exclude_tags = nxtags > 1 ? xtags : NULL;
	o.spec.plugin_flags = cmd__plugin_flags;
	o.spec.ctx = &plugins;
	if (o.verbose)
		log_set_level(LOG_DEBUG);
	else if (o.quiet)
		log_set_level(LOG_WARN);

	r = run_mode(mode, &o);
out:
	shard_sel__free(&shard);
	for (size_t i = 0; i < o.nkernels; i++)
		free(o.kernels[i]);
	free(o.kernels);
	cmd_plugins__free(&plugins);
	free_spec_args(specs, nspecs);
	for (size_t i = 0; i < nset; i++)
		free((char *)set[i]);
	free(set);
	free(tags);
	free(xtags);
	free(includes);
	return r;
usage:
	r = 2;		/* a usage error, said above; what was parsed is freed all the same */
	goto out;
}
