/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The /dev/vmbus/hv_* character devices deliver one message per read() and
 * take one message per write() (drivers/hv/hv_utils_transport.c: a short
 * read buffer gets EINVAL, a write of the wrong size gets EINVAL, a second
 * open gets EBUSY). A SOCK_SEQPACKET socketpair behaves the same way, which
 * is how the unit tests stand in for the kernel.
 */
#ifndef HVG_DEVICE_H
#define HVG_DEVICE_H

#include <stddef.h>
#include <sys/types.h>

/* Open the device read-write, close-on-exec. Returns fd or -1 (logged). */
int device_open(const char *path);

/*
 * Wait for and read one message into buf (capacity cap). Returns its length
 * (> 0), 0 if the device went away (EOF), or -1 on error. EINTR is retried.
 */
ssize_t device_read(int fd, void *buf, size_t cap);

/* Write exactly one message. Returns 0, or -1 if not all of it went out. */
int device_write(int fd, const void *buf, size_t len);

#endif
