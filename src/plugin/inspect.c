// SPDX-License-Identifier: GPL-2.0-only
/*
 * Read a plugin's descriptor from its ELF file with libelf, running none of
 * its code: --lint, --list and --dry-run of an untrusted spec must not execute
 * the constructors of a .so the spec names (dlopen() would).
 *
 * The exported `ktstr_plugin` object is found in .dynsym and read from the
 * file image of its PT_LOAD segment. Its pointers (strings, arrays) are
 * link-time addresses: in a -fPIC object each one has an R_*_RELATIVE
 * relocation whose addend is the target (RELA), or holds the target in
 * place (REL, packed RELR), or has an absolute relocation against a symbol
 * defined in the same file. Anything else (a pointer into another library,
 * a string outside the file) is refused with a reason: lint then reports
 * the plugin as unreadable rather than guess.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "plugin/loader.h"

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#define R_RELATIVE R_X86_64_RELATIVE
#define R_ABS64 R_X86_64_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#define R_RELATIVE R_AARCH64_RELATIVE
#define R_ABS64 R_AARCH64_ABS64
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_DATA ELFDATA2LSB
#else
#define HOST_DATA ELFDATA2MSB
#endif

#define MAX_PLUGIN_FILE (256u << 20)	/* a plugin with its BPF objects is well under 1 MiB */
#define MAX_STR 4096			/* longest string a descriptor may hold */
#define MAX_ITEMS 1024			/* longest NULL-terminated array */
#define PTR_SZ sizeof(void *)

/* What the dynamic linker would store at `at`: value, or unknowable (ok false). */
struct reloc {
	uint64_t at, value;
	bool ok;
};

struct image {
	const char *name, *path;
	char *buf;
	size_t len;
	Elf *elf;
	GElf_Phdr *load;
	size_t nload;
	struct reloc *rel;
	size_t nrel;
	struct plugin *p;	/* owns every copy */
	char *err;
};

static int __printf(2, 3) fail(struct image *img, const char *fmt, ...)
{
	va_list ap;
	char *why;

	if (img->err)
		return -ELIBBAD;
	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	va_end(ap);
	img->err = xasprintf("plugin '%s' (%s): %s", img->name, img->path, why ? why : "?");
	free(why);
	return -ELIBBAD;
}

static void *keep(struct image *img, void *ptr)
{
	*(void **)array_push(&img->p->mem, &img->p->nmem, sizeof(void *)) = ptr;
	return ptr;
}

/* The whole file, refusing anything but a regular file (a FIFO would block). */
static int load_file(struct image *img)
{
	_cleanup_close_ int fd = open(img->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	size_t got = 0;

	if (fd < 0)
		return fail(img, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return fail(img, "not a regular file");
	if ((uint64_t)st.st_size > MAX_PLUGIN_FILE)
		return fail(img, "%lld bytes; a plugin is at most %u MiB", (long long)st.st_size,
			    MAX_PLUGIN_FILE >> 20);
	img->buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, img->buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(img, "read: %s", r ? strerror(errno) : "file shrank");
		got += (size_t)r;
	}
	img->len = got;
	return 0;
}

static int cmp_reloc(const void *a, const void *b)
{
	const struct reloc *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* S + A of a relocation against symbol sym of the table in section link, if defined here. */
static bool sym_value(struct image *img, size_t link, size_t sym, uint64_t *out)
{
	Elf_Scn *s = elf_getscn(img->elf, link);
	Elf_Data *d = s ? elf_getdata(s, NULL) : NULL;
	GElf_Sym es;

	if (!sym || !d || !gelf_getsym(d, (int)sym, &es) || es.st_shndx == SHN_UNDEF)
		return false;
	*out = es.st_value;
	return true;
}

/* Every relocation of every SHT_RELA/SHT_REL section, sorted by address. */
static void read_relocs(struct image *img)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(img->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL) ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			struct reloc r = { 0 };
			uint64_t type, sym, addend = 0;

			if (sh.sh_type == SHT_RELA) {
				GElf_Rela ra;

				if (!gelf_getrela(d, (int)i, &ra))
					break;
				r.at = ra.r_offset;
				type = GELF_R_TYPE(ra.r_info);
				sym = GELF_R_SYM(ra.r_info);
				addend = (uint64_t)ra.r_addend;
			} else {
				GElf_Rel rl;

				if (!gelf_getrel(d, (int)i, &rl))
					break;
				if (GELF_R_TYPE(rl.r_info) == R_RELATIVE)
					continue;	/* REL keeps the target in place */
				r.at = rl.r_offset;
				type = GELF_R_TYPE(rl.r_info);
				sym = GELF_R_SYM(rl.r_info);
			}
			if (type == R_RELATIVE) {
				r.value = addend;
				r.ok = true;
			} else if (type == R_ABS64 && sym_value(img, sh.sh_link, sym, &r.value)) {
				r.value += addend;
				r.ok = true;
			}
			*(struct reloc *)array_push(&img->rel, &img->nrel, sizeof(r)) = r;
		}
	}
	if (img->nrel)
		qsort(img->rel, img->nrel, sizeof(*img->rel), cmp_reloc);
}

