// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rewriters: for each kind of file, which device references may be
 * replaced by a stable identifier, in what syntax, and what to do with the
 * ones that cannot. Only the bytes of a reference change; the rest of each
 * line, the comments and the order of lines stay as they were.
 */
#include "hvm.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const hvm_hv_drivers[3] = { "hv_vmbus", "hv_storvsc", "hv_netvsc" };

void hvm_report(struct hvm_ctx *ctx, enum hvm_level lvl, size_t lineno,
		const char *fmt, ...)
{
	static const char *const tag[] = {
		[HVM_CHANGE] = "change",
		[HVM_UNRESOLVED] = "UNRESOLVED",
		[HVM_NOTE] = "note",
		[HVM_ERROR] = "ERROR",
	};
	va_list ap;

	switch (lvl) {
	case HVM_CHANGE: ctx->changes++; break;
	case HVM_UNRESOLVED: ctx->unresolved++; break;
	case HVM_NOTE: ctx->notes++; break;
	case HVM_ERROR: ctx->errors++; break;
	}
	if (!ctx->report || (lvl == HVM_NOTE && ctx->quiet_notes))
		return;
	if (lineno)
		fprintf(ctx->report, "%s:%zu: %s: ", ctx->file ? ctx->file : "-",
			lineno, tag[lvl]);
	else
		fprintf(ctx->report, "%s: %s: ", ctx->file ? ctx->file : "-", tag[lvl]);
	va_start(ap, fmt);
	vfprintf(ctx->report, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->report);
}

/* ---- a growable byte buffer for building replacement lines ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = (b->len + n + 1) * 2;
		char *np = realloc(b->p, ncap);

		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* ---- classification of one reference ---- */

static bool field_span(const char *s, size_t len, int idx, size_t *b, size_t *e);

enum refctx {
	CTX_STABLE,	/* may become UUID=/LABEL=/PARTUUID= */
	CTX_LILO_ROOT,	/* lilo.conf root= directive: the tag must be quoted */
	CTX_NAMES,	/* only a device name fits: map it or report it */
	CTX_PARTUUID,	/* content is recreated at boot: only PARTUUID= */
};

/*
 * A crypttab entry with a random key (swap, tmp, /dev/urandom) is
 * reformatted at every boot, so whatever signature blkid finds on it is
 * stale: its UUID could even be a leftover of another filesystem. Only the
 * partition table's PARTUUID identifies it (crypttab(5)).
 */
static bool crypttab_ephemeral(const char *s, size_t len)
{
	size_t b, e;

	if (field_span(s, len, 2, &b, &e) &&
	    ((e - b == 12 && !memcmp(s + b, "/dev/urandom", 12)) ||
	     (e - b == 11 && !memcmp(s + b, "/dev/random", 11))))
		return true;
	if (field_span(s, len, 3, &b, &e)) {
		for (size_t i = b; i < e;) {
			size_t n = i;

			while (n < e && s[n] != ',')
				n++;
			if ((n - i == 4 && !memcmp(s + i, "swap", 4)) ||
			    (n - i == 3 && !memcmp(s + i, "tmp", 3)) ||
			    (n - i > 4 && !memcmp(s + i, "tmp=", 4)))
				return true;
			i = n + 1;
		}
	}
	return false;
}

static bool is_comment(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < len && s[i] == '#';
}

/* Is s[off] right after "<key>" which itself starts a token? Tokens in
 * command lines are separated by blanks; quotes and '=' start them in shell
 * assignments (GRUB_CMDLINE_LINUX="root=..." and kernelopts=root=...). */
static bool after_key(const char *s, size_t off, const char *key)
{
	size_t kl = strlen(key);
	char before;

	if (off < kl || memcmp(s + off - kl, key, kl))
		return false;
	if (off == kl)
		return true;
	before = s[off - kl - 1];
	return before == ' ' || before == '\t' || before == '"' ||
	       before == '\'' || before == '=';
}

