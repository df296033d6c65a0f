// SPDX-License-Identifier: GPL-2.0-only
/* ktstr-kernel: list, fetch, build, inspect and resolve the kernels ktstr boots. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/kernel.h"
#include "vm/initramfs.h"
#include "vm/qemu.h"

#define EXIT_USAGE 2

static bool quiet;
/* fetch: hold progress back until real work starts, so a cache hit stays silent */
static bool deferring;
static char *deferred;

static void flush_deferred(void)
{
	if (deferred && !quiet)
		fputs(deferred, stderr);
	free(deferred);
	deferred = NULL;
	deferring = false;
}

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static void say_line(void *ctx, const char *line)
{
	if (deferring) {
		char *t = xasprintf("%s  %s\n", deferred ? deferred : "", line);

		free(deferred);
		deferred = t;
		if (!str_startswith(line, "downloading") && !str_startswith(line, "unpacking"))
			return;
		flush_deferred();
		return;
	}
	if (!quiet)
		fprintf(stderr, "  %s\n", line);
}

/* Download progress: a rewritten line on a terminal, a line per 10% otherwise. */
static void say_bytes(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	static int last_decile = -1;
	int dec = total ? (int)(done * 10 / total) : -1;

	if (quiet)
		return;
	if (isatty(STDERR_FILENO)) {
		if (total)
			fprintf(stderr, "\r  %s: %.1f / %.1f MiB (%d%%)", what, done / 1048576.0,
				total / 1048576.0, (int)(done * 100 / total));
		else
			fprintf(stderr, "\r  %s: %.1f MiB", what, done / 1048576.0);
		if (total && done >= total)
			fputc('\n', stderr);
		return;
	}
	if (dec != last_decile && total) {
		last_decile = dec;
		fprintf(stderr, "  %s: %d%% of %.1f MiB\n", what, dec * 10, total / 1048576.0);
	}
}

static struct kernel_progress progress(void)
{
	return (struct kernel_progress){ .line = say_line, .bytes = say_bytes };
}

static int fail(const char *what, int err, char *msg)
{
	fprintf(stderr, "ktstr-kernel: %s: %s\n", what, msg ? msg : strerror(-err));
	free(msg);
	return EXIT_FAILURE;
}

static char *human_size(uint64_t b)
{
	if (b >= 1048576)
		return xasprintf("%.1fM", b / 1048576.0);
	return xasprintf("%.1fK", b / 1024.0);
}

/* ---- list ---- */

static json_t *entry_json(const struct kernel_cache_entry *e)
{
	json_t *j = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:b, s:b, s:I, s:s?, s:s?, s:s?}",
			      "key", e->key, "path", e->image, "version", e->version,
			      "source_type", e->source_type, "source", e->source,
			      "sched_ext", e->sched_ext, "btf", e->btf, "size", (json_int_t)e->size,
			      "built_at", e->date, "config_hash", e->config_hash,
			      "image_sha256", e->sha256);

	json_object_set_new(j, "corrupt", e->corrupt ? json_string(e->corrupt) : json_null());
	json_object_set_new(j, "stale_kconfig", json_boolean(e->stale_kconfig));
	return j;
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { 0 } };
	struct kernel_cache_entry *v;
	bool json = false;
	size_t n;
	int c, ret;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			return EXIT_USAGE;
		json = true;
	}
	ret = kernel_cache__list(&v, &n);
	if (ret < 0)
		return fail("list", ret, NULL);
	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, entry_json(&v[i]));
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	} else if (n) {
		int wk = 3, wv = 7, ws = 6;

		/* columns as wide as their longest cell */
		for (size_t i = 0; i < n; i++) {
			wk = MAX(wk, (int)strlen(v[i].key));
			if (v[i].corrupt)
				continue;
			wv = MAX(wv, (int)strlen(v[i].version));
			ws = MAX(ws, v[i].source ? (int)strlen(v[i].source) : 1);
		}
		printf("%-*s  %-*s  %-*s  %-9s  %-7s  %s\n", wk, "KEY", wv, "VERSION", ws, "SOURCE",
		       "SCHED_EXT", "SIZE", "DATE");
		for (size_t i = 0; i < n; i++) {
			const struct kernel_cache_entry *e = &v[i];
			_cleanup_free_ char *sz = human_size(e->size);

			if (e->corrupt) {
				printf("%-*s  (corrupt: %s)\n", wk, e->key, e->corrupt);
				continue;
			}
			printf("%-*s  %-*s  %-*s  %-9s  %-7s  %s%s\n", wk, e->key, wv, e->version, ws,
			       e->source ? e->source : "-", e->sched_ext ? "yes" : "no", sz,
			       e->date ? e->date : "-", e->stale_kconfig ? "  (stale kconfig)" : "");
		}
	} else if (!quiet) {
		_cleanup_free_ char *root = NULL;

		kernel_cache__root(&root);
		fprintf(stderr, "no kernels cached in %s; get one with `ktstr-kernel fetch`\n",
			root ? root : "(no cache dir)");
	}
	kernel_cache_entries__free(v, n);
	return 0;
}

