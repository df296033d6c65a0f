/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The spec model: what one test asks for. Front ends (YAML, INI) build a
 * node tree, the matrix expander multiplies it, and the table-driven
 * validator turns each expanded tree into an immutable struct spec_test.
 * Parsed configuration never holds live state (fds, pids, measurements).
 *
 * Ownership: a struct spec_file owns its tests and everything they point to;
 * spec_file__free() releases all of it.
 */
#ifndef KTSTR_SPEC_H
#define KTSTR_SPEC_H

#include "util/util.h"
#include "util/diag.h"
#include "util/cpumask.h"
#include "spec/thresholds.h"
#include "spec/worktype.h"

/* Hard limits on what a spec can ask for. */
#define SPEC_MAX_NUMA_NODES 8
/*
 * The largest x86 APIC ID a guest may have: QEMU 7.2's TCG emulates no
 * x2APIC, so IDs stop at 254 (255 is broadcast). ktstr's max-cpu presets
 * (14 sockets of 9x2 or 18 cores) need IDs up to 433: not bootable here.
 */
#define SPEC_MAX_APIC_ID 254
#define SPEC_MAX_CPUS 252	/* ktstr's largest preset (max-cpu, 1n14l9c2t) */
#define SPEC_MAX_MEMORY_MB (16 * 1024)
#define SPEC_MAX_CGROUPS 64
#define SPEC_MAX_WORKERS 1024
#define SPEC_MAX_STEPS 64
#define SPEC_MAX_DURATION_NS (3600ULL * NSEC_PER_SEC)
#define SPEC_MAX_REPEATS 100
#define SPEC_MAX_MATRIX 1024
#define SPEC_MAX_NAME_LEN 255		/* an expanded test name: one directory name */
#define SPEC_MAX_FILE_BYTES (1 << 20)	/* a spec file: 1 MiB, a regular file */

/* Where in the source a value came from (for diagnostics after parsing). */
struct spec_loc {
	const char *file;	/* owned by the spec_file */
	int line;
	int col;
};

struct spec_topology {
	unsigned numa_nodes;	/* nodes with CPUs, default 1 */
	unsigned memory_only_nodes;	/* CPU-less (CXL-like) nodes after them, default 0 */
	unsigned llcs;		/* default 1 */
	unsigned cores;		/* per LLC, default 2 */
	unsigned threads;	/* per core, default 1 */
	uint64_t node_memory_mb[SPEC_MAX_NUMA_NODES];	/* per node, all nodes; 0 = even share */
	bool has_distances;
	unsigned distance[SPEC_MAX_NUMA_NODES][SPEC_MAX_NUMA_NODES];
};

static inline unsigned spec_topology__cpus(const struct spec_topology *t)
{ return t->llcs * t->cores * t->threads; }
/* All NUMA nodes: the CPU nodes 0..numa_nodes-1, then the memory-only ones. */
static inline unsigned spec_topology__nodes(const struct spec_topology *t)
{ return t->numa_nodes + t->memory_only_nodes; }
/*
 * Memory of node n in MiB: its node_memory entry, else an even share of the
 * VM's total over all nodes, at least 128M (what the VM is given).
 */
static inline uint64_t spec_topology__node_memory_mb(const struct spec_topology *t, unsigned n,
						     uint64_t total_mb)
{
	unsigned nodes = (t->numa_nodes ? t->numa_nodes : 1) + t->memory_only_nodes;

	if (n < SPEC_MAX_NUMA_NODES && t->node_memory_mb[n])
		return t->node_memory_mb[n];
	return total_mb / nodes > 128 ? total_mb / nodes : 128;
}
/* "2n4l4c2t", with "+1m" appended for one memory-only node */
char *spec_topology__label(const struct spec_topology *t, char *buf, size_t len);
/* Parse "2n4l4c2t" or "2n4l4c2t+1m"; 0 or -EINVAL. */
int spec_topology__parse(const char *s, struct spec_topology *t);

/* A count that may be relative to the topology's usable CPUs ("100%"). */
struct spec_count {
	bool relative;
	double value;		/* absolute count, or fraction of usable CPUs */
};

