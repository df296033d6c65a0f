/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The spec key table: every key a spec may write, with its section, type,
 * range, default and help. The validator, ktstr-spec(5) and its test all
 * read this one table.
 */
#ifndef KTSTR_SPEC_KEYS_H
#define KTSTR_SPEC_KEYS_H

#include "spec/spec-int.h"

enum spec_section {
	SEC_TEST, SEC_TOPOLOGY, SEC_SCHEDULER, SEC_CGROUP, SEC_WORK, SEC_CPUSET,
	SEC_STEP, SEC_HOLD, SEC_OP, SEC_PAYLOAD, SEC_CONSOLE, SEC_METRIC,
	SEC__COUNT
};

enum key_type {
	KT_STR,		/* one scalar */
	KT_LIST,	/* list of scalars, or one scalar split on commas */
	KT_WORDS,	/* list of scalars, or one scalar split on white space */
	KT_UINT,	/* whole number in [min, max] */
	KT_INT,		/* signed whole number in [min, max] */
	KT_DURATION,	/* "500ms", "2s"; range in ns */
	KT_SIZE,	/* "512M", "2G"; range in MiB */
	KT_FRACTION,	/* "50%" or 0.5 */
	KT_COUNT,	/* whole number, or "N%" of usable CPUs */
	KT_TOPOLOGY,	/* "2n4l4c2t" or a topology map */
	KT_CPUSET,	/* "llc:0", "0-3", ... or a cpuset map */
	KT_HOLD,	/* "50%", "1s", "loop:200ms" or a hold map */
	KT_POLICY,	/* "normal", "fifo:10" */
	KT_AFFINITY,	/* "random_subset", "exact:0-3" */
	KT_MPOL,	/* "bind", ... */
	KT_WORKTYPE,	/* "cpu_spin" or "CpuSpin" */
	KT_OPKIND,	/* "set_cpuset" */
	KT_CPUS,	/* cpulist "0-3,5" */
	KT_SCHEDULER,	/* plugin name or a scheduler map */
	KT_MAP,		/* a map of section sub */
	KT_MAPS,	/* a list of maps of section sub */
	KT_OPS,		/* a list of ops (maps or "verb args" strings) */
	KT_PHASES,	/* Sequence phases: ["spin:100ms", {sleep: 50ms}] */
	KT_NODESIZES,	/* per-node memory: list of sizes */
	KT_DISTANCES,	/* NxN list of lists */
	KT_SYSCTLS,	/* list of "key=value" or a map */
	KT_PATTERNS,	/* list of pcre2 regexes */
	KT_THRESHOLDS,	/* map of threshold name -> value or off */
	KT_MATRIX,	/* map of key path -> list of values */
	KT_BOOL,	/* true or false (yes/no, on/off) */
	KT_NUMBER,	/* a finite real number: 1500, 2.5e3, -1 */
	KT_FLAGARGS,	/* map of flag name -> its arguments (words) */
};

/*
 * The attach timeout's defaults: ktstr's 3000 ms, and the relaxed value
 * used under TCG (where a healthy real scheduler was measured taking
 * 2.4-3.05 s to attach), as thresholds have release and relaxed defaults.
 */
#define SPEC_ATTACH_TIMEOUT_MS 3000
#define SPEC_ATTACH_TIMEOUT_MS_RELAXED 10000
#define SPEC_STR_(x) #x
#define SPEC_STR(x) SPEC_STR_(x)