/* ---- path, info, resolve ---- */

static int cmd_path(int argc, char **argv)
{
	struct kernel_cache_entry e;
	int ret;

	if (argc != 2)
		return EXIT_USAGE;
	ret = kernel_cache__get(argv[1], &e);
	if (ret == -ENOENT)
		ret = kernel_cache__find(argv[1], &e);
	if (ret < 0)
		return fail(argv[1], ret, xasprintf("no such cache entry (`ktstr-kernel list` shows them)"));
	if (e.corrupt) {
		fprintf(stderr, "ktstr-kernel: %s is corrupt: %s; `ktstr-kernel fetch` replaces it\n",
			e.key, e.corrupt);
		kernel_cache_entry__fini(&e);
		return EXIT_FAILURE;
	}
	printf("%s\n", e.image);
	kernel_cache_entry__fini(&e);
	return 0;
}

static void print_image(const struct kernel_image *k)
{
	_cleanup_free_ char *btf = NULL;

	if (!k->config_known)
		btf = xstrdup("unknown (no config)");
	else if (k->btf)
		btf = xasprintf("the .BTF section of the vmlinux compressed inside the image "
				"(`ktstr-kernel btf %s FILE` writes it out)", k->key ? k->key : k->image);
	else
		btf = xstrdup("none (CONFIG_DEBUG_INFO_BTF is not set)");
	printf("image:     %s\n", k->image);
	printf("version:   %s\n", k->version);
	if (k->key)
		printf("key:       %s\n", k->key);
	printf("config:    %s\n", k->config ? k->config : "unknown");
	printf("sched_ext: %s\n", !k->config_known ? "unknown" : k->sched_ext ? "yes" : "no");
	printf("btf:       %s\n", btf);
	printf("cmdline:   %s\n", kernel__default_cmdline());
}

static int cmd_info(int argc, char **argv)
{
	struct kernel_image *k = NULL;
	struct kernel_cache_entry e;
	struct stat st;
	char *err = NULL;
	int ret;

	if (argc != 2)
		return EXIT_USAGE;
	if (!stat(argv[1], &st) && S_ISREG(st.st_mode)) {
		ret = kernel_image__open(argv[1], NULL, &k);
		if (ret < 0)
			return fail(argv[1], ret, NULL);
	} else if (!kernel_cache__get(argv[1], &e) || !kernel_cache__find(argv[1], &e)) {
		if (e.corrupt)
			fprintf(stderr, "ktstr-kernel: warning: %s is corrupt: %s\n", e.key, e.corrupt);
		k = kernel_cache_entry__image(&e, "cache entry");
		kernel_cache_entry__fini(&e);
	} else {
		ret = kernel__resolve(argv[1], &k, &err);
		if (ret < 0)
			return fail(argv[1], ret, err);
	}
	print_image(k);
	kernel_image__free(k);
	return 0;
}