enum cpuset_kind {
	CPUSET_NONE,		/* no cpuset: inherit everything */
	CPUSET_LLC,		/* index = LLC */
	CPUSET_NUMA,		/* index = node */
	CPUSET_RANGE,		/* [start, end) fractions of usable CPUs */
	CPUSET_DISJOINT,	/* index of `of` disjoint partitions of usable CPUs */
	CPUSET_OVERLAP,		/* index of `of` partitions overlapping by frac */
	CPUSET_EXACT,		/* cpus */
};

struct spec_cpuset {
	enum cpuset_kind kind;
	unsigned index;
	unsigned of;
	double start, end;
	double frac;
	struct cpumask cpus;
	struct spec_loc loc;
};

enum sched_policy { POLICY_NORMAL, POLICY_BATCH, POLICY_IDLE, POLICY_FIFO, POLICY_RR };

enum affinity_kind {
	AFFINITY_INHERIT,
	AFFINITY_RANDOM_SUBSET,
	AFFINITY_LLC_ALIGNED,
	AFFINITY_CROSS_CGROUP,
	AFFINITY_SINGLE_CPU,
	AFFINITY_EXACT,
};

enum mem_policy {
	MPOL_KIND_DEFAULT,
	MPOL_KIND_BIND,
	MPOL_KIND_PREFERRED,
	MPOL_KIND_INTERLEAVE,
	MPOL_KIND_LOCAL,
	MPOL_KIND_PREFERRED_MANY,
	MPOL_KIND_WEIGHTED_INTERLEAVE,
};

/* One group of identical workers (ktstr's Work). */
struct spec_work {
	const struct worktype_desc *type;
	int64_t params[WORK_MAX_PARAMS];
	struct work_phase *phases;	/* WORK_SEQUENCE only */
	size_t nphases;
	struct spec_count workers;	/* absent: test's workers_per_cgroup */
	bool workers_set;
	enum sched_policy policy;
	unsigned priority;		/* 1..99 for fifo/rr */
	int nice;			/* -20..19 */
	enum affinity_kind affinity;
	struct cpumask affinity_cpus;	/* AFFINITY_EXACT */
	enum mem_policy mem_policy;
	struct cpumask mem_nodes;	/* node set for bind/interleave/... */
	unsigned mpol_flags;
	struct spec_loc loc;
};

struct spec_cgroup {
	char *name;			/* path relative to the test root: "cg_0/sub_a" */
	bool swappable;			/* --work-type may replace its work (ktstr's swappable) */
	struct spec_cpuset cpuset;
	struct spec_work *works;
	size_t nworks;
	struct spec_loc loc;
};

enum op_kind {
	OP_ADD_CGROUP,		/* cgroup (+ its spec_cgroup definition if any) */
	OP_REMOVE_CGROUP,	/* cgroup */
	OP_SET_CPUSET,		/* cgroup, cpuset */
	OP_CLEAR_CPUSET,	/* cgroup */
	OP_SWAP_CPUSETS,	/* cgroup, cgroup2 */
	OP_SPAWN,		/* cgroup, work */
	OP_STOP_CGROUP,		/* cgroup */
	OP_SET_AFFINITY,	/* cgroup, work.affinity (+ affinity_cpus) */
	OP_SPAWN_HOST,		/* work (in the test's parent cgroup) */
	OP_MOVE_ALL_TASKS,	/* cgroup -> cgroup2 */
	OP_RUN_PAYLOAD,		/* payload, args, cgroup (optional) */
	OP_WAIT_PAYLOAD,	/* payload, cgroup */
	OP_KILL_PAYLOAD,	/* payload, cgroup */
	OP__COUNT
};

struct spec_op {
	enum op_kind kind;
	char *cgroup;
	char *cgroup2;
	struct spec_cpuset cpuset;
	struct spec_work work;		/* OP_SPAWN, OP_SPAWN_HOST, OP_SET_AFFINITY */
	char *payload;			/* name of a payload declared in the test */
	char **args;			/* NULL-terminated */
	struct spec_loc loc;
};

enum hold_kind { HOLD_FRAC, HOLD_FIXED, HOLD_LOOP };

struct spec_hold {
	enum hold_kind kind;
	double frac;		/* HOLD_FRAC: of duration */
	uint64_t ns;		/* HOLD_FIXED */
	uint64_t interval_ns;	/* HOLD_LOOP: ops repeat every interval until the step's time is up */
	uint64_t loop_ns;	/* HOLD_LOOP: how long the loop runs (0 = rest of duration) */
};

