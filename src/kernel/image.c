// SPDX-License-Identifier: GPL-2.0-only
/* Image facts: version from the bzImage header, flags from the config, vmlinux and .BTF extraction. */
#include <archive.h>
#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <sys/stat.h>
#include <zlib.h>

#include "kernel/internal.h"
#include "kernel/kernel.h"

/*
 * x86 boot protocol: "HdrS" at 0x202, kernel_version at 0x20E is an offset
 * from 0x200 to a NUL-terminated string "7.3.4+deb13-cloud-amd64 (...) #1 ...".
 */
int kernel__image_version(const char *image, char **version)
{
	_cleanup_close_ int fd = open(image, O_RDONLY | O_CLOEXEC);
	unsigned char hdr[0x210];
	char buf[256];
	unsigned off;
	ssize_t r;
	size_t len;

	if (fd < 0)
		return -errno;
	r = pread(fd, hdr, sizeof(hdr), 0);
	if (r < 0)
		return -errno;
	if (r < (ssize_t)sizeof(hdr) || memcmp(hdr + 0x202, "HdrS", 4))
		return -ENOEXEC;
	off = (hdr[0x20e] | hdr[0x20f] << 8) + 0x200;
	if (off == 0x200)
		return -ENODATA;
	r = pread(fd, buf, sizeof(buf) - 1, off);
	if (r <= 0)
		return r < 0 ? -errno : -ENODATA;
	buf[r] = '\0';
	len = strcspn(buf, " ");
	if (!len || len == (size_t)r)
		return -ENODATA;
	*version = xstrndup(buf, len);
	return 0;
}

char *kernel__config_get(const char *config, const char *option)
{
	_cleanup_fclose_ FILE *f = fopen(config, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, olen = strlen(option);
	ssize_t n;

	if (!f)
		return NULL;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, option, olen) || line[olen] != '=')
			continue;
		return xstrdup(str_trim(line + olen + 1));
	}
	return NULL;
}

int kernel__config_flags(const char *config, bool *sched_ext, bool *btf)
{
	_cleanup_free_ char *s = NULL, *b = NULL;

	if (access(config, R_OK) < 0)
		return -errno;
	s = kernel__config_get(config, "CONFIG_SCHED_CLASS_EXT");
	b = kernel__config_get(config, "CONFIG_DEBUG_INFO_BTF");
	*sched_ext = str_eq(s, "y");
	*btf = str_eq(b, "y");
	return 0;
}

/* The config that belongs to an image when none is named: next to it, or the build tree's. */
static char *config_beside(const char *image, const char *version)
{
	_cleanup_free_ char *dir = xstrdup(image);
	char *slash = strrchr(dir, '/');
	/* the third only for a build tree's arch/x86/boot/bzImage */
	const char *names[] = { "config", ".config", "../../../.config" };
	size_t n = str_endswith(image, "arch/x86/boot/bzImage") ? 3 : 2;

	if (slash)
		*slash = '\0';
	else
		dir = (free(dir), xstrdup("."));
	for (size_t i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);

		if (!access(p, R_OK))
			return p;
		free(p);
	}
	if (version) {
		/* /boot/vmlinuz-V -> /boot/config-V */
		char *p = xasprintf("%s/config-%s", dir, version);

		if (!access(p, R_OK))
			return p;
		free(p);
	}
	return NULL;
}

/* An image outside the cache, named by its path, size and mtime: "<crc32>-<size>-<mtime>". */
static char *image_tag(const char *image, const struct stat *st)
{
	uLong crc = crc32(0, (const Bytef *)image, strlen(image));

	return xasprintf("%08lx-%lld-%lld", crc, (long long)st->st_size, (long long)st->st_mtime);
}

/*
 * An image with no config file may carry its own (CONFIG_IKCONFIG): keep
 * it at <cache>/.ikconfig/<crc32 of path>-<size>-<mtime>.config, or a
 * ".none" marker, so the vmlinux is decompressed once per image, not per
 * test. NULL when there is none.
 */