/* Start and end of whitespace-separated field number idx (0-based). */
static bool field_span(const char *s, size_t len, int idx, size_t *b, size_t *e)
{
	size_t i = 0;

	for (int f = 0;; f++) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			return false;
		*b = i;
		while (i < len && !isspace((unsigned char)s[i]))
			i++;
		*e = i;
		if (f == idx)
			return true;
	}
}

static bool is_field(const char *s, size_t len, int idx, size_t off,
		     const struct hvm_devref *ref)
{
	size_t b, e;

	return field_span(s, len, idx, &b, &e) && b == off && e == off + ref->len;
}

/* Is s[off] the value of "<key> = " that starts line s? */
static bool lilo_directive(const char *s, size_t len, size_t off, const char *key)
{
	size_t i = 0, kl = strlen(key);

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (len - i < kl || memcmp(s + i, key, kl))
		return false;
	i += kl;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= len || s[i] != '=')
		return false;
	i++;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == off;
}

static enum refctx classify(enum hvm_filetype ft, const char *s, size_t len,
			    size_t off, const struct hvm_devref *ref)
{
	if (ref->glob)
		return CTX_NAMES;
	switch (ft) {
	case HVM_FT_FSTAB:
		/* fs_spec is the first field; fstab(5) accepts UUID=, LABEL=,
		 * PARTUUID= there */
		return is_field(s, len, 0, off, ref) ? CTX_STABLE : CTX_NAMES;
	case HVM_FT_CRYPTTAB:
		/* the encrypted device is the second field; crypttab(5)
		 * accepts UUID=, LABEL=, PARTUUID= there */
		if (!is_field(s, len, 1, off, ref))
			return CTX_NAMES;
		return crypttab_ephemeral(s, len) ? CTX_PARTUUID : CTX_STABLE;
	case HVM_FT_LILO:
		/* a root directive of its own line, "root = /dev/x" with
		 * optional blanks; lilo.conf(5) wants root="UUID=..." quoted */
		if (lilo_directive(s, len, off, "root"))
			return CTX_LILO_ROOT;
		if (after_key(s, off, "root=") || after_key(s, off, "resume="))
			return CTX_STABLE;	/* inside append="..." */
		return CTX_NAMES;
	case HVM_FT_CMDLINE:
	case HVM_FT_DEFAULT_GRUB:
	case HVM_FT_GRUBENV:
		/* root= and resume= with UUID= are understood by dracut
		 * (modules.d/95rootfs-block, 95resume) and initramfs-tools
		 * (scripts/local, scripts/local-premount/resume) */
		if (after_key(s, off, "root=") || after_key(s, off, "resume="))
			return CTX_STABLE;
		return CTX_NAMES;
	case HVM_FT_RESUME:
		/* initramfs-tools(7): RESUME= takes what resume= takes */
		return after_key(s, off, "RESUME=") ? CTX_STABLE : CTX_NAMES;
	default:
		return CTX_NAMES;
	}
}

/* A label goes into a config file only if it needs no quoting or escaping
 * there; otherwise another identifier is used. */
static bool label_is_plain(const char *l)
{
	if (!*l)
		return false;
	for (; *l; l++)
		if (!isalnum((unsigned char)*l) && !strchr("._-/", *l))
			return false;
	return true;
}

static void ref_text(const char *s, const struct hvm_devref *ref, char *out,
		     size_t outsz)
{
	size_t n = ref->len < outsz - 1 ? ref->len : outsz - 1;

	memcpy(out, s, n);
	out[n] = '\0';
}

/*
 * Decide the replacement of one reference. Returns true with the new text in
 * rep, or false to keep the reference as it is (after reporting why).
 */