struct spec_step {
	char *name;
	struct spec_cgroup *cgroups;	/* created at the start of the step */
	size_t ncgroups;
	struct spec_op *ops;
	size_t nops;
	struct spec_hold hold;
	struct spec_loc loc;
};

/* Where a payload's metrics come from (ktstr's OutputFormat, plus yaml and lines). */
enum payload_output {
	PAYLOAD_OUT_EXIT_CODE,	/* none: only the exit code is judged */
	PAYLOAD_OUT_JSON,	/* the first JSON document in stdout: numeric leaves */
	PAYLOAD_OUT_YAML,	/* stdout as YAML (stress-ng --yaml): numeric scalars */
	PAYLOAD_OUT_LINES,	/* "key: value" or "key=value" lines with a number */
};

/* ktstr's Polarity: which way a metric is better, for ktstr-stats compare. */
enum metric_polarity { POLARITY_UNKNOWN, POLARITY_HIGHER_BETTER, POLARITY_LOWER_BETTER };

/* A metric a payload's output should carry: its polarity and its checks. */
struct spec_metric {
	char *name;		/* flattened key: "jobs.0.read.iops" */
	enum metric_polarity polarity;
	bool has_min, has_max, has_range, exists;
	double min, max, lo, hi;
	struct spec_loc loc;
};

/* A binary a step may run in the guest (schbench, stress-ng, a user's program). */
struct spec_payload {
	char *name;
	char *path;		/* host path, packed into the initramfs */
	char **args;		/* default args, NULL-terminated */
	struct spec_loc loc;
	enum payload_output output;
	bool has_exit_code;
	int exit_code;		/* the exit code each run must end with (has_exit_code) */
	struct spec_metric *metrics;
	size_t nmetrics;
};

/* Where host files land in the guest: config_file, ktstr-run --shell --include. */
#define SPEC_INCLUDE_DIR "/include-files"
#define SPEC_MAX_FLAG_ARGS 32
#define SPEC_MAX_CONFIG_BYTES (16u << 20)	/* a config file is text; 16 MiB is plenty */

/* flag_args: a flag of the binary and the arguments it stands for. */
struct spec_flag_arg {
	char *flag;
	char **args;		/* NULL-terminated */
};

struct spec_scheduler {
	char *plugin;		/* "eevdf" when absent */
	char **flags;		/* plugin flag names, NULL-terminated */
	char **args;		/* extra scheduler arguments */
	uint64_t watchdog_timeout_ns;	/* sched_ext watchdog override; 0 = plugin/kernel default */
	uint64_t attach_timeout_ms;	/* 0 = the default (spec_scheduler__attach_timeout_ms) */
	/* config_file as written, and as found on the host (spec_file__load resolves it) */
	char *config_file, *config_path;
	struct spec_loc config_loc;
	char *cgroup_parent;	/* "/ktstr.slice", or NULL */
	struct spec_flag_arg *flag_args;
	size_t nflag_args;
	struct spec_loc loc;
};

struct spec_pattern {
	char *regex;		/* pcre2 */
	struct spec_loc loc;
};

struct spec_console {
	struct spec_pattern *expect;	/* must appear */
	size_t nexpect;
	struct spec_pattern *forbid;	/* must not appear */
	size_t nforbid;
	struct spec_pattern *allow;	/* exempt lines from the built-in deny list */
	size_t nallow;
};

/*
 * Which topology presets a gauntlet runs a test on (ktstr's
 * TopologyConstraints; defaults are TopologyConstraints::DEFAULT).
 */
struct spec_constraints {
	unsigned min_numa_nodes, max_numa_nodes;
	unsigned min_llcs, max_llcs;
	unsigned min_cpus, max_cpus;
	bool requires_smt;
};

/*
 * Where a value of a test came from, lowest precedence first: the built-in
 * default, the scheduler plugin, the spec, the gauntlet (a preset or a flag
 * profile), the command line.
 */
enum spec_origin { ORIGIN_DEFAULT, ORIGIN_PLUGIN, ORIGIN_SPEC, ORIGIN_GAUNTLET, ORIGIN_CMDLINE };
/* The values the command line can override, each with its origin. */
enum spec_value {
	SV_SCHEDULER, SV_FLAGS, SV_SCHED_ARGS, SV_DURATION, SV_WORKERS, SV_WORK_TYPE, SV_TOPOLOGY,
	SV__COUNT
};
const char *spec_origin_name(enum spec_origin o);