#define SPEC_KEY_LIST(X) \
	X(TEST_NAME, TEST, "name", STR, 0, 0, 0, "the file name", \
	  "test name: letters, digits, '_', '-', '.'; not '.' or '..'") \
	X(TEST_DESCRIPTION, TEST, "description", STR, 0, 0, 0, "none", "one line on what the test shows") \
	X(TEST_TAGS, TEST, "tags", LIST, 0, 0, 0, "none", "labels for selecting tests") \
	X(TEST_TOPOLOGY, TEST, "topology", TOPOLOGY, 0, 0, SEC_TOPOLOGY, "1n1l2c1t", \
	  "VM topology, compact (\"2n4l4c2t\") or a map") \
	X(TEST_MEMORY, TEST, "memory", SIZE, 64, SPEC_MAX_MEMORY_MB, 0, "2048M", \
	  "guest memory; the VM gets max(memory, 64M per CPU, 256M)") \
	X(TEST_DURATION, TEST, "duration", DURATION, NSEC_PER_MSEC, SPEC_MAX_DURATION_NS, 0, "2s", \
	  "how long the workload runs") \
	X(TEST_TIMEOUT, TEST, "timeout", DURATION, NSEC_PER_SEC, 4 * SPEC_MAX_DURATION_NS, 0, \
	  "duration plus boot grace", "the whole test's deadline, boot included") \
	X(TEST_REPEATS, TEST, "repeats", UINT, 1, SPEC_MAX_REPEATS, 0, "1", "runs; all must pass") \
	X(TEST_BASELINE, TEST, "baseline", STR, 0, 0, 0, "none", \
	  "'eevdf': run the workload under EEVDF first, then under the scheduler, in the same boot; " \
	  "each metric is reported as a ratio to EEVDF's (thresholds *_ratio)") \
	X(TEST_KERNEL, TEST, "kernel", STR, 0, 0, 0, "discovered", \
	  "kernel selector: a path, a version or a cache key") \
	X(TEST_MIN_KERNEL, TEST, "min_kernel", STR, 0, 0, 0, "none", \
	  "oldest kernel version the test runs on (\"6.12\"); an older kernel is a SKIP") \
	X(TEST_KARGS, TEST, "kargs", WORDS, 0, 0, 0, "none", "extra kernel command line arguments, one word each") \
	X(TEST_SYSCTLS, TEST, "sysctls", SYSCTLS, 0, 0, 0, "none", \
	  "sysctls the agent sets before the scheduler: a map or a list of key=value") \
	X(TEST_WORKERS_PER_CGROUP, TEST, "workers_per_cgroup", UINT, 1, SPEC_MAX_WORKERS, 0, "2", \
	  "workers of a work item that does not say") \
	X(TEST_SCHEDULER, TEST, "scheduler", SCHEDULER, 0, 0, SEC_SCHEDULER, "eevdf", \
	  "scheduler plugin name, or a scheduler map") \
	X(TEST_REQUIRED_FLAGS, TEST, "required_flags", LIST, 0, 32, 0, "none", \
	  "scheduler flags the test needs: a run without one of them is a SKIP") \
	X(TEST_EXCLUDED_FLAGS, TEST, "excluded_flags", LIST, 0, 32, 0, "none", \
	  "scheduler flags the test cannot run with: a run with one of them is a SKIP") \
	X(TEST_CGROUPS, TEST, "cgroups", MAPS, 0, SPEC_MAX_CGROUPS, SEC_CGROUP, "none", \
	  "the backdrop: cgroups that exist for the whole test") \
	X(TEST_STEPS, TEST, "steps", MAPS, 0, SPEC_MAX_STEPS, SEC_STEP, "one full-duration hold", \
	  "phases run in order") \
	X(TEST_PAYLOADS, TEST, "payloads", MAPS, 0, 64, SEC_PAYLOAD, "none", \
	  "binaries steps may run in the guest") \
	X(TEST_ASSERT, TEST, "assert", THRESHOLDS, 0, 0, 0, "built-in and scheduler layers", \
	  "threshold overrides: name: value, or name: off") \
	X(TEST_CONSOLE, TEST, "console", MAP, 0, 0, SEC_CONSOLE, "none", "kernel console patterns") \
	X(TEST_MATRIX, TEST, "matrix", MATRIX, 0, SPEC_MAX_MATRIX, 0, "none", \
	  "key path: list of values; expands to the cartesian product") \
	X(TEST_GAUNTLET, TEST, "gauntlet", BOOL, 0, 0, 0, "false", \
	  "run the test on every topology preset its constraints allow, under every flag profile") \
	X(TEST_PROFILES, TEST, "profiles", BOOL, 0, 0, 0, "false", \
	  "run the test under every flag profile of its scheduler (the gauntlet always does)") \
	X(TEST_AUTO_REPRO, TEST, "auto_repro", BOOL, 0, 0, 0, "true", \
	  "sched_ext schedulers: after an ejection or failed health check, rerun the test once " \
	  "with probes and report the per-task events before the failure") \
	X(TEST_MIN_NUMA_NODES, TEST, "min_numa_nodes", UINT, 1, SPEC_MAX_NUMA_NODES, 0, "1", \
	  "gauntlet: fewest NUMA nodes a preset may have") \
	X(TEST_MAX_NUMA_NODES, TEST, "max_numa_nodes", UINT, 1, SPEC_MAX_NUMA_NODES, 0, "1", \
	  "gauntlet: most NUMA nodes a preset may have") \
	X(TEST_MIN_LLCS, TEST, "min_llcs", UINT, 1, 1024, 0, "1", "gauntlet: fewest LLCs a preset may have") \
	X(TEST_MAX_LLCS, TEST, "max_llcs", UINT, 1, 1024, 0, "12", "gauntlet: most LLCs a preset may have") \
	X(TEST_MIN_CPUS, TEST, "min_cpus", UINT, 1, 4096, 0, "1", "gauntlet: fewest CPUs a preset may have") \
	X(TEST_MAX_CPUS, TEST, "max_cpus", UINT, 1, 4096, 0, "192", "gauntlet: most CPUs a preset may have") \
	X(TEST_REQUIRES_SMT, TEST, "requires_smt", BOOL, 0, 0, 0, "false", \
	  "gauntlet: only presets with 2 or more threads per core") \
	X(TOPO_NUMA_NODES, TOPOLOGY, "numa_nodes", UINT, 1, SPEC_MAX_NUMA_NODES, 0, "1", "NUMA nodes with CPUs") \
	X(TOPO_LLCS, TOPOLOGY, "llcs", UINT, 1, SPEC_MAX_CPUS, 0, "1", \
	  "last-level caches, spread evenly over the nodes") \
	X(TOPO_CORES, TOPOLOGY, "cores", UINT, 1, SPEC_MAX_CPUS, 0, "2", "cores per LLC") \
	X(TOPO_THREADS, TOPOLOGY, "threads", UINT, 1, 8, 0, "1", "hardware threads per core") \
	X(TOPO_MEMORY_ONLY_NODES, TOPOLOGY, "memory_only_nodes", UINT, 0, SPEC_MAX_NUMA_NODES - 1, 0, "0", \
	  "nodes with memory and no CPUs (a CXL-like slow tier), numbered after the CPU nodes") \
	X(TOPO_NODE_MEMORY, TOPOLOGY, "node_memory", NODESIZES, 1, SPEC_MAX_MEMORY_MB, 0, "even share", \
	  "memory of each node, one size per node (memory-only nodes included)") \
	X(TOPO_DISTANCES, TOPOLOGY, "distances", DISTANCES, 10, 254, 0, "10 local, 20 remote", \
	  "NUMA distance matrix (SLIT): 10 on the diagonal, more elsewhere, symmetric") \
	X(SCHED_PLUGIN, SCHEDULER, "plugin", STR, 0, 0, 0, "eevdf", "plugin name or path to a .so") \
	X(SCHED_FLAGS, SCHEDULER, "flags", LIST, 0, 32, 0, "none", "plugin flags (checked by the plugin)") \
	X(SCHED_ARGS, SCHEDULER, "args", WORDS, 0, 64, 0, "none", "extra scheduler arguments") \
	X(SCHED_WATCHDOG_TIMEOUT, SCHEDULER, "watchdog_timeout", DURATION, NSEC_PER_MSEC, \
	  3600ULL * NSEC_PER_SEC, 0, "the scheduler's own", "sched_ext watchdog timeout, set in the guest kernel by the host") \
	X(SCHED_ATTACH_TIMEOUT_MS, SCHEDULER, "attach_timeout_ms", UINT, 100, 600000, 0, \
	  SPEC_STR(SPEC_ATTACH_TIMEOUT_MS), \
	  "how long attach waits for the kernel to enable the scheduler, in ms (" \
	  SPEC_STR(SPEC_ATTACH_TIMEOUT_MS_RELAXED) " under TCG)") \
	X(SCHED_CONFIG_FILE, SCHEDULER, "config_file", STR, 0, 0, 0, "none", \
	  "a host file (relative: to the spec's directory) packed at " SPEC_INCLUDE_DIR \
	  "/<name>; {config} in args is replaced by that path") \
	X(SCHED_CGROUP_PARENT, SCHEDULER, "cgroup_parent", STR, 0, 0, 0, "none", \
	  "a cgroup (\"/ktstr.slice\") created before the scheduler starts; the test's cgroups go under it") \
	X(SCHED_FLAG_ARGS, SCHEDULER, "flag_args", FLAGARGS, 0, SPEC_MAX_FLAG_ARGS, 0, "none", \
	  "each flag's arguments for the binary ({llc: --llc-aware}): such flags are the binary's, " \
	  "appended to args when set, and make its flag profiles") \
	X(CG_NAME, CGROUP, "name", STR, 0, 0, 0, "required", \
	  "path below the test's cgroup: \"cg_0\" or \"cg_0/sub_a\"") \
	X(CG_CPUSET, CGROUP, "cpuset", CPUSET, 0, 0, SEC_CPUSET, "none", "the cgroup's cpuset") \
	X(CG_WORK, CGROUP, "work", MAP, 0, 0, SEC_WORK, "the cgroup's own work keys", \
	  "the first work as a map (INI: work.type = ...), instead of work keys in the cgroup") \
	X(CG_WORKS, CGROUP, "works", MAPS, 0, 16, SEC_WORK, "one CpuSpin work", \
	  "groups of workers; the cgroup's own work keys describe the first") \
	X(CG_SWAPPABLE, CGROUP, "swappable", BOOL, 0, 0, 0, "false", \
	  "ktstr-run --work-type may replace the work of this cgroup") \
	X(CG_CHILDREN, CGROUP, "children", MAPS, 0, SPEC_MAX_CGROUPS, SEC_CGROUP, "none", \
	  "nested cgroups; their names are relative to this one") \
	X(WORK_TYPE, WORK, "type", WORKTYPE, 0, 0, 0, "cpu_spin", "work type (see WORK TYPES)") \
	X(WORK_WORKERS, WORK, "workers", COUNT, 1, SPEC_MAX_WORKERS, 0, "workers_per_cgroup", \
	  "worker processes: a number or N% of usable CPUs") \
	X(WORK_POLICY, WORK, "policy", POLICY, 1, 99, 0, "normal", \
	  "normal, batch, idle, fifo:PRIO or rr:PRIO (PRIO 1-99)") \
	X(WORK_NICE, WORK, "nice", INT, -20, 19, 0, "0", "nice value") \
	X(WORK_AFFINITY, WORK, "affinity", AFFINITY, 0, 0, 0, "inherit", \
	  "inherit, random_subset, llc_aligned, cross_cgroup, single_cpu or exact:CPUS") \
	X(WORK_MEM_POLICY, WORK, "mem_policy", MPOL, 0, 0, 0, "default", \
	  "default, bind, preferred, interleave, local, preferred_many, weighted_interleave") \
	X(WORK_MEM_NODES, WORK, "mem_nodes", CPUS, 0, 0, 0, "none", "node list for the memory policy") \
	X(WORK_MPOL_FLAGS, WORK, "mpol_flags", LIST, 0, 0, 0, "none", \
	  "static_nodes, relative_nodes, numa_balancing") \
	X(WORK_PHASES, WORK, "phases", PHASES, 1, 64, 0, "required for sequence", \
	  "Sequence phases: spin:D, sleep:D, yield:D, io:D") \
	X(CPUSET_KIND, CPUSET, "kind", STR, 0, 0, 0, "required", \
	  "llc, numa, range, disjoint, overlap, exact or none") \
	X(CPUSET_INDEX, CPUSET, "index", UINT, 0, SPEC_MAX_CPUS, 0, "0", \
	  "LLC, node or partition index") \
	X(CPUSET_OF, CPUSET, "of", UINT, 1, SPEC_MAX_CPUS, 0, "required for disjoint, overlap", \
	  "number of partitions") \
	X(CPUSET_START, CPUSET, "start", FRACTION, 0, 1, 0, "0", "range start, fraction of usable CPUs") \
	X(CPUSET_END, CPUSET, "end", FRACTION, 0, 1, 0, "1", "range end, fraction of usable CPUs") \
	X(CPUSET_FRAC, CPUSET, "frac", FRACTION, 0, 1, 0, "0.5", "overlap between partitions") \
	X(CPUSET_CPUS, CPUSET, "cpus", CPUS, 0, 0, 0, "required for exact", "exact CPU list") \
	X(STEP_NAME, STEP, "name", STR, 0, 0, 0, "step N", "shown in plans and timelines") \
	X(STEP_CGROUPS, STEP, "cgroups", MAPS, 0, SPEC_MAX_CGROUPS, SEC_CGROUP, "none", \
	  "cgroups created when the step starts") \
	X(STEP_OPS, STEP, "ops", OPS, 0, 256, SEC_OP, "none", "operations applied in order") \
	X(STEP_HOLD, STEP, "hold", HOLD, 0, 0, SEC_HOLD, "an equal share of duration", \
	  "how long the step lasts: 50%, 1s, loop:200ms") \
	X(HOLD_FRAC, HOLD, "frac", FRACTION, 0, 1, 0, "none", "fraction of duration") \
	X(HOLD_FIXED, HOLD, "fixed", DURATION, 1, SPEC_MAX_DURATION_NS, 0, "none", "fixed time") \
	X(HOLD_LOOP, HOLD, "loop", DURATION, NSEC_PER_MSEC, SPEC_MAX_DURATION_NS, 0, "none", \
	  "repeat the ops at this interval") \
	X(HOLD_FOR, HOLD, "for", DURATION, 1, SPEC_MAX_DURATION_NS, 0, "rest of duration", \
	  "how long a loop runs") \
	X(OP_OP, OP, "op", OPKIND, 0, 0, 0, "required", "the operation (see OPS)") \
	X(OP_CGROUP, OP, "cgroup", STR, 0, 0, 0, "required by most ops", "the cgroup acted on") \
	X(OP_TARGET, OP, "target", STR, 0, 0, 0, "required by swap_cpusets, move_all_tasks", \
	  "the second cgroup") \
	X(OP_CPUSET, OP, "cpuset", CPUSET, 0, 0, SEC_CPUSET, "required by set_cpuset", \
	  "the new cpuset") \
	X(OP_WORK, OP, "work", MAP, 0, 0, SEC_WORK, "one CpuSpin work", "workers to spawn") \
	X(OP_AFFINITY, OP, "affinity", AFFINITY, 0, 0, 0, "required by set_affinity", \
	  "the new affinity") \
	X(OP_PAYLOAD, OP, "payload", STR, 0, 0, 0, "required by payload ops", "a declared payload") \
	X(OP_ARGS, OP, "args", WORDS, 0, 64, 0, "the payload's args", "arguments for run_payload") \
	X(PAYLOAD_NAME, PAYLOAD, "name", STR, 0, 0, 0, "required", "name ops use") \
	X(PAYLOAD_PATH, PAYLOAD, "path", STR, 0, 0, 0, "required", \
	  "host path of the binary, packed into the initramfs") \
	X(PAYLOAD_ARGS, PAYLOAD, "args", WORDS, 0, 64, 0, "none", "default arguments") \
	X(PAYLOAD_OUTPUT, PAYLOAD, "output", STR, 0, 0, 0, "exit_code", \
	  "where its metrics come from: json, yaml, lines or exit_code (none)") \
	X(PAYLOAD_EXIT_CODE, PAYLOAD, "exit_code", INT, 0, 255, 0, "none", \
	  "the exit code each run must end with") \
	X(PAYLOAD_METRICS, PAYLOAD, "metrics", MAPS, 0, 64, SEC_METRIC, "none", \
	  "metrics with a polarity and checks") \
	X(METRIC_NAME, METRIC, "name", STR, 0, 0, 0, "required", "flattened key: a.b.0.c") \
	X(METRIC_POLARITY, METRIC, "polarity", STR, 0, 0, 0, "none", \
	  "higher_better or lower_better: ktstr-stats compare judges it") \
	X(METRIC_MIN, METRIC, "min", NUMBER, -1e300, 1e300, 0, "none", "fail below this value") \
	X(METRIC_MAX, METRIC, "max", NUMBER, -1e300, 1e300, 0, "none", "fail above this value") \
	X(METRIC_RANGE, METRIC, "range", LIST, 2, 2, 0, "none", "[lo, hi]: fail outside it") \
	X(METRIC_EXISTS, METRIC, "exists", BOOL, 0, 0, 0, "false", "fail when the output lacks it") \
	X(CONSOLE_EXPECT, CONSOLE, "expect", PATTERNS, 0, 64, 0, "none", "each must match a console line") \
	X(CONSOLE_FORBID, CONSOLE, "forbid", PATTERNS, 0, 64, 0, "none", "none may match") \
	X(CONSOLE_ALLOW, CONSOLE, "allow", PATTERNS, 0, 64, 0, "none", \
	  "lines matching these are exempt from the built-in deny list")

