// SPDX-License-Identifier: GPL-2.0-or-later
#include "initramfs.h"

#include "files.h"
#include "hvm.h"
#include "text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Is base (a file name) hv_<driver>.ko with an optional compression suffix? */
static int driver_of(const char *base)
{
	static const char *const sfx[] = { ".ko", ".ko.gz", ".ko.xz", ".ko.zst" };

	for (int d = 0; d < 3; d++) {
		size_t dl = strlen(hvm_hv_drivers[d]);

		if (strncmp(base, hvm_hv_drivers[d], dl))
			continue;
		for (size_t s = 0; s < sizeof(sfx) / sizeof(*sfx); s++)
			if (!strcmp(base + dl, sfx[s]))
				return d;
	}
	return -1;
}

static int driver_of_path(const char *path, size_t len)
{
	char base[256];
	const char *p = path + len;

	while (p > path && p[-1] != '/')
		p--;
	if ((size_t)(path + len - p) >= sizeof(base))
		return -1;
	memcpy(base, p, (size_t)(path + len - p));
	base[path + len - p] = '\0';
	return driver_of(base);
}

static int skip_bytes(FILE *in, unsigned long long n)
{
	char buf[8192];

	while (n) {
		size_t chunk = n < sizeof(buf) ? (size_t)n : sizeof(buf);

		if (fread(buf, 1, chunk, in) != chunk)
			return -1;
		n -= chunk;
	}
	return 0;
}

