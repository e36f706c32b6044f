/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The auto pool (KVP_POOL_AUTO, pool 2): values the daemon generates rather
 * than reads from a file, in upstream's enumeration order (tools/hv/
 * hv_kvp_daemon.c, enum key_index).
 *
 * Every value is sanitised to printable ASCII and capped (value_cap) before
 * it reaches the host: host tools have misbehaved on long OS strings, which
 * is why upstream already cuts OSVersion to "x.y.z".
 */
#ifndef HVG_KVP_AUTO_H
#define HVG_KVP_AUTO_H

#include <stddef.h>

#include "kvp_pool.h"

enum kvp_auto_index {
	KVP_AUTO_FQDN = 0,
	KVP_AUTO_INTEGRATION_VERSION,
	KVP_AUTO_IPV4,
	KVP_AUTO_IPV6,
	KVP_AUTO_OS_BUILD,
	KVP_AUTO_OS_NAME,
	KVP_AUTO_OS_MAJOR,
	KVP_AUTO_OS_MINOR,
	KVP_AUTO_OS_VERSION,
	KVP_AUTO_ARCH,
	KVP_AUTO_COUNT
};

#define KVP_AUTO_TEXT_MAX 256

struct kvp_auto_info {
	char fqdn[KVP_AUTO_TEXT_MAX];
	char integration_version[KVP_AUTO_TEXT_MAX];
	char os_build[KVP_AUTO_TEXT_MAX];
	char os_name[KVP_AUTO_TEXT_MAX];
	char os_major[KVP_AUTO_TEXT_MAX];
	char os_minor[KVP_AUTO_TEXT_MAX];
	char os_version[KVP_AUTO_TEXT_MAX];
	char arch[KVP_AUTO_TEXT_MAX];
};

const char *kvp_auto_key_name(enum kvp_auto_index index);

/*
 * Fill everything but the integration version (which comes from the kernel
 * handshake): uname, the os-release file at @os_release_path, hostname and
 * its canonical name. Values are sanitised and capped at @value_cap bytes
 * (including the NUL; at most KVP_AUTO_TEXT_MAX).
 */
void kvp_auto_collect(struct kvp_auto_info *info, const char *os_release_path,
		      size_t value_cap);

/* Parse os-release text: NAME= and VERSION_ID= (quotes removed). */
void kvp_parse_os_release(const char *text, char *name, size_t name_cap,
			  char *version_id, size_t version_cap);

/* "6.1.0-18-amd64" -> "6.1.0": upstream cuts at the first '-'. */
void kvp_os_version_from_release(const char *release, char *out, size_t cap);

#endif