static bool replace_ref(struct hvm_ctx *ctx, size_t lineno, enum refctx rc,
			const char *at, const struct hvm_devref *ref,
			char *rep, size_t repsz)
{
	char old[HVM_NAME_MAX + 32], why[256] = "";
	struct hvm_ids ids;

	ref_text(at, ref, old, sizeof(old));
	if (rc != CTX_NAMES) {
		memset(&ids, 0, sizeof(ids));
		if (ctx->res.resolve &&
		    ctx->res.resolve(ctx->res.priv, ref, &ids, why, sizeof(why)) == 0) {
			const char *fmt = rc == CTX_LILO_ROOT ? "\"%s=%s\"" : "%s=%s";

			if (rc == CTX_PARTUUID) {
				if (!ids.partuuid[0]) {
					snprintf(why, sizeof(why),
						 "reformatted at boot and no PARTUUID to name it by");
					goto fallback;
				}
				snprintf(rep, repsz, fmt, "PARTUUID", ids.partuuid);
			} else if (ids.uuid[0])
				snprintf(rep, repsz, fmt, "UUID", ids.uuid);
			else if (label_is_plain(ids.label))
				snprintf(rep, repsz, fmt, "LABEL", ids.label);
			else if (ids.partuuid[0])
				snprintf(rep, repsz, fmt, "PARTUUID", ids.partuuid);
			else {
				snprintf(why, sizeof(why),
					 "the device has no UUID, label or PARTUUID");
				goto fallback;
			}
			hvm_report(ctx, HVM_CHANGE, lineno, "%s -> %s", old, rep);
			return true;
		}
	}
fallback:
	/* --map is for where only a name fits: where an identifier fits but
	 * none could be read (a CD-ROM, a disk not bound with --disk), a
	 * renamed device would be a guess */
	if (rc == CTX_NAMES && hvm_namemap_apply(&ctx->map, ref, rep, repsz)) {
		if (!strcmp(rep, old))
			return false;	/* mapped onto itself (sd=sd) */
		hvm_report(ctx, HVM_CHANGE, lineno, "%s -> %s (--map)", old, rep);
		return true;
	}
	if (rc == CTX_NAMES && ref->kind == HVM_REF_KERNEL && !strcmp(ref->prefix, "sd")) {
		/* Hyper-V names its IDE and SCSI disks sdX as well
		 * (storvsc_drv.c binds both), so this keeps working as long
		 * as the disk order is the same */
		hvm_report(ctx, HVM_NOTE, lineno,
			   "%s kept: Hyper-V disks are sdX too, but this depends on disk order",
			   old);
		return false;
	}
	if (rc == CTX_NAMES)
		hvm_report(ctx, HVM_UNRESOLVED, lineno,
			   "%s: only a device name fits here and no --map covers it", old);
	else
		hvm_report(ctx, HVM_UNRESOLVED, lineno, "%s: cannot resolve: %s", old,
			   why[0] ? why : "no device known for this name");
	return false;
}

/* Rewrite every reference of line i; comment lines are left alone. */
static int rewrite_refs_line(struct hvm_ctx *ctx, enum hvm_filetype ft,
			     struct hvm_text *t, size_t i)
{
	size_t len, pos = 0, copied = 0;
	const char *s = hvm_text_cur(t, i, &len);
	struct sbuf b = { 0 };
	struct hvm_devref ref;
	bool changed = false;
	long off;
	int r = 0;

	if (is_comment(s, len))
		return 0;
	while ((off = hvm_devref_find(s, len, pos, &ref)) >= 0) {
		char rep[HVM_NAME_MAX + 64];
		enum refctx rc = classify(ft, s, len, (size_t)off, &ref);
		size_t replen_old = ref.len;

		if (replace_ref(ctx, i + 1, rc, s + off, &ref, rep, sizeof(rep))) {
			/* a mapped pattern keeps its glob tail: only the name
			 * part is replaced */
			sb_add(&b, s + copied, (size_t)off - copied);
			sb_str(&b, rep);
			copied = (size_t)off + replen_old;
			changed = true;
		}
		pos = (size_t)off + ref.len;
	}
	if (changed) {
		sb_add(&b, s + copied, len - copied);
		r = b.oom ? -1 : hvm_text_set(t, i, b.p, b.len);
	}
	free(b.p);
	return r;
}

