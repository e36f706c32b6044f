// SPDX-License-Identifier: GPL-2.0
/*
 * HAVE_KUNIT_VISIBILITY: <kunit/visibility.h> with EXPORT_SYMBOL_IF_KUNIT
 * (upstream since 6.2).
 */
#include <linux/export.h>
#include <kunit/visibility.h>

int probe_kunit_visibility;
EXPORT_SYMBOL_IF_KUNIT(probe_kunit_visibility);
