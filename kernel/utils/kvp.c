// SPDX-License-Identifier: GPL-2.0
/*
 * KVP, the key-value pair exchange integration service: the host gets,
 * sets, deletes and enumerates string pairs in five pools and asks for or
 * injects the IP configuration of an adapter. The kernel is only a conduit:
 * a daemon (hv_kvp_daemon) owns the pools, and this file carries each host
 * request to it over /dev/vmbus/hv_kvp and its answer back.
 *
 * Where the protocol facts come from:
 *  - include/uapi/linux/hyperv.h: struct hv_kvp_msg, hv_kvp_ip_msg and
 *    their bodies, the ops (GET 0 .. SET_IP_INFO 5), the pools (0 .. 4),
 *    KVP_OP_REGISTER (4) and KVP_OP_REGISTER1 (100), the key and value
 *    sizes (512 and 2048 bytes with the NUL), REG_SZ/REG_U32/REG_U64, the
 *    IP field sizes and the status codes;
 *  - drivers/hv/hv_kvp.c: the service versions 4.0, 3.0, 1.0 and framework
 *    versions 3.0, 1.0; the daemon handshake and its "3.1" version string;
 *    host negotiation deferred until a daemon registers (at most
 *    HV_UTIL_NEGO_TIMEOUT); the 30 s per-request timeout; how keys and
 *    values are converted each way (UTF-16LE from the host, UTF-8 for the
 *    daemon, scalars as decimal strings, answers limited to MAX/2 - 2 units
 *    with sizes of 2 * (units + 1) and type REG_SZ); which IP fields travel
 *    for GET_IP_INFO and SET_IP_INFO; a legacy daemon's empty key meaning
 *    HV_S_CONT;
 *  - tools/hv/hv_kvp_daemon.c: what the stock daemon reads from each
 *    message and writes back (status in the header's error field).
 *
 * Where we differ from drivers/hv/hv_kvp.c, on purpose:
 *  - GET works. Upstream sends the daemon value_size 0, so the stock daemon
 *    copies no byte of the stored value, and reads the answer at the
 *    ENUMERATE offset, 4 bytes past where the daemon wrote it; the host
 *    always gets an empty string. We ask for the whole value
 *    (value_size = HV_KVP_EXCHANGE_MAX_VALUE_SIZE, which the daemon
 *    accepts) and read it where the daemon put it.
 *  - Every field the host sends is checked before use (the host is
 *    untrusted): op, pool, key_size and value_size within their arrays,
 *    the value type, the body long enough for the answer written into it,
 *    an ENUMERATE index the daemon's signed int can hold (the stock daemon
 *    reads records[index] for a negative one). A bad request is answered
 *    HV_E_FAIL and never reaches the daemon.
 *  - Strings from the daemon are read only within their arrays, and every
 *    string we send the host keeps room for its UTF-16 NUL.
 *  - With no daemon registered (none yet, or one restarting during an
 *    upgrade), a request waits for one, as upstream leaves it in the ring
 *    until a daemon registers: a failover IP injection (SET_IP_INFO)
 *    sent then is not lost. Upstream waits without limit; we fail it
 *    after KVP_DAEMON_WAIT_S, longer than a host waits for its answer,
 *    so the host's timeout decides, not ours. The host's first
 *    negotiation is held for a daemon too, as upstream does.
 *  - A legacy daemon (KVP_OP_REGISTER) never gets the IP operations, which
 *    it predates.
 */
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/nls.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/hyperv.h>
#include <hv/classes.h>
#include "hvu.h"

/* drivers/hv/hv_kvp.c HV_DRV_VERSION: the daemon reports it as IntegrationServicesVersion. */
#define KVP_DRV_VERSION		"3.1"

/* drivers/hv/hv_kvp.c fw_versions[]: UTIL_FW_VERSION, UTIL_WS2K8_FW_VERSION. */
static const u32 kvp_fw[] = { HV_IC_FW_3_0, HV_IC_FW_1_0 };
/* drivers/hv/hv_kvp.c kvp_versions[]: WIN8 4.0, WIN7 3.0, WS2008 1.0. */
static const u32 kvp_srv[] = {
	HV_IC_VERSION(4, 0), HV_IC_VERSION(3, 0), HV_IC_VERSION(1, 0)
};

