// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lsvmbus: list the devices on the Hyper-V VMBus.
 *
 * A C rewrite of the kernel's Python tool tools/hv/lsvmbus (torvalds/linux),
 * printing the same text at the same verbosity levels so that scripts
 * parsing the upstream output keep working:
 *
 *   default  "VMBUS ID %2s: <description>"
 *   -v       "VMBUS ID %2s: Class_ID = <class_id> - <description>", then one
 *            "\tRel_ID=<relid>, target_cpu=<cpu>" line per channel sorted by
 *            relid, then an empty line
 *   -vv      as -v, with "\tDevice_ID = <device_id>" and
 *            "\tSysfs path: <dir>" between the first line and the channels
 *
 * Devices are sorted by their VMBus id (the primary channel's relid). The
 * upstream script uses the same layout for -vvv and beyond; so do we.
 *
 * What it reads, per /sys/bus/vmbus/devices/<name>/ (the attributes
 * drivers/hv/vmbus_drv.c creates):
 *   id                  the primary channel's child_relid, "%d\n"
 *   class_id            the device type GUID, "{%pUl}\n"
 *   device_id           the instance GUID, "{%pUl}\n"
 *   channel_vp_mapping  "relid:cpu\n" per channel (what upstream lsvmbus
 *                       reads); when a kernel lacks it we fall back to the
 *                       per-channel directories channels/<relid>/cpu
 *
 * Unlike the script, which throws a Python exception on a missing or
 * malformed attribute, every problem is reported on stderr and the rest of
 * the bus is still listed; the exit status is then 1. See lsvmbus.8.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROG "lsvmbus"

/*
 * Longest attribute we accept. Single-value attributes are a GUID in braces
 * (38 characters) or a decimal number; channel_vp_mapping holds one short
 * line per channel and sysfs caps any attribute at one page, which is at
 * most 64 KiB on the architectures Hyper-V runs.
 */
#define MAX_VALUE_LEN 127
#define MAX_MAPPING_LEN 65536

/* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" */
#define GUID_TEXT_LEN 38

/*
 * Known device classes. The descriptions and GUIDs are those of the
 * vmbus_dev_dict table in upstream tools/hv/lsvmbus; the GUIDs agree with
 * the HV_*_GUID definitions in include/linux/hyperv.h (HV_SHUTDOWN, HV_TS,
 * HV_HEART_BEAT, HV_KVP, HV_VSS, HV_FCOPY, HV_DM, HV_MOUSE, HV_KBD,
 * HV_SYNTHVID, HV_NIC, HV_IDE, HV_SCSI, HV_SYNTHFC, HV_ND, HV_PCIE, HV_RDV,
 * HV_AVMA1, HV_AVMA2). The last entry is this project's own test device,
 * offered only by the simulated host (hv_sim).
 */
static const struct vmbus_class {
	const char *guid;	/* lower case, without braces */
	const char *desc;
} vmbus_classes[] = {
	{ "0e0b6031-5213-4934-818b-38d90ced39db", "[Operating system shutdown]" },
	{ "9527e630-d0ae-497b-adce-e80ab0175caf", "[Time Synchronization]" },
	{ "57164f39-9115-4e78-ab55-382f3bd5422d", "[Heartbeat]" },
	{ "a9a0f4e7-5a45-4d96-b827-8a841e8c03e6", "[Data Exchange]" },
	{ "35fa2e29-ea23-4236-96ae-3a6ebacba440", "[Backup (volume checkpoint)]" },
	{ "34d14be3-dee4-41c8-9ae7-6b174977c192", "[Guest services]" },
	{ "525074dc-8985-46e2-8057-a307dc18a502", "[Dynamic Memory]" },
	{ "cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a", "Synthetic mouse" },
	{ "f912ad6d-2b17-48ea-bd65-f927a61c7684", "Synthetic keyboard" },
	{ "da0a7802-e377-4aac-8e77-0558eb1073f8", "Synthetic framebuffer adapter" },
	{ "f8615163-df3e-46c5-913f-f2d2f965ed0e", "Synthetic network adapter" },
	{ "32412632-86cb-44a2-9b5c-50d1417354f5", "Synthetic IDE Controller" },
	{ "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f", "Synthetic SCSI Controller" },
	{ "2f9bcc4a-0069-4af3-b76b-6fd0be528cda", "Synthetic fiber channel adapter" },
	{ "8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501", "Synthetic RDMA adapter" },
	{ "44c4f61d-4444-4400-9d52-802e27ede19f", "PCI Express pass-through" },
	{ "276aacf4-ac15-426c-98dd-7521ad3f01fe", "[Reserved system device]" },
	{ "f8e65716-3cb3-4a06-9a60-1889c5cccab5", "[Reserved system device]" },
	{ "3375baf4-9e15-4b30-b765-67acb10d607b", "[Reserved system device]" },
	{ "9a8b67c3-1d5f-4e2a-b0c7-6f3e2d1c0b9a", "hyperv-guest echo (test)" },
};

struct channel {
	char relid[11];		/* decimal u32, as read */
	char cpu[11];
	uint32_t relid_num;
	size_t order;		/* position read, to keep the sort stable */
};

struct device {
	char *name;		/* entry name under .../devices */
	char id[11];
	uint32_t id_num;
	char class_id[GUID_TEXT_LEN + 1];
	char device_id[GUID_TEXT_LEN + 1];
	const char *desc;
	struct channel *chans;
	size_t nchans;
};

static bool had_problem;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
	va_list ap;

	had_problem = true;
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn)) out_of_memory(void)
{
	fputs(PROG ": out of memory\n", stderr);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		out_of_memory();
	return d;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	s = xrealloc(NULL, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

enum read_status {
	READ_OK,
	READ_MISSING,	/* ENOENT */
	READ_ERROR,	/* any other open/read error; errno kept in *err */
	READ_NOT_FILE,	/* a directory, FIFO, device... */
	READ_EMPTY,
	READ_TOO_LONG,
	READ_BINARY,	/* holds a NUL byte */
};

/*
 * Read the file @name under directory @dfd into @buf (NUL-terminated),
 * accepting at most @max bytes. Never blocks on a FIFO and never reads more
 * than @max + 1 bytes, whatever the file is.
 */
static enum read_status read_attr(int dfd, const char *name, char *buf,
				  size_t max, size_t *lenp, int *err)
{
	struct stat st;
	size_t len = 0;
	int fd;

	*err = 0;
	*lenp = 0;
	fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*err = errno;
		return errno == ENOENT ? READ_MISSING : READ_ERROR;
	}
	if (fstat(fd, &st) < 0) {
		*err = errno;
		close(fd);
		return READ_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return READ_NOT_FILE;
	}
	/* buf has room for max + 1 bytes plus the terminating NUL */
	while (len <= max) {
		ssize_t n = read(fd, buf + len, max + 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			*err = errno;
			close(fd);
			return READ_ERROR;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	if (len > max)
		return READ_TOO_LONG;
	if (len == 0)
		return READ_EMPTY;
	if (memchr(buf, '\0', len))
		return READ_BINARY;
	return READ_OK;
}

/* Report a failed read_attr() of @path; returns false for convenience. */
static bool report_read(const char *path, enum read_status st, int err,
			size_t max)
{
	switch (st) {
	case READ_OK:
		return true;
	case READ_MISSING:
		problem("%s: missing", path);
		break;
	case READ_ERROR:
		problem("%s: %s", path, strerror(err));
		break;
	case READ_NOT_FILE:
		problem("%s: not a regular file", path);
		break;
	case READ_EMPTY:
		problem("%s: empty", path);
		break;
	case READ_TOO_LONG:
		problem("%s: too long (more than %zu bytes)", path, max);
		break;
	case READ_BINARY:
		problem("%s: holds a NUL byte", path);
		break;
	}
	return false;
}

/* Strip leading and trailing white space in place; returns the start. */
static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	return s;
}

/*
 * A decimal u32 as the kernel prints it: digits only, no sign; at most 10
 * digits (11 bytes of storage) and no more than UINT32_MAX.
 */
static bool parse_u32(const char *s, size_t n, uint32_t *v)
{
	uint64_t acc = 0;
	size_t i;

	if (n == 0 || n > 10)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		acc = acc * 10 + (uint64_t)(s[i] - '0');
	}
	if (acc > UINT32_MAX)
		return false;
	*v = (uint32_t)acc;
	return true;
}

/* "{8-4-4-4-12 hex digits}" as printed by the kernel's "{%pUl}". */
static bool is_guid_text(const char *s)
{
	size_t i;

	if (strlen(s) != GUID_TEXT_LEN || s[0] != '{' || s[37] != '}')
		return false;
	for (i = 1; i < 37; i++) {
		bool dash = i == 9 || i == 14 || i == 19 || i == 24;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static const char *class_desc(const char *class_id)
{
	size_t i;

	/*
	 * The kernel prints GUIDs in lower case; compare without regard to
	 * case so that a hand-made tree in upper case still matches.
	 */
	for (i = 0; i < sizeof(vmbus_classes) / sizeof(vmbus_classes[0]); i++)
		if (!strncasecmp(class_id + 1, vmbus_classes[i].guid, 36))
			return vmbus_classes[i].desc;
	return "Unknown";
}

/*
 * Read a one-line attribute of device directory @ddir: trimmed, it must be
 * a single line that @valid accepts. @out gets the trimmed text.
 */
static bool read_line_attr(int ddir, const char *dpath, const char *attr,
			   char *out, size_t outsz,
			   bool (*valid)(const char *), const char *what)
{
	char buf[MAX_VALUE_LEN + 2];
	enum read_status st;
	size_t len;
	char *path, *v;
	int err;
	bool ok = false;

	path = xasprintf("%s/%s", dpath, attr);
	st = read_attr(ddir, attr, buf, MAX_VALUE_LEN, &len, &err);
	if (!report_read(path, st, err, MAX_VALUE_LEN))
		goto out;
	v = trim(buf);
	if (!*v)
		problem("%s: empty", path);
	else if (strchr(v, '\n') || !valid(v) || strlen(v) >= outsz)
		problem("%s: not %s", path, what);
	else {
		memcpy(out, v, strlen(v) + 1);
		ok = true;
	}
out:
	free(path);
	return ok;
}

static bool valid_u32_text(const char *s)
{
	uint32_t v;

	return parse_u32(s, strlen(s), &v);
}

static bool printable_name(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return false;
	return true;
}

static void add_channel(struct device *d, size_t *cap, const char *relid,
			size_t rlen, uint32_t relid_num, const char *cpu,
			size_t clen)
{
	struct channel *c;

	if (d->nchans == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		d->chans = xrealloc(d->chans, *cap * sizeof(*d->chans));
	}
	c = &d->chans[d->nchans];
	memcpy(c->relid, relid, rlen);
	c->relid[rlen] = '\0';
	memcpy(c->cpu, cpu, clen);
	c->cpu[clen] = '\0';
	c->relid_num = relid_num;
	c->order = d->nchans;
	d->nchans++;
}

/*
 * channel_vp_mapping: one "relid:cpu" line per channel, primary first
 * (vmbus_drv.c, channel_vp_mapping_show()). A malformed line is reported
 * and left out; the others are kept.
 */
static void parse_vp_mapping(struct device *d, const char *path, char *text)
{
	size_t cap = 0, lineno = 0, bad = 0;
	char *line = text;

	while (line && *line) {
		char *next = strchr(line, '\n');
		char *l, *colon;
		uint32_t relid, cpu;

		if (next)
			*next++ = '\0';
		lineno++;
		l = trim(line);
		line = next;
		if (!*l)
			continue;
		colon = strchr(l, ':');
		if (!colon ||
		    !parse_u32(l, (size_t)(colon - l), &relid) ||
		    !parse_u32(colon + 1, strlen(colon + 1), &cpu)) {
			problem("%s: line %zu: not RELID:CPU", path, lineno);
			bad++;
			continue;
		}
		add_channel(d, &cap, l, (size_t)(colon - l), relid, colon + 1,
			    strlen(colon + 1));
	}
	if (d->nchans == 0 && bad == 0)
		problem("%s: no channels listed", path);
}

/*
 * channels/<relid>/cpu, one directory per channel (newer kernels create
 * them alongside channel_vp_mapping; used when the latter is missing).
 */
static void read_channel_dirs(struct device *d, int ddir, const char *dpath)
{
	char *cpath = xasprintf("%s/channels", dpath);
	size_t cap = 0;
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = openat(ddir, "channels", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			problem("%s: no channel information (neither channel_vp_mapping nor channels/)",
			       dpath);
		else
			problem("%s: %s", cpath, strerror(errno));
		free(cpath);
		return;
	}
	dir = fdopendir(fd);
	if (!dir) {
		problem("%s: %s", cpath, strerror(errno));
		close(fd);
		free(cpath);
		return;
	}
	while ((errno = 0, de = readdir(dir))) {
		char buf[MAX_VALUE_LEN + 2];
		char *file, *v;
		enum read_status st;
		uint32_t relid, cpu;
		size_t len, nlen = strlen(de->d_name);
		int err;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!parse_u32(de->d_name, nlen, &relid)) {
			problem("%s: unexpected entry '%s' (not a channel number)",
			       cpath, printable_name(de->d_name) ? de->d_name : "?");
			continue;
		}
		file = xasprintf("%s/cpu", de->d_name);
		st = read_attr(dirfd(dir), file, buf, MAX_VALUE_LEN, &len, &err);
		free(file);
		file = xasprintf("%s/%s/cpu", cpath, de->d_name);
		if (report_read(file, st, err, MAX_VALUE_LEN)) {
			v = trim(buf);
			if (!*v)
				problem("%s: empty", file);
			else if (!parse_u32(v, strlen(v), &cpu))
				problem("%s: not a CPU number", file);
			else
				add_channel(d, &cap, de->d_name, nlen, relid,
					    v, strlen(v));
		}
		free(file);
	}
	if (errno)
		problem("%s: %s", cpath, strerror(errno));
	else if (d->nchans == 0)
		problem("%s: no channels", cpath);
	closedir(dir);
	free(cpath);
}

static int cmp_channel(const void *a, const void *b)
{
	const struct channel *x = a, *y = b;

	if (x->relid_num != y->relid_num)
		return x->relid_num < y->relid_num ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void read_channels(struct device *d, int ddir, const char *dpath)
{
	char *buf = xrealloc(NULL, MAX_MAPPING_LEN + 2);
	char *path = xasprintf("%s/channel_vp_mapping", dpath);
	enum read_status st;
	size_t len;
	int err;

	st = read_attr(ddir, "channel_vp_mapping", buf, MAX_MAPPING_LEN, &len,
		       &err);
	if (st == READ_MISSING) {
		read_channel_dirs(d, ddir, dpath);
	} else if (report_read(path, st, err, MAX_MAPPING_LEN)) {
		parse_vp_mapping(d, path, buf);
	}
	if (d->nchans > 1)
		qsort(d->chans, d->nchans, sizeof(*d->chans), cmp_channel);
	free(path);
	free(buf);
}

/*
 * Fill @d from device directory @name under @devfd. Returns false (after
 * reporting why) when the device cannot be listed.
 */
static bool read_device(struct device *d, int devfd, const char *devpath,
			const char *name, bool want_channels)
{
	char *dpath = xasprintf("%s/%s", devpath, name);
	bool ok = false;
	int ddir;

	memset(d, 0, sizeof(*d));
	if (!printable_name(name)) {
		problem("%s: entry with a control character in its name skipped",
		       devpath);
		free(dpath);
		return false;
	}
	ddir = openat(devfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ddir < 0) {
		problem("%s: %s", dpath,
		       errno == ENOTDIR ? "not a device directory" : strerror(errno));
		free(dpath);
		return false;
	}
	/* All three are read so that every problem is reported at once. */
	ok = read_line_attr(ddir, dpath, "id", d->id, sizeof(d->id),
			    valid_u32_text, "a VMBus id (decimal relid)");
	ok &= read_line_attr(ddir, dpath, "class_id", d->class_id,
			     sizeof(d->class_id), is_guid_text, "a {GUID}");
	ok &= read_line_attr(ddir, dpath, "device_id", d->device_id,
			     sizeof(d->device_id), is_guid_text, "a {GUID}");
	if (ok) {
		parse_u32(d->id, strlen(d->id), &d->id_num);
		d->desc = class_desc(d->class_id);
		d->name = xstrdup(name);
		if (want_channels)
			read_channels(d, ddir, dpath);
	}
	close(ddir);
	free(dpath);
	return ok;
}

static int cmp_device(const void *a, const void *b)
{
	const struct device *x = a, *y = b;

	if (x->id_num != y->id_num)
		return x->id_num < y->id_num ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [-v|-vv] [--sysfs DIR]\n"
		"List the devices on the Hyper-V VMBus.\n"
		"\n"
		"  -v, --verbose   show class GUIDs and channels; -vv adds the\n"
		"                  device GUID and sysfs path\n"
		"      --sysfs DIR read DIR/bus/vmbus/devices (default /sys)\n"
		"  -h, --help      show this help\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "sysfs", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sysfs = "/sys";
	struct device *devs = NULL;
	size_t ndevs = 0, cap = 0, i, rootlen;
	struct dirent *de;
	struct stat st;
	char *root, *devpath;
	int verbose = 0, c, devfd;
	DIR *dir;

	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (verbose < 2)
				verbose++;
			break;
		case 'S':
			sysfs = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!*sysfs) {
		fputs(PROG ": --sysfs needs a directory\n", stderr);
		return 2;
	}

	/* "/sys/" and "/sys" print the same paths; "/" stays usable. */
	root = xstrdup(sysfs);
	rootlen = strlen(root);
	while (rootlen > 0 && root[rootlen - 1] == '/')
		root[--rootlen] = '\0';
	if (stat(rootlen ? root : "/", &st) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", sysfs, strerror(errno));
		free(root);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, PROG ": %s: not a directory\n", sysfs);
		free(root);
		return 1;
	}
	devpath = xasprintf("%s/bus/vmbus/devices", root);
	free(root);

	devfd = open(devpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (devfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			fprintf(stderr, PROG ": %s: no VMBus: is hv_vmbus loaded?\n",
				devpath);
		else
			fprintf(stderr, PROG ": %s: %s\n", devpath,
				strerror(errno));
		free(devpath);
		return 1;
	}
	dir = fdopendir(devfd);
	if (!dir) {
		fprintf(stderr, PROG ": %s: %s\n", devpath, strerror(errno));
		close(devfd);
		free(devpath);
		return 1;
	}
	while ((errno = 0, de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (ndevs == cap) {
			cap = cap ? cap * 2 : 16;
			devs = xrealloc(devs, cap * sizeof(*devs));
		}
		if (read_device(&devs[ndevs], dirfd(dir), devpath, de->d_name,
				verbose > 0))
			ndevs++;
	}
	if (errno)
		problem("%s: %s", devpath, strerror(errno));

	if (ndevs > 1)
		qsort(devs, ndevs, sizeof(*devs), cmp_device);

	for (i = 0; i < ndevs; i++) {
		const struct device *d = &devs[i];
		size_t j;

		if (verbose == 0) {
			printf("VMBUS ID %2s: %s\n", d->id, d->desc);
			continue;
		}
		printf("VMBUS ID %2s: Class_ID = %s - %s\n", d->id, d->class_id,
		       d->desc);
		if (verbose > 1)
			printf("\tDevice_ID = %s\n\tSysfs path: %s/%s\n",
			       d->device_id, devpath, d->name);
		for (j = 0; j < d->nchans; j++)
			printf("\tRel_ID=%s, target_cpu=%s\n", d->chans[j].relid,
			       d->chans[j].cpu);
		putchar('\n');
	}

	for (i = 0; i < ndevs; i++) {
		free(devs[i].name);
		free(devs[i].chans);
	}
	free(devs);
	closedir(dir);
	free(devpath);

	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, PROG ": write error: %s\n", strerror(errno));
		return 1;
	}
	return had_problem ? 1 : 0;
}
