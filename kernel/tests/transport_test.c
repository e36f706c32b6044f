// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit test of hv_utils' daemon transport (utils/transport.c): while the
 * service forgets a daemon that closed the device (on_release), nobody
 * can open the device, so a new daemon's registration cannot be wiped by
 * the old one's reset (upstream's hvt_op_release() does both under one
 * lock). The test's own on_release holds the window open; the device is
 * opened through the file system as a daemon opens it, and the close is
 * finished by the kernel's delayed fput, on another thread.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include "../utils/hvu.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define T_NAME	"hvg_kunit_transport"
#define T_PATH	"/dev/vmbus/" T_NAME

struct t_ctx {
	struct completion entered;	/* on_release has begun */
	struct completion go;		/* ... and may finish */
	atomic_t releases;
};

static void t_on_release(void *ctx)
{
	struct t_ctx *c = ctx;

	complete(&c->entered);
	wait_for_completion_timeout(&c->go, 10 * HZ);
	atomic_inc(&c->releases);
}

static const struct hvu_transport_ops t_ops = {
	.on_release = t_on_release,
};

static bool t_released(struct t_ctx *c, int n)
{
	int i;

	for (i = 0; i < 250 && atomic_read(&c->releases) < n; i++)
		msleep(20);
	return atomic_read(&c->releases) >= n;
}

static void release_keeps_device_closed(struct kunit *test)
{
	struct t_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct hvu_transport *t;
	struct file *f, *f2 = NULL;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	init_completion(&c->entered);
	init_completion(&c->go);
	t = hvu_transport_create(NULL, T_NAME, &t_ops, c);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));

	f = filp_open(T_PATH, O_RDWR, 0);
	if (IS_ERR(f)) {
		hvu_transport_destroy(t);
		KUNIT_FAIL(test, "cannot open %s: %ld", T_PATH, PTR_ERR(f));
		return;
	}
	KUNIT_EXPECT_TRUE(test, hvu_transport_opened(t));
	/* A kernel thread's last fput runs later, from a worker. */
	filp_close(f, NULL);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&c->entered, 10 * HZ),
			0UL);

	/* Inside on_release: the device is still taken. */
	f = filp_open(T_PATH, O_RDWR, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(f), -EBUSY);
	if (!IS_ERR(f))
		filp_close(f, NULL);

	complete_all(&c->go);
	KUNIT_EXPECT_TRUE(test, t_released(c, 1));
	/* Once the release is over, the next daemon gets it. */
	for (i = 0; i < 100; i++) {
		f2 = filp_open(T_PATH, O_RDWR, 0);
		if (!IS_ERR(f2))
			break;
		msleep(20);
	}
	KUNIT_EXPECT_FALSE(test, IS_ERR(f2));
	if (!IS_ERR(f2)) {
		filp_close(f2, NULL);
		KUNIT_EXPECT_TRUE(test, t_released(c, 2));
	}
	hvu_transport_destroy(t);
}

static struct kunit_case transport_cases[] = {
	KUNIT_CASE(release_keeps_device_closed),
	{}
};

static struct kunit_suite transport_suite = {
	.name = "hvu_transport",
	.test_cases = transport_cases,
};

kunit_test_suite(transport_suite);

MODULE_DESCRIPTION("KUnit tests for hv_utils' daemon transport");
MODULE_LICENSE("GPL");