/* How often to offer a request again while the daemon's mailbox is full. */
#define KVP_RETRY_MS		10
/* How long a request waits for a daemon to register (see above). */
#define KVP_DAEMON_WAIT_S	300

struct kvp {
	struct hvu_dev *ud;
	struct hvu_transport *t;
	struct mutex lock;		/* all below */
	struct hv_kvp_msg *out;		/* the message being sent to the daemon */
	u8 reg_op;			/* the daemon's register op; 0: none */
	bool nego_released;		/* the hold for the first daemon is over */
	bool dying;
	struct hvu_msg *req;		/* the host's request we answer; or NULL */
	u8 op;				/* its operation */
	bool sent;			/* the daemon has it in its mailbox */
	bool held;			/* it waits for a daemon to register */
	/* late answers to come for requests that timed out with the daemon */
	unsigned int owed;
	unsigned long deadline;		/* when it fails with HV_E_FAIL */
	struct delayed_work req_work;	/* resend, then time out, the request */
	struct delayed_work nego_work;	/* stop holding for a daemon */
};

static struct device *kvp_dev(struct kvp *kvp)
{
	return &kvp->ud->hdev->dev;
}

/* Does the host's body hold a struct hv_kvp_msg with a body of @size bytes? */
static bool kvp_fits(const struct hvu_msg *m, size_t size)
{
	return m->body_len >= offsetof(struct hv_kvp_msg, body) + size;
}

/*
 * A UTF-16LE string of @size bytes (its NUL included) from the host into a
 * NUL-terminated UTF-8 string in @dst. Returns the UTF-8 length plus one,
 * the daemon's key_size/value_size, or -EINVAL for a size larger than the
 * host's array (@max bytes).
 */
static int kvp_utf16_in(const u8 *src, u32 size, u32 max, u8 *dst,
			size_t dst_size)
{
	if (size > max)
		return -EINVAL;
	return utf16s_to_utf8s((const wchar_t *)src, size / 2,
			       UTF16_LITTLE_ENDIAN, dst, dst_size - 1) + 1;
}

/*
 * A UTF-8 string from the daemon (ended by a NUL or its array of
 * @src_size bytes) into @dst (@dst_size bytes, zeroed first) as UTF-16LE
 * of at most @units units, so a NUL always follows. Returns the number of
 * units, or -EINVAL if the daemon's string is not UTF-8.
 */
static int kvp_utf8_out(const u8 *src, size_t src_size, u8 *dst,
			size_t dst_size, int units)
{
	memset(dst, 0, dst_size);
	return utf8s_to_utf16s(src, strnlen(src, src_size), UTF16_LITTLE_ENDIAN,
			       (wchar_t *)dst, units);
}

/* The host's key/value as the daemon expects them: UTF-8, sizes with NUL. */
static int kvp_key_in(const u8 *key, u32 key_size, u8 *out, u32 *out_size)
{
	int n = kvp_utf16_in(key, key_size, HV_KVP_EXCHANGE_MAX_KEY_SIZE, out,
			     HV_KVP_EXCHANGE_MAX_KEY_SIZE);

	if (n < 0)
		return n;
	*out_size = n;
	return 0;
}

static int kvp_set_in(const struct hv_kvp_exchg_msg_value *in,
		      struct hv_kvp_exchg_msg_value *out)
{
	int n;

	switch (in->value_type) {
	case REG_SZ:
		n = kvp_utf16_in(in->value, in->value_size,
				 HV_KVP_EXCHANGE_MAX_VALUE_SIZE, out->value,
				 HV_KVP_EXCHANGE_MAX_VALUE_SIZE);
		break;
	case REG_U32:
		n = scnprintf(out->value, sizeof(out->value), "%u",
			      in->value_u32) + 1;
		break;
	case REG_U64:
		n = scnprintf(out->value, sizeof(out->value), "%llu",
			      in->value_u64) + 1;
		break;
	default:
		return -EINVAL;
	}
	if (n < 0)
		return n;
	out->value_size = n;
	return kvp_key_in(in->key, in->key_size, out->key, &out->key_size);
}