static int image_open(struct image *img)
{
	GElf_Ehdr eh;
	size_t nph;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(img, "libelf: %s", elf_errmsg(-1));
	img->elf = elf_memory(img->buf, img->len);
	if (!img->elf || elf_kind(img->elf) != ELF_K_ELF || !gelf_getehdr(img->elf, &eh))
		return fail(img, "not an ELF file");
#ifdef HOST_MACHINE
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != HOST_DATA ||
	    eh.e_machine != HOST_MACHINE || eh.e_type != ET_DYN)
		return fail(img, "not a shared object for this machine (ELF class %u, machine %u, type %u)",
			    eh.e_ident[EI_CLASS], eh.e_machine, eh.e_type);
#else
	return fail(img, "reading a plugin without loading it is not supported on this architecture");
#endif
	if (elf_getphdrnum(img->elf, &nph))
		return fail(img, "no program headers: %s", elf_errmsg(-1));
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(img->elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    ph.p_offset <= img->len && ph.p_filesz <= img->len - ph.p_offset)
			*(GElf_Phdr *)array_push(&img->load, &img->nload, sizeof(ph)) = ph;
	}
	read_relocs(img);
	return 0;
}

/* The file bytes at address va, at least len of them; *avail: how many follow. */
static const char *at(struct image *img, uint64_t va, size_t len, size_t *avail)
{
	for (size_t i = 0; i < img->nload; i++) {
		const GElf_Phdr *ph = &img->load[i];

		if (va >= ph->p_vaddr && va - ph->p_vaddr < ph->p_filesz &&
		    ph->p_filesz - (va - ph->p_vaddr) >= len) {
			if (avail)
				*avail = ph->p_filesz - (va - ph->p_vaddr);
			return img->buf + ph->p_offset + (va - ph->p_vaddr);
		}
	}
	return NULL;
}

/* The pointer the dynamic linker would leave at va (0 = NULL), as a link-time address. */
static int get_ptr(struct image *img, uint64_t va, const char *what, uint64_t *out)
{
	struct reloc key = { .at = va }, *r;
	const char *b;

	r = img->nrel ? bsearch(&key, img->rel, img->nrel, sizeof(key), cmp_reloc) : NULL;
	if (r) {
		if (!r->ok)
			return fail(img, "%s points outside the plugin (a relocation the static reader "
				    "cannot resolve); build it -fPIC with -fvisibility=hidden", what);
		*out = r->value;
		return 0;
	}
	b = at(img, va, PTR_SZ, NULL);
	if (!b)
		return fail(img, "%s lies outside the file's loaded data", what);
	memcpy(out, b, PTR_SZ);
	return 0;
}

/* A string field: NULL stays NULL; otherwise NUL-terminated within MAX_STR bytes of the file. */
static int get_str(struct image *img, uint64_t va, const char *what, const char **out)
{
	uint64_t s;
	size_t avail = 0;
	const char *b, *nul;

	*out = NULL;
	if (get_ptr(img, va, what, &s))
		return -ELIBBAD;
	if (!s)
		return 0;
	b = at(img, s, 1, &avail);
	nul = b ? memchr(b, '\0', MIN(avail, (size_t)MAX_STR)) : NULL;
	if (!nul)
		return fail(img, "%s is not a string of at most %d bytes in the file", what, MAX_STR - 1);
	*out = keep(img, xstrndup(b, (size_t)(nul - b)));
	return 0;
}

/*
 * A table of structs ending in an entry whose first member (a name) is NULL:
 * flags, thresholds, string arrays. entry() copies one element at e into slot.
 */
static int get_table(struct image *img, uint64_t va, const char *what, size_t stride,
		     int (*entry)(struct image *img, uint64_t e, const char *w, void *slot),
		     const void **out)
{
	char *v = NULL;
	size_t n = 0;
	uint64_t arr, name;
	int ret = 0;

	*out = NULL;
	if (get_ptr(img, va, what, &arr) || !arr)
		return img->err ? -ELIBBAD : 0;
	for (;;) {
		_cleanup_free_ char *w = xasprintf("%s[%zu]", what, n);
		uint64_t e = arr + n * stride;
		void *slot;

		if (n == MAX_ITEMS) {
			ret = fail(img, "%s has no NULL terminator within %d entries", what, MAX_ITEMS);
			break;
		}
		if (get_ptr(img, e, w, &name)) {	/* the first member: the name */
			ret = -ELIBBAD;
			break;
		}
		slot = array_push(&v, &n, stride);	/* stays zeroed: the terminator */
		if (!name)
			break;
		if (entry(img, e, w, slot)) {
			ret = -ELIBBAD;
			break;
		}
	}
	*out = v ? keep(img, v) : NULL;
	return ret;
}

static int str_entry(struct image *img, uint64_t e, const char *w, void *slot)
{
	return get_str(img, e, w, slot);
}

/* A NULL-terminated array of strings (kargs, requires, ...): a table of names alone. */
static int get_strv(struct image *img, uint64_t va, const char *what, const char *const **out)
{
	return get_table(img, va, what, PTR_SZ, str_entry, (const void **)out);
}