enum spec_key_id {
#define X(id, ...) K_##id,
	SPEC_KEY_LIST(X)
#undef X
	K__COUNT
};

struct spec_key {
	enum spec_key_id id;
	enum spec_section section;
	const char *name;
	enum key_type type;
	double min, max;
	enum spec_section sub;	/* KT_MAP, KT_MAPS, KT_OPS, KT_TOPOLOGY...: the nested section */
	const char *def;
	const char *help;
};

extern const struct spec_key spec_key_table[K__COUNT];
const char *spec_section_name(enum spec_section s);
const char *spec_key_type_name(enum key_type t);
const struct spec_key *spec_key__find(enum spec_section s, const char *name);

/* A value of a numeric key type: u for UINT, DURATION (ns), SIZE (MiB); i for INT; f otherwise. */
union spec_num {
	uint64_t u;
	int64_t i;
	double f;
};
/*
 * Read s as a value of k's numeric type, without the range check; *v is the
 * value as a double for that check. 0 or -EINVAL. The validator reads spec
 * values with it, and spec_key__default() a row's default.
 */
int spec_key__parse_number(const struct spec_key *k, const char *s, union spec_num *out, double *v);
/*
 * A whole-number key's default (UINT, DURATION in ns, SIZE in MiB), read
 * from its row: the "2s" the man page shows is the value the validator
 * starts from. A row whose default does not parse is a bug in the table
 * and aborts; tests/spec/test-keys reads every row this is called for.
 */
uint64_t spec_key__default(enum spec_key_id id);

#endif
