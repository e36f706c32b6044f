// SPDX-License-Identifier: GPL-2.0
/*
 * Host end of KVP, the key-value pair exchange: builds requests as a
 * Windows host does (UTF-16LE keys and values, sizes in bytes with the
 * NUL) and checks and decodes the guest's answers.
 *
 * /sys/kernel/debug/hv_sim/ic/kvp/
 *   request  write one request per write(); it returns when the guest has
 *            answered (len, whatever the status), or with the error of
 *            sim_ic_transact() (-ENODEV, -ETIMEDOUT after 60 s, -EPROTO
 *            for a malformed answer, also counted as a violation):
 *              get POOL KEY
 *              set POOL KEY VALUE...      the rest of the line, REG_SZ
 *              set_u32 POOL KEY N         REG_U32
 *              set_u64 POOL KEY N         REG_U64
 *              delete POOL KEY
 *              enumerate POOL INDEX
 *              get_ip_info ADAPTER        a MAC address (the stock daemon
 *                                         wants upper case, ':'-separated)
 *              set_ip_info ADAPTER DHCP IP SUBNET GATEWAY DNS
 *              raw OP POOL                a zeroed body with that header
 *            Hostile requests for the guest to refuse: any of these after
 *            one or more of key_size=N value_size=N value_type=N len=N
 *            (the body's length in bytes), family=N (IP address family),
 *            which override what the request would carry.
 *   reply    the last answer: "status=0x%08x", then for a successful get
 *            or enumerate "key=" and "value=", for get_ip_info "adapter=",
 *            "ip=", "subnet=", "gateway=", "dns=", "dhcp=", "family=".
 *
 * Protocol facts: include/uapi/linux/hyperv.h (struct hv_kvp_msg,
 * hv_kvp_ip_msg, the ops, pools, sizes, value types and status codes) and
 * its comments: sizes count bytes and include the NUL. The guest answers
 * in place with the same message (drivers/hv/hv_kvp.c
 * kvp_respond_to_host()): on success a GET carries the value, an
 * ENUMERATE the key and the value, both REG_SZ with sizes
 * 2 * (units + 1); a GET_IP_INFO the fields of struct hv_kvp_ipaddr_value.
 *
 * Assumption (not documented): a KVP request other than the IP operations
 * is a struct hv_kvp_msg whose union holds only the key-value bodies, that
 * is 4 + sizeof(struct hv_kvp_msg_enumerate) bytes; IP requests are a
 * whole struct hv_kvp_ip_msg. len=N tries other lengths.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/nls.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/hyperv.h>
#include <hv/ic.h>
#include "sim.h"

#define SIM_KVP_TIMEOUT_MS	60000
#define SIM_KVP_CMD_MAX		4096
#define SIM_KVP_TEXT_MAX	16384
/* The key-value request body (see the assumption above). */
#define SIM_KVP_BODY_LEN	(offsetof(struct hv_kvp_msg, body) + \
				 sizeof(struct hv_kvp_msg_enumerate))

union sim_kvp_body {
	struct hv_kvp_msg kv;
	struct hv_kvp_ip_msg ip;
};

struct sim_kvp_overrides {
	s64 key_size;
	s64 value_size;
	s64 value_type;
	s64 len;
	s64 family;
};

static struct {
	struct mutex lock;	/* one request at a time; the fields below */
	union sim_kvp_body *body;
	struct sim_ic_reply *reply;
} sim_kvp;

/* The decoded last answer (its lock nests inside sim_kvp.lock). */
static struct sim_ic_text sim_kvp_text;

/* Encode @s as UTF-16LE into @dst, NUL included; returns the bytes used. */
static int sim_kvp_encode(const char *s, void *dst, size_t dst_bytes)
{
	size_t units = dst_bytes / 2;
	int n;

	memset(dst, 0, dst_bytes);
	n = utf8s_to_utf16s(s, strlen(s), UTF16_LITTLE_ENDIAN, dst, units);
	if (n < 0)
		return n;
	if (n >= units)		/* no room left for the NUL */
		return -ENAMETOOLONG;
	return 2 * (n + 1);
}

static void sim_kvp_print(const char *fmt, ...) __printf(1, 2);

static void sim_kvp_print(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	sim_ic_text_vadd(&sim_kvp_text, fmt, args);
	va_end(args);
}

/*
 * Print a UTF-16LE string of the guest's answer: @size bytes (NUL
 * included) in an array of @max bytes. A size out of range or a string
 * without its NUL is a protocol violation.
 */