static int hex8(const char *s, unsigned long *v)
{
	*v = 0;
	for (int i = 0; i < 8; i++) {
		char c = s[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		*v = *v * 16 + (unsigned long)d;
	}
	return 0;
}

/*
 * newc format: a 110-byte ASCII header ("070701" or "070702" and 13 8-digit
 * hex fields), the name (namesize bytes with its NUL), padding to 4, the
 * data, padding to 4; the archive ends with the name "TRAILER!!!"
 * (buffer-format.rst).
 */
long hvm_cpio_scan(FILE *in, bool found[3], char *why, size_t whysz)
{
	char hdr[110], name[4096];
	unsigned long long pos = 0;

	for (;;) {
		unsigned long filesize, namesize;
		size_t pad;
		int d;

		if (fread(hdr, 1, sizeof(hdr), in) != sizeof(hdr)) {
			snprintf(why, whysz, "truncated cpio header");
			return -1;
		}
		if (memcmp(hdr, "070701", 6) && memcmp(hdr, "070702", 6)) {
			snprintf(why, whysz, "not a newc cpio archive");
			return -1;
		}
		if (hex8(hdr + 54, &filesize) || hex8(hdr + 94, &namesize) ||
		    namesize == 0 || namesize > sizeof(name)) {
			snprintf(why, whysz, "corrupt cpio header");
			return -1;
		}
		if (fread(name, 1, namesize, in) != namesize) {
			snprintf(why, whysz, "truncated cpio name");
			return -1;
		}
		name[namesize - 1] = '\0';
		pos += sizeof(hdr) + namesize;
		pad = (4 - pos % 4) % 4;
		if (skip_bytes(in, pad)) {
			snprintf(why, whysz, "truncated cpio archive");
			return -1;
		}
		pos += pad;
		if (!strcmp(name, "TRAILER!!!"))
			return (long)pos;
		d = driver_of_path(name, strlen(name));
		if (d >= 0)
			found[d] = true;
		pad = (4 - (pos + filesize) % 4) % 4;
		if (skip_bytes(in, filesize + pad)) {
			snprintf(why, whysz, "truncated cpio data of %s", name);
			return -1;
		}
		pos += filesize + pad;
	}
}

/* The decompressor for the data at the start of magic, or NULL. Magic
 * numbers as in the kernel's lib/decompress.c compressed_formats[]. */
static const char *const *decompressor(const unsigned char *m, size_t n)
{
	static const char *const gz[] = { "gzip", "-dc", NULL };
	static const char *const xz[] = { "xz", "-dc", NULL };
	static const char *const lzma[] = { "xz", "--format=lzma", "-dc", NULL };
	static const char *const zst[] = { "zstd", "-dcq", NULL };
	static const char *const lz4[] = { "lz4", "-dc", NULL };
	static const char *const bz2[] = { "bzip2", "-dc", NULL };
	static const char *const lzo[] = { "lzop", "-dc", NULL };

	if (n >= 2 && m[0] == 0x1f && (m[1] == 0x8b || m[1] == 0x9e))
		return gz;
	if (n >= 6 && !memcmp(m, "\xfd" "7zXZ\0", 6))
		return xz;
	if (n >= 4 && !memcmp(m, "\x28\xb5\x2f\xfd", 4))
		return zst;
	if (n >= 4 && !memcmp(m, "\x02\x21\x4c\x18", 4))
		return lz4;
	if (n >= 3 && !memcmp(m, "BZh", 3))
		return bz2;
	if (n >= 4 && !memcmp(m, "\x89LZO", 4))
		return lzo;
	if (n >= 3 && m[0] == 0x5d && m[1] == 0 && m[2] == 0)
		return lzma;
	return NULL;
}

/* Scan concatenated archives in a stream, skipping the zero padding the
 * kernel allows between them. */
static int scan_stream(FILE *in, bool found[3], char *why, size_t whysz)
{
	int archives = 0;

	for (;;) {
		int c;

		while ((c = getc(in)) == 0)
			;
		if (c == EOF)
			return archives ? 0 : -1;
		ungetc(c, in);
		if (hvm_cpio_scan(in, found, why, whysz) < 0)
			return -1;
		archives++;
	}
}

static int scan_compressed(const char *path, off_t off, const char *const *argv,
			   bool found[3], char *why, size_t whysz)
{
	int p[2], status, r;
	pid_t pid;
	FILE *in;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int fd = open(path, O_RDONLY);

		if (fd < 0 || lseek(fd, off, SEEK_SET) < 0 || dup2(fd, 0) < 0 ||
		    dup2(p[1], 1) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	in = fdopen(p[0], "r");
	if (!in) {
		close(p[0]);
		waitpid(pid, &status, 0);
		return -1;
	}
	r = scan_stream(in, found, why, whysz);
	fclose(in);
	waitpid(pid, &status, 0);
	if (r < 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(why, whysz, "cannot run %s to read %s", argv[0], path);
	return r;
}

int hvm_initramfs_scan(const char *path, bool found[3], char *why, size_t whysz)
{
	FILE *f = fopen(path, "re");
	off_t off = 0;
	int ret = -1;

	if (!f) {
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		unsigned char magic[8];
		const char *const *dec;
		size_t n;
		int c;
		long used;

		if (fseeko(f, off, SEEK_SET))
			break;
		while ((c = getc(f)) == 0)
			off++;
		if (c == EOF) {
			if (off == 0)
				snprintf(why, whysz, "%s is empty", path);
			else
				ret = 0;
			break;
		}
		ungetc(c, f);
		n = fread(magic, 1, sizeof(magic), f);
		if (n >= 5 && !memcmp(magic, "07070", 5)) {
			fseeko(f, off, SEEK_SET);
			used = hvm_cpio_scan(f, found, why, whysz);
			if (used < 0)
				break;
			off += used;
			continue;
		}
		dec = decompressor(magic, n);
		if (!dec) {
			snprintf(why, whysz, "%s: unknown data at byte %lld", path,
				 (long long)off);
			break;
		}
		/* a compressed archive is always the last part */
		ret = scan_compressed(path, off, dec, found, why, whysz);
		break;
	}
	fclose(f);
	return ret;
}

static bool exists_in(const char *root, const char *rel)
{
	char p[PATH_MAX * 2], r[PATH_MAX];
	struct stat st;

	if (hvm_path_in_root(root, rel, r, sizeof(r)))
		return false;
	snprintf(p, sizeof(p), "%s/%s", root, r);
	return stat(p, &st) == 0;
}

/* modules.dep names every module of the kernel, modules.builtin the built-in
 * ones (modules.dep(5), modules.builtin(5)). */
static void read_module_list(const char *path, bool have[3])
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		size_t n = strcspn(line, ":\n");
		int d = driver_of_path(line, n);

		if (d >= 0)
			have[d] = true;
	}
	free(line);
	fclose(f);
}

static const char *const image_names[] = {
	"boot/initrd.img-%s",		/* Debian, Ubuntu */
	"boot/initramfs-%s.img",	/* RHEL 6+, Fedora, SLES 15 */
	"boot/initrd-%s.img",		/* RHEL 5 */
	"boot/initrd-%s",		/* SLES 11/12 */
};

static void scan_kernel(const char *root, const char *moddir, struct hvm_kernel *k)
{
	char p[PATH_MAX * 2], rel[PATH_MAX], why[256];

	snprintf(p, sizeof(p), "%s/%s/%s/modules.dep", root, moddir, k->kver);
	read_module_list(p, k->in_kernel);
	snprintf(p, sizeof(p), "%s/%s/%s/modules.builtin", root, moddir, k->kver);
	read_module_list(p, k->builtin);
	for (int d = 0; d < 3; d++)
		if (k->builtin[d])
			k->in_kernel[d] = true;
	k->image[0] = '\0';
	for (size_t i = 0; i < sizeof(image_names) / sizeof(*image_names); i++) {
		char real[PATH_MAX];

		snprintf(rel, sizeof(rel), image_names[i], k->kver);
		/* the resolved path: a link must not lead out of the root */
		if (exists_in(root, rel) && !hvm_path_in_root(root, rel, real, sizeof(real))) {
			snprintf(k->image, sizeof(k->image), "%s", real);
			break;
		}
	}
	memset(k->in_image, 0, sizeof(k->in_image));
	if (k->image[0]) {
		snprintf(p, sizeof(p), "%s/%s", root, k->image);
		if (hvm_initramfs_scan(p, k->in_image, why, sizeof(why)))
			fprintf(stderr, "hv-migrate: %s\n", why);
	}
}

int hvm_kernels_scan(const char *root, struct hvm_kernel **out, size_t *n)
{
	static const char *const moddirs[] = { "lib/modules", "usr/lib/modules" };
	struct hvm_kernel *ks = NULL;
	size_t cnt = 0;

	for (size_t m = 0; m < 2; m++) {
		char p[PATH_MAX * 2];
		struct dirent *de;
		DIR *dir;

		char moddir[PATH_MAX];

		/* merged /usr makes lib a link; follow it inside the root */
		if (hvm_path_in_root(root, moddirs[m], moddir, sizeof(moddir)))
			continue;
		snprintf(p, sizeof(p), "%s/%s", root, moddir);
		dir = opendir(p);
		if (!dir)
			continue;
		while ((de = readdir(dir))) {
			char rel[PATH_MAX];
			bool dup = false, installed;
			struct hvm_kernel *nk;

			if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(ks->kver))
				continue;
			for (size_t i = 0; i < cnt; i++)
				if (!strcmp(ks[i].kver, de->d_name))
					dup = true;
			if (dup)
				continue;
			/* a kernel is installed if its image is there, not
			 * merely a leftover modules directory */
			snprintf(rel, sizeof(rel), "boot/vmlinuz-%s", de->d_name);
			installed = exists_in(root, rel);
			snprintf(rel, sizeof(rel), "boot/vmlinux-%s", de->d_name);
			installed = installed || exists_in(root, rel);
			snprintf(rel, sizeof(rel), "%s/%s/vmlinuz", moddirs[m], de->d_name);
			installed = installed || exists_in(root, rel);
			if (!installed)
				continue;
			nk = realloc(ks, (cnt + 1) * sizeof(*ks));
			if (!nk) {
				closedir(dir);
				free(ks);
				return -1;
			}
			ks = nk;
			memset(&ks[cnt], 0, sizeof(ks[cnt]));
			snprintf(ks[cnt].kver, sizeof(ks[cnt].kver), "%s", de->d_name);
			scan_kernel(root, moddir, &ks[cnt]);
			cnt++;
		}
		closedir(dir);
	}
	*out = ks;
	*n = cnt;
	return 0;
}

