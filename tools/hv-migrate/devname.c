// SPDX-License-Identifier: GPL-2.0-or-later
#include "devname.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Name families whose disk part is prefix + letters. Order matters only in
 * that no entry is a prefix of another at the same position ("xvd" starts
 * with 'x', so "vd" cannot steal it). */
static const char *const letter_families[] = { "sd", "hd", "xvd", "vd" };

/* by-id links that udev derives from content, not from the controller:
 * they survive a move and are left alone (60-persistent-storage.rules,
 * 13-dm-disk.rules, 63-md-raid-arrays.rules). */
static const char *const stable_by_id[] = {
	"lvm-pv-uuid-", "dm-uuid-", "dm-name-", "md-uuid-", "md-name-",
};

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static size_t span_digits(const char *s, size_t avail)
{
	size_t n = 0;

	while (n < avail && isdigit((unsigned char)s[n]))
		n++;
	return n;
}

static size_t span_lower(const char *s, size_t avail)
{
	size_t n = 0;

	while (n < avail && s[n] >= 'a' && s[n] <= 'z')
		n++;
	return n;
}

/* Parse an unsigned decimal of at most 6 digits; bigger numbers are not
 * device numbers and would only overflow. */
static int parse_small(const char *s, size_t n)
{
	int v = 0;

	if (n == 0 || n > 6)
		return -1;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* The end of a name: accepted only if what follows cannot continue a name.
 * Glob and regex characters mark a pattern such as /dev/sd[ab]1. */
static bool finish(const char *s, size_t avail, size_t used,
		   struct hvm_devref *ref)
{
	if (used < avail) {
		char c = s[used];

		if (is_name_char(c))
			return false;
		ref->glob = (c == '*' || c == '?' || c == '[');
	}
	ref->len = used;
	return true;
}

static bool set_disk(struct hvm_devref *ref, const char *s, size_t n)
{
	if (n >= sizeof(ref->disk))
		return false;
	memcpy(ref->disk, s, n);
	ref->disk[n] = '\0';
	return true;
}

/* "c0d0" or "c0d0p1" after "cciss/" or "ida/" (Documentation/blockdev/
 * cciss.rst: /dev/cciss/c<ctlr>d<disk>[p<part>]). */
static bool parse_cxdy(const char *s, size_t avail, size_t at,
		       struct hvm_devref *ref)
{
	size_t i = at, n;

	if (i >= avail || s[i] != 'c')
		return false;
	n = span_digits(s + i + 1, avail - i - 1);
	if (!n)
		return false;
	i += 1 + n;
	if (i >= avail || s[i] != 'd')
		return false;
	n = span_digits(s + i + 1, avail - i - 1);
	if (!n)
		return false;
	i += 1 + n;
	if (!set_disk(ref, s + 5, i - 5))
		return false;
	if (i < avail && s[i] == 'p') {
		n = span_digits(s + i + 1, avail - i - 1);
		if (!n || (ref->part = parse_small(s + i + 1, n)) < 1)
			return false;
		i += 1 + n;
	}
	return finish(s, avail, i, ref);
}

/* by-id / by-path: a link name up to a delimiter; "-partN" at its end
 * names a partition (60-persistent-storage.rules). */
static bool parse_link(const char *s, size_t avail, size_t at,
		       struct hvm_devref *ref)
{
	size_t end = at;
	const char *dash;
	size_t namelen;

	while (end < avail) {
		char c = s[end];

		if (isspace((unsigned char)c) || c == '"' || c == '\'' ||
		    c == ',' || c == '|' || c == ')' || c == ';' || c == '\0')
			break;
		end++;
	}
	if (end == at)
		return false;
	namelen = end;
	/* find the last "-part" and check only digits follow */
	for (dash = s + end - 1; dash > s + at; dash--) {
		if (*dash == '-' && (size_t)(s + end - dash) > 5 &&
		    !strncmp(dash, "-part", 5)) {
			size_t d = span_digits(dash + 5, (size_t)(s + end - dash - 5));

			if (d && dash + 5 + d == s + end) {
				ref->part = parse_small(dash + 5, d);
				if (ref->part < 1)
					return false;
				namelen = (size_t)(dash - s);
			}
			break;
		}
	}
	if (!set_disk(ref, s + 5, namelen - 5))
		return false;
	ref->len = end;
	return true;
}

bool hvm_devref_parse(const char *s, size_t avail, struct hvm_devref *ref)
{
	size_t i, n;

	memset(ref, 0, sizeof(*ref));
	if (avail < 6 || strncmp(s, "/dev/", 5))
		return false;
	i = 5;

	if (avail - i > 11 && !strncmp(s + i, "disk/by-id/", 11)) {
		for (size_t k = 0; k < sizeof(stable_by_id) / sizeof(*stable_by_id); k++) {
			size_t pl = strlen(stable_by_id[k]);

			if (avail - i - 11 >= pl && !strncmp(s + i + 11, stable_by_id[k], pl))
				return false;
		}
		ref->kind = HVM_REF_BY_ID;
		return parse_link(s, avail, i + 11, ref);
	}
	if (avail - i > 13 && !strncmp(s + i, "disk/by-path/", 13)) {
		ref->kind = HVM_REF_BY_PATH;
		return parse_link(s, avail, i + 13, ref);
	}

	ref->kind = HVM_REF_KERNEL;
	if (avail - i > 6 && !strncmp(s + i, "cciss/", 6)) {
		strcpy(ref->prefix, "cciss");
		return parse_cxdy(s, avail, i + 6, ref);
	}
	if (avail - i > 4 && !strncmp(s + i, "ida/", 4)) {
		strcpy(ref->prefix, "ida");
		return parse_cxdy(s, avail, i + 4, ref);
	}
	if (avail - i > 4 && !strncmp(s + i, "nvme", 4)) {
		/* nvme<ctrl>n<ns>[p<part>] (drivers/nvme/host/core.c) */
		size_t j = i + 4;

		strcpy(ref->prefix, "nvme");
		n = span_digits(s + j, avail - j);
		if (!n)
			return false;
		j += n;
		if (j >= avail || s[j] != 'n')
			return false;
		n = span_digits(s + j + 1, avail - j - 1);
		if (!n)
			return false;
		j += 1 + n;
		if (!set_disk(ref, s + i, j - i))
			return false;
		if (j < avail && s[j] == 'p') {
			n = span_digits(s + j + 1, avail - j - 1);
			if (!n || (ref->part = parse_small(s + j + 1, n)) < 1)
				return false;
			j += 1 + n;
		}
		return finish(s, avail, j, ref);
	}
	if (avail - i > 6 && !strncmp(s + i, "mmcblk", 6)) {
		size_t j = i + 6;

		strcpy(ref->prefix, "mmcblk");
		n = span_digits(s + j, avail - j);
		if (!n)
			return false;
		j += n;
		if (!set_disk(ref, s + i, j - i))
			return false;
		if (j < avail && s[j] == 'p') {
			n = span_digits(s + j + 1, avail - j - 1);
			if (!n || (ref->part = parse_small(s + j + 1, n)) < 1)
				return false;
			j += 1 + n;
		}
		return finish(s, avail, j, ref);
	}
	for (size_t k = 0; k < sizeof(letter_families) / sizeof(*letter_families); k++) {
		const char *fam = letter_families[k];
		size_t fl = strlen(fam), j = i + fl;

		if (avail - i <= fl || strncmp(s + i, fam, fl))
			continue;
		n = span_lower(s + j, avail - j);
		/* a pattern over disk letters: /dev/sd[ab]1, /dev/xvd* */
		if (n == 0 && j < avail && (s[j] == '*' || s[j] == '?' || s[j] == '[')) {
			strcpy(ref->prefix, fam);
			set_disk(ref, s + i, fl);
			ref->glob = true;
			ref->len = j;
			return true;
		}
		/* sd allows any number of letters in theory; 3 letters is
		 * 18278 disks, more is surely not a disk name */
		if (n < 1 || n > 3)
			return false;
		j += n;
		strcpy(ref->prefix, fam);
		if (!set_disk(ref, s + i, j - i))
			return false;
		n = span_digits(s + j, avail - j);
		if (n) {
			ref->part = parse_small(s + j, n);
			if (ref->part < 1)
				return false;
			j += n;
		}
		return finish(s, avail, j, ref);
	}
	return false;
}

long hvm_devref_find(const char *buf, size_t len, size_t from,
		     struct hvm_devref *ref)
{
	for (size_t i = from; i + 5 < len; i++) {
		if (buf[i] != '/' || memcmp(buf + i, "/dev/", 5))
			continue;
		/* "/mnt/dev/sda" is a path, not a device reference */
		if (i > 0) {
			char p = buf[i - 1];

			if (isalnum((unsigned char)p) || p == '_' || p == '.' ||
			    p == '/' || p == '-')
				continue;
		}
		if (hvm_devref_parse(buf + i, len - i, ref))
			return (long)i;
	}
	return -1;
}

int hvm_partname(const char *disk, int part, char *out, size_t outsz)
{
	size_t dl = strlen(disk);
	int r;

	if (part <= 0)
		r = snprintf(out, outsz, "%s", disk);
	else if (!strncmp(disk, "disk/", 5))
		r = snprintf(out, outsz, "%s-part%d", disk, part);
	else if (dl && isdigit((unsigned char)disk[dl - 1]))
		r = snprintf(out, outsz, "%sp%d", disk, part);
	else
		r = snprintf(out, outsz, "%s%d", disk, part);
	return (r < 0 || (size_t)r >= outsz) ? -1 : 0;
}

long hvm_letters_to_index(const char *letters)
{
	long v = 0;

	if (!*letters || strlen(letters) > 6)
		return -1;
	for (const char *p = letters; *p; p++) {
		if (*p < 'a' || *p > 'z')
			return -1;
		v = v * 26 + (*p - 'a' + 1);
	}
	return v - 1;
}

int hvm_index_to_letters(long index, char *out, size_t outsz)
{
	char tmp[16];
	size_t n = 0;

	if (index < 0)
		return -1;
	/* bijective base 26: a..z, aa..zz, aaa.. */
	do {
		tmp[n++] = (char)('a' + index % 26);
		index = index / 26 - 1;
	} while (index >= 0 && n < sizeof(tmp));
	if (index >= 0 || n + 1 > outsz)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return 0;
}

static bool is_letter_family(const char *p)
{
	for (size_t k = 0; k < sizeof(letter_families) / sizeof(*letter_families); k++)
		if (!strcmp(p, letter_families[k]))
			return true;
	return false;
}

int hvm_namemap_add(struct hvm_namemap *m, const char *spec)
{
	const char *eq = strchr(spec, '=');
	struct hvm_devref probe;
	char buf[HVM_NAME_MAX + 8];
	size_t fl;

	if (!eq || eq == spec || !eq[1] || m->n >= sizeof(m->e) / sizeof(*m->e))
		return -1;
	fl = (size_t)(eq - spec);
	if (fl >= HVM_NAME_MAX || strlen(eq + 1) >= HVM_NAME_MAX)
		return -1;
	memcpy(m->e[m->n].from, spec, fl);
	m->e[m->n].from[fl] = '\0';
	strcpy(m->e[m->n].to, eq + 1);
	/* Both sides must be a letter family or a whole disk name. */
	for (int side = 0; side < 2; side++) {
		const char *v = side ? m->e[m->n].to : m->e[m->n].from;

		if (is_letter_family(v))
			continue;
		if (!strncmp(v, "/dev/", 5))
			v += 5;
		snprintf(buf, sizeof(buf), "/dev/%s", v);
		/* a whole disk; a controller link only as the old name */
		if (!hvm_devref_parse(buf, strlen(buf), &probe) ||
		    (side && probe.kind != HVM_REF_KERNEL) || probe.part != 0 ||
		    probe.glob || probe.len != strlen(buf))
			return -1;
		memmove(side ? m->e[m->n].to : m->e[m->n].from, v, strlen(v) + 1);
	}
	if (is_letter_family(m->e[m->n].from) != is_letter_family(m->e[m->n].to))
		return -1;
	m->n++;
	return 0;
}

bool hvm_namemap_apply(const struct hvm_namemap *m, const struct hvm_devref *ref,
		       char *out, size_t outsz)
{
	char disk[HVM_NAME_MAX];
	char name[HVM_NAME_MAX + 16];

	/* whole-disk entries win over family entries */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->n; i++) {
			const char *from = m->e[i].from;

			if (pass == 0 && !strcmp(ref->disk, from)) {
				snprintf(disk, sizeof(disk), "%s", m->e[i].to);
			} else if (pass == 1 && ref->kind == HVM_REF_KERNEL &&
				   is_letter_family(from) &&
				   !strcmp(ref->prefix, from)) {
				int r = snprintf(disk, sizeof(disk), "%s%s", m->e[i].to,
						 ref->disk + strlen(from));
				if (r < 0 || (size_t)r >= sizeof(disk))
					return false;
			} else {
				continue;
			}
			if (hvm_partname(disk, ref->part, name, sizeof(name)))
				return false;
			return snprintf(out, outsz, "/dev/%s", name) < (int)outsz;
		}
	}
	return false;
}
