// SPDX-License-Identifier: GPL-2.0
/*
 * The character devices that carry requests between hv_utils and the
 * daemons: /dev/vmbus/hv_kvp, hv_vss, hv_fcopy and our hv_shutdown.
 *
 * Behaviour the stock daemons rely on (drivers/hv/hv_utils_transport.c):
 * misc devices named "vmbus/<name>" (so /dev/vmbus/<name>, and
 * /sys/devices/virtual/misc/vmbus!<name> for systemd's BindsTo=), one
 * opener at a time, one whole message per read() and per write(), a read
 * buffer smaller than the message gets EINVAL, and pread()/pwrite() work
 * (the stock fcopy daemon uses them, so the file stays seekable).
 *
 * Lifetime: the device can go (rescind, unbind) while a daemon still has
 * it open; the transport is then marked dead, the daemon's calls fail with
 * ENODEV, and the memory goes with the last reference. The module itself
 * cannot go while a file is open (fops.owner).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "compat.h"
#include "hvu.h"

/* The largest message a daemon writes (sizeof(struct hv_kvp_msg): 7432). */
#define HVU_WRITE_MAX	(16 * 1024)

struct hvu_transport {
	struct kref ref;
	struct miscdevice mdev;
	char name[32];
	struct device *parent;
	const struct hvu_transport_ops *ops;
	void *ctx;
	struct mutex cb_lock;	/* callbacks vs. destroy; taken before lock */
	struct mutex lock;	/* everything below */
	wait_queue_head_t wq;
	bool opened;
	bool dead;
	void *out;		/* the message waiting to be read */
	size_t out_len;
};

static void hvu_transport_free(struct kref *ref)
{
	struct hvu_transport *t = container_of(ref, struct hvu_transport, ref);

	kfree(t->out);
	kfree(t);
}

static struct hvu_transport *hvu_file_transport(struct file *file)
{
	struct miscdevice *mdev = file->private_data;

	return container_of(mdev, struct hvu_transport, mdev);
}

static int hvu_t_open(struct inode *inode, struct file *file)
{
	struct hvu_transport *t = hvu_file_transport(file);
	int ret = 0;

	mutex_lock(&t->lock);
	if (t->dead)
		ret = -ENODEV;
	else if (t->opened)
		ret = -EBUSY;
	else
		t->opened = true;
	mutex_unlock(&t->lock);
	if (!ret)
		kref_get(&t->ref);
	return ret;
}

static int hvu_t_release(struct inode *inode, struct file *file)
{
	struct hvu_transport *t = hvu_file_transport(file);

	/*
	 * The service forgets this daemon before the device can be opened
	 * again, in one critical section (upstream's hvt_op_release() resets
	 * and changes mode under one lock): a daemon that opens and registers
	 * right after us cannot have its registration wiped by our reset.
	 * Until opened is cleared, opens fail with EBUSY; a registration is a
	 * write, which waits for cb_lock.
	 */
	mutex_lock(&t->cb_lock);
	if (!t->dead && t->ops->on_release)
		t->ops->on_release(t->ctx);
	mutex_lock(&t->lock);
	t->opened = false;
	kfree(t->out);
	t->out = NULL;
	t->out_len = 0;
	mutex_unlock(&t->lock);
	mutex_unlock(&t->cb_lock);
	kref_put(&t->ref, hvu_transport_free);
	return 0;
}

static ssize_t hvu_t_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	struct hvu_transport *t = hvu_file_transport(file);
	ssize_t ret;

	mutex_lock(&t->lock);
	while (!t->out && !t->dead) {
		mutex_unlock(&t->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(t->wq,
					     READ_ONCE(t->out) ||
					     READ_ONCE(t->dead)))
			return -ERESTARTSYS;
		mutex_lock(&t->lock);
	}
	if (t->dead) {
		ret = -ENODEV;
	} else if (count < t->out_len) {
		ret = -EINVAL;
	} else if (copy_to_user(buf, t->out, t->out_len)) {
		ret = -EFAULT;
	} else {
		ret = t->out_len;
		kfree(t->out);
		t->out = NULL;
		t->out_len = 0;
	}
	mutex_unlock(&t->lock);
	return ret;
}