static int cmd_resolve(int argc, char **argv)
{
	struct kernel_image *k;
	char *err = NULL;
	int ret;

	if (argc > 2)
		return EXIT_USAGE;
	ret = kernel__resolve(argc == 2 ? argv[1] : NULL, &k, &err);
	if (ret < 0)
		return fail("resolve", ret, err);
	printf("%s\n", k->image);
	fprintf(stderr, "ktstr-kernel: using %s\n", k->why);
	if (k->config_known && !k->sched_ext)
		fprintf(stderr, "ktstr-kernel: note: this kernel has no sched_ext "
			"(sched_ext specs will be skipped)\n");
	kernel_image__free(k);
	return 0;
}

/* `btf IMAGE|KEY OUT`: the raw .BTF of the image's vmlinux (bpftool reads it for vmlinux.h). */
static int cmd_btf(int argc, char **argv)
{
	struct kernel_image *k;
	char *err = NULL;
	int ret;

	if (argc != 3)
		return EXIT_USAGE;
	ret = kernel__resolve(argv[1], &k, &err);
	if (ret < 0)
		return fail(argv[1], ret, err);
	ret = kernel__extract_btf(k->image, argv[2]);
	if (ret < 0) {
		err = ret == -ENODATA ? xasprintf("%s has no .BTF section", k->image)
		      : ret == -ENOEXEC ? xasprintf("%s: not a bzImage with a vmlinux payload", k->image)
		      : NULL;
		kernel_image__free(k);
		return fail("btf", ret, err);
	}
	kernel_image__free(k);
	return 0;
}

/* ---- clean ---- */

/*
 * Everything derived from kernels and from ktstr's own binaries: the base
 * initramfs archives, the PVH vmlinux files, and what is kept beside or for
 * each kernel. Each is rebuilt on demand. *removed counts what was there.
 */
static int clean_derived(unsigned *removed)
{
	char *dirs[] = { initramfs__cache_dir(), qemu__pvh_cache_dir() };
	int ret, err = 0;

	ret = kernel_cache__clean_derived(removed);
	if (ret < 0)
		err = ret;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (!access(dirs[i], F_OK)) {
			ret = rm_rf(dirs[i]);
			if (ret < 0)
				err = ret;
			else
				(*removed)++;
		}
		free(dirs[i]);
	}
	return err;
}