static int flag_entry(struct image *img, uint64_t e, const char *w, void *slot)
{
	struct ktstr_flag *f = slot;

	return get_str(img, e + offsetof(struct ktstr_flag, name), w, &f->name) ||
	       get_str(img, e + offsetof(struct ktstr_flag, help), w, &f->help) ||
	       get_strv(img, e + offsetof(struct ktstr_flag, requires), w, &f->requires) ||
	       get_strv(img, e + offsetof(struct ktstr_flag, excludes), w, &f->excludes) ? -ELIBBAD : 0;
}

static int threshold_entry(struct image *img, uint64_t e, const char *w, void *slot)
{
	struct ktstr_threshold *t = slot;

	return get_str(img, e + offsetof(struct ktstr_threshold, name), w, &t->name) ||
	       get_str(img, e + offsetof(struct ktstr_threshold, value), w, &t->value) ? -ELIBBAD : 0;
}

/* The exported descriptor's address and size, as dlsym() would find it. */
static int find_symbol(struct image *img, uint64_t *va, uint64_t *size)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(img->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 1; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *nm;

			if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF ||
			    GELF_ST_BIND(s.st_info) == STB_LOCAL)
				continue;
			nm = elf_strptr(img->elf, sh.sh_link, s.st_name);
			if (nm && str_eq(nm, KTSTR_PLUGIN_SYMBOL)) {
				*va = s.st_value;
				*size = s.st_size;
				return 0;
			}
		}
	}
	return fail(img, "does not export the symbol '%s'; is it a ktstr plugin "
		    "(KTSTR_PLUGIN_EXPORT, -fvisibility=hidden)?", KTSTR_PLUGIN_SYMBOL);
}

#define FIELD(m) (va + offsetof(struct ktstr_plugin, m))

static int read_descriptor(struct image *img, struct ktstr_plugin *ops)
{
	uint64_t va = 0, size = 0;
	const char *raw;
	int ret;

	if (find_symbol(img, &va, &size))
		return -ELIBBAD;
	raw = at(img, va, 2 * sizeof(uint32_t), NULL);
	if (!raw || size < 2 * sizeof(uint32_t))
		return fail(img, "symbol '%s' is not a struct ktstr_plugin in the file's data",
			    KTSTR_PLUGIN_SYMBOL);
	memcpy(&ops->abi_version, raw, sizeof(uint32_t));
	memcpy(&ops->sz, raw + sizeof(uint32_t), sizeof(uint32_t));
	/* the name for check_abi's message, when the struct is big enough to hold one */
	if (ops->abi_version >= 1 && ops->sz >= PLUGIN_MIN_SZ && size >= PLUGIN_MIN_SZ &&
	    get_str(img, FIELD(name), "name", &ops->name)) {
		free(img->err);
		img->err = NULL;
	}
	ret = plugin__check_abi(ops, img->path, &img->err);
	if (ret)
		return ret;
	if (size < PLUGIN_MIN_SZ || !at(img, va, PLUGIN_MIN_SZ, NULL))
		return fail(img, "symbol '%s' is %llu bytes, smaller than struct ktstr_plugin",
			    KTSTR_PLUGIN_SYMBOL, (unsigned long long)size);
	raw = at(img, FIELD(needs_sched_ext), sizeof(bool), NULL);
	ops->needs_sched_ext = *raw != 0;
	if (get_str(img, FIELD(description), "description", &ops->description) ||
	    get_table(img, FIELD(flags), "flags", sizeof(struct ktstr_flag), flag_entry,
		      (const void **)&ops->flags) ||
	    get_strv(img, FIELD(kargs), "kargs", &ops->kargs) ||
	    get_strv(img, FIELD(sysctls), "sysctls", &ops->sysctls) ||
	    get_table(img, FIELD(thresholds), "thresholds", sizeof(struct ktstr_threshold),
		      threshold_entry, (const void **)&ops->thresholds))
		return -ELIBBAD;
	return plugin__check_cmdline(ops, img->path, &img->err);
}

int plugin__inspect(const char *name, struct plugin **out, char **err)
{
	struct image img = { .name = name };
	_cleanup_free_ char *path = NULL;
	struct plugin *p;
	struct ktstr_plugin *ops;
	int ret;

	*out = NULL;
	path = plugin__resolve(name, err);
	if (!path)
		return name && *name ? -ENOENT : -EINVAL;
	img.path = path;
	p = img.p = xcalloc(1, sizeof(*p));
	ops = keep(&img, xcalloc(1, sizeof(*ops)));
	ret = load_file(&img);
	if (!ret)
		ret = image_open(&img);
	if (!ret)
		ret = read_descriptor(&img, ops);
	if (img.elf)
		elf_end(img.elf);
	free(img.buf);
	free(img.load);
	free(img.rel);
	if (ret) {
		*err = TAKE_PTR(img.err);
		plugin__close(p);
		return ret;
	}
	p->ops = ops;
	p->path = TAKE_PTR(path);
	*out = p;
	return 0;
}