static char *ikconfig_for(const char *image, const struct stat *st)
{
	_cleanup_free_ char *root = NULL, *dir = NULL, *none = NULL, *tag = image_tag(image, st);
	_cleanup_free_ char *tmp = NULL;
	char *cfg;
	int ret;

	if (kernel_cache__root(&root) < 0)
		return NULL;
	dir = xasprintf("%s/.ikconfig", root);
	cfg = xasprintf("%s/%s.config", dir, tag);
	none = xasprintf("%s/%s.none", dir, tag);
	if (kernel_derived__usable(cfg))
		return cfg;
	if (!access(none, F_OK) || mkdir_p(dir, 0755) < 0) {
		free(cfg);
		return NULL;
	}
	tmp = xasprintf("%s.tmp-%d-%lx", cfg, (int)getpid(), (unsigned long)pthread_self());
	ret = kernel__extract_ikconfig(image, tmp);
	if (ret < 0)
		write_file(none, "", 0);	/* none inside (or unreadable): not tried again */
	else
		ret = kernel_derived__commit(tmp, cfg);
	if (ret < 0) {
		unlink(tmp);
		free(cfg);
		return NULL;
	}
	return cfg;
}

int kernel_image__derived_dir(const struct kernel_image *k, char **out)
{
	_cleanup_free_ char *root = NULL, *tag = NULL, *copy = NULL;
	struct stat st;
	int ret;

	if (k->key) {
		copy = xstrdup(k->image);
		*out = xstrdup(dirname(copy));
		return 0;
	}
	if (stat(k->image, &st) < 0)
		return -errno;
	ret = kernel_cache__root(&root);
	if (ret < 0)
		return ret;
	tag = image_tag(k->image, &st);
	*out = xasprintf("%s/.derived/%s", root, tag);
	ret = mkdir_p(*out, 0755);
	if (ret < 0) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

int kernel_image__open(const char *image, const char *config, struct kernel_image **out)
{
	struct kernel_image *k;
	struct stat st;
	int ret;

	if (stat(image, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EISDIR;
	k = xcalloc(1, sizeof(*k));
	k->image = xstrdup(image);
	ret = kernel__image_version(image, &k->version);
	if (ret < 0)
		k->version = xstrdup("unknown");
	k->config = config ? xstrdup(config) : config_beside(image, k->version);
	if (!k->config && ret >= 0)
		k->config = ikconfig_for(image, &st);
	if (k->config && !kernel__config_flags(k->config, &k->sched_ext, &k->btf))
		k->config_known = true;
	*out = k;
	return 0;
}

void kernel_image__free(struct kernel_image *k)
{
	if (!k)
		return;
	free(k->image);
	free(k->version);
	free(k->config);
	free(k->key);
	free(k->source);
	free(k->why);
	free(k);
}

char *kernel_image__skip_reason(const struct kernel_image *k, bool needs_sched_ext)
{
	if (!needs_sched_ext)
		return NULL;
	if (!k->config_known)
		return xasprintf("kernel %s: no config found, cannot tell whether it has sched_ext "
				 "(use a cached kernel: ktstr-kernel fetch)", k->version);
	if (!k->sched_ext)
		return xasprintf("kernel %s has no sched_ext (CONFIG_SCHED_CLASS_EXT is not set)",
				 k->version);
	return NULL;
}

static char *cmdline;

static void cmdline_init(void)
{
	const char *v = getenv("KTSTR_VERBOSE");

	/*
	 * console on the first UART; panic=-1 + reboot=t make a dead guest
	 * exit QEMU (-no-reboot) at once; rdinit=/init runs the agent from the
	 * initramfs; nokaslr keeps symbol addresses stable for the monitor;
	 * mitigations=off and tsc=reliable keep TCG guests fast and quiet.
	 */
	cmdline = xasprintf("console=ttyS0,115200 rdinit=/init panic=-1 reboot=t "
			    "nokaslr mitigations=off tsc=reliable audit=0 %s",
			    v && str_eq(v, "1") ? "earlyprintk=serial loglevel=7" : "loglevel=4");
}

const char *kernel__default_cmdline(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	/* ktstr-run's workers ask from several threads */
	pthread_once(&once, cmdline_init);
	return cmdline;
}

/*
 * bzImage layout: setup_sects (0x1F1) * 512 + 512 bytes of real-mode setup,
 * then the protected-mode part; payload_offset (0x248) within it points at
 * the compressed vmlinux of payload_length (0x24C) bytes.
 */
static int payload_range(int fd, off_t *off, size_t *len)
{
	unsigned char hdr[0x250];
	unsigned setup_sects;

	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		return -ENOEXEC;
	if (memcmp(hdr + 0x202, "HdrS", 4))
		return -ENOEXEC;
	setup_sects = hdr[0x1f1] ? hdr[0x1f1] : 4;
	*off = (setup_sects + 1) * 512 +
	       (hdr[0x248] | hdr[0x249] << 8 | hdr[0x24a] << 16 | (uint32_t)hdr[0x24b] << 24);
	*len = hdr[0x24c] | hdr[0x24d] << 8 | hdr[0x24e] << 16 | (uint32_t)hdr[0x24f] << 24;
	return *len ? 0 : -ENOEXEC;
}

/* Decompress @len bytes with whatever filter libarchive recognises into @fd. */
static int decompress_raw(const void *buf, size_t len, int fd)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	int ret = -EINVAL;

	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, buf, len) == ARCHIVE_OK &&
	    archive_read_next_header(a, &ae) == ARCHIVE_OK &&
	    archive_filter_code(a, 0) != ARCHIVE_FILTER_NONE) {
		if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
			ret = -errno;
		else
			ret = archive_read_data_into_fd(a, fd) == ARCHIVE_OK ? 0 : -EIO;
	}
	archive_read_free(a);
	return ret;
}