/* One UTF-16 field of an IP message into its UTF-8 twin for the daemon. */
static void kvp_ip_field_in(const __u16 *src, size_t units, __u16 *dst)
{
	utf16s_to_utf8s((const wchar_t *)src, units, UTF16_LITTLE_ENDIAN,
			(u8 *)dst, units * 2 - 1);
}

/*
 * drivers/hv/hv_kvp.c process_ib_ipinfo(): GET_IP_INFO passes the adapter
 * id and address family; SET_IP_INFO adds the addresses, subnets,
 * gateways, DNS servers and the DHCP flag.
 */
static void kvp_ip_in(const struct hv_kvp_ip_msg *in, u8 op,
		      struct hv_kvp_ipaddr_value *out)
{
	const struct hv_kvp_ipaddr_value *v = &in->kvp_ip_val;

	if (op == KVP_OP_SET_IP_INFO) {
		kvp_ip_field_in(v->ip_addr, MAX_IP_ADDR_SIZE, out->ip_addr);
		kvp_ip_field_in(v->sub_net, MAX_IP_ADDR_SIZE, out->sub_net);
		kvp_ip_field_in(v->gate_way, MAX_GATEWAY_SIZE, out->gate_way);
		kvp_ip_field_in(v->dns_addr, MAX_IP_ADDR_SIZE, out->dns_addr);
		out->dhcp_enabled = v->dhcp_enabled;
	}
	kvp_ip_field_in(v->adapter_id, MAX_ADAPTER_ID_SIZE, out->adapter_id);
	out->addr_family = v->addr_family;
}

/*
 * Check the host's request @m and build the daemon's message in kvp->out.
 * -EINVAL: malformed, -EOPNOTSUPP: not for this daemon.
 */
static int kvp_request_in(struct kvp *kvp, const struct hvu_msg *m)
{
	const struct hv_kvp_msg *in = m->body;
	struct hv_kvp_msg *out = kvp->out;
	u8 op, pool;

	/* hv_kvp_msg and hv_kvp_ip_msg both start with operation and pool. */
	if (m->body_len < sizeof(in->kvp_hdr))
		return -EINVAL;
	op = in->kvp_hdr.operation;
	pool = in->kvp_hdr.pool;
	memset(out, 0, sizeof(*out));
	out->kvp_hdr.operation = op;
	out->kvp_hdr.pool = pool;

	switch (op) {
	case KVP_OP_GET:
	case KVP_OP_SET:
	case KVP_OP_DELETE:
	case KVP_OP_ENUMERATE:
		/* The stock daemon indexes its pool table with it unchecked. */
		if (pool >= KVP_POOL_COUNT)
			return -EINVAL;
		break;
	case KVP_OP_GET_IP_INFO:
	case KVP_OP_SET_IP_INFO:
		if (m->body_len < sizeof(struct hv_kvp_ip_msg))
			return -EINVAL;
		if (kvp->reg_op != KVP_OP_REGISTER1)
			return -EOPNOTSUPP;
		kvp_ip_in(m->body, op, &out->body.kvp_ip_val);
		return 0;
	default:
		return -EINVAL;
	}

	switch (op) {
	case KVP_OP_GET:
		if (!kvp_fits(m, sizeof(in->body.kvp_get)))
			return -EINVAL;
		/* The daemon copies value_size bytes of the stored value. */
		out->body.kvp_get.data.value_size =
			HV_KVP_EXCHANGE_MAX_VALUE_SIZE;
		return kvp_key_in(in->body.kvp_get.data.key,
				  in->body.kvp_get.data.key_size,
				  out->body.kvp_get.data.key,
				  &out->body.kvp_get.data.key_size);
	case KVP_OP_SET:
		if (!kvp_fits(m, sizeof(in->body.kvp_set)))
			return -EINVAL;
		return kvp_set_in(&in->body.kvp_set.data,
				  &out->body.kvp_set.data);
	case KVP_OP_DELETE:
		if (!kvp_fits(m, sizeof(in->body.kvp_delete)))
			return -EINVAL;
		return kvp_key_in(in->body.kvp_delete.key,
				  in->body.kvp_delete.key_size,
				  out->body.kvp_delete.key,
				  &out->body.kvp_delete.key_size);
	default: /* KVP_OP_ENUMERATE */
		if (!kvp_fits(m, sizeof(in->body.kvp_enum_data)))
			return -EINVAL;
		/* The stock daemon compares it as an int with its record count. */
		if (in->body.kvp_enum_data.index > INT_MAX)
			return -EINVAL;
		out->body.kvp_enum_data.index = in->body.kvp_enum_data.index;
		return 0;
	}
}

