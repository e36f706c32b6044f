/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims for kernel interfaces that differ between the kernels we build for.
 *
 * The HAVE_ macros come from compat/probe.sh, which compiles one small test
 * per interface against the target kernel. A missing interface is provided
 * here under its upstream name, so the drivers read like upstream code;
 * where a signature changed, a small macro names the variant.
 */
#ifndef HVG_COMPAT_H
#define HVG_COMPAT_H

#include <hvg_probes.h>
#include <linux/device.h>

/*
 * EXPORT_SYMBOL_IF_KUNIT (kunit/visibility.h, 6.2+): a symbol our KUnit
 * suites call. Without the header there are no such suites to call it.
 */
#ifdef HAVE_KUNIT_VISIBILITY
#include <kunit/visibility.h>
#else
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
#define VISIBLE_IF_KUNIT static
#endif
/* Our KUnit suites are built where both exist (Kbuild). */
#if IS_ENABLED(CONFIG_KUNIT) && defined(HAVE_KUNIT_VISIBILITY)
#define HVG_KUNIT 1
#endif

/* bus_type.uevent: const struct device since 6.3. */
#ifdef HAVE_BUS_UEVENT_CONST_DEVICE
#define hvg_uevent_device const struct device
#else
#define hvg_uevent_device struct device
#endif

/* bus_type.match: const struct device_driver since 6.11. */
#ifdef HAVE_BUS_MATCH_CONST_DRIVER
#define hvg_match_driver const struct device_driver
#else
#define hvg_match_driver struct device_driver
#endif

/* bin_attribute.mmap: const struct bin_attribute since 6.14. */
#ifdef HAVE_BIN_ATTR_MMAP_CONST
#define hvg_bin_attr const struct bin_attribute
#else
#define hvg_bin_attr struct bin_attribute
#endif

/* panic_notifier_list: its own header since 5.14, <linux/kernel.h> before. */
#ifdef HAVE_PANIC_NOTIFIER_H
#include <linux/panic_notifier.h>
#else
#include <linux/kernel.h>
#endif

/* INIT_CSD(): since 5.10; before, a call_single_data was filled in. */
#ifndef HAVE_INIT_CSD
#include <linux/smp.h>
static inline void INIT_CSD(call_single_data_t *csd, smp_call_func_t func,
			    void *info)
{
	csd->func = func;
	csd->info = info;
	csd->flags = 0;
}
#endif

/* bus_type.remove: returns void since 5.15, int before. */
#ifdef HAVE_BUS_REMOVE_VOID
#define hvg_bus_remove_t void
#define HVG_BUS_REMOVE_DONE
#else
#define hvg_bus_remove_t int
#define HVG_BUS_REMOVE_DONE	0
#endif

/* hrtimer_setup(): a timer and its function in one call, since 6.13. */
#ifndef HAVE_HRTIMER_SETUP
#include <linux/hrtimer.h>
static inline void hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*fn)(struct hrtimer *),
				 clockid_t clock, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
}
#endif

#endif /* HVG_COMPAT_H */
