// SPDX-License-Identifier: GPL-2.0-only
#include "kvp_ipconfig.h"
#include "../common/log.h"
#include "../common/strutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copy a field the kernel filled with UTF-8; -1 if unterminated or not UTF-8. */
static int take_field(const void *field, size_t field_size, char *out, size_t cap)
{
	long len = str_bounded_len(field, field_size);

	if (len < 0 || (size_t)len >= cap || !utf8_valid(field, (size_t)len))
		return -1;
	memcpy(out, field, (size_t)len + 1);
	return 0;
}

static bool parse_one_addr(const char *text, struct kvp_addr *out)
{
	unsigned char bin[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, text, bin) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, text, bin) == 1)
		out->family = AF_INET6;
	else
		return false;
	out->prefix = out->family == AF_INET ? 32 : 128;
	return inet_ntop(out->family, bin, out->text, sizeof(out->text)) != NULL;
}

/* A netmask: "/N" or "N" (either family), or a contiguous dotted IPv4 mask. */
static bool parse_prefix(const char *text, int family, unsigned int *prefix)
{
	unsigned int max = family == AF_INET ? 32 : 128;
	struct in_addr mask;
	const char *p = text[0] == '/' ? text + 1 : text;

	if (*p && strspn(p, "0123456789") == strlen(p) && strlen(p) <= 3) {
		unsigned long v = strtoul(p, NULL, 10);

		if (v > max)
			return false;
		*prefix = (unsigned int)v;
		return true;
	}
	if (family == AF_INET && inet_pton(AF_INET, text, &mask) == 1) {
		uint32_t m = ntohl(mask.s_addr);
		unsigned int n = 0;

		while (n < 32 && (m & (0x80000000u >> n)))
			n++;
		if (n < 32 && (m << n) != 0)
			return false; /* holes in the mask */
		*prefix = n;
		return true;
	}
	return false;
}

/* Split "a;b; c" into tokens (spaces around tokens ignored, empties skipped). */
static unsigned int split_tokens(char *text, char **tokens, unsigned int max,
				 bool *overflow)
{
	unsigned int n = 0;
	char *save = NULL, *tok;

	*overflow = false;
	for (tok = strtok_r(text, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char *end;

		while (*tok == ' ')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && end[-1] == ' ')
			*--end = '\0';
		if (!*tok)
			continue;
		if (n == max) {
			*overflow = true;
			break;
		}
		tokens[n++] = tok;
	}
	return n;
}

static bool parse_addr_list(const char *what, char *text, struct kvp_addr *out,
			    unsigned int max, unsigned int *count)
{
	char *tokens[KVP_ADDR_MAX];
	bool overflow;
	unsigned int i, n = split_tokens(text, tokens, max, &overflow);

	if (overflow) {
		log_msg(LOG_ERR, "SET_IP_INFO: more than %u %s entries", max, what);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (!parse_one_addr(tokens[i], &out[i])) {
			log_msg(LOG_ERR, "SET_IP_INFO: invalid %s entry", what);
			return false;
		}
	}
	*count = n;
	return true;
}

unsigned int kvp_parse_ip_request(const struct hv_kvp_ipaddr_value *req,
				  struct kvp_ip_config *cfg)
{
	char ip[MAX_IP_ADDR_SIZE * 2], sub[MAX_IP_ADDR_SIZE * 2];
	char gw[MAX_GATEWAY_SIZE * 2], dns[MAX_IP_ADDR_SIZE * 2];
	char *masks[KVP_ADDR_MAX];
	unsigned int i, mask_count;
	bool overflow;

