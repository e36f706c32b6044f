// SPDX-License-Identifier: GPL-2.0-only
/*
 * LD_PRELOAD shim for the differential test: lets an unmodified daemon
 * binary (the distribution's hv_kvp_daemon, or ours) talk to a fake device.
 *
 *   open("/dev/vmbus/hv_*")    -> a SOCK_SEQPACKET connection to
 *                                 $HVG_FAKE_DEVICE (message-per-read like
 *                                 the real character device)
 *   /var/lib/hyperv/...        -> $HVG_POOL_DIR/... (open, fopen, mkdir, access)
 *
 * Test-only; never installed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define POOL_PREFIX "/var/lib/hyperv"

int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
FILE *fopen(const char *path, const char *mode);
FILE *fopen64(const char *path, const char *mode);
int mkdir(const char *path, mode_t mode);
int access(const char *path, int mode);

static const char *rewrite(const char *path, char *buf, size_t cap)
{
	const char *dir = getenv("HVG_POOL_DIR");
	size_t len = strlen(POOL_PREFIX);

	if (dir && !strncmp(path, POOL_PREFIX, len) && (path[len] == '/' || path[len] == '\0')) {
		snprintf(buf, cap, "%s%s", dir, path + len);
		return buf;
	}
	return path;
}

static int is_device(const char *path)
{
	return !strncmp(path, "/dev/vmbus/hv_", 14);
}

static int connect_device(void)
{
	const char *where = getenv("HVG_FAKE_DEVICE");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (!where || strlen(where) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, where);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int do_open(const char *name, const char *path, int flags, mode_t mode)
{
	int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
	char buf[4096];

	if (is_device(path))
		return connect_device();
	return real(rewrite(path, buf, sizeof(buf)), flags, mode);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return do_open("open", path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return do_open("open64", path, flags, mode);
}

int __open_2(const char *path, int flags)
{
	return do_open("open", path, flags, 0);
}

int __open64_2(const char *path, int flags)
{
	return do_open("open64", path, flags, 0);
}

FILE *fopen(const char *path, const char *mode)
{
	FILE *(*real)(const char *, const char *) =
		(FILE * (*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");
	char buf[4096];

	return real(rewrite(path, buf, sizeof(buf)), mode);
}

FILE *fopen64(const char *path, const char *mode)
{
	FILE *(*real)(const char *, const char *) =
		(FILE * (*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen64");
	char buf[4096];

	return real(rewrite(path, buf, sizeof(buf)), mode);
}

int mkdir(const char *path, mode_t mode)
{
	int (*real)(const char *, mode_t) = (int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir");
	char buf[4096];

	return real(rewrite(path, buf, sizeof(buf)), mode);
}

int access(const char *path, int mode)
{
	int (*real)(const char *, int) = (int (*)(const char *, int))dlsym(RTLD_NEXT, "access");
	char buf[4096];

	return real(rewrite(path, buf, sizeof(buf)), mode);
}