int kernel__extract_vmlinux(const char *image, const char *out_path)
{
	_cleanup_close_ int fd = open(image, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int ofd = -1;
	_cleanup_free_ char *payload = NULL, *tmp = NULL;
	size_t len;
	off_t off;
	int ret;

	if (fd < 0)
		return -errno;
	ret = payload_range(fd, &off, &len);
	if (ret < 0)
		return ret;
	payload = xmalloc(len);
	if (pread(fd, payload, len, off) != (ssize_t)len)
		return -EIO;
	tmp = xasprintf("%s.tmp-%d", out_path, getpid());
	ofd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ofd < 0)
		return -errno;
	/*
	 * zstd, xz, lzma, lzo and lz4 payloads end with the 4-byte
	 * decompressed size (size_append), which the decoders reject as
	 * trailing garbage: retry without it.
	 */
	ret = decompress_raw(payload, len, ofd);
	if (ret < 0 && len > 4)
		ret = decompress_raw(payload, len - 4, ofd);
	if (!ret && rename(tmp, out_path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int kernel__extract_btf(const char *image, const char *out_path)
{
	_cleanup_free_ char *vmlinux = xasprintf("%s.vmlinux-%d", out_path, getpid());
	_cleanup_close_ int fd = -1;
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int ret;

	ret = kernel__extract_vmlinux(image, vmlinux);
	if (ret < 0)
		return ret;
	fd = open(vmlinux, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	ret = -ENOEXEC;
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	ret = -ENODATA;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!str_eq(name, ".BTF"))
			continue;
		d = elf_rawdata(scn, NULL);
		if (d && d->d_size)
			ret = write_file(out_path, d->d_buf, d->d_size);
		break;
	}
out:
	if (elf)
		elf_end(elf);
	unlink(vmlinux);
	return ret;
}

int kernel__extract_ikconfig(const char *image, const char *out_path)
{
	_cleanup_free_ char *vmlinux = xasprintf("%s.vmlinux-%d", out_path, getpid());
	_cleanup_free_ char *buf = NULL;
	unsigned char *start, *end, *outbuf = NULL;
	size_t len, cap = 0, have = 0;
	z_stream z = { 0 };
	int ret, zr;

	ret = kernel__extract_vmlinux(image, vmlinux);
	if (ret < 0)
		return ret;
	ret = read_file(vmlinux, &buf, &len);
	unlink(vmlinux);
	if (ret < 0)
		return ret;
	/* kernel/configs.c: "IKCFG_ST" + gzip'd .config + "IKCFG_ED" */
	start = memmem(buf, len, "IKCFG_ST\x1f\x8b", 10);
	if (!start)
		return -ENODATA;
	start += 8;
	end = memmem(start, len - ((char *)start - buf), "IKCFG_ED", 8);
	if (!end)
		return -ENODATA;
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = start;
	z.avail_in = end - start;
	do {
		if (have == cap)
			outbuf = xrealloc(outbuf, cap = cap ? cap * 2 : 1 << 18);
		z.next_out = outbuf + have;
		z.avail_out = cap - have;
		zr = inflate(&z, Z_NO_FLUSH);
		have = cap - z.avail_out;
	} while (zr == Z_OK);
	inflateEnd(&z);
	ret = zr == Z_STREAM_END ? write_file(out_path, outbuf, have) : -EINVAL;
	free(outbuf);
	return ret;
}
