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

#endif /* HVG_COMPAT_H */