static int cmd_clean(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keep", required_argument, NULL, 'k' },
		{ "all", no_argument, NULL, 'a' },
		{ "keep-derived", no_argument, NULL, 'D' },
		{ 0 }
	};
	unsigned long keep = 0;
	unsigned removed = 0, swept = 0, derived = 0;
	bool all = false, keep_derived = false;
	char *end;
	int c, ret;

	while ((c = getopt_long(argc, argv, "k:a", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			errno = 0;
			keep = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || keep > UINT_MAX)
				return fail("--keep", -EINVAL, xasprintf("'%s' is not a count", optarg));
			break;
		case 'a':
			all = true;
			break;
		case 'D':
			keep_derived = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return EXIT_USAGE;
	ret = kernel_cache__clean(keep, &removed);
	if (ret < 0)
		return fail("clean", ret, NULL);
	ret = kernel_cache__sweep(all, &swept);
	if (ret < 0)
		return fail("clean", ret, NULL);
	if (!keep_derived) {
		ret = clean_derived(&derived);
		if (ret < 0)
			return fail("clean", ret, xasprintf("removing derived caches: %s", strerror(-ret)));
	}
	if (!quiet)
		fprintf(stderr, "ktstr-kernel: removed %u entr%s%s%s\n", removed, removed == 1 ? "y" : "ies",
			derived ? ", the derived caches (rebuilt when next needed)" : "",
			swept ? " and leftovers of interrupted runs or downloads" : "");
	return 0;
}

/* ---- fetch, build ---- */

static int print_key(const char *key, const char *verb)
{
	struct kernel_cache_entry e;

	if (!kernel_cache__get(key, &e)) {
		if (!quiet)
			fprintf(stderr, "ktstr-kernel: %s %s (%s, sched_ext %s)\n", verb, e.key,
				e.version, e.sched_ext ? "yes" : "no");
		if (!quiet && !e.sched_ext)
			fprintf(stderr, "ktstr-kernel: note: %s has no sched_ext (CONFIG_SCHED_CLASS_EXT "
				"is not set); sched_ext specs will be skipped on it\n", e.version);
		printf("%s\n", e.image);
		kernel_cache_entry__fini(&e);
	}
	return 0;
}

/* Unpack a source tarball under <cache>/.sources and build it (or print the tree). */
static int unpack_and_build(const char *tarball, const char *dir, const char *type, const char *desc,
			    bool download_only, unsigned jobs)
{
	_cleanup_free_ char *top = NULL, *key = NULL;
	struct kernel_build_opts b = { .progress = progress() };
	char *err = NULL;
	int ret;

	ret = kernel__untar(tarball, dir, &top, &err);
	if (ret < 0)
		return fail(tarball, ret, err);
	if (download_only) {
		printf("%s\n", top);
		return 0;
	}
	b.source_dir = top;
	b.source_desc = desc;
	b.source_type = type;
	b.jobs = jobs;
	ret = kernel__build(&b, &key, &err);
	if (ret < 0)
		return fail("build", ret, err);
	return print_key(key, "built");
}

static int fetch_debian_source(const char *series, bool refresh, bool download_only, unsigned jobs)
{
	_cleanup_free_ char *tarball = NULL, *dir = NULL, *desc = NULL;
	struct kernel_progress p = progress();
	char *err = NULL;
	int ret;

	ret = kernel__fetch_deb_source(series, refresh, &p, &tarball, &err);
	if (ret < 0)
		return fail("fetch --debian-source", ret, err);
	dir = xstrndup(tarball, strrchr(tarball, '/') - tarball);
	desc = xasprintf("linux-source-%s (Debian " "trixie-backports)", series);
	return unpack_and_build(tarball, dir, "deb-source", desc, download_only, jobs);
}

static int fetch_url(const char *url, const char *sha, bool download_only, unsigned jobs)
{
	_cleanup_free_ char *root = NULL, *dir = NULL, *dest = NULL;
	struct kernel_progress p = progress();
	const char *name = strrchr(url, '/');
	char *err = NULL;
	int ret;

	name = name && name[1] ? name + 1 : "source.tar";
	if (strchr(name, '?'))
		name = "source.tar";
	ret = kernel_cache__root(&root);
	if (ret < 0)
		return fail("fetch", ret, xstrdup("no cache directory: set KTSTR_CACHE_DIR or HOME"));
	dir = xasprintf("%s/.sources", root);
	ret = mkdir_p(dir, 0755);
	if (ret < 0)
		return fail(dir, ret, NULL);
	dest = xasprintf("%s/%s", dir, name);
	ret = kernel__download(url, dest, sha, &p, &err);
	if (ret < 0)
		return fail(url, ret, err);
	if (!quiet)
		fprintf(stderr, "ktstr-kernel: downloaded %s\n", dest);
	return unpack_and_build(dest, dir, "tarball", url, download_only, jobs);
}

static int cmd_fetch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "refresh", no_argument, NULL, 'r' },
		{ "from-deb", required_argument, NULL, 'D' },
		{ "base-deb", required_argument, NULL, 'B' },
		{ "url", required_argument, NULL, 'u' },
		{ "sha256", required_argument, NULL, 's' },
		{ "download-only", no_argument, NULL, 'd' },
		{ "list", no_argument, NULL, 'l' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "debian-source", required_argument, NULL, 'S' },
		{ 0 }
	};
	const char *series = NULL;
	struct kernel_fetch_opts o = { .progress = progress() };
	const char *url = NULL, *sha = NULL;
	bool download_only = false, list = false, hit = false;
	unsigned jobs = 0;
	char *key = NULL, *err = NULL;
	int c, ret;

	while ((c = getopt_long(argc, argv, "frj:", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o.force = true; break;
		case 'r': o.refresh = true; break;
		case 'D': o.from_deb = optarg; break;
		case 'B': o.from_base_deb = optarg; break;
		case 'u': url = optarg; break;
		case 's': sha = optarg; break;
		case 'd': download_only = true; break;
		case 'l': list = true; break;
		case 'j': jobs = strtoul(optarg, NULL, 10); break;
		case 'S': series = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind > 1)
		return EXIT_USAGE;
	o.version = argc - optind == 1 ? argv[optind] : NULL;
	if (url)
		return fetch_url(url, sha, download_only, jobs);
	if (series)
		return fetch_debian_source(series, o.refresh, download_only, jobs);
	if (list) {
		char **v;
		size_t n;

		ret = kernel__deb_versions(&o.progress, &v, &n, &err);
		if (ret < 0)
			return fail("fetch --list", ret, err);
		for (size_t i = 0; i < n; i++) {
			printf("%s\n", v[i]);
			free(v[i]);
		}
		free(v);
		return 0;
	}
	deferring = true;
	ret = kernel__fetch_deb(&o, &key, &hit, &err);
	if (ret < 0)
		flush_deferred();
	if (ret < 0)
		return fail("fetch", ret, err);
	free(deferred);
	deferred = NULL;
	/* a cache hit is quiet: the README runs fetch on every quick start */
	if (hit) {
		bool q = quiet;

		quiet = true;
		print_key(key, "cached");
		quiet = q;
	} else {
		print_key(key, "fetched");
	}
	free(key);
	return 0;
}

static int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "kconfig", required_argument, NULL, 'k' },
		{ "jobs", required_argument, NULL, 'j' },
		{ 0 }
	};
	struct kernel_build_opts b = { .progress = progress() };
	_cleanup_free_ char *key = NULL;
	char *err = NULL;
	int c, ret;

	while ((c = getopt_long(argc, argv, "s:k:j:", opts, NULL)) != -1) {
		switch (c) {
		case 's': b.source_dir = optarg; break;
		case 'k': b.kconfig = optarg; break;
		case 'j': b.jobs = strtoul(optarg, NULL, 10); break;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc && !b.source_dir)
		b.source_dir = argv[optind++];
	if (!b.source_dir || optind != argc)
		return EXIT_USAGE;
	ret = kernel__build(&b, &key, &err);
	if (ret < 0)
		return fail("build", ret, err);
	return print_key(key, "built");
}