bool hvm_kernel_ok(const struct hvm_kernel *k)
{
	/* hv_netvsc is wanted but only storage decides whether it boots */
	for (int d = 0; d < 2; d++)
		if (!k->builtin[d] && !k->in_image[d])
			return false;
	return true;
}

static const char *find_tool(const char *root, const char *const *cands)
{
	for (; *cands; cands++)
		if (exists_in(root, *cands))
			return *cands;
	return NULL;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in, out, ret = -1;
	struct stat st;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0) {
		if (in >= 0)
			close(in);
		return -1;
	}
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
	if (out < 0) {
		close(in);
		return -1;
	}
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf)), w = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		while (w < r) {
			ssize_t x = write(out, buf + w, (size_t)(r - w));

			if (x < 0)
				goto out;
			w += x;
		}
	}
	ret = fsync(out);
out:
	close(in);
	if (close(out) || ret)
		unlink(to);
	return ret;
}

int hvm_run_in_root(const char *root, bool live, const char *tool,
		       char *const argv[], FILE *log)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char path[PATH_MAX * 2];

		/* the tool's chatter goes to our stderr, stdout stays ours */
		dup2(2, 1);
		if (!live) {
			static const char *const binds[] = { "dev", "sys" };

			/* a private namespace: the bind mounts vanish with
			 * the child, on every exit path */
			if (unshare(CLONE_NEWNS) ||
			    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
				_exit(126);
			for (int i = 0; i < 2; i++) {
				snprintf(path, sizeof(path), "%s/%s", root, binds[i]);
				mount(binds[i][0] == 'd' ? "/dev" : "/sys", path, NULL,
				      MS_BIND | MS_REC, NULL);
			}
			snprintf(path, sizeof(path), "%s/proc", root);
			mount("proc", path, "proc", 0, NULL);
			if (chroot(root) || chdir("/"))
				_exit(126);
		}
		setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
		snprintf(path, sizeof(path), "/%s", tool);
		execv(path, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(log, "hv-migrate: %s failed (status %d)\n", tool,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	return 0;
}

/* initramfs-tools loads what /etc/initramfs-tools/modules names early and
 * always includes it (initramfs-tools(7)). */
static int ensure_itools_modules(const char *root, FILE *log)
{
	char p[PATH_MAX * 2], backup[PATH_MAX * 2 + 32], err[512];
	struct hvm_text t;
	char *buf = NULL;
	size_t len = 0;
	bool have[3] = { false, false, false };
	int r;

	snprintf(p, sizeof(p), "%s/etc/initramfs-tools/modules", root);
	switch (hvm_text_load(p, &t)) {
	case HVM_LOAD_OK:
		break;
	case HVM_LOAD_MISSING:
		{
			static const char body[] =
				"# Hyper-V drivers, added by hv-migrate\nhv_vmbus\nhv_storvsc\nhv_netvsc\n";

			if (hvm_write_new(p, body, sizeof(body) - 1, 0644, err, sizeof(err))) {
				fprintf(log, "hv-migrate: %s\n", err);
				return -1;
			}
			return 0;
		}
	default:
		fprintf(log, "hv-migrate: %s: not a text file I can edit\n", p);
		return -1;
	}
	for (size_t i = 0; i < t.n; i++) {
		const char *s = t.l[i].text;
		size_t n = strcspn(s, " \t\n#");
		char word[64];

		if (n && n < sizeof(word)) {
			memcpy(word, s, n);
			word[n] = '\0';
			for (int d = 0; d < 3; d++)
				if (!strcmp(word, hvm_hv_drivers[d]))
					have[d] = true;
		}
	}
	if (have[0] && have[1] && have[2]) {
		hvm_text_free(&t);
		return 0;
	}
	if (hvm_text_render(&t, &buf, &len)) {
		hvm_text_free(&t);
		return -1;
	}
	hvm_text_free(&t);
	{
		char *nb = realloc(buf, len + 128);

		if (!nb) {
			free(buf);
			return -1;
		}
		buf = nb;
	}
	if (len && buf[len - 1] != '\n')
		buf[len++] = '\n';
	for (int d = 0; d < 3; d++)
		if (!have[d])
			len += (size_t)sprintf(buf + len, "%s\n", hvm_hv_drivers[d]);
	r = hvm_write_atomic(p, buf, len, backup, sizeof(backup), err, sizeof(err));
	if (r)
		fprintf(log, "hv-migrate: %s\n", err);
	free(buf);
	return r;
}

int hvm_initramfs_rebuild(const char *root, bool live, struct hvm_kernel *k,
			  bool itools_modules, FILE *log)
{
	static const char *const dracut[] = { "usr/bin/dracut", "usr/sbin/dracut",
					      "sbin/dracut", NULL };
	static const char *const itools[] = { "usr/sbin/update-initramfs",
					      "sbin/update-initramfs", NULL };
	static const char *const mkinitrd[] = { "sbin/mkinitrd", "usr/sbin/mkinitrd",
						"usr/bin/mkinitrd", NULL };
	char image[PATH_MAX], abs[PATH_MAX * 2], keep[PATH_MAX * 2 + 32], why[256];
	char kimg[PATH_MAX + 16], img_arg[PATH_MAX + 2];
	const char *tool;
	char *argv[12];
	int a = 0;

	if (k->image[0])
		snprintf(image, sizeof(image), "%s", k->image);
	if ((tool = find_tool(root, dracut))) {
		if (!k->image[0])
			snprintf(image, sizeof(image), "boot/initramfs-%s.img", k->kver);
		snprintf(img_arg, sizeof(img_arg), "/%s", image);
		argv[a++] = "dracut";
		argv[a++] = "-f";
		/* named explicitly: host-only mode drops drivers for hardware
		 * the build host lacks (dracut.conf(5), add_drivers) */
		argv[a++] = "--add-drivers";
		argv[a++] = "hv_vmbus hv_storvsc hv_netvsc";
		argv[a++] = img_arg;
		argv[a++] = k->kver;
	} else if ((tool = find_tool(root, itools))) {
		if (!k->image[0])
			snprintf(image, sizeof(image), "boot/initrd.img-%s", k->kver);
		if (itools_modules && ensure_itools_modules(root, log))
			return -1;
		argv[a++] = "update-initramfs";
		argv[a++] = k->image[0] ? "-u" : "-c";
		argv[a++] = "-k";
		argv[a++] = k->kver;
	} else if ((tool = find_tool(root, mkinitrd)) && exists_in(root, "etc/sysconfig/kernel")) {
		/* SUSE mkinitrd takes INITRD_MODULES, edited beforehand */
		if (!k->image[0])
			snprintf(image, sizeof(image), "boot/initrd-%s", k->kver);
		snprintf(kimg, sizeof(kimg), "/boot/vmlinuz-%s", k->kver);
		snprintf(img_arg, sizeof(img_arg), "/%s", image);
		argv[a++] = "mkinitrd";
		argv[a++] = "-k";
		argv[a++] = kimg;
		argv[a++] = "-i";
		argv[a++] = img_arg;
	} else if (tool) {
		/* RHEL 5 mkinitrd (mkinitrd(8): --preload loads before the
		 * SCSI aliases, --with adds a module) */
		if (!k->image[0])
			snprintf(image, sizeof(image), "boot/initrd-%s.img", k->kver);
		snprintf(img_arg, sizeof(img_arg), "/%s", image);
		argv[a++] = "mkinitrd";
		argv[a++] = "-f";
		argv[a++] = "--preload=hv_vmbus";
		argv[a++] = "--preload=hv_storvsc";
		argv[a++] = "--with=hv_netvsc";
		argv[a++] = img_arg;
		argv[a++] = k->kver;
	} else {
		fprintf(log, "hv-migrate: %s: no dracut, update-initramfs or mkinitrd in the guest\n",
			k->kver);
		return -1;
	}
	argv[a] = NULL;

	if (k->image[0]) {
		snprintf(abs, sizeof(abs), "%s/%s", root, k->image);
		snprintf(keep, sizeof(keep), "%s.pre-hv-migrate", abs);
		/* the oldest image is the one worth keeping */
		if (access(keep, F_OK) && copy_file(abs, keep)) {
			fprintf(log, "hv-migrate: cannot keep %s: %s\n", abs, strerror(errno));
			return -1;
		}
	}
	fprintf(log, "hv-migrate: %s: rebuilding /%s with %s\n", k->kver, image, tool);
	if (hvm_run_in_root(root, live, tool, argv, log))
		return -1;
	snprintf(k->image, sizeof(k->image), "%s", image);
	snprintf(abs, sizeof(abs), "%s/%s", root, image);
	memset(k->in_image, 0, sizeof(k->in_image));
	if (hvm_initramfs_scan(abs, k->in_image, why, sizeof(why))) {
		fprintf(log, "hv-migrate: after %s: %s\n", tool, why);
		return -1;
	}
	if (!hvm_kernel_ok(k)) {
		fprintf(log, "hv-migrate: %s ran, but /%s still lacks the Hyper-V storage drivers\n",
			tool, image);
		return -1;
	}
	return 0;
}