struct spec_test {
	char *name;		/* expanded, stable: base[/matrix-values], gauntlet/base/preset/profile */
	char *source_name;	/* what the spec alone names it: base[/matrix-values] */
	char **overrides;	/* "path=value" (YAML flow) the expansion applied before validation */
	char *preset;		/* gauntlet: the topology preset; NULL otherwise */
	char *profile;		/* gauntlet or profiles: the flag profile ("default", "a+b"); NULL otherwise */
	enum spec_origin origin[SV__COUNT];
	bool gauntlet;		/* 'gauntlet: true' */
	bool profiles;		/* 'profiles: true' */
	bool no_auto_repro;	/* 'auto_repro: false': no probed rerun after a sched_ext failure */
	struct spec_constraints constraints;
	char *base_name;
	char *description;
	char **tags;
	struct spec_topology topology;
	uint64_t memory_mb;		/* default 2048, raised to max(cpus*64, 256) */
	uint64_t duration_ns;		/* default 2s */
	uint64_t timeout_ns;		/* 0 = duration + grace */
	unsigned repeats;		/* default 1 */
	char *kernel;			/* selector: path, version or cache key; NULL = discover */
	char *baseline;			/* "eevdf": the workload runs under EEVDF first, same boot; or NULL */
	char *min_kernel;		/* "6.12": older kernels SKIP; NULL = any */
	char **kargs;			/* extra kernel arguments */
	char **sysctls;			/* "key=value" */
	unsigned workers_per_cgroup;	/* default 2 */
	struct spec_scheduler sched;
	char **required_flags;		/* a run whose scheduler flags lack one is a SKIP */
	char **excluded_flags;		/* a run whose scheduler flags have one is a SKIP */
	struct spec_cgroup *cgroups;	/* the backdrop: created before step 1 */
	size_t ncgroups;
	struct spec_step *steps;	/* empty: one implicit full-duration hold */
	size_t nsteps;
	struct spec_payload *payloads;
	size_t npayloads;
	struct thresholds assert;	/* the spec layer only (THR_LAYER_SPEC) */
	struct spec_console console;
	char **matrix_values;		/* "key=value" of this expansion, NULL-terminated */
	struct spec_loc loc;
	struct spec_loc name_loc;	/* the 'name' value, or loc when the name is the file's */
	bool name_from_file;		/* no 'name' key: base_name is the file's name */
};

enum spec_format { SPEC_FORMAT_AUTO, SPEC_FORMAT_YAML, SPEC_FORMAT_INI };

/* A boolean flag of a scheduler plugin, as flag profiles need it. */
struct spec_flag_decl {
	const char *name;
	const char *const *requires;	/* NULL-terminated, or NULL */
	const char *const *excludes;	/* NULL-terminated, or NULL */
};

/*
 * How a spec becomes tests beyond what it says itself (src/spec/expand.c):
 * the command line's overrides, the gauntlet and flag profiles, the tag
 * filter. The guest gets none of it: it replays each test's overrides.
 */
struct spec_options {
	const char *const *set;		/* "path=value" (YAML flow) applied to every test */
	bool gauntlet;			/* --gauntlet */
	bool profiles;			/* --profiles */
	const char *const *tags;	/* --tag: keep tests with one of these tags */
	const char *const *exclude_tags;	/* --exclude-tag: drop tests with one of these */
	bool replay;			/* the guest: apply set, expand nothing, name tests as the spec does */
	/*
	 * The boolean flags of a plugin, for profiles (the command layer reads
	 * them with plugin__inspect, which runs no plugin code): 0 and a
	 * malloc'd array the caller frees with free(), or -errno and *err.
	 */
	int (*plugin_flags)(void *ctx, const char *plugin, struct spec_flag_decl **out, size_t *n,
			    char **err);
	void *ctx;
};

/*
 * A command-line override as a "path=value" entry of spec_options.set:
 * the value is written as a double-quoted YAML scalar, or a flow list when
 * list is set (value split on commas). Caller frees.
 */
char *spec_set__scalar(const char *path, const char *value);
char *spec_set__list(const char *path, const char *value);

/* ---- preset.c: ktstr's topology presets and the flag profiles ---- */

