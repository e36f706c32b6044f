// SPDX-License-Identifier: GPL-2.0
/*
 * Host end of the guest-services (fcopy) channel, Copy-VMFile, in
 * hv_sim/ic/fcopy/:
 *   data     the file the host sends. Opening it with O_TRUNC (a shell's
 *            ">") empties it; writes append; at most 4 MiB. Readable.
 *   request  "copy PATH NAME FLAGS": START_FILE_COPY with the size of
 *            data, WRITE_TO_FILE in DATA_FRAGMENT (6 KiB) pieces, then
 *            COMPLETE_FCOPY, stopping at the first status that is not
 *            HV_S_OK. "copy_cancel PATH NAME FLAGS": START_FILE_COPY, one
 *            WRITE_TO_FILE (if there is data), CANCEL_FCOPY. FLAGS is a
 *            number (OVER_WRITE 1, CREATE_PATH 2); PATH and NAME are UTF-8
 *            and sent as UTF-16LE. The write blocks until the guest has
 *            answered the last step (each within 60 s) and returns the
 *            error of sim_ic_transact(), or the length written.
 *   reply    the last step of the last request: "step=<start|complete|
 *            cancel> status=0x%08x" or "step=write offset=N status=0x%08x";
 *            "error=<errno>" in place of status when the guest did not
 *            answer.
 *
 * Message layouts: struct hv_start_fcopy, hv_do_fcopy and hv_fcopy_hdr of
 * include/uapi/linux/hyperv.h, operations from enum hv_fcopy_op there.
 * Assumption (undocumented): every WRITE_TO_FILE is a whole struct
 * hv_do_fcopy whatever its size field says; Linux 6.1's hv_fcopy.c passes
 * that many bytes of the packet to its daemon.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": fcopy: " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/nls.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <uapi/linux/hyperv.h>
#include <hv/ic.h>
#include "sim.h"

#define SIM_FCOPY_DATA_MAX	(4 << 20)
#define SIM_FCOPY_MS		(60 * 1000)
#define SIM_FCOPY_REQ_MAX	2048

static_assert(sizeof(struct hv_do_fcopy) <= HVU_SIM_IC_BODY_MAX);

static struct {
	struct mutex lock;	/* data, size; held through a copy */
	u8 *data;
	size_t size;
	struct sim_ic_text last;
} sim_fcopy;

/* One copy in progress (serialised by sim_fcopy.lock). */
struct sim_fcopy_op {
	union {
		struct hv_fcopy_hdr hdr;
		struct hv_start_fcopy start;
		struct hv_do_fcopy data;
	} msg;
	struct sim_ic_reply reply;
	const char *step;
	u64 offset;
};

static void sim_fcopy_record(const struct sim_fcopy_op *op, int ret)
{
	char where[32] = "";

	if (!strcmp(op->step, "write"))
		snprintf(where, sizeof(where), " offset=%llu", op->offset);
	if (ret)
		sim_ic_text_set(&sim_fcopy.last, "step=%s%s error=%d\n",
				op->step, where, ret);
	else
		sim_ic_text_set(&sim_fcopy.last, "step=%s%s status=0x%08x\n",
				op->step, where, op->reply.status);
}

/*
 * Send op->msg (@len bytes) and record the answer. Returns a negative
 * error, 0 for HV_S_OK, 1 for any other status.
 */
static int sim_fcopy_step(struct sim_fcopy_op *op, const char *step, u32 len)
{
	int ret;

	op->step = step;
	ret = sim_ic_transact("fcopy", HV_ICMSG_FCOPY, &op->msg, len,
			      &op->reply, SIM_FCOPY_MS);
	if (!ret && op->reply.len < sizeof(struct hv_fcopy_hdr)) {
		/* The guest answers in place: the message must come back. */
		sim_violation("fcopy: %s answered with %u bytes", step,
			      op->reply.len);
		ret = -EPROTO;
	}
	sim_fcopy_record(op, ret);
	if (ret)
		return ret;
	return op->reply.status == HV_S_OK ? 0 : 1;
}

static int sim_fcopy_start(struct sim_fcopy_op *op, const char *path,
			   const char *name, u32 flags)
{
	struct hv_start_fcopy *s = &op->msg.start;
	int n;

	memset(s, 0, sizeof(*s));
	s->hdr.operation = START_FILE_COPY;
	/* Each name NUL-terminated within its W_MAX_PATH units. */
	n = utf8s_to_utf16s(name, strlen(name), UTF16_LITTLE_ENDIAN,
			    (wchar_t *)s->file_name, W_MAX_PATH);
	if (n < 0 || n >= W_MAX_PATH)
		return n < 0 ? n : -ENAMETOOLONG;
	n = utf8s_to_utf16s(path, strlen(path), UTF16_LITTLE_ENDIAN,
			    (wchar_t *)s->path_name, W_MAX_PATH);
	if (n < 0 || n >= W_MAX_PATH)
		return n < 0 ? n : -ENAMETOOLONG;
	s->copy_flags = flags;
	s->file_size = sim_fcopy.size;
	return sim_fcopy_step(op, "start", sizeof(*s));
}

