// SPDX-License-Identifier: GPL-2.0-only
#include "kvp_net.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool kvp_iface_allowed(const struct kvp_iface_filter *filter, const char *name)
{
	if (filter->include.count && !pattern_list_match(&filter->include, name))
		return false;
	return !pattern_list_match(&filter->exclude, name);
}

/* Append "item" to a ';'-separated list if it fits entirely. */
static bool list_append(char *out, size_t cap, const char *item)
{
	size_t used = strlen(out), need = strlen(item) + (used ? 1 : 0);

	if (used + need + 1 > cap)
		return false;
	if (used)
		out[used++] = ';';
	strcpy(out + used, item);
	return true;
}

void kvp_format_all_addresses(const struct kvp_iface *ifaces, unsigned int count,
			      const struct kvp_iface_filter *filter, int family,
			      char *out, size_t cap)
{
	unsigned int i, a;

	out[0] = '\0';
	for (i = 0; i < count; i++) {
		if (!kvp_iface_allowed(filter, ifaces[i].name))
			continue;
		for (a = 0; a < ifaces[i].addr_count; a++)
			if (ifaces[i].addr[a].family == family &&
			    !list_append(out, cap, ifaces[i].addr[a].text))
				return;
	}
}

int kvp_normalize_mac(const char *in, char out[18])
{
	unsigned int i, o = 0;

	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)in[0]) || !isxdigit((unsigned char)in[1]))
			return -1;
		out[o++] = (char)toupper((unsigned char)in[0]);
		out[o++] = (char)toupper((unsigned char)in[1]);
		in += 2;
		if (i < 5) {
			if (*in != ':' && *in != '-')
				return -1;
			out[o++] = ':';
			in++;
		}
	}
	if (*in)
		return -1;
	out[o] = '\0';
	return 0;
}

static bool parse_addr(const char *text, struct kvp_addr *out)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, text, buf) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, text, buf) == 1)
		out->family = AF_INET6;
	else
		return false;
	/* Re-format: the host gets our canonical text, never the file's. */
	return inet_ntop(out->family, buf, out->text, sizeof(out->text)) != NULL;
}

unsigned int kvp_read_resolv_conf(const char *path, struct kvp_addr *dns,
				  unsigned int max)
{
	FILE *f = fopen(path, "re");
	char line[512];
	unsigned int n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char word[16], addr[128];

		if (sscanf(line, "%15s %127s", word, addr) != 2 ||
		    strcmp(word, "nameserver"))
			continue;
		/* Drop a zone suffix (fe80::1%eth0): the host cannot use it. */
		addr[strcspn(addr, "%")] = '\0';
		if (parse_addr(addr, &dns[n]))
			n++;
	}
	fclose(f);
	return n;
}

bool kvp_dhcp_enabled(const struct kvp_dhcp_sources *src, const struct kvp_iface *iface)
{
	char path[512], line[256];
	bool dhcp = false;
	FILE *f;

	if (src->networkd_leases_dir &&
	    !str_format(path, sizeof(path), "%s/%d", src->networkd_leases_dir,
			iface->ifindex) &&
	    access(path, F_OK) == 0)
		return true;
	if (!src->ifcfg_dir ||
	    str_format(path, sizeof(path), "%s/ifcfg-%s", src->ifcfg_dir, iface->name))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "BOOTPROTO=", 10))
			continue;
		p += 10;
		if (*p == '"' || *p == '\'')
			p++;
		dhcp = !strncmp(p, "dhcp", 4);
	}
	fclose(f);
	return dhcp;
}

static void ipv4_mask_text(unsigned int prefix, char *out, size_t cap)
{
	unsigned long mask = prefix ? (0xffffffffUL << (32 - prefix)) & 0xffffffffUL : 0;

	snprintf(out, cap, "%lu.%lu.%lu.%lu", mask >> 24, (mask >> 16) & 0xff,
		 (mask >> 8) & 0xff, mask & 0xff);
}

void kvp_fill_ip_info(const struct kvp_iface *iface, const struct kvp_addr *dns,
		      unsigned int dns_count, bool dhcp,
		      struct hv_kvp_ipaddr_value *out)
{
	char *ip = (char *)out->ip_addr, *sub = (char *)out->sub_net;
	char *gw = (char *)out->gate_way, *dn = (char *)out->dns_addr;
	unsigned int i;

	memset(out->ip_addr, 0, sizeof(out->ip_addr));
	memset(out->sub_net, 0, sizeof(out->sub_net));
	memset(out->gate_way, 0, sizeof(out->gate_way));
	memset(out->dns_addr, 0, sizeof(out->dns_addr));
	out->addr_family = ADDR_FAMILY_NONE;
	out->dhcp_enabled = dhcp ? 1 : 0;

	for (i = 0; i < iface->addr_count; i++) {
		const struct kvp_addr *a = &iface->addr[i];
		char mask[INET6_ADDRSTRLEN + 2];
		size_t ip_len = strlen(ip), sub_len = strlen(sub);

		if (a->family == AF_INET)
			ipv4_mask_text(a->prefix, mask, sizeof(mask));
		else
			snprintf(mask, sizeof(mask), "/%u", a->prefix);
		/* Address and mask go in together or not at all. */
		if (!list_append(ip, MAX_IP_ADDR_SIZE, a->text))
			break;
		if (!list_append(sub, MAX_IP_ADDR_SIZE, mask)) {
			ip[ip_len] = '\0';
			sub[sub_len] = '\0';
			break;
		}
		out->addr_family |= a->family == AF_INET ? ADDR_FAMILY_IPV4
							 : ADDR_FAMILY_IPV6;
	}
	for (i = 0; i < iface->gateway_count; i++)
		if (!list_append(gw, MAX_GATEWAY_SIZE, iface->gateway[i].text))
			break;
	for (i = 0; i < dns_count; i++)
		if (!list_append(dn, MAX_IP_ADDR_SIZE, dns[i].text))
			break;
}