static const struct cmd cmd_table[] = {
	{ "list", cmd_list, "list [--json]" },
	{ "path", cmd_path, "path KEY" },
	{ "clean", cmd_clean, "clean [--keep N] [--all] [--keep-derived]" },
	{ "fetch", cmd_fetch, "fetch [VERSION] [--force] [--refresh] [--list]\n"
			      "  ktstr-kernel fetch --url URL "
			      "[--sha256 HEX] [--download-only] [-j N]\n"
			      "  ktstr-kernel fetch --debian-source SERIES [--download-only] [-j N]\n"
			      "  ktstr-kernel fetch --from-deb FILE [--base-deb FILE]" },
	{ "build", cmd_build, "build [--source] DIR [--kconfig FILE] [-j N]" },
	{ "info", cmd_info, "info IMAGE|KEY|VERSION" },
	{ "resolve", cmd_resolve, "resolve [SELECTOR]" },
	{ "btf", cmd_btf, "btf IMAGE|KEY|VERSION OUT" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ktstr-kernel [-q] COMMAND [ARGS]\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
		fprintf(f, "  ktstr-kernel %s\n", cmd_table[i].usage);
	fprintf(f, "See ktstr-kernel(1).\n");
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (str_eq(argv[i], "-q") || str_eq(argv[i], "--quiet")) {
			quiet = true;
		} else if (str_eq(argv[i], "-h") || str_eq(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t c = 0; c < ARRAY_SIZE(cmd_table); c++) {
		int ret;

		if (!str_eq(argv[i], cmd_table[c].name))
			continue;
		optind = 1;
		ret = cmd_table[c].fn(argc - i, argv + i);
		if (ret == EXIT_USAGE)
			fprintf(stderr, "usage: ktstr-kernel %s\n", cmd_table[c].usage);
		return ret;
	}
	fprintf(stderr, "ktstr-kernel: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return EXIT_USAGE;
}