/* One UTF-8 field of the daemon's IP answer into the host's UTF-16 field. */
static int kvp_ip_field_out(const __u16 *src, size_t units, __u16 *dst)
{
	return kvp_utf8_out((const u8 *)src, units * 2, (u8 *)dst, units * 2,
			    units - 1);
}

/* drivers/hv/hv_kvp.c process_ob_ipinfo(): the GET_IP_INFO answer. */
static u32 kvp_ip_out(const struct hv_kvp_ipaddr_value *in,
		      struct hv_kvp_ip_msg *out)
{
	struct hv_kvp_ipaddr_value *v = &out->kvp_ip_val;

	if (kvp_ip_field_out(in->ip_addr, MAX_IP_ADDR_SIZE, v->ip_addr) < 0 ||
	    kvp_ip_field_out(in->sub_net, MAX_IP_ADDR_SIZE, v->sub_net) < 0 ||
	    kvp_ip_field_out(in->gate_way, MAX_GATEWAY_SIZE, v->gate_way) < 0 ||
	    kvp_ip_field_out(in->dns_addr, MAX_IP_ADDR_SIZE, v->dns_addr) < 0 ||
	    kvp_ip_field_out(in->adapter_id, MAX_ADAPTER_ID_SIZE,
			     v->adapter_id) < 0)
		return HV_E_FAIL;
	v->dhcp_enabled = in->dhcp_enabled;
	v->addr_family = in->addr_family;
	return HV_S_OK;
}

/*
 * Write the daemon's answer @msg into the host's request @m in place (as
 * drivers/hv/hv_kvp.c kvp_respond_to_host() does) and return the status.
 */
static u32 kvp_answer_out(struct kvp *kvp, struct hvu_msg *m,
			  const struct hv_kvp_msg *msg)
{
	const struct hv_kvp_exchg_msg_value *from;
	struct hv_kvp_msg *to = m->body;
	struct hv_kvp_exchg_msg_value *data;
	int keylen, valuelen;
	u32 status;

	/*
	 * A legacy daemon says "no such entry" with an empty key; upstream
	 * looks at the ENUMERATE key whatever the operation, and so do we.
	 */
	if (kvp->reg_op == KVP_OP_REGISTER1)
		status = msg->error;
	else
		status = msg->body.kvp_enum_data.data.key[0] ?
			 HV_S_OK : HV_S_CONT;
	if (status != HV_S_OK)
		return status;

	switch (kvp->op) {
	case KVP_OP_GET:
		from = &msg->body.kvp_get.data;
		data = &to->body.kvp_get.data;
		break;
	case KVP_OP_ENUMERATE:
		from = &msg->body.kvp_enum_data.data;
		data = &to->body.kvp_enum_data.data;
		keylen = kvp_utf8_out(from->key, sizeof(from->key), data->key,
				      sizeof(data->key),
				      HV_KVP_EXCHANGE_MAX_KEY_SIZE / 2 - 2);
		if (keylen < 0)
			return HV_E_FAIL;
		data->key_size = 2 * (keylen + 1);
		break;
	case KVP_OP_GET_IP_INFO:
		return kvp_ip_out(&msg->body.kvp_ip_val, m->body);
	default:	/* SET, DELETE, SET_IP_INFO: the status is all */
		return HV_S_OK;
	}

	valuelen = kvp_utf8_out(from->value, sizeof(from->value), data->value,
				sizeof(data->value),
				HV_KVP_EXCHANGE_MAX_VALUE_SIZE / 2 - 2);
	if (valuelen < 0)
		return HV_E_FAIL;
	data->value_size = 2 * (valuelen + 1);
	data->value_type = REG_SZ;
	return HV_S_OK;
}