static int sim_kvp_print_utf16(const char *name, const void *src, u32 size,
			       u32 max)
{
	const u8 *p = src;
	u32 units = size / 2;
	char *out;
	int n;

	if (size < 2 || size > max || size % 2) {
		sim_violation("kvp: %s size %u in an answer (array of %u bytes)",
			      name, size, max);
		return -EPROTO;
	}
	if (p[size - 2] || p[size - 1]) {
		sim_violation("kvp: %s of %u bytes lacks its UTF-16 NUL",
			      name, size);
		return -EPROTO;
	}
	out = kmalloc(units * 3 + 1, GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	n = utf16s_to_utf8s(src, units, UTF16_LITTLE_ENDIAN, out, units * 3);
	out[n] = 0;
	sim_kvp_print("%s=%s\n", name, out);
	kfree(out);
	return 0;
}

/* An IP field: a NUL-terminated UTF-16 string within its array. */
static int sim_kvp_print_ip_field(const char *name, const __u16 *src,
				  size_t units)
{
	const u8 *p = (const u8 *)src;
	size_t i;

	for (i = 0; i < units; i++)
		if (!p[2 * i] && !p[2 * i + 1])
			return sim_kvp_print_utf16(name, src, 2 * (i + 1),
						   2 * units);
	sim_violation("kvp: IP field %s is not terminated", name);
	return -EPROTO;
}

static int sim_kvp_decode_value(const struct hv_kvp_exchg_msg_value *v,
				bool key)
{
	int ret;

	if (v->value_type != REG_SZ) {
		sim_violation("kvp: answer of value type %u, not REG_SZ",
			      v->value_type);
		return -EPROTO;
	}
	if (key) {
		ret = sim_kvp_print_utf16("key", v->key, v->key_size,
					  sizeof(v->key));
		if (ret)
			return ret;
	}
	return sim_kvp_print_utf16("value", v->value, v->value_size,
				   sizeof(v->value));
}

/* Record the guest's answer to @op in sim_kvp_text; -EPROTO if malformed. */
static int sim_kvp_decode(u8 op, u32 sent_len)
{
	const struct sim_ic_reply *r = sim_kvp.reply;
	const union sim_kvp_body *b = (const void *)r->body;
	const struct hv_kvp_ipaddr_value *ip = &b->ip.kvp_ip_val;
	size_t need;
	int ret;

	sim_kvp_print("status=0x%08x\n", r->status);
	if (r->status != HV_S_OK)
		return 0;
	switch (op) {
	case KVP_OP_GET:
		need = offsetof(struct hv_kvp_msg, body) +
		       sizeof(struct hv_kvp_msg_get);
		break;
	case KVP_OP_ENUMERATE:
		need = offsetof(struct hv_kvp_msg, body) +
		       sizeof(struct hv_kvp_msg_enumerate);
		break;
	case KVP_OP_GET_IP_INFO:
		need = sizeof(struct hv_kvp_ip_msg);
		break;
	default:
		return 0;
	}
	/* A successful answer to a request too short to hold it. */
	if (need > sent_len) {
		sim_violation("kvp: op %u answered with success from a %u-byte request",
			      op, sent_len);
		return -EPROTO;
	}
	if (r->len < need) {
		sim_violation("kvp: answer to op %u of %u bytes, %zu needed",
			      op, r->len, need);
		return -EPROTO;
	}
	switch (op) {
	case KVP_OP_GET:
		ret = sim_kvp_print_utf16("key", b->kv.body.kvp_get.data.key,
					  b->kv.body.kvp_get.data.key_size,
					  HV_KVP_EXCHANGE_MAX_KEY_SIZE);
		return ret ? ret :
		       sim_kvp_decode_value(&b->kv.body.kvp_get.data, false);
	case KVP_OP_ENUMERATE:
		return sim_kvp_decode_value(&b->kv.body.kvp_enum_data.data,
					    true);
	}
	ret = sim_kvp_print_ip_field("adapter", ip->adapter_id,
				     MAX_ADAPTER_ID_SIZE);
	ret = ret ?: sim_kvp_print_ip_field("ip", ip->ip_addr,
					    MAX_IP_ADDR_SIZE);
	ret = ret ?: sim_kvp_print_ip_field("subnet", ip->sub_net,
					    MAX_IP_ADDR_SIZE);
	ret = ret ?: sim_kvp_print_ip_field("gateway", ip->gate_way,
					    MAX_GATEWAY_SIZE);
	ret = ret ?: sim_kvp_print_ip_field("dns", ip->dns_addr,
					    MAX_IP_ADDR_SIZE);
	if (ret)
		return ret;
	sim_kvp_print("dhcp=%u\nfamily=%u\n", ip->dhcp_enabled,
		      ip->addr_family);
	return 0;
}

/* The next space-separated word of *@s, or NULL. */
static char *sim_kvp_word(char **s)
{
	char *w = strsep(s, " ");

	while (w && !*w)	/* runs of spaces */
		w = strsep(s, " ");
	return w;
}

static int sim_kvp_u8(char **s, u8 *v)
{
	char *w = sim_kvp_word(s);

	return w ? kstrtou8(w, 0, v) : -EINVAL;
}

static int sim_kvp_overrides(char **s, char **verb,
			     struct sim_kvp_overrides *o)
{
	static const char * const names[] = {
		"key_size=", "value_size=", "value_type=", "len=", "family="
	};
	s64 *fields[] = {
		&o->key_size, &o->value_size, &o->value_type, &o->len,
		&o->family
	};
	unsigned int i;
	char *w;
	int ret;

	o->key_size = -1;
	o->value_size = -1;
	o->value_type = -1;
	o->len = -1;
	o->family = -1;
	while ((w = sim_kvp_word(s))) {
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (str_has_prefix(w, names[i]))
				break;
		if (i == ARRAY_SIZE(names)) {
			*verb = w;
			return 0;
		}
		ret = kstrtos64(w + strlen(names[i]), 0, fields[i]);
		if (ret)
			return ret;
	}
	return -EINVAL;
}

/* Build a key-value request in sim_kvp.body; returns its length. */
static int sim_kvp_build_kv(const char *verb, char *args,
			    const struct sim_kvp_overrides *o, u8 *opp)
{
	struct hv_kvp_msg *m = &sim_kvp.body->kv;
	struct hv_kvp_exchg_msg_value *v = &m->body.kvp_set.data;
	char *key, *num;
	u32 index;
	u8 pool, op;
	int n, ret;
	u64 val;

	ret = sim_kvp_u8(&args, &pool);
	if (ret)
		return ret;
	if (!strcmp(verb, "enumerate")) {
		op = KVP_OP_ENUMERATE;
		num = sim_kvp_word(&args);
		if (!num)
			return -EINVAL;
		ret = kstrtou32(num, 0, &index);
		if (ret)
			return ret;
		m->body.kvp_enum_data.index = index;
		goto done;
	}
	key = sim_kvp_word(&args);
	if (!key)
		return -EINVAL;
	if (!strcmp(verb, "delete")) {
		op = KVP_OP_DELETE;
		n = sim_kvp_encode(key, m->body.kvp_delete.key,
				   sizeof(m->body.kvp_delete.key));
		if (n < 0)
			return n;
		m->body.kvp_delete.key_size = n;
		if (o->key_size >= 0)
			m->body.kvp_delete.key_size = o->key_size;
		goto done;
	}
	n = sim_kvp_encode(key, v->key, sizeof(v->key));
	if (n < 0)
		return n;
	v->key_size = n;
	if (!strcmp(verb, "get")) {
		op = KVP_OP_GET;
	} else if (!strcmp(verb, "set")) {
		op = KVP_OP_SET;
		v->value_type = REG_SZ;
		n = sim_kvp_encode(args ?: "", v->value, sizeof(v->value));
		if (n < 0)
			return n;
		v->value_size = n;
	} else if (!strcmp(verb, "set_u32") || !strcmp(verb, "set_u64")) {
		op = KVP_OP_SET;
		num = sim_kvp_word(&args);
		if (!num)
			return -EINVAL;
		ret = kstrtou64(num, 0, &val);
		if (ret)
			return ret;
		if (!strcmp(verb, "set_u32")) {
			if (val > U32_MAX)
				return -ERANGE;
			v->value_type = REG_U32;
			v->value_u32 = val;
			v->value_size = sizeof(u32);
		} else {
			v->value_type = REG_U64;
			v->value_u64 = val;
			v->value_size = sizeof(u64);
		}
	} else {
		return -EINVAL;
	}
	if (o->key_size >= 0)
		v->key_size = o->key_size;
	if (o->value_size >= 0)
		v->value_size = o->value_size;
	if (o->value_type >= 0)
		v->value_type = o->value_type;
done:
	m->kvp_hdr.operation = op;
	m->kvp_hdr.pool = pool;
	*opp = op;
	return SIM_KVP_BODY_LEN;
}

/* Build an IP request in sim_kvp.body; returns its length. */
static int sim_kvp_build_ip(const char *verb, char *args,
			    const struct sim_kvp_overrides *o, u8 *opp)
{
	struct hv_kvp_ip_msg *m = &sim_kvp.body->ip;
	struct hv_kvp_ipaddr_value *v = &m->kvp_ip_val;
	struct {
		__u16 *dst;
		size_t units;
	} fields[] = {
		{ v->ip_addr, MAX_IP_ADDR_SIZE },
		{ v->sub_net, MAX_IP_ADDR_SIZE },
		{ v->gate_way, MAX_GATEWAY_SIZE },
		{ v->dns_addr, MAX_IP_ADDR_SIZE },
	};
	unsigned int i;
	u8 dhcp;
	char *w;
	int n;

	w = sim_kvp_word(&args);
	if (!w)
		return -EINVAL;
	n = sim_kvp_encode(w, v->adapter_id, sizeof(v->adapter_id));
	if (n < 0)
		return n;
	if (!strcmp(verb, "get_ip_info")) {
		m->operation = KVP_OP_GET_IP_INFO;
	} else {
		m->operation = KVP_OP_SET_IP_INFO;
		n = sim_kvp_u8(&args, &dhcp);
		if (n)
			return n;
		v->dhcp_enabled = dhcp;
		for (i = 0; i < ARRAY_SIZE(fields); i++) {
			w = sim_kvp_word(&args);
			if (!w)
				return -EINVAL;
			n = sim_kvp_encode(w, fields[i].dst,
					   2 * fields[i].units);
			if (n < 0)
				return n;
		}
		v->addr_family = ADDR_FAMILY_IPV4;
	}
	if (o->family >= 0)
		v->addr_family = o->family;
	*opp = m->operation;
	return sizeof(*m);
}

static int sim_kvp_request(char *cmd)
{
	struct sim_kvp_overrides o;
	char *verb = NULL;
	u8 op = 0, pool;
	int len, ret;

	ret = sim_kvp_overrides(&cmd, &verb, &o);
	if (ret)
		return ret;
	memset(sim_kvp.body, 0, sizeof(*sim_kvp.body));
	if (!strcmp(verb, "get_ip_info") || !strcmp(verb, "set_ip_info")) {
		len = sim_kvp_build_ip(verb, cmd, &o, &op);
	} else if (!strcmp(verb, "raw")) {
		ret = sim_kvp_u8(&cmd, &op);
		ret = ret ?: sim_kvp_u8(&cmd, &pool);
		if (ret)
			return ret;
		sim_kvp.body->kv.kvp_hdr.operation = op;
		sim_kvp.body->kv.kvp_hdr.pool = pool;
		len = SIM_KVP_BODY_LEN;
	} else {
		len = sim_kvp_build_kv(verb, cmd, &o, &op);
	}
	if (len < 0)
		return len;
	if (o.len >= 0) {
		if (o.len > sizeof(*sim_kvp.body))
			return -EINVAL;
		len = o.len;
	}

	mutex_lock(&sim_kvp_text.lock);
	sim_ic_text_reset(&sim_kvp_text);
	mutex_unlock(&sim_kvp_text.lock);
	ret = sim_ic_transact("kvp", HV_ICMSG_KVP, sim_kvp.body, len,
			      sim_kvp.reply, SIM_KVP_TIMEOUT_MS);
	mutex_lock(&sim_kvp_text.lock);
	if (ret)
		sim_kvp_print("error=%d\n", ret);
	else
		ret = sim_kvp_decode(op, len);
	mutex_unlock(&sim_kvp_text.lock);
	return ret;
}

static ssize_t sim_kvp_request_write(struct file *f, const char __user *ubuf,
				     size_t len, loff_t *ppos)
{
	char *cmd;
	int ret;

	if (!len || len >= SIM_KVP_CMD_MAX)
		return -EINVAL;
	cmd = memdup_user_nul(ubuf, len);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	/* One line; a value keeps its inner and trailing spaces. */
	if (cmd[len - 1] == '\n')
		cmd[len - 1] = 0;
	if (strchr(cmd, '\n')) {
		kfree(cmd);
		return -EINVAL;
	}
	ret = mutex_lock_interruptible(&sim_kvp.lock);
	if (!ret) {
		ret = sim_kvp_request(cmd);
		mutex_unlock(&sim_kvp.lock);
	}
	kfree(cmd);
	return ret ? ret : len;
}

static const struct file_operations sim_kvp_request_fops = {
	.owner = THIS_MODULE,
	.write = sim_kvp_request_write,
};

static void sim_kvp_free(void)
{
	kfree(sim_kvp.body);
	kvfree(sim_kvp.reply);
	sim_ic_text_free(&sim_kvp_text);
	sim_kvp.body = NULL;
	sim_kvp.reply = NULL;
}

int sim_ic_kvp_init(struct dentry *dir)
{
	mutex_init(&sim_kvp.lock);
	sim_kvp.body = kzalloc(sizeof(*sim_kvp.body), GFP_KERNEL);
	sim_kvp.reply = kvzalloc(sizeof(*sim_kvp.reply), GFP_KERNEL);
	if (sim_ic_text_init(&sim_kvp_text, SIM_KVP_TEXT_MAX) ||
	    !sim_kvp.body || !sim_kvp.reply) {
		sim_kvp_free();
		return -ENOMEM;
	}
	debugfs_create_file("request", 0200, dir, NULL, &sim_kvp_request_fops);
	sim_ic_text_file("reply", dir, &sim_kvp_text);
	return 0;
}

void sim_ic_kvp_exit(void)
{
	sim_kvp_free();
	mutex_destroy(&sim_kvp.lock);
}