static int sim_fcopy_write(struct sim_fcopy_op *op, u64 offset)
{
	struct hv_do_fcopy *d = &op->msg.data;
	u32 size = min_t(size_t, sim_fcopy.size - offset, DATA_FRAGMENT);

	memset(d, 0, sizeof(*d));
	d->hdr.operation = WRITE_TO_FILE;
	d->offset = offset;
	d->size = size;
	memcpy(d->data, sim_fcopy.data + offset, size);
	op->offset = offset;
	return sim_fcopy_step(op, "write", sizeof(*d));
}

static int sim_fcopy_end(struct sim_fcopy_op *op, u32 operation)
{
	memset(&op->msg.hdr, 0, sizeof(op->msg.hdr));
	op->msg.hdr.operation = operation;
	return sim_fcopy_step(op, operation == COMPLETE_FCOPY ? "complete" :
			      "cancel", sizeof(op->msg.hdr));
}

/* Called with sim_fcopy.lock held. */
static int sim_fcopy_run(bool cancel, const char *path, const char *name,
			 u32 flags)
{
	struct sim_fcopy_op *op;
	u64 offset = 0;
	int ret;

	op = kzalloc(sizeof(*op), GFP_KERNEL);
	if (!op)
		return -ENOMEM;
	ret = sim_fcopy_start(op, path, name, flags);
	while (!ret && offset < sim_fcopy.size) {
		ret = sim_fcopy_write(op, offset);
		offset += DATA_FRAGMENT;
		if (cancel)
			break;
	}
	if (!ret)
		ret = sim_fcopy_end(op, cancel ? CANCEL_FCOPY : COMPLETE_FCOPY);
	kfree(op);
	return ret < 0 ? ret : 0;
}

static char *sim_fcopy_word(char **s)
{
	char *w;

	do {
		w = strsep(s, " \t\n");
	} while (w && !*w);
	return w;
}

static ssize_t sim_fcopy_request_write(struct file *f,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	char *buf, *s, *cmd, *path, *name, *flags_s;
	bool cancel;
	u32 flags;
	int ret;

	if (len >= SIM_FCOPY_REQ_MAX)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	s = buf;
	cmd = sim_fcopy_word(&s);
	path = sim_fcopy_word(&s);
	name = sim_fcopy_word(&s);
	flags_s = sim_fcopy_word(&s);
	ret = -EINVAL;
	if (!cmd || !path || !name || !flags_s || sim_fcopy_word(&s) ||
	    kstrtou32(flags_s, 0, &flags))
		goto out;
	if (!strcmp(cmd, "copy"))
		cancel = false;
	else if (!strcmp(cmd, "copy_cancel"))
		cancel = true;
	else
		goto out;

	mutex_lock(&sim_fcopy.lock);
	ret = sim_fcopy_run(cancel, path, name, flags);
	mutex_unlock(&sim_fcopy.lock);
out:
	kfree(buf);
	return ret ? ret : len;
}

static const struct file_operations sim_fcopy_request_fops = {
	.owner = THIS_MODULE,
	.write = sim_fcopy_request_write,
};

static int sim_fcopy_data_open(struct inode *inode, struct file *f)
{
	if ((f->f_mode & FMODE_WRITE) && (f->f_flags & O_TRUNC)) {
		mutex_lock(&sim_fcopy.lock);
		sim_fcopy.size = 0;
		mutex_unlock(&sim_fcopy.lock);
	}
	return 0;
}

static ssize_t sim_fcopy_data_write(struct file *f, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	ssize_t ret = len;

	mutex_lock(&sim_fcopy.lock);
	if (!sim_fcopy.data) {
		sim_fcopy.data = vmalloc(SIM_FCOPY_DATA_MAX);
		if (!sim_fcopy.data) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (len > SIM_FCOPY_DATA_MAX - sim_fcopy.size)
		ret = -EFBIG;
	else if (copy_from_user(sim_fcopy.data + sim_fcopy.size, ubuf, len))
		ret = -EFAULT;
	else
		sim_fcopy.size += len;
out:
	mutex_unlock(&sim_fcopy.lock);
	return ret;
}

static ssize_t sim_fcopy_data_read(struct file *f, char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&sim_fcopy.lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, sim_fcopy.data,
				      sim_fcopy.size);
	mutex_unlock(&sim_fcopy.lock);
	return ret;
}

static const struct file_operations sim_fcopy_data_fops = {
	.owner = THIS_MODULE,
	.open = sim_fcopy_data_open,
	.read = sim_fcopy_data_read,
	.write = sim_fcopy_data_write,
};

int sim_ic_fcopy_init(struct dentry *dir)
{
	int ret = sim_ic_text_init(&sim_fcopy.last, 96);

	if (ret)
		return ret;
	mutex_init(&sim_fcopy.lock);
	sim_fcopy.data = NULL;
	sim_fcopy.size = 0;
	debugfs_create_file("data", 0600, dir, NULL, &sim_fcopy_data_fops);
	debugfs_create_file("request", 0200, dir, NULL,
			    &sim_fcopy_request_fops);
	sim_ic_text_file("reply", dir, &sim_fcopy.last);
	return 0;
}

void sim_ic_fcopy_exit(void)
{
	/* The files go with hv_sim/ic/, which ic.c removes first. */
	vfree(sim_fcopy.data);
	sim_fcopy.data = NULL;
	sim_ic_text_free(&sim_fcopy.last);
	mutex_destroy(&sim_fcopy.lock);
}
