// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_HRTIMER_SETUP: hrtimer_setup() initialises a timer with its
 * function (upstream 6.13; hrtimer_init() went in 6.15).
 */
#include <linux/hrtimer.h>

static enum hrtimer_restart probe_fn(struct hrtimer *t)
{
	return HRTIMER_NORESTART;
}

void probe_hrtimer(struct hrtimer *t);
void probe_hrtimer(struct hrtimer *t)
{
	hrtimer_setup(t, probe_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
}