	memset(cfg, 0, sizeof(*cfg));
	if (req->dhcp_enabled > 1) {
		log_msg(LOG_ERR, "SET_IP_INFO: dhcp_enabled is %u", req->dhcp_enabled);
		return HV_INVALIDARG;
	}
	cfg->dhcp = req->dhcp_enabled == 1;
	if (take_field(req->ip_addr, sizeof(req->ip_addr), ip, sizeof(ip)) ||
	    take_field(req->sub_net, sizeof(req->sub_net), sub, sizeof(sub)) ||
	    take_field(req->gate_way, sizeof(req->gate_way), gw, sizeof(gw)) ||
	    take_field(req->dns_addr, sizeof(req->dns_addr), dns, sizeof(dns))) {
		log_msg(LOG_ERR, "SET_IP_INFO: unterminated or non-UTF-8 field");
		return HV_INVALIDARG;
	}
	if (!parse_addr_list("address", ip, cfg->addr, KVP_ADDR_MAX, &cfg->addr_count) ||
	    !parse_addr_list("gateway", gw, cfg->gateway, KVP_GATEWAY_MAX,
			     &cfg->gateway_count) ||
	    !parse_addr_list("DNS", dns, cfg->dns, KVP_DNS_MAX, &cfg->dns_count))
		return HV_INVALIDARG;
	mask_count = split_tokens(sub, masks, KVP_ADDR_MAX, &overflow);
	if (overflow || mask_count != cfg->addr_count) {
		log_msg(LOG_ERR, "SET_IP_INFO: %u addresses but %u netmasks",
			cfg->addr_count, mask_count);
		return HV_INVALIDARG;
	}
	for (i = 0; i < mask_count; i++) {
		if (!parse_prefix(masks[i], cfg->addr[i].family, &cfg->addr[i].prefix)) {
			log_msg(LOG_ERR, "SET_IP_INFO: invalid netmask entry %u", i);
			return HV_INVALIDARG;
		}
	}
	if (!cfg->dhcp && cfg->addr_count == 0) {
		log_msg(LOG_ERR, "SET_IP_INFO: static configuration without an address");
		return HV_INVALIDARG;
	}
	return HV_S_OK;
}

int kvp_normalize_guid(const char *in, char out[37])
{
	static const int group_len[5] = { 8, 4, 4, 4, 12 };
	size_t len = strlen(in);
	unsigned int g, o = 0;
	int k;

	if (len == 38 && in[0] == '{' && in[37] == '}')
		in++;
	else if (len != 36)
		return -1;
	for (g = 0; g < 5; g++) {
		for (k = 0; k < group_len[g]; k++, in++) {
			if (!isxdigit((unsigned char)*in))
				return -1;
			out[o++] = (char)tolower((unsigned char)*in);
		}
		if (g < 4) {
			if (*in++ != '-')
				return -1;
			out[o++] = '-';
		}
	}
	out[o] = '\0';
	return 0;
}