/* Take the outstanding request to answer it; kvp->lock held. */
static struct hvu_msg *kvp_take(struct kvp *kvp)
{
	struct hvu_msg *m = kvp->req;

	kvp->req = NULL;
	kvp->sent = false;
	kvp->held = false;
	return m;
}

/*
 * The request's delayed work: offer it to the daemon again while its
 * mailbox is full, then fail it when the daemon has not answered in
 * HVU_TIMEOUT_S (drivers/hv/hv_kvp.c: HV_UTIL_TIMEOUT).
 */
static void kvp_req_work(struct work_struct *work)
{
	struct kvp *kvp = container_of(to_delayed_work(work), struct kvp,
				       req_work);
	bool expired, held;
	int ret;

	mutex_lock(&kvp->lock);
	if (!kvp->req || kvp->dying)
		goto out;
	expired = !time_before(jiffies, kvp->deadline);
	if (kvp->held && !expired) {
		if (!kvp->reg_op)
			goto out;	/* a stale run: still no daemon */
		/* A daemon registered: the request becomes its. */
		ret = kvp_request_in(kvp, kvp->req);
		if (ret) {
			kvp_take(kvp);
			mutex_unlock(&kvp->lock);
			if (ret == -EINVAL)
				dev_warn_ratelimited(kvp_dev(kvp),
						     "malformed KVP request refused\n");
			hvu_reply(kvp->ud, HV_E_FAIL);
			return;
		}
		kvp->held = false;
		kvp->op = kvp->out->kvp_hdr.operation;
		kvp->deadline = jiffies + HVU_TIMEOUT_S * HZ;
		dev_info(kvp_dev(kvp), "KVP request handed to the daemon that registered\n");
	}
	if (!kvp->sent && !expired) {
		ret = hvu_transport_send(kvp->t, kvp->out, sizeof(*kvp->out));
		if (!ret) {
			kvp->sent = true;
			mod_delayed_work(system_wq, &kvp->req_work,
					 kvp->deadline - jiffies);
			goto out;
		}
		if (ret == -EBUSY) {
			mod_delayed_work(system_wq, &kvp->req_work,
					 msecs_to_jiffies(KVP_RETRY_MS));
			goto out;
		}
	} else if (!expired) {
		/* A stale run: the request's own timer is still armed. */
		goto out;
	}
	held = kvp->held;
	if (kvp->sent && !hvu_transport_withdraw(kvp->t))
		kvp->owed++;
	kvp_take(kvp);
	mutex_unlock(&kvp->lock);
	if (held)
		dev_warn_ratelimited(kvp_dev(kvp),
				     "no KVP daemon registered in %d s: request failed\n",
				     KVP_DAEMON_WAIT_S);
	else
		dev_warn_ratelimited(kvp_dev(kvp),
				     "the KVP daemon did not answer in %d s\n",
				     HVU_TIMEOUT_S);
	hvu_reply(kvp->ud, HV_E_FAIL);
	return;
out:
	mutex_unlock(&kvp->lock);
}

