// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_PANIC_NOTIFIER_H: panic_notifier_list is declared in
 * <linux/panic_notifier.h> (upstream 5.14; before, <linux/kernel.h>).
 */
#include <linux/panic_notifier.h>

struct atomic_notifier_head *probe_list = &panic_notifier_list;