static ssize_t hvu_t_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	struct hvu_transport *t = hvu_file_transport(file);
	void *msg;
	int ret;

	if (!count || count > HVU_WRITE_MAX)
		return -EINVAL;
	msg = memdup_user(buf, count);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	mutex_lock(&t->cb_lock);
	ret = t->dead ? -ENODEV : t->ops->on_write(t->ctx, msg, count);
	mutex_unlock(&t->cb_lock);
	kfree(msg);
	return ret ? ret : count;
}

static __poll_t hvu_t_poll(struct file *file, poll_table *wait)
{
	struct hvu_transport *t = hvu_file_transport(file);
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &t->wq, wait);
	mutex_lock(&t->lock);
	if (t->dead)
		mask = EPOLLERR | EPOLLHUP;
	else if (t->out)
		mask |= EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&t->lock);
	return mask;
}

static const struct file_operations hvu_t_fops = {
	.owner = THIS_MODULE,
	.open = hvu_t_open,
	.release = hvu_t_release,
	.read = hvu_t_read,
	.write = hvu_t_write,
	.poll = hvu_t_poll,
	.llseek = noop_llseek,
};

struct hvu_transport *hvu_transport_create(struct device *parent,
					   const char *name,
					   const struct hvu_transport_ops *ops,
					   void *ctx)
{
	struct hvu_transport *t;
	int ret;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	kref_init(&t->ref);
	mutex_init(&t->cb_lock);
	mutex_init(&t->lock);
	init_waitqueue_head(&t->wq);
	snprintf(t->name, sizeof(t->name), "vmbus/%s", name);
	t->parent = parent;
	t->ops = ops;
	t->ctx = ctx;
	t->mdev.minor = MISC_DYNAMIC_MINOR;
	t->mdev.name = t->name;
	t->mdev.fops = &hvu_t_fops;
	/*
	 * No parent on purpose: upstream's devices live under
	 * /sys/devices/virtual/misc, where the stock units look for them.
	 */
	ret = misc_register(&t->mdev);
	if (ret) {
		dev_err(parent, "cannot create /dev/%s: %d\n", t->name, ret);
		kfree(t);
		return ERR_PTR(ret);
	}
	return t;
}
EXPORT_SYMBOL_IF_KUNIT(hvu_transport_create);

void hvu_transport_destroy(struct hvu_transport *t)
{
	if (IS_ERR_OR_NULL(t))
		return;
	/* No new opens once this returns (misc_open holds the same lock). */
	misc_deregister(&t->mdev);
	mutex_lock(&t->lock);
	t->dead = true;
	mutex_unlock(&t->lock);
	wake_up_interruptible_all(&t->wq);
	/* Wait for a callback in progress; none starts after this. */
	mutex_lock(&t->cb_lock);
	mutex_unlock(&t->cb_lock);
	kref_put(&t->ref, hvu_transport_free);
}
EXPORT_SYMBOL_IF_KUNIT(hvu_transport_destroy);

int hvu_transport_send(struct hvu_transport *t, const void *msg, size_t len)
{
	void *copy;
	int ret = 0;

	copy = kmemdup(msg, len, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	mutex_lock(&t->lock);
	if (!t->opened || t->dead) {
		ret = -ENODEV;
	} else if (t->out) {
		ret = -EBUSY;
	} else {
		t->out = copy;
		t->out_len = len;
		copy = NULL;
	}
	mutex_unlock(&t->lock);
	kfree(copy);
	if (!ret)
		wake_up_interruptible(&t->wq);
	return ret;
}

bool hvu_transport_withdraw(struct hvu_transport *t)
{
	bool unread;

	mutex_lock(&t->lock);
	unread = t->out;
	kfree(t->out);
	t->out = NULL;
	t->out_len = 0;
	mutex_unlock(&t->lock);
	return unread;
}

bool hvu_transport_opened(struct hvu_transport *t)
{
	bool ret;

	mutex_lock(&t->lock);
	ret = t->opened && !t->dead;
	mutex_unlock(&t->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hvu_transport_opened);