static int kvp_handle(struct hvu_dev *ud, struct hvu_msg *m, u32 *status)
{
	struct kvp *kvp = ud->priv;
	int ret;

	*status = HV_E_FAIL;
	mutex_lock(&kvp->lock);
	if (kvp->req || kvp->dying)
		goto out;
	if (!kvp->reg_op) {
		/* Kept for a daemon; converted when one registers. */
		kvp->req = m;
		kvp->sent = false;
		kvp->held = true;
		kvp->deadline = jiffies + KVP_DAEMON_WAIT_S * HZ;
		mod_delayed_work(system_wq, &kvp->req_work,
				 KVP_DAEMON_WAIT_S * HZ);
		mutex_unlock(&kvp->lock);
		dev_info_ratelimited(&ud->hdev->dev, "KVP request held until a daemon registers\n");
		return HVU_DEFER;
	}
	ret = kvp_request_in(kvp, m);
	if (ret == -EINVAL)
		dev_warn_ratelimited(&ud->hdev->dev,
				     "malformed KVP request refused\n");
	if (ret)
		goto out;
	ret = hvu_transport_send(kvp->t, kvp->out, sizeof(*kvp->out));
	if (ret && ret != -EBUSY)
		goto out;
	kvp->req = m;
	kvp->op = kvp->out->kvp_hdr.operation;
	kvp->sent = !ret;
	kvp->deadline = jiffies + HVU_TIMEOUT_S * HZ;
	mod_delayed_work(system_wq, &kvp->req_work,
			 ret ? msecs_to_jiffies(KVP_RETRY_MS) :
			       HVU_TIMEOUT_S * HZ);
	mutex_unlock(&kvp->lock);
	return HVU_DEFER;
out:
	mutex_unlock(&kvp->lock);
	return 0;
}

/* The daemon's first message: drivers/hv/hv_kvp.c kvp_handle_handshake(). */
static int kvp_register(struct kvp *kvp, const struct hv_kvp_msg *msg)
{
	u8 op = msg->kvp_hdr.operation;
	bool release;
	int ret;

	if (op != KVP_OP_REGISTER1 && op != KVP_OP_REGISTER) {
		mutex_unlock(&kvp->lock);
		dev_info(kvp_dev(kvp), "incompatible KVP daemon (op %u)\n", op);
		return -EINVAL;
	}
	memset(kvp->out, 0, sizeof(*kvp->out));
	kvp->out->kvp_hdr.operation = op;
	strscpy(kvp->out->body.kvp_register.version, KVP_DRV_VERSION,
		sizeof(kvp->out->body.kvp_register.version));
	ret = hvu_transport_send(kvp->t, kvp->out, sizeof(*kvp->out));
	if (ret) {
		mutex_unlock(&kvp->lock);
		return ret;
	}
	kvp->reg_op = op;
	release = !kvp->nego_released;
	kvp->nego_released = true;
	/* A request waited for a daemon: this one gets it. */
	if (kvp->req && kvp->held)
		mod_delayed_work(system_wq, &kvp->req_work, 0);
	mutex_unlock(&kvp->lock);

	if (op == KVP_OP_REGISTER)
		dev_info(kvp_dev(kvp),
			 "legacy KVP daemon: no IP injection\n");
	dev_dbg(kvp_dev(kvp), "KVP daemon registered\n");
	if (release) {
		cancel_delayed_work(&kvp->nego_work);
		hvu_hold(kvp->ud, false);
	}
	return 0;
}

static int kvp_on_write(void *ctx, const void *buf, size_t len)
{
	const struct hv_kvp_msg *msg = buf;
	struct kvp *kvp = ctx;
	struct hvu_msg *m;
	u32 status;

	/* The stock daemon always writes a whole struct hv_kvp_msg. */
	if (len < sizeof(*msg))
		return -EINVAL;
	mutex_lock(&kvp->lock);
	if (kvp->dying) {
		mutex_unlock(&kvp->lock);
		return -ENODEV;
	}
	if (!kvp->reg_op)
		return kvp_register(kvp, msg);	/* unlocks */
	/*
	 * The daemon answers in order: while it owes answers to requests
	 * that timed out, this is one of them, not the answer to the request
	 * it may have now. Taken and dropped, so the daemon carries on.
	 */
	if (kvp->owed) {
		kvp->owed--;
		mutex_unlock(&kvp->lock);
		dev_info_ratelimited(kvp_dev(kvp), "dropped the KVP daemon's late answer to a request that timed out\n");
		return 0;
	}
	/* An answer to nothing: no request, or one the daemon has not read. */
	if (!kvp->req || !kvp->sent) {
		mutex_unlock(&kvp->lock);
		return -EINVAL;
	}
	m = kvp_take(kvp);
	status = kvp_answer_out(kvp, m, msg);
	mutex_unlock(&kvp->lock);

	cancel_delayed_work(&kvp->req_work);
	hvu_reply(kvp->ud, status);
	return 0;
}