struct spec_preset {
	const char *name;
	unsigned numa_nodes, llcs, cores, threads;
	unsigned memory_mb;	/* the preset's memory (ktstr's audit value; a spec's 'memory' wins) */
};
extern const struct spec_preset spec_preset_table[];
extern const size_t spec_npresets;
const struct spec_preset *spec_preset__find(const char *name);
void spec_preset__topology(const struct spec_preset *p, struct spec_topology *t);
unsigned spec_preset__cpus(const struct spec_preset *p);
/* Does the preset pass the constraints (ktstr's TopologyConstraints)? */
bool spec_preset__allowed(const struct spec_preset *p, const struct spec_constraints *c);
/* The largest APIC ID QEMU gives the topology's CPUs (sockets = LLCs). */
unsigned spec_topology__max_apic_id(const struct spec_topology *t);
/* Does this build boot it (at most SPEC_MAX_CPUS vCPUs, APIC IDs to SPEC_MAX_APIC_ID)? */
bool spec_preset__bootable(const struct spec_preset *p);
/* The preset names, ", "-joined (caller frees), for messages. */
char *spec_preset__names(void);

/*
 * ktstr's flag profiles: every subset of the flags (declaration order) that
 * contains `required`, none of `excluded`, and each flag's requires and no
 * flag's excludes. *out is an array of NULL-terminated flag lists in
 * power-set order, each sorted in declaration order; free with
 * spec_profiles__free(). A required flag the plugin lacks leaves the one
 * empty profile (the run then SKIPs for the missing flag).
 */
size_t spec_profiles__generate(const struct spec_flag_decl *flags, size_t nflags,
			       char *const *required, char *const *excluded, char ****out);
void spec_profiles__free(char ***p, size_t n);
/* "default" or "a+b" (caller frees). */
char *spec_profile__name(char *const *flags);

struct spec_file {
	char *path;
	char *text;		/* the exact bytes read (shipped to the guest as-is) */
	size_t text_len;
	enum spec_format format;
	struct spec_test *tests;
	size_t ntests;
	bool plain_text;	/* YAML that is one scalar: not a spec at all (-EINVAL) */
};

/*
 * Parse, expand and validate a spec. Every problem goes to diags; returns 0
 * when there is no error-level diagnostic, -EINVAL otherwise (*out is still
 * set to what could be built, or NULL), -errno on I/O failure.
 */
int spec_file__load(const char *path, enum spec_format fmt, struct spec_file **out,
		    struct diag_list *diags);
/* The same from memory (the guest, fuzzers, tests); name is used in diagnostics. */
int spec_file__parse(const char *name, const char *text, size_t len, enum spec_format fmt,
		     struct spec_file **out, struct diag_list *diags);
/* Both with options (NULL: none): overrides, gauntlet, profiles, tags. */
int spec_file__load_opts(const char *path, enum spec_format fmt, const struct spec_options *opt,
			 struct spec_file **out, struct diag_list *diags);
int spec_file__parse_opts(const char *name, const char *text, size_t len, enum spec_format fmt,
			  const struct spec_options *opt, struct spec_file **out,
			  struct diag_list *diags);
/*
 * The spec files a command-line argument names: a file is itself; a
 * directory is every *.yaml, *.yml and *.ini below it, recursively, sorted
 * by path (dot files and dot directories skipped). 0, or -errno with *err.
 */
int spec_paths__expand(const char *arg, char ***out, size_t *n, char **err);
const struct spec_test *spec_file__find(const struct spec_file *sf, const char *test_name);
/* Does the name end in .yaml, .yml or .ini? */
bool spec_path__is_spec_name(const char *path);
/*
 * A file that failed to load and is no spec at all: plain text (one YAML
 * scalar) under a name without a spec extension, such as specs/Makefile.inc
 * picked up by a glob of the whole folder. The spec commands skip it with a note.
 */
bool spec_file__is_foreign(const struct spec_file *sf);
void spec_file__free(struct spec_file *sf);

/*
 * Test names (ktstr-spec(5), TEST NAMES). A name is '/'-separated
 * components of [A-Za-z0-9._+:=-], none empty, "." or "..", at most
 * SPEC_MAX_NAME_LEN characters: the test's results and temp directories are
 * named after it (spec_test__dir_name: '/' becomes '_'), so no name can
 * reach outside them.
 */