static int rewrite_all_refs(struct hvm_ctx *ctx, enum hvm_filetype ft,
			    struct hvm_text *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (rewrite_refs_line(ctx, ft, t, i))
			return -1;
	return 0;
}

/* ---- GRUB environment block ---- */

/*
 * grub-editenv keeps the block exactly 1024 bytes: a header line, var=value
 * lines, then '#' padding (grub-core/lib/envblk.c, GRUB_ENVBLK_DEFCFG). The
 * edits change the length of kernelopts, so the padding absorbs the
 * difference; if it cannot, the file is not touched.
 */
static int fix_grubenv_padding(struct hvm_ctx *ctx, struct hvm_text *t)
{
	size_t total = 0, orig = 0, pad_i = t->n, plen;
	const char *pad;
	char *np;

	for (size_t i = 0; i < t->n; i++) {
		size_t n;

		hvm_text_cur(t, i, &n);
		total += n;
		orig += t->l[i].len;
	}
	/* nothing edited: whatever the block looks like, it stays */
	if (!hvm_text_changed(t) || total == 1024)
		return 0;
	if (orig != 1024)
		goto bad;
	/* the padding is the last line: '#' only, no newline */
	if (t->n)
		pad_i = t->n - 1;
	if (pad_i == t->n)
		goto bad;
	pad = hvm_text_cur(t, pad_i, &plen);
	for (size_t k = 0; k < plen; k++)
		if (pad[k] != '#')
			goto bad;
	if (total > 1024 && total - 1024 > plen)
		goto bad;
	plen = plen + 1024 - total;	/* wraps correctly for total > 1024 */
	np = malloc(plen + 1);
	if (!np)
		return -1;
	memset(np, '#', plen);
	np[plen] = '\0';
	if (hvm_text_set(t, pad_i, np, plen)) {
		free(np);
		return -1;
	}
	free(np);
	return 0;
bad:
	hvm_report(ctx, HVM_ERROR, 0,
		   "not a 1024-byte GRUB environment block with room for the edit; left alone");
	return -1;
}

/* ---- /etc/default/grub: GRUB_DISABLE_LINUX_UUID ---- */

/*
 * With GRUB_DISABLE_LINUX_UUID=true, grub-mkconfig writes root=/dev/<name>
 * into grub.cfg (util/grub.d/10_linux.in), so every regeneration brings the
 * kernel name back. Turning it to false is the only lasting fix.
 */
static int fix_disable_uuid(struct hvm_ctx *ctx, struct hvm_text *t)
{
	static const char key[] = "GRUB_DISABLE_LINUX_UUID=";

	for (size_t i = 0; i < t->n; i++) {
		size_t len, b = 0, v;
		const char *s = hvm_text_cur(t, i, &len);
		struct sbuf sb = { 0 };
		int r;

		while (b < len && (s[b] == ' ' || s[b] == '\t'))
			b++;
		if (len - b < sizeof(key) - 1 || memcmp(s + b, key, sizeof(key) - 1))
			continue;
		v = b + sizeof(key) - 1;
		if (v < len && (s[v] == '"' || s[v] == '\''))
			v++;
		if (len - v < 4 || memcmp(s + v, "true", 4))
			continue;
		sb_add(&sb, s, v);
		sb_str(&sb, "false");
		sb_add(&sb, s + v + 4, len - v - 4);
		hvm_report(ctx, HVM_CHANGE, i + 1,
			   "GRUB_DISABLE_LINUX_UUID=true -> false (grub-mkconfig would write root=/dev/<name>)");
		r = sb.oom ? -1 : hvm_text_set(t, i, sb.p, sb.len);
		free(sb.p);
		if (r)
			return -1;
	}
	return 0;
}