/* The daemon closed the device: fail what it had, wait for another. */
static void kvp_on_release(void *ctx)
{
	struct kvp *kvp = ctx;
	struct hvu_msg *m;

	mutex_lock(&kvp->lock);
	kvp->reg_op = 0;
	kvp->owed = 0;
	/* A request still held for a daemon waits for the next one. */
	m = kvp->held ? NULL : kvp_take(kvp);
	mutex_unlock(&kvp->lock);

	if (m) {
		cancel_delayed_work(&kvp->req_work);
		hvu_reply(kvp->ud, HV_E_FAIL);
	}
}

static const struct hvu_transport_ops kvp_transport_ops = {
	.on_write = kvp_on_write,
	.on_release = kvp_on_release,
};

/* No daemon came in time: let the host negotiate anyway. */
static void kvp_nego_work(struct work_struct *work)
{
	struct kvp *kvp = container_of(to_delayed_work(work), struct kvp,
				       nego_work);
	bool release;

	mutex_lock(&kvp->lock);
	release = !kvp->nego_released && !kvp->dying;
	kvp->nego_released = true;
	mutex_unlock(&kvp->lock);
	if (release) {
		dev_info(kvp_dev(kvp),
			 "no KVP daemon after %d s, negotiating without one\n",
			 HVU_NEGO_TIMEOUT_S);
		hvu_hold(kvp->ud, false);
	}
}

static int kvp_probe(struct hvu_dev *ud)
{
	struct kvp *kvp;

	kvp = kzalloc(sizeof(*kvp), GFP_KERNEL);
	if (!kvp)
		return -ENOMEM;
	kvp->out = kzalloc(sizeof(*kvp->out), GFP_KERNEL);
	if (!kvp->out) {
		kfree(kvp);
		return -ENOMEM;
	}
	kvp->ud = ud;
	mutex_init(&kvp->lock);
	INIT_DELAYED_WORK(&kvp->req_work, kvp_req_work);
	INIT_DELAYED_WORK(&kvp->nego_work, kvp_nego_work);
	ud->priv = kvp;

	/*
	 * drivers/hv/hv_kvp.c defers the host's negotiation until a daemon
	 * registers (at most HV_UTIL_NEGO_TIMEOUT), so that requests sent
	 * right after it, such as a failover IP injection, are not lost.
	 */
	hvu_hold(ud, true);
	return 0;
}

/* The channel is open: now a daemon may come. */
static int kvp_start(struct hvu_dev *ud)
{
	struct kvp *kvp = ud->priv;
	struct hvu_transport *t;

	t = hvu_transport_create(&ud->hdev->dev, "hv_kvp", &kvp_transport_ops,
				 kvp);
	if (IS_ERR(t))
		return PTR_ERR(t);
	kvp->t = t;
	schedule_delayed_work(&kvp->nego_work, HVU_NEGO_TIMEOUT_S * HZ);
	return 0;
}

static void kvp_remove(struct hvu_dev *ud)
{
	struct kvp *kvp = ud->priv;

	mutex_lock(&kvp->lock);
	kvp->dying = true;
	mutex_unlock(&kvp->lock);
	/* No transport callback runs after this, nor any work after these. */
	hvu_transport_destroy(kvp->t);
	cancel_delayed_work_sync(&kvp->nego_work);
	cancel_delayed_work_sync(&kvp->req_work);
	ud->priv = NULL;
	mutex_destroy(&kvp->lock);
	kfree(kvp->out);
	kfree(kvp);
}

const struct hvu_service hvu_kvp = {
	.name = "kvp",
	.class_id = HV_CLASS_KVP,
	.msgtype = HV_ICMSG_KVP,
	.fw_versions = kvp_fw,
	.fw_count = ARRAY_SIZE(kvp_fw),
	.srv_versions = kvp_srv,
	.srv_count = ARRAY_SIZE(kvp_srv),
	.probe = kvp_probe,
	.start = kvp_start,
	.remove = kvp_remove,
	.handle = kvp_handle,
};
