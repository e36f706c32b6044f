// SPDX-License-Identifier: GPL-2.0-only
#include "kvp_auto.h"
#include "../common/strutil.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *const kvp_auto_keys[KVP_AUTO_COUNT] = {
	[KVP_AUTO_FQDN] = "FullyQualifiedDomainName",
	[KVP_AUTO_INTEGRATION_VERSION] = "IntegrationServicesVersion",
	[KVP_AUTO_IPV4] = "NetworkAddressIPv4",
	[KVP_AUTO_IPV6] = "NetworkAddressIPv6",
	[KVP_AUTO_OS_BUILD] = "OSBuildNumber",
	[KVP_AUTO_OS_NAME] = "OSName",
	[KVP_AUTO_OS_MAJOR] = "OSMajorVersion",
	[KVP_AUTO_OS_MINOR] = "OSMinorVersion",
	[KVP_AUTO_OS_VERSION] = "OSVersion",
	[KVP_AUTO_ARCH] = "ProcessorArchitecture",
};

const char *kvp_auto_key_name(enum kvp_auto_index index)
{
	return (unsigned int)index < KVP_AUTO_COUNT ? kvp_auto_keys[index] : NULL;
}

static void copy_unquoted(const char *src, size_t len, char *dst, size_t cap)
{
	if (len >= 2 && (src[0] == '"' || src[0] == '\'') && src[len - 1] == src[0]) {
		src++;
		len -= 2;
	}
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void kvp_parse_os_release(const char *text, char *name, size_t name_cap,
			  char *version_id, size_t version_cap)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len > 5 && !strncmp(line, "NAME=", 5))
			copy_unquoted(line + 5, len - 5, name, name_cap);
		else if (len > 11 && !strncmp(line, "VERSION_ID=", 11))
			copy_unquoted(line + 11, len - 11, version_id, version_cap);
		line = end ? end + 1 : NULL;
	}
}

void kvp_os_version_from_release(const char *release, char *out, size_t cap)
{
	size_t len = strcspn(release, "-");

	if (len >= cap)
		len = cap - 1;
	memcpy(out, release, len);
	out[len] = '\0';
}

static void canonical_hostname(char *out, size_t cap)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_CANONNAME };
	struct addrinfo *info = NULL;
	char host[256];

	if (gethostname(host, sizeof(host)) < 0) {
		snprintf(out, cap, "unknown");
		return;
	}
	host[sizeof(host) - 1] = '\0';
	/* Without a canonical name, report the plain host name (upstream
	 * reports the resolver's error text instead). */
	if (getaddrinfo(host, NULL, &hints, &info) == 0 && info && info->ai_canonname)
		snprintf(out, cap, "%s", info->ai_canonname);
	else
		snprintf(out, cap, "%s", host);
	if (info)
		freeaddrinfo(info);
}

void kvp_auto_collect(struct kvp_auto_info *info, const char *os_release_path,
		      size_t value_cap)
{
	char raw_name[KVP_AUTO_TEXT_MAX] = "", raw_version[KVP_AUTO_TEXT_MAX] = "";
	char text[8192], tmp[KVP_AUTO_TEXT_MAX];
	struct utsname uts;
	FILE *f;

	if (value_cap == 0 || value_cap > KVP_AUTO_TEXT_MAX)
		value_cap = KVP_AUTO_TEXT_MAX;
	memset(info, 0, sizeof(*info));
	if (uname(&uts) < 0)
		memset(&uts, 0, sizeof(uts));

	f = fopen(os_release_path, "re");
	if (f) {
		size_t len = fread(text, 1, sizeof(text) - 1, f);

		text[len] = '\0';
		fclose(f);
		kvp_parse_os_release(text, raw_name, sizeof(raw_name), raw_version,
				     sizeof(raw_version));
	}
	if (!raw_name[0])
		snprintf(raw_name, sizeof(raw_name), "%s", uts.sysname);

	str_sanitize_ascii(info->os_name, value_cap, raw_name);
	str_sanitize_ascii(info->os_major, value_cap, raw_version);
	/* Only legacy release files carried a minor version (upstream). */
	info->os_minor[0] = '\0';
	str_sanitize_ascii(info->os_build, value_cap, uts.release);
	kvp_os_version_from_release(uts.release, tmp, sizeof(tmp));
	str_sanitize_ascii(info->os_version, value_cap, tmp);
	str_sanitize_ascii(info->arch, value_cap, uts.machine);
	canonical_hostname(tmp, sizeof(tmp));
	str_sanitize_ascii(info->fqdn, value_cap, tmp);
}