/* ---- mdadm.conf ---- */

static bool word_at(const char *s, size_t len, size_t b, const char *w)
{
	size_t wl = strlen(w);

	return len - b >= wl && !strncasecmp(s + b, w, wl) &&
	       (b + wl == len || isspace((unsigned char)s[b + wl]));
}

/* Does the logical ARRAY record starting at line i carry UUID=? Records
 * continue on lines that start with blanks (mdadm.conf(5)). */
static bool record_has_uuid(const struct hvm_text *t, size_t first)
{
	for (size_t i = first; i < t->n; i++) {
		size_t len;
		const char *s = hvm_text_cur(t, i, &len);

		if (i > first && (len == 0 || !(s[0] == ' ' || s[0] == '\t')))
			break;
		for (size_t k = 0; k + 5 <= len; k++)
			if ((k == 0 || isspace((unsigned char)s[k - 1])) &&
			    !strncasecmp(s + k, "uuid=", 5))
				return true;
	}
	return false;
}

/*
 * DEVICE lines naming disks become "DEVICE partitions containers", which is
 * mdadm's default: scan every partition the kernel knows, whatever its name.
 * devices= on an ARRAY line is dropped when the array is identified by UUID
 * anyway, because mdadm then requires members to be among those names.
 */
static int rewrite_mdadm(struct hvm_ctx *ctx, struct hvm_text *t)
{
	size_t record = 0;

	for (size_t i = 0; i < t->n; i++) {
		size_t len, b = 0;
		const char *s = hvm_text_cur(t, i, &len);
		struct hvm_devref ref;
		bool cont = len && (s[0] == ' ' || s[0] == '\t');

		if (is_comment(s, len))
			continue;
		if (!cont)
			record = i;
		while (b < len && isspace((unsigned char)s[b]))
			b++;
		if (!cont && word_at(s, len, b, "DEVICE")) {
			if (hvm_devref_find(s, len, 0, &ref) < 0)
				continue;
			hvm_report(ctx, HVM_CHANGE, i + 1,
				   "DEVICE line with device names -> DEVICE partitions containers");
			{
				struct sbuf sb = { 0 };
				int r;

				sb_add(&sb, s, b);
				sb_str(&sb, "DEVICE partitions containers");
				if (len && s[len - 1] == '\n')
					sb_str(&sb, "\n");
				r = sb.oom ? -1 : hvm_text_set(t, i, sb.p, sb.len);
				free(sb.p);
				if (r)
					return -1;
			}
			continue;
		}
		/* devices=... token anywhere in an ARRAY record */
		for (size_t k = 0; k + 8 <= len; k++) {
			size_t e;

			if (!(k == 0 || isspace((unsigned char)s[k - 1])) ||
			    strncasecmp(s + k, "devices=", 8))
				continue;
			if (hvm_devref_find(s + k, len - k, 0, &ref) < 0)
				break;
			e = k;
			while (e < len && !isspace((unsigned char)s[e]))
				e++;
			if (!record_has_uuid(t, record)) {
				hvm_report(ctx, HVM_UNRESOLVED, i + 1,
					   "ARRAY lists member names and has no UUID= to identify it");
				break;
			}
			{
				struct sbuf sb = { 0 };
				size_t from = k, to = e;
				int r;

				/* take one blank with the token so spacing stays */
				if (to < len && (s[to] == ' ' || s[to] == '\t'))
					to++;
				else if (from > 0 && (s[from - 1] == ' ' || s[from - 1] == '\t'))
					from--;
				hvm_report(ctx, HVM_CHANGE, i + 1,
					   "%.*s removed (the array is found by UUID)",
					   (int)(e - k), s + k);
				sb_add(&sb, s, from);
				sb_add(&sb, s + to, len - to);
				r = sb.oom ? -1 : hvm_text_set(t, i, sb.p, sb.len);
				free(sb.p);
				if (r)
					return -1;
			}
			break;
		}
	}
	return 0;
}