static bool ifname_safe(const char *name)
{
	size_t len = strlen(name), i;

	if (len == 0 || len >= IF_NAMESIZE || name[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-@", name[i]))
			return false;
	return true;
}

static int read_small_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int kvp_find_iface_by_guid(const char *sysfs_net, const char *guid,
			   char ifname[IF_NAMESIZE], int *ifindex, char mac[18])
{
	DIR *dir = opendir(sysfs_net);
	struct dirent *ent;
	int found = -1;

	if (!dir)
		return -1;
	while (found < 0 && (ent = readdir(dir))) {
		char path[PATH_MAX], text[128], norm[37];

		if (!ifname_safe(ent->d_name) ||
		    str_format(path, sizeof(path), "%s/%s/device/device_id", sysfs_net,
			       ent->d_name) ||
		    read_small_file(path, text, sizeof(text)) ||
		    kvp_normalize_guid(text, norm) || strcmp(norm, guid))
			continue;
		strcpy(ifname, ent->d_name);
		*ifindex = 0;
		mac[0] = '\0';
		if (!str_format(path, sizeof(path), "%s/%s/ifindex", sysfs_net, ent->d_name) &&
		    !read_small_file(path, text, sizeof(text)))
			*ifindex = atoi(text);
		if (!str_format(path, sizeof(path), "%s/%s/address", sysfs_net, ent->d_name) &&
		    (read_small_file(path, text, sizeof(text)) || kvp_normalize_mac(text, mac)))
			mac[0] = '\0';
		found = 0;
	}
	closedir(dir);
	return found;
}

/* Append formatted text; sets *overflow instead of truncating silently. */
static void emit(char *buf, size_t cap, size_t *used, bool *overflow,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void emit(char *buf, size_t cap, size_t *used, bool *overflow,
		 const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, cap - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *used) {
		*overflow = true;
		return;
	}
	*used += (size_t)n;
}

int kvp_render_networkd(const struct kvp_ip_config *cfg, const char *ifname,
			const char *mac, char *buf, size_t cap)
{
	size_t used = 0;
	bool overflow = false;
	unsigned int i;

	/*
	 * Name and MAC together: an SR-IOV VF carries the synthetic NIC's MAC
	 * and must not pick up the same configuration.
	 */
	emit(buf, cap, &used, &overflow,
	     "# Written by hv_kvp_daemon (hyperv-guest) for a Hyper-V SET_IP_INFO request.\n"
	     "[Match]\nName=%s\n", ifname);
	if (mac && mac[0])
		emit(buf, cap, &used, &overflow, "MACAddress=%s\n", mac);
	emit(buf, cap, &used, &overflow, "\n[Network]\nDHCP=%s\n",
	     cfg->dhcp ? "yes" : "no");
	for (i = 0; i < cfg->addr_count; i++)
		emit(buf, cap, &used, &overflow, "Address=%s/%u\n", cfg->addr[i].text,
		     cfg->addr[i].prefix);
	for (i = 0; i < cfg->gateway_count; i++)
		emit(buf, cap, &used, &overflow, "Gateway=%s\n", cfg->gateway[i].text);
	for (i = 0; i < cfg->dns_count; i++)
		emit(buf, cap, &used, &overflow, "DNS=%s\n", cfg->dns[i].text);
	return overflow ? -1 : 0;
}

/* One [ipv4] or [ipv6] section of a keyfile. */
static void render_nm_family(const struct kvp_ip_config *cfg, int family, char *buf,
			     size_t cap, size_t *used, bool *overflow)
{
	unsigned int i, n = 0, g = 0, d = 0;
	bool any = false;

	for (i = 0; i < cfg->addr_count; i++)
		any |= cfg->addr[i].family == family;
	emit(buf, cap, used, overflow, "\n[%s]\nmethod=%s\n", family == AF_INET ? "ipv4" : "ipv6",
	     cfg->dhcp ? "auto" : any ? "manual" : family == AF_INET ? "disabled" : "ignore");
	for (i = 0; i < cfg->addr_count; i++)
		if (cfg->addr[i].family == family)
			emit(buf, cap, used, overflow, "address%u=%s/%u\n", ++n, cfg->addr[i].text,
			     cfg->addr[i].prefix);
	for (i = 0; i < cfg->gateway_count; i++)
		if (cfg->gateway[i].family == family && g++ == 0)
			emit(buf, cap, used, overflow, "gateway=%s\n", cfg->gateway[i].text);
	for (i = 0; i < cfg->dns_count; i++)
		if (cfg->dns[i].family == family)
			emit(buf, cap, used, overflow, "%s%s;", d++ ? "" : "dns=", cfg->dns[i].text);
	if (d)
		emit(buf, cap, used, overflow, "\n");
}

int kvp_render_nm_keyfile(const struct kvp_ip_config *cfg, const char *ifname,
			  const char *mac, const char *uuid, char *buf, size_t cap)
{
	size_t used = 0;
	bool overflow = false;

	emit(buf, cap, &used, &overflow,
	     "# Written by hv_kvp_daemon (hyperv-guest) for a Hyper-V SET_IP_INFO request.\n"
	     "[connection]\nid=hyperv-%s\nuuid=%s\ntype=ethernet\ninterface-name=%s\n"
	     "autoconnect=true\n", ifname, uuid, ifname);
	if (mac && mac[0])
		emit(buf, cap, &used, &overflow, "\n[ethernet]\nmac-address=%s\n", mac);
	render_nm_family(cfg, AF_INET, buf, cap, &used, &overflow);
	render_nm_family(cfg, AF_INET6, buf, cap, &used, &overflow);
	return overflow ? -1 : 0;
}

int kvp_render_ifcfg(const struct kvp_ip_config *cfg, const char *ifname,
		     const char *mac, char *buf, size_t cap)
{
	size_t used = 0;
	bool overflow = false, v6 = false;
	unsigned int i, n4 = 0, gw4 = 0, dns = 0, secondaries = 0;

	/* Every value below is our own re-formatting of a parsed address, so
	 * nothing can break out of the assignment when a shell sources it. */
	emit(buf, cap, &used, &overflow,
	     "# Written by hv_kvp_daemon (hyperv-guest) for a Hyper-V SET_IP_INFO request.\n"
	     "DEVICE=%s\nONBOOT=yes\nBOOTPROTO=%s\n", ifname, cfg->dhcp ? "dhcp" : "none");
	if (mac && mac[0])
		emit(buf, cap, &used, &overflow, "HWADDR=%s\n", mac);
	for (i = 0; i < cfg->addr_count; i++) {
		if (cfg->addr[i].family != AF_INET)
			continue;
		emit(buf, cap, &used, &overflow, "IPADDR%u=%s\nPREFIX%u=%u\n", n4,
		     cfg->addr[i].text, n4, cfg->addr[i].prefix);
		n4++;
	}
	for (i = 0; i < cfg->addr_count; i++) {
		if (cfg->addr[i].family != AF_INET6)
			continue;
		if (!v6) {
			emit(buf, cap, &used, &overflow, "IPV6INIT=yes\nIPV6ADDR=%s/%u\n",
			     cfg->addr[i].text, cfg->addr[i].prefix);
			v6 = true;
		} else {
			/* One quoted, space-separated list (initscripts' format). */
			emit(buf, cap, &used, &overflow, "%s%s/%u",
			     secondaries++ ? " " : "IPV6ADDR_SECONDARIES=\"",
			     cfg->addr[i].text, cfg->addr[i].prefix);
		}
	}
	if (secondaries)
		emit(buf, cap, &used, &overflow, "\"\n");
	for (i = 0; i < cfg->gateway_count; i++) {
		if (cfg->gateway[i].family == AF_INET) {
			if (gw4++ == 0)
				emit(buf, cap, &used, &overflow, "GATEWAY=%s\n",
				     cfg->gateway[i].text);
		} else {
			emit(buf, cap, &used, &overflow, "IPV6_DEFAULTGW=%s\n",
			     cfg->gateway[i].text);
		}
	}
	for (i = 0; i < cfg->dns_count; i++)
		emit(buf, cap, &used, &overflow, "DNS%u=%s\n", ++dns, cfg->dns[i].text);
	return overflow ? -1 : 0;
}

int kvp_write_file_atomic(const char *dir, const char *name, const char *text,
			  unsigned int mode)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	size_t len = strlen(text);
	int fd, dir_fd;

	if (str_format(final, sizeof(final), "%s/%s", dir, name) ||
	    str_format(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name))
		return -1;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	if (fchmod(fd, mode) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
		int saved = errno;

		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	close(fd);
	if (rename(tmp, final) < 0) {
		int saved = errno;

		unlink(tmp);
		errno = saved;
		return -1;
	}
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd >= 0) {
		fsync(dir_fd);
		close(dir_fd);
	}
	return 0;
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

unsigned int kvp_set_ip_info(const struct kvp_ipconfig_env *env,
			     const struct hv_kvp_ipaddr_value *req)
{
	char adapter[MAX_ADAPTER_ID_SIZE * 2], guid[37], ifname[IF_NAMESIZE], mac[18];
	char name[64], text[8192];
	struct kvp_ip_config cfg;
	enum kvp_ip_backend backend = env->backend;
	unsigned int status;
	int ifindex = 0;

	if (take_field(req->adapter_id, sizeof(req->adapter_id), adapter, sizeof(adapter)) ||
	    kvp_normalize_guid(adapter, guid)) {
		log_msg(LOG_ERR, "SET_IP_INFO: adapter id is not a GUID");
		return HV_INVALIDARG;
	}
	status = kvp_parse_ip_request(req, &cfg);
	if (status != HV_S_OK)
		return status;
	if (kvp_find_iface_by_guid(env->sysfs_net, guid, ifname, &ifindex, mac)) {
		log_msg(LOG_ERR, "SET_IP_INFO: no interface for adapter %s", guid);
		return HV_GUID_NOTFOUND;
	}
	if (backend == KVP_IP_BACKEND_AUTO)
		backend = dir_exists(env->nm_run)	? KVP_IP_BACKEND_NETWORKMANAGER
			: dir_exists(env->networkd_run) ? KVP_IP_BACKEND_NETWORKD
			: dir_exists(env->ifcfg_dir)	? KVP_IP_BACKEND_IFCFG
							: KVP_IP_BACKEND_NONE;
	switch (backend) {
	case KVP_IP_BACKEND_NETWORKMANAGER: {
		char path[PATH_MAX];

		/* Keyfiles must not be readable by others (NetworkManager refuses them). */
		if (kvp_render_nm_keyfile(&cfg, ifname, mac, guid, text, sizeof(text)) ||
		    str_format(name, sizeof(name), "hyperv-%s.nmconnection", ifname) ||
		    str_format(path, sizeof(path), "%s/%s", env->nm_dir, name))
			return HV_E_FAIL;
		if (kvp_write_file_atomic(env->nm_dir, name, text, 0600)) {
			log_msg(LOG_ERR, "SET_IP_INFO: cannot write %s: %s", path, strerror(errno));
			return errno == ENOSPC ? HV_ERROR_DISK_FULL : HV_E_FAIL;
		}
		if (env->nm_activate && env->nm_activate(env->nm_ctx, path, guid, ifname)) {
			log_msg(LOG_ERR, "SET_IP_INFO: NetworkManager did not activate %s", name);
			return HV_E_FAIL;
		}
		break;
	}
	case KVP_IP_BACKEND_NETWORKD:
		if (kvp_render_networkd(&cfg, ifname, mac, text, sizeof(text)) ||
		    str_format(name, sizeof(name), "50-hyperv-%s.network", ifname))
			return HV_E_FAIL;
		if (kvp_write_file_atomic(env->networkd_dir, name, text, 0644)) {
			log_msg(LOG_ERR, "SET_IP_INFO: cannot write %s/%s: %s",
				env->networkd_dir, name, strerror(errno));
			return errno == ENOSPC ? HV_ERROR_DISK_FULL : HV_E_FAIL;
		}
		if (env->networkd_reload && env->networkd_reload(env->reload_ctx, ifindex)) {
			log_msg(LOG_ERR, "SET_IP_INFO: networkd did not reload");
			return HV_E_FAIL;
		}
		break;
	case KVP_IP_BACKEND_IFCFG:
		if (kvp_render_ifcfg(&cfg, ifname, mac, text, sizeof(text)) ||
		    str_format(name, sizeof(name), "ifcfg-%s", ifname))
			return HV_E_FAIL;
		if (kvp_write_file_atomic(env->ifcfg_dir, name, text, 0644)) {
			log_msg(LOG_ERR, "SET_IP_INFO: cannot write %s/%s: %s",
				env->ifcfg_dir, name, strerror(errno));
			return errno == ENOSPC ? HV_ERROR_DISK_FULL : HV_E_FAIL;
		}
		break;
	case KVP_IP_BACKEND_AUTO:
	case KVP_IP_BACKEND_NONE:
		log_msg(LOG_ERR, "SET_IP_INFO: no network configuration backend");
		return HV_ERROR_NOT_SUPPORTED;
	}
	log_msg(LOG_INFO, "SET_IP_INFO: configured %s (%s)", ifname,
		cfg.dhcp ? "DHCP" : "static");
	return HV_S_OK;
}