bool spec_name__is_char(int c);
bool spec_test_name__valid(const char *name);
/* The directory name of a test (caller frees): any character not a name character is '_'. */
char *spec_test__dir_name(const char *name);
/*
 * The tests of one list (ktstr-run, --lint, --list, --dry-run) and their
 * places: spec_names__add() records a test, or adds an error at its name's
 * place naming the earlier test's place when both map to one directory.
 */
struct spec_name_seen {
	char *name, *dir, *file;
	int line, col;
	unsigned file_no;	/* which spec_names__add_file() call added it */
};
struct spec_names {
	struct spec_name_seen *v;
	size_t n;
	unsigned nfiles;
};
bool spec_names__add(struct spec_names *s, const struct spec_test *t, struct diag_list *dl);
/* spec_names__add() for each test of sf that flt selects; -EINVAL when one was a duplicate. */
struct spec_filter;
int spec_names__add_file(struct spec_names *s, const struct spec_file *sf,
			 const struct spec_filter *flt, struct diag_list *dl);
void spec_names__free(struct spec_names *s);

/*
 * The test list of one command (ktstr-run, --lint, --list, --dry-run): every
 * spec file given, loaded and checked once, and the expanded tests the
 * filter selects, in order. A file's diagnostics (sorted) stay with it for
 * the caller to print; nothing here prints. The list owns the spec files.
 */
struct spec_list_file {
	const char *path;		/* as given (borrowed from the caller's argv) */
	struct spec_file *sf;		/* NULL when the file did not load */
	struct diag_list diags;		/* sorted by place */
	int err;			/* 0; -EINVAL: invalid (see diags); else why it did not load */
	bool foreign;			/* not a spec at all (a glob matched a Makefile.inc): skipped */
};
struct spec_list_test {
	const struct spec_file *sf;
	const struct spec_test *t;
};
struct spec_list {
	struct spec_list_file *files;
	size_t nfiles;
	struct spec_list_test *tests;	/* the selected tests of the valid files */
	size_t ntests;
	size_t ninvalid;		/* files with err != 0 (foreign files are not counted) */
};
/*
 * Load paths[0..n), check each file (check, when given, may add diagnostics
 * of its own: an error makes the file invalid), reject two selected tests that
 * would share a directory, and list the tests flt selects (NULL: all).
 * Returns 0, or -EINVAL when a file did not load or was invalid.
 */
int spec_list__load(struct spec_list *l, char *const *paths, size_t n,
		    const struct spec_options *opt, const struct spec_filter *flt,
		    void (*check)(const struct spec_file *sf, struct diag_list *dl));
void spec_list__free(struct spec_list *l);

/* Lookups for enums written in specs (for other subsystems' messages too). */
const char *op_kind_name(enum op_kind k);
const char *cpuset_kind_name(enum cpuset_kind k);
const char *sched_policy_name(enum sched_policy p);
const char *affinity_kind_name(enum affinity_kind a);
const char *mem_policy_name(enum mem_policy m);
const char *payload_output_name(enum payload_output o);	/* "json", ... */
const char *metric_polarity_name(enum metric_polarity p);	/* "higher_better", "lower_better", "unknown" */

/* Resolved worker count for a work item in a test ("100%" -> usable CPUs). */
unsigned spec_work__workers(const struct spec_work *w, const struct spec_test *t,
			    unsigned usable_cpus);

/* Print the resolved plan (--dry-run). */
void spec_test__print_plan(const struct spec_test *t, const struct thresholds *merged, FILE *f);

/*
 * Selecting expanded tests by name (-E REGEX, pcre2). A NULL or empty regex
 * matches everything. On a bad regex, *err says what and where.
 */
struct spec_filter;
int spec_filter__new(const char *regex, struct spec_filter **out, char **err);
bool spec_filter__match(const struct spec_filter *f, const char *name);
void spec_filter__free(struct spec_filter *f);
/* pcre2's message for an error code, with the offset: "missing ) at offset 3". */
char *spec_regex__error(int ecode, size_t offset);
/* Compile-check a regex; on error *offset and *msg (caller frees) say why. */
int spec_regex__check(const char *regex, size_t *offset, char **msg);

/*
 * Why the test cannot run with its scheduler's flags (a flag of
 * required_flags missing, or one of excluded_flags given; a flag "a=v"
 * counts as "a"), as a SKIP reason the caller frees; NULL when it can.
 */
char *spec_test__flags_skip(const struct spec_test *t);

