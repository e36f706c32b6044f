/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Paths inside the guest root, and writing files without losing anything. */
#ifndef HVM_FILES_H
#define HVM_FILES_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Resolve rel (relative to root) following symlinks as the guest would see
 * them: an absolute link target is taken relative to root, and ".." never
 * leaves root. out receives the resolved path relative to root. A missing
 * final component is fine (out then names where it would be).
 */
int hvm_path_in_root(const char *root, const char *rel, char *out, size_t outsz);

/*
 * Replace path with buf atomically (temporary file in the same directory,
 * then rename), keeping owner, mode and extended attributes (SELinux labels
 * are the security.selinux attribute). The previous file is kept as
 * path.hv-migrate.bak (or .bak.N if that exists). On any failure the
 * original is untouched and err says why.
 */
int hvm_write_atomic(const char *path, const char *buf, size_t len,
		     char *backup, size_t backupsz, char *err, size_t errsz);

/* Create path (which must not exist) with mode, atomically. */
int hvm_write_new(const char *path, const char *buf, size_t len, mode_t mode,
		  char *err, size_t errsz);

#endif