/* ---- modules lists ---- */

static bool same_module(const char *a, size_t an, const char *b)
{
	/* modprobe treats '-' and '_' in module names alike */
	if (an != strlen(b))
		return false;
	for (size_t i = 0; i < an; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

/*
 * SLES 11 mkinitrd puts INITRD_MODULES from /etc/sysconfig/kernel into the
 * initrd (research notes, "Legacy"); the Hyper-V drivers are appended inside
 * the existing quotes.
 */
static int rewrite_sysconfig_kernel(struct hvm_ctx *ctx, struct hvm_text *t)
{
	static const char key[] = "INITRD_MODULES=";

	for (size_t i = 0; i < t->n; i++) {
		size_t len, b = 0, v, e;
		const char *s = hvm_text_cur(t, i, &len);
		struct sbuf sb = { 0 };
		char quote = 0;
		bool added = false;
		int r;

		while (b < len && (s[b] == ' ' || s[b] == '\t'))
			b++;
		if (len - b < sizeof(key) - 1 || memcmp(s + b, key, sizeof(key) - 1))
			continue;
		v = b + sizeof(key) - 1;
		if (v < len && (s[v] == '"' || s[v] == '\''))
			quote = s[v++];
		e = v;
		while (e < len && (quote ? s[e] != quote : !isspace((unsigned char)s[e])))
			e++;
		if (quote && e >= len) {
			hvm_report(ctx, HVM_UNRESOLVED, i + 1,
				   "INITRD_MODULES value spans lines; add the Hyper-V drivers by hand");
			continue;
		}
		sb_add(&sb, s, e);
		for (size_t d = 0; d < 3; d++) {
			bool have = false;

			for (size_t w = v; w < e;) {
				size_t we;

				while (w < e && isspace((unsigned char)s[w]))
					w++;
				we = w;
				while (we < e && !isspace((unsigned char)s[we]))
					we++;
				if (we > w && same_module(s + w, we - w, hvm_hv_drivers[d]))
					have = true;
				w = we;
			}
			if (have)
				continue;
			if (e > v || added)
				sb_str(&sb, " ");
			sb_str(&sb, hvm_hv_drivers[d]);
			added = true;
		}
		if (!added) {
			free(sb.p);
			continue;
		}
		if (!quote && e == v) {
			/* INITRD_MODULES= with nothing: quote what we add */
			free(sb.p);
			sb = (struct sbuf){ 0 };
			sb_add(&sb, s, v);
			sb_str(&sb, "\"hv_vmbus hv_storvsc hv_netvsc\"");
		}
		sb_add(&sb, s + e, len - e);
		hvm_report(ctx, HVM_CHANGE, i + 1, "Hyper-V drivers added to INITRD_MODULES");
		r = sb.oom ? -1 : hvm_text_set(t, i, sb.p, sb.len);
		free(sb.p);
		if (r)
			return -1;
	}
	return 0;
}

/* Split a modprobe line into up to 3 words. */
static int words3(const char *s, size_t len, size_t wb[3], size_t we[3])
{
	size_t i = 0;
	int n = 0;

	while (n < 3) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			break;
		wb[n] = i;
		while (i < len && !isspace((unsigned char)s[i]))
			i++;
		we[n++] = i;
	}
	return n;
}

static bool is_hv_driver(const char *s, size_t n)
{
	for (size_t d = 0; d < 3; d++)
		if (same_module(s, n, hvm_hv_drivers[d]))
			return true;
	return false;
}

/*
 * "blacklist hv_storvsc" or "install hv_vmbus /bin/true" keeps the guest
 * from finding its disks on Hyper-V (MicrosoftDocs linux-hyperv-issue.md);
 * such lines are commented out, not deleted, so the change is visible.
 */
static int disable_hv_blacklists(struct hvm_ctx *ctx, struct hvm_text *t)
{
	for (size_t i = 0; i < t->n; i++) {
		size_t len, wb[3], we[3];
		const char *s = hvm_text_cur(t, i, &len);
		int n;

		if (is_comment(s, len))
			continue;
		n = words3(s, len, wb, we);
		if (n < 2 || !is_hv_driver(s + wb[1], we[1] - wb[1]))
			continue;
		if ((we[0] - wb[0] == 9 && !memcmp(s + wb[0], "blacklist", 9)) ||
		    (we[0] - wb[0] == 7 && !memcmp(s + wb[0], "install", 7))) {
			struct sbuf sb = { 0 };
			int r;

			sb_str(&sb, "# disabled by hv-migrate, Hyper-V needs this driver: ");
			sb_add(&sb, s, len);
			hvm_report(ctx, HVM_CHANGE, i + 1, "%.*s %.*s commented out",
				   (int)(we[0] - wb[0]), s + wb[0],
				   (int)(we[1] - wb[1]), s + wb[1]);
			r = sb.oom ? -1 : hvm_text_set(t, i, sb.p, sb.len);
			free(sb.p);
			if (r)
				return -1;
		}
	}
	return 0;
}

/*
 * RHEL 3-5 mkinitrd includes the modules named by "alias scsi_hostadapter*"
 * in modprobe.conf (TLDP SCSI-2.4-HOWTO ch. 6, virt-v2v convert_linux.ml).
 * The existing aliases stay, so the guest still boots where it came from;
 * hv_vmbus and hv_storvsc are added after them under free numbers.
 */
static int add_hostadapter_aliases(struct hvm_ctx *ctx, struct hvm_text *t)
{
	static const char stem[] = "scsi_hostadapter";
	bool have[2] = { false, false };
	long last = -1;
	int next = 0;

	for (size_t i = 0; i < t->n; i++) {
		size_t len, wb[3], we[3];
		const char *s = hvm_text_cur(t, i, &len);
		int n, num = 0;

		if (is_comment(s, len))
			continue;
		n = words3(s, len, wb, we);
		if (n < 3 || we[0] - wb[0] != 5 || memcmp(s + wb[0], "alias", 5) ||
		    we[1] - wb[1] < sizeof(stem) - 1 ||
		    memcmp(s + wb[1], stem, sizeof(stem) - 1))
			continue;
		for (size_t k = wb[1] + sizeof(stem) - 1; k < we[1]; k++) {
			if (!isdigit((unsigned char)s[k]) || num > 9999) {
				num = -1;
				break;
			}
			num = num * 10 + (s[k] - '0');
		}
		if (num < 0)
			continue;
		if (num >= next)
			next = num + 1;
		last = (long)i;
		for (int d = 0; d < 2; d++)
			if (same_module(s + wb[2], we[2] - wb[2], hvm_hv_drivers[d]))
				have[d] = true;
	}
	if (last < 0 || (have[0] && have[1]))
		return 0;
	{
		size_t len;
		const char *s = hvm_text_cur(t, (size_t)last, &len);
		struct sbuf sb = { 0 };
		char line[64];
		int r;

		sb_add(&sb, s, len);
		if (len && s[len - 1] != '\n')
			sb_str(&sb, "\n");
		for (int d = 0; d < 2; d++) {
			if (have[d])
				continue;
			snprintf(line, sizeof(line), "alias %s%d %s\n", stem, next++,
				 hvm_hv_drivers[d]);
			sb_str(&sb, line);
			hvm_report(ctx, HVM_CHANGE, (size_t)last + 1, "add %.*s", (int)strlen(line) - 1, line);
		}
		r = sb.oom ? -1 : hvm_text_set(t, (size_t)last, sb.p, sb.len);
		free(sb.p);
		return r;
	}
}

/*
 * initramfs-tools always includes and loads early what
 * /etc/initramfs-tools/modules names (initramfs-tools(7)); listing the
 * drivers there keeps them in every future image, whatever MODULES= says.
 * An empty file has no line to attach to; the rebuild step writes it.
 */
static int add_itools_modules(struct hvm_ctx *ctx, struct hvm_text *t)
{
	bool have[3] = { false, false, false };
	struct sbuf sb = { 0 };
	size_t len;
	const char *s;
	int r;

	for (size_t i = 0; i < t->n; i++) {
		size_t wb[3], we[3];

		s = hvm_text_cur(t, i, &len);
		if (is_comment(s, len) || words3(s, len, wb, we) < 1)
			continue;
		for (int d = 0; d < 3; d++)
			if (same_module(s + wb[0], we[0] - wb[0], hvm_hv_drivers[d]))
				have[d] = true;
	}
	if (!ctx->itools_needs_modules || !t->n || (have[0] && have[1] && have[2]))
		return 0;
	s = hvm_text_cur(t, t->n - 1, &len);
	sb_add(&sb, s, len);
	if (len && s[len - 1] != '\n')
		sb_str(&sb, "\n");
	for (int d = 0; d < 3; d++) {
		if (have[d])
			continue;
		sb_str(&sb, hvm_hv_drivers[d]);
		sb_str(&sb, "\n");
		hvm_report(ctx, HVM_CHANGE, t->n, "add %s", hvm_hv_drivers[d]);
	}
	r = sb.oom ? -1 : hvm_text_set(t, t->n - 1, sb.p, sb.len);
	free(sb.p);
	return r;
}

/*
 * debconf's config.dat is stanzas of "Field: value" lines separated by blank
 * lines (debconf.conf(5), File driver). Only the Value of the
 * grub-pc/install_devices and grub-efi/install_devices questions is ours;
 * it holds whole disks, so only --map can change it.
 */
static int rewrite_debconf(struct hvm_ctx *ctx, struct hvm_text *t)
{
	bool ours = false;

	for (size_t i = 0; i < t->n; i++) {
		size_t len;
		const char *s = hvm_text_cur(t, i, &len);

		if (len == 0 || s[0] == '\n') {
			ours = false;
			continue;
		}
		if (len >= 6 && !memcmp(s, "Name: ", 6)) {
			size_t v = strcspn(s + 6, "\n");

			ours = (v == 23 && !memcmp(s + 6, "grub-pc/install_devices", 23)) ||
			       (v == 24 && !memcmp(s + 6, "grub-efi/install_devices", 24));
			continue;
		}
		if (ours && len >= 7 && !memcmp(s, "Value: ", 7) &&
		    rewrite_refs_line(ctx, HVM_FT_NAMES, t, i))
			return -1;
	}
	return 0;
}

int hvm_rewrite(struct hvm_ctx *ctx, enum hvm_filetype ft, struct hvm_text *t)
{
	switch (ft) {
	case HVM_FT_MDADM:
		return rewrite_mdadm(ctx, t);
	case HVM_FT_SYSCONFIG_KERNEL:
		return rewrite_sysconfig_kernel(ctx, t);
	case HVM_FT_MODPROBE:
		if (disable_hv_blacklists(ctx, t))
			return -1;
		return add_hostadapter_aliases(ctx, t);
	case HVM_FT_MODPROBE_D:
		return disable_hv_blacklists(ctx, t);
	case HVM_FT_ITOOLS_MODULES:
		return add_itools_modules(ctx, t);
	case HVM_FT_DEBCONF:
		return rewrite_debconf(ctx, t);
	case HVM_FT_GRUBENV:
		if (rewrite_all_refs(ctx, ft, t))
			return -1;
		return fix_grubenv_padding(ctx, t);
	case HVM_FT_DEFAULT_GRUB:
		if (fix_disable_uuid(ctx, t))
			return -1;
		return rewrite_all_refs(ctx, ft, t);
	default:
		return rewrite_all_refs(ctx, ft, t);
	}
}