/*
 * How long the guest waits for the kernel to enable the scheduler: the
 * spec's attach_timeout_ms, else the key table's default, relaxed under
 * TCG as the threshold defaults are.
 */
uint64_t spec_scheduler__attach_timeout_ms(const struct spec_scheduler *s, bool relaxed);
/*
 * The exec'd binary's view of a test's scheduler (spec/schedargs.c):
 * plugin_flags are the flags the plugin gets and checks (those flag_args
 * does not map); argv the arguments it runs with: args with {config}
 * replaced by the config file's guest path, then each set flag's
 * flag_args in the order of flags. Both NULL-terminated, caller frees.
 */
char **spec_scheduler__plugin_flags(const struct spec_scheduler *s);
char **spec_scheduler__argv(const struct spec_scheduler *s);
/* SPEC_INCLUDE_DIR/<basename of config_file>, or NULL without one (caller frees). */
char *spec_scheduler__config_guest_path(const struct spec_scheduler *s);
/* The flag_args entry of flag (its name before any '='), or NULL. */
const struct spec_flag_arg *spec_scheduler__flag_arg(const struct spec_scheduler *s,
						     const char *flag);

/* The memory the VM gets: max(memory_mb, cpus * 64, 256). */
uint64_t spec_test__vm_memory_mb(const struct spec_test *t);
/* ---- cpuset.c: CPU layouts and cpusets on them ---- */

/* ktstr's usable_cpus(): with more than 2 CPUs the last is kept for the root cgroup. */
unsigned spec_usable_cpus(unsigned cpus);
/* spec_usable_cpus() of the topology's CPUs. */
unsigned spec_topology__usable_cpus(const struct spec_topology *t);

/* Every spec key: "section.key<TAB>type<TAB>range<TAB>default<TAB>help" per line. */
void spec_keys__print(FILE *f);

/* CPU -> LLC and LLC -> node in ktstr's numbering (CPUs fill cores, cores fill LLCs). */
unsigned spec_topology__llc_of(const struct spec_topology *t, unsigned cpu);
unsigned spec_topology__node_of_llc(const struct spec_topology *t, unsigned llc);

/* Every LLC has a CPU. */
#define SPEC_MAX_LLCS SPEC_MAX_CPUS

/*
 * What a cpuset is checked and resolved against: CPUs 0..cpus-1 in LLCs and
 * NUMA nodes. Lint and --dry-run build it from the spec's topology
 * (spec_topology__layout), the guest from what sysfs shows (topo__layout),
 * so both resolve a cpuset with the same code and say the same when it
 * does not fit.
 */
struct spec_layout {
	char label[48];		/* the topology as a spec writes it ("1n2l4c1t"), for messages */
	unsigned cpus, usable;	/* spec_usable_cpus(cpus) */
	unsigned llcs;
	unsigned cpu_nodes;	/* nodes with CPUs: 0 .. cpu_nodes-1 */
	unsigned nodes;		/* memory-only nodes (no CPUs) included, after them */
	bool valid;		/* the masks are filled: the shape is sound and fits the arrays */
	struct cpumask llc[SPEC_MAX_LLCS];
	struct cpumask node[SPEC_MAX_NUMA_NODES];
};

/* The layout of a spec topology: counts as written, masks when the shape is sound. */
void spec_topology__layout(const struct spec_topology *t, struct spec_layout *l);
/*
 * Does the cpuset fit the layout (lint's check, from the counts alone)?
 * 0, or -EINVAL with *err (malloc'd; may be NULL) saying why and what fits.
 */
int spec_cpuset__check(const struct spec_cpuset *cs, const struct spec_layout *l, char **err);
/*
 * The CPUs of a cpuset: LLC and node sets take all theirs, range, disjoint
 * and overlap a slice of the usable CPUs, exact as written, none all CPUs.
 * 0, or -EINVAL with *err as spec_cpuset__check (also when it selects no CPU).
 */
int spec_cpuset__resolve(const struct spec_cpuset *cs, const struct spec_layout *l,
			 struct cpumask *out, char **err);
/* The cpuset as a spec writes it: "llc:1", "disjoint:0/2", "exact:0-3", "none". */
char *spec_cpuset__format(const struct spec_cpuset *cs, char *buf, size_t len);
/* Absolute start and end (ns from the workload start) of step i. */
void spec_test__step_times(const struct spec_test *t, size_t i, uint64_t *start, uint64_t *end);

#endif
